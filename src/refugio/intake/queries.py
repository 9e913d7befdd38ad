"""Intake reads: the imports in the caller's scope, one import, a page of its rows, the published forms.

Every read of an import is limited to the operations and sites where the caller may import
(`service.IMPORT_PERMISSION`), as the writes are. Returns the read models of refugio.intake.schemas;
must not import any web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.intake import service
from refugio.intake.models import ImportBatch, PublishedForm, SourceRecord, StagedRow
from refugio.intake.schemas import (
    BatchRead,
    CreatedHousehold,
    CreatedPage,
    FormRead,
    RowsPage,
    StagedRowRead,
)
from refugio.registration.queries import scope_clause
from refugio.security.principals import Principal

ROW_STATUSES = ("new", "update", "unchanged", "invalid", "held")


def batches(session: Session, *, actor: Principal, limit: int = 50) -> list[BatchRead]:
    """The imports the actor may see, newest first."""
    rows = session.scalars(
        select(ImportBatch)
        .where(scope_clause(actor, service.IMPORT_PERMISSION, ImportBatch.operation_id, ImportBatch.site_id))
        .order_by(ImportBatch.created_at.desc())
        .limit(limit)
    )
    return [BatchRead.model_validate(b) for b in rows]


def batch(session: Session, *, actor: Principal, batch_id: uuid.UUID) -> BatchRead:
    """One import the actor may import into (NotFound otherwise)."""
    found = session.get(ImportBatch, batch_id)
    if found is None or not actor.can(
        service.IMPORT_PERMISSION, operation_id=found.operation_id, site_id=found.site_id
    ):
        raise NotFound("no such import")
    return BatchRead.model_validate(found)


def rows(
    session: Session,
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    statuses: Sequence[str] = (),
    offset: int = 0,
    limit: int = 100,
) -> RowsPage:
    """A page of an import's rows in file order, those with one of `statuses` (all when empty)."""
    found = batch(session, actor=actor, batch_id=batch_id)
    where = [StagedRow.batch_id == found.id]
    if statuses:
        where.append(StagedRow.status.in_(list(statuses)))
    total = session.scalar(select(func.count()).select_from(StagedRow).where(*where)) or 0
    page = session.scalars(
        select(StagedRow).where(*where).order_by(StagedRow.row_no).offset(offset).limit(limit)
    )
    return RowsPage(
        items=[StagedRowRead.model_validate(r) for r in page], total=int(total), offset=offset, limit=limit
    )


def created_households(
    session: Session, *, actor: Principal, batch_id: uuid.UUID, offset: int = 0, limit: int = 100
) -> CreatedPage:
    """A page of the households an import registered when it was committed, in source-key order."""
    found = batch(session, actor=actor, batch_id=batch_id)
    where = (SourceRecord.batch_id == found.id, SourceRecord.kind == "household")
    total = session.scalar(select(func.count()).select_from(SourceRecord).where(*where)) or 0
    page = session.execute(
        select(SourceRecord.target_id, SourceRecord.record_key)
        .where(*where)
        .order_by(SourceRecord.record_key)
        .offset(offset)
        .limit(limit)
    )
    return CreatedPage(
        items=[CreatedHousehold(household_id=hid, source_key=key) for hid, key in page],
        total=int(total),
        offset=offset,
        limit=limit,
    )


def published_forms(session: Session) -> list[FormRead]:
    """Every published form, active or not, by form id (for administrators; not scoped)."""
    return [
        FormRead.model_validate(f)
        for f in session.scalars(select(PublishedForm).order_by(PublishedForm.form_id))
    ]


def abandoned_count(session: Session, *, idle_before: dt.datetime) -> int:
    """How many unfinished imports have seen no change since `idle_before` (what `purge_abandoned`
    would purge; counts only, for the retention rules' dry runs)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ImportBatch)
            .where(
                ImportBatch.status.in_(sorted(service.OPEN_STATUSES)), ImportBatch.updated_at < idle_before
            )
        )
        or 0
    )
