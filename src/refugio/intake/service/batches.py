"""Import batches: opening one, its mapping, progress and failure, refusing it (its staged rows are
deleted: nothing reaches the registry), and saved mappings. Every write is audited.

Imports intake and registration models; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.intake.mapping import Mapping
from refugio.intake.models import Attachment, ImportBatch, SavedMapping, StagedRow, Submission
from refugio.intake.service.common import (
    IMPORT_PERMISSION,
    OPEN_STATUSES,
    find_site,
    load_batch,
    sites_by_code,
)
from refugio.security import audit
from refugio.security.principals import Principal


def start_batch(
    session: Session,
    *,
    actor: Principal,
    source: str,
    kind: str,
    site_id: uuid.UUID | None = None,
    operation_id: uuid.UUID | None = None,
    filename: str | None = None,
    file_sha256: str | None = None,
    file_bytes: int = 0,
    headers: Sequence[str] = (),
    hxl: Sequence[str] | None = None,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    warnings: Sequence[str] = (),
    form_id: str | None = None,
    status: str = "staging",
) -> ImportBatch:
    """Open an import batch for a site (or a whole operation, if the actor may import there)."""
    if site_id is not None:
        site = find_site(session, site_id)
        operation_id = site.operation_id
    if operation_id is None:
        raise ValidationFailed.single("site_id", "choose the site (or operation) to import into", "required")
    if not actor.can(IMPORT_PERMISSION, operation_id=operation_id, site_id=site_id):
        where = "this site" if site_id else "this whole operation (choose a site)"
        raise ValidationFailed.single(
            "site_id", f"you may not import registrations into {where}", "forbidden"
        )
    if mapping is not None:
        check_default_site(session, actor=actor, operation_id=operation_id, mapping=mapping)
    source = (source or "").strip()
    if not 1 <= len(source) <= 80:
        raise ValidationFailed.single("source", "name the source in 1 to 80 characters", "required")
    batch = ImportBatch(
        operation_id=operation_id,
        site_id=site_id,
        source=source,
        kind=kind,
        filename=(filename or None) and filename[-255:],
        file_sha256=file_sha256,
        file_bytes=file_bytes,
        headers=list(headers),
        hxl=list(hxl) if hxl else None,
        sheet=sheet,
        mapping=mapping.as_dict() if mapping else {},
        counts={},
        warnings=list(warnings),
        form_id=form_id,
        status=status,
        phase_done=0,
        created_by=actor.label,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_start",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"source": source, "kind": kind, "file": batch.filename, "sha256": file_sha256},
    )
    return batch


def set_mapping(
    session: Session, *, actor: Principal, batch: ImportBatch, mapping: Mapping, source: str | None = None
) -> ImportBatch:
    """Record the reviewed mapping of an uploaded file before it is staged."""
    if batch.status != "uploaded":
        raise Conflict("the mapping can be changed only before the rows are read")
    check_default_site(session, actor=actor, operation_id=batch.operation_id, mapping=mapping)
    batch.mapping = mapping.as_dict()
    if source:
        batch.source = source.strip()[:80]
    batch.status = "staging"
    session.flush()
    return batch


def check_default_site(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, mapping: Mapping
) -> None:
    """A mapping's default site must be a site of the operation the actor may import into."""
    errors = _default_site_errors(session, actor, operation_id, mapping.defaults.get("site"))
    if errors:
        raise ValidationFailed(errors)


def checked_mapping(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, data: dict[str, Any]
) -> Mapping:
    """A mapping from its dict shape with every problem reported in one round (its fields, its
    defaults' values and the default site's permission)."""
    errors: list[FieldError] = []
    mapping: Mapping | None = None
    try:
        mapping = Mapping.from_dict(data)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    site = (data.get("defaults") or {}).get("site")
    errors.extend(_default_site_errors(session, actor, operation_id, str(site).strip() if site else None))
    if errors or mapping is None:
        raise ValidationFailed(errors)
    return mapping


def _default_site_errors(
    session: Session, actor: Principal, operation_id: uuid.UUID, code: Any
) -> list[FieldError]:
    if not code:
        return []
    site_id = sites_by_code(session, operation_id).get(str(code).upper())
    if site_id is None:
        return [FieldError("mapping.defaults.site", f"no site {code!r} in this operation", "unknown_site")]
    if not actor.can(IMPORT_PERMISSION, operation_id=operation_id, site_id=site_id):
        return [
            FieldError(
                "mapping.defaults.site", f"you may not import registrations into site {code!r}", "forbidden"
            )
        ]
    return []


