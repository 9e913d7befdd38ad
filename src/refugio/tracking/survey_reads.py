"""Reads of flow monitoring surveys (re-exported by queries.py): the surveys of a point, and the
people they describe broken down by nationality, reason, destination, transport, sex or age group
and direction. Only `current` surveys count (an edited one is replaced by its edit); a survey
counts its whole group (`group_size`). TRACKING_VIEW for the point's operation.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, ValidationFailed
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.tracking.models import FlowPoint, FlowSurvey
from refugio.tracking.schemas import FlowSurveyRead

SURVEY_BREAKDOWNS = ("nationality", "reasons", "destination_country", "origin_country", "transport", "sex",
                     "age_group")  # fmt: skip


def _point(session: Session, actor: Principal, point_id: uuid.UUID) -> FlowPoint:
    point = session.get(FlowPoint, point_id)
    if point is None or not actor.can(Permission.TRACKING_VIEW, operation_id=point.operation_id):
        raise NotFound("no such flow monitoring point")
    return point


def flow_surveys(
    session: Session, *, actor: Principal, point_id: uuid.UUID, limit: int = 200
) -> list[FlowSurveyRead]:
    """The current surveys of a point, newest first."""
    point = _point(session, actor, point_id)
    stmt = (
        select(FlowSurvey)
        .where(FlowSurvey.point_id == point_id, FlowSurvey.status == "current")
        .order_by(FlowSurvey.survey_date.desc(), FlowSurvey.received_at.desc())
        .limit(limit)
    )
    return [
        FlowSurveyRead.model_validate(s).model_copy(update={"point_code": point.code})
        for s in session.scalars(stmt)
    ]


def survey_breakdown(
    session: Session, *, actor: Principal, point_id: uuid.UUID, by: str
) -> list[dict[str, object]]:
    """People described by the current surveys of a point, by `by` and direction (several reasons: the
    group counts under each)."""
    if by not in SURVEY_BREAKDOWNS:
        raise ValidationFailed.single("by", f"one of {', '.join(SURVEY_BREAKDOWNS)}")
    _point(session, actor, point_id)
    out: dict[str, dict[str, object]] = {}
    stmt = select(getattr(FlowSurvey, by), FlowSurvey.direction, FlowSurvey.group_size).where(
        FlowSurvey.point_id == point_id, FlowSurvey.status == "current"
    )
    for value, direction, size in session.execute(stmt):
        for key in value if isinstance(value, list) else [value or "not stated"]:
            row = out.setdefault(str(key), {by: str(key), "incoming": 0, "outgoing": 0, "surveys": 0})
            row[direction] = int(str(row[direction])) + int(size)
            row["surveys"] = int(str(row["surveys"])) + 1
    return sorted(
        out.values(), key=lambda r: (-int(str(r["incoming"])) - int(str(r["outgoing"])), str(r[by]))
    )


__all__ = ["SURVEY_BREAKDOWNS", "flow_surveys", "survey_breakdown"]
