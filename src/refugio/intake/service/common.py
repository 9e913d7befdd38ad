"""What the intake services share: the constants, loading a batch and its sites, and reading a page
of staged households (one Core query, no ORM objects) and writing their statuses back.

Imports intake and registration models; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, literal, select, update
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, ValidationFailed
from refugio.intake.events import ImportCommitted, ImportScreening
from refugio.intake.households import (
    RowView,
)
from refugio.intake.models import ImportBatch, StagedRow
from refugio.registration.models import Site
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.locking import for_update

SCREEN_EVENT = ImportScreening  # the event types (subscribe to them: `bus.subscribe(SCREEN_EVENT, handler)`)
COMMITTED_EVENT = ImportCommitted
IMPORT_PERMISSION = Permission.HOUSEHOLD_CREATE  # a dedicated IMPORT_RUN would be clearer (see hand-over)
PAGE_HOUSEHOLDS = 1000
REGISTER_CHUNK = 1000
BLOCKING = {"invalid", "held"}
OPEN_STATUSES = {"uploaded", "staging", "validating", "ready", "receiving", "blocked"}
STAGED: Table = StagedRow.__table__  # type: ignore[assignment]
ENCODED = frozenset({"values"})  # staged values arrive as JSON text (hashed and stored as encoded)
ROW = StagedRow.__table__.c
VIEW_COLUMNS = (
    ROW.id,
    ROW.row_no,
    ROW.household_key,
    ROW.member_key,
    ROW.content_hash,
    ROW["values"],
    ROW.errors,
    ROW.status,
    ROW.individual_id,
    ROW.changes,
)


def find_site(session: Session, site_id: uuid.UUID) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise ValidationFailed.single("site_id", "unknown site", "unknown_site")
    return site


def load_batch(session: Session, *, actor: Principal, batch_id: uuid.UUID, lock: bool = False) -> ImportBatch:
    """A batch the actor may import into (NotFound otherwise)."""
    stmt = select(ImportBatch).where(ImportBatch.id == batch_id)
    if lock:
        stmt = for_update(session, stmt)
    batch = session.scalars(stmt).one_or_none()
    if batch is None or not actor.can(
        IMPORT_PERMISSION, operation_id=batch.operation_id, site_id=batch.site_id
    ):
        raise NotFound("no such import")
    return batch


def sites_by_code(session: Session, operation_id: uuid.UUID) -> dict[str, uuid.UUID]:
    return {
        code.upper(): sid
        for code, sid in session.execute(select(Site.code, Site.id).where(Site.operation_id == operation_id))
    }


@dataclass
class Context:
    actor: Principal
    batch: ImportBatch
    sites: dict[str, uuid.UUID]
    today: dt.date
    columns: dict[str, str]
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def columns_of(batch: ImportBatch) -> dict[str, str]:
    """field → column header, from the batch's mapping (for messages in the report)."""
    return {f: h for h, f in (batch.mapping.get("columns") or {}).items() if f != "-"}


def page_keys(session: Session, batch_id: uuid.UUID, after: str | None, limit: int) -> list[str]:
    stmt = select(StagedRow.household_key).distinct().where(StagedRow.batch_id == batch_id)
    if after is not None:
        stmt = stmt.where(StagedRow.household_key > after)
    return list(session.scalars(stmt.order_by(StagedRow.household_key).limit(limit)))


def page_views(
    session: Session,
    batch_id: uuid.UUID,
    keys: list[str],
    columns: dict[str, str],
    *,
    with_errors: bool = True,
) -> dict[str, list[RowView]]:
    """The rows of the households `keys` (a sorted page of keys), grouped by household in row order,
    read with one Core query (no ORM objects; the cells as read are not needed here). Without
    `with_errors` the rows' messages are not read (a commit needs only their status)."""
    grouped: dict[str, list[RowView]] = {}
    wanted = (
        VIEW_COLUMNS
        if with_errors
        else tuple(literal(None).label("errors") if c is ROW.errors else c for c in VIEW_COLUMNS)
    )
    stmt = (
        select(*wanted)
        .where(ROW.batch_id == batch_id, ROW.household_key >= keys[0], ROW.household_key <= keys[-1])
        .order_by(ROW.household_key, ROW.row_no)
    )
    for (
        rid,
        row_no,
        hkey,
        mkey,
        digest,
        values,
        errors,
        status,
        individual_id,
        changes,
    ) in session.connection().execute(stmt).fetchall():  # one fetch: the driver fetchone is slow
        view = RowView(
            id=rid,
            row_no=row_no,
            values=values,
            errors=errors or [],
            member_key=mkey,
            individual_id=individual_id,
            status=status,
            changes=changes,
            columns=columns,
            household_key=hkey,
            content_hash=digest,
        )
        found = grouped.get(hkey)
        if found is None:
            grouped[hkey] = [view]
        else:
            found.append(view)
    return grouped


def site_of(ctx: Context, views: list[RowView]) -> uuid.UUID | None:
    focal = next((v for v in views if v.values.get("relationship") == "focal_point"), views[0])
    code = focal.values.get("site") or next(
        (v.values.get("site") for v in views if v.values.get("site")), None
    )
    if code:
        return ctx.sites.get(str(code).upper())
    return ctx.batch.site_id


def write_rows(session: Session, updates: list[dict[str, Any]]) -> None:
    if updates:
        session.connection().execute(
            update(StagedRow.__table__)  # type: ignore[arg-type]
            .where(StagedRow.__table__.c.id == bindparam("rid"))
            .values(status=bindparam("st"), errors=bindparam("er"), changes=bindparam("ch")),
            updates,
        )