def mark_failed(session: Session, *, actor: Principal, batch: ImportBatch, message: str) -> None:
    """The file could not be read: record why and drop whatever rows were staged."""
    session.execute(delete(StagedRow).where(StagedRow.batch_id == batch.id))
    batch.status = "failed"
    batch.message = message[:4000]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_failed",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"message": message[:500]},
    )


def set_progress(session: Session, *, batch: ImportBatch, status: str, done: int, total: int | None) -> None:
    batch.status = status
    batch.phase_done = done
    batch.phase_total = total
    session.flush()


def refuse_batch(session: Session, *, actor: Principal, batch_id: uuid.UUID, reason: str) -> ImportBatch:
    """Refuse a batch: its staged rows (and any submissions' attachments) are deleted; nothing of it
    reaches the registry."""
    batch = load_batch(session, actor=actor, batch_id=batch_id, lock=True)
    if batch.status == "committed":
        raise Conflict("this import was committed: correct the records on their pages instead")
    if batch.status == "refused":
        raise Conflict("this import was already refused")
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed.single("reason", "give the reason for refusing the import", "required")
    session.execute(delete(StagedRow).where(StagedRow.batch_id == batch.id))
    sub_ids = select(Submission.id).where(Submission.batch_id == batch.id)
    session.execute(delete(Attachment).where(Attachment.submission_id.in_(sub_ids)))
    session.execute(
        update(Submission).where(Submission.batch_id == batch.id).values(status="refused", xml="")
    )
    batch.status = "refused"
    batch.refused_at = clock.now()
    batch.refused_by = actor.label
    batch.refusal_reason = reason[:2000]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_refuse",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"reason": reason[:500]},
    )
    return batch


def save_mapping(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, name: str, mapping: Mapping
) -> SavedMapping:
    """Save (or replace) a named mapping for an operation."""
    if not actor.can_anywhere(IMPORT_PERMISSION):
        raise ValidationFailed.single("name", "you may not import registrations", "forbidden")
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise ValidationFailed.single("name", "name the mapping in 1 to 80 characters", "required")
    row = session.scalar(
        select(SavedMapping).where(SavedMapping.operation_id == operation_id, SavedMapping.name == name)
    )
    content = {**mapping.as_dict(), "name": name}
    if row is None:
        row = SavedMapping(operation_id=operation_id, name=name, content=content, created_by=actor.label)
        session.add(row)
    else:
        row.content = content
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.mapping_save",
        object_type="intake_mapping",
        object_id=str(row.id),
    )
    return row


def purge_abandoned(session: Session, *, actor: Principal, older_than: dt.timedelta) -> list[uuid.UUID]:
    """Imports left unfinished (an upload never reviewed, a process killed while staging, OpenRosa
    batches never closed) hold personal data in their staged rows: after `older_than` without any
    change, their rows, submissions' XML and attachments are deleted and the batch is marked `expired`
    (its counts stay, for the record). Audited; returns the ids of the batches purged. Administrators
    only (IMPORT on every operation)."""
    if not actor.scope(IMPORT_PERMISSION).everything:
        raise PermissionDenied(f"{actor.label} may not purge imports")
    cutoff = clock.now() - older_than
    stale = list(
        session.scalars(
            select(ImportBatch)
            .where(ImportBatch.status.in_(sorted(OPEN_STATUSES)), ImportBatch.updated_at < cutoff)
            .order_by(ImportBatch.created_at)
            .with_for_update()
        )
    )
    for batch in stale:
        session.execute(delete(StagedRow).where(StagedRow.batch_id == batch.id))
        sub_ids = select(Submission.id).where(Submission.batch_id == batch.id)
        session.execute(delete(Attachment).where(Attachment.submission_id.in_(sub_ids)))
        session.execute(
            update(Submission).where(Submission.batch_id == batch.id).values(status="expired", xml="")
        )
        was = batch.status
        batch.status = "expired"
        batch.message = f"expired: no activity for {older_than.days} days while {was}; its rows were deleted"
        audit.record(
            session,
            actor=actor,
            action="intake.batch_expired",
            object_type="intake_batch",
            object_id=str(batch.id),
            details={"was": was, "idle_days": older_than.days},
        )
    session.flush()
    return [b.id for b in stale]
