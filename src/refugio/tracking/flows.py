"""Flow monitoring: points (border crossings, transit centres, bus stations…) of an operation, and the
people counted there each day by direction, sex, age group, nationality and means of transport —
recorded one by one or from a CSV file (line-numbered errors; nothing written unless every line is
valid). Recording a combination again for the same day corrects it (the count is replaced, and the
audit log keeps the old value). Writes flush, never commit. Permissions: TRACKING_MANAGE for the
point's operation; reads (queries.py) TRACKING_VIEW for it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.files import read_table
from refugio.tracking.models import AdminArea, FlowCount, FlowPoint
from refugio.tracking.positions import check_position
from refugio.tracking.schemas import FlowCountIn, FlowPointCreate

COUNT_COLUMNS = ["point", "day", "direction", "sex", "age_group", "nationality", "transport", "count"]


def add_flow_point(session: Session, *, actor: Principal, data: FlowPointCreate) -> FlowPoint:
    """Add a flow monitoring point to an operation."""
    policy.require_site_manage(actor, data.operation_id)
    loaded = session.scalar(select(AdminArea.pcode).limit(1)) is not None
    if data.admin_pcode and loaded and session.get(AdminArea, data.admin_pcode) is None:
        raise ValidationFailed.single("admin_pcode", f"unknown P-code {data.admin_pcode}")
    check_position(session, operation_id=data.operation_id, pcode=data.admin_pcode,
                   latitude=data.latitude, longitude=data.longitude)  # fmt: skip
    clash = session.scalar(
        select(FlowPoint.id).where(FlowPoint.operation_id == data.operation_id, FlowPoint.code == data.code)
    )
    if clash is not None:
        raise Conflict(f"a flow monitoring point {data.code} exists already in this operation")
    point = FlowPoint(**{**data.model_dump(mode="json"), "operation_id": data.operation_id})
    session.add(point)
    session.flush()
    audit.record(session, actor=actor, action="tracking.flow_point_added", object_type="tracking_flow_point",
                 object_id=str(point.id), details={"code": point.code})  # fmt: skip
    return point


def record_flow_counts(
    session: Session, *, actor: Principal, point_id: uuid.UUID, counts: list[FlowCountIn]
) -> int:
    """Record (or correct) the counts of one point; the number of combinations written."""
    point = session.get(FlowPoint, point_id)
    if point is None:
        raise NotFound("no such flow monitoring point")
    policy.require_site_manage(actor, point.operation_id)
    today = clock.today()
    future = [i for i, c in enumerate(counts) if c.day > today]
    if future:
        raise ValidationFailed([FieldError(f"{i}.day", "the day is in the future") for i in future])
    existing = {
        (c.day, c.direction, c.sex, c.age_group, c.nationality, c.transport): c
        for c in session.scalars(
            select(FlowCount).where(
                FlowCount.point_id == point_id, FlowCount.day.in_({c.day for c in counts})
            )
        )
    }
    corrected = []
    for c in counts:
        key = (c.day, c.direction.value, c.sex, c.age_group.value, c.nationality, c.transport.value)
        row = existing.get(key)
        if row is None:
            row = FlowCount(
                point_id=point_id, day=c.day, direction=key[1], sex=c.sex, age_group=key[3],
                nationality=c.nationality, transport=key[5], count=c.count, recorded_by=actor.username,
            )  # fmt: skip
            session.add(row)
            existing[key] = row
        elif row.count != c.count:
            corrected.append(
                {"day": c.day.isoformat(), "key": list(key[1:]), "was": row.count, "now": c.count}
            )
            row.count, row.recorded_by, row.recorded_at = c.count, actor.username, clock.now()
    session.flush()
    audit.record(
        session, actor=actor, action="tracking.flow_counts_recorded", object_type="tracking_flow_point",
        object_id=str(point_id), details={"rows": len(counts), "corrected": corrected[:100]},
    )  # fmt: skip
    return len(counts)


def import_flow_counts(session: Session, *, actor: Principal, operation_id: uuid.UUID, path: Path) -> int:
    """Record the counts of a CSV file (`point` is the point's code); every error names its line."""
    table = read_table(path, required=COUNT_COLUMNS)
    points = {
        p.code: p.id for p in session.scalars(select(FlowPoint).where(FlowPoint.operation_id == operation_id))
    }
    errors: list[FieldError] = []
    by_point: dict[uuid.UUID, list[FlowCountIn]] = {}
    for line, row in table.rows:
        point = points.get(row["point"])
        if point is None:
            errors.append(
                FieldError(f"line {line}", f"line {line}: no flow monitoring point {row['point']!r}")
            )
            continue
        values = {k: row[k] for k in COUNT_COLUMNS[1:] if row.get(k)}
        try:
            by_point.setdefault(point, []).append(FlowCountIn.model_validate(values))
        except ValidationError as exc:
            for e in exc.errors():
                errors.append(
                    FieldError(f"line {line}", f"line {line}: {'.'.join(map(str, e['loc']))}: {e['msg']}")
                )
    if errors:
        raise ValidationFailed(errors[:200], message=f"{len(errors)} error(s); nothing recorded")
    return sum(record_flow_counts(session, actor=actor, point_id=p, counts=c) for p, c in by_point.items())


def flow_day_range(days: int, end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of the `days` days ending on `end` (today by default)."""
    last = end or clock.today()
    return last - dt.timedelta(days=days - 1), last


__all__ = ["COUNT_COLUMNS", "add_flow_point", "flow_day_range", "import_flow_counts", "record_flow_counts"]
