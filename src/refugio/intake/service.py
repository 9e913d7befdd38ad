"""Intake writes: stage → validate → review → commit (or refuse). Keyword-only arguments; they flush,
never commit: the caller's unit of work commits (see pipeline.py for the driver that stages a large
file in several units of work so that progress shows and memory stays flat).

- `start_batch` opens a batch; `stage` adds rows (values already read and mapped), each with its
  per-field errors, its keys and whether its person is already registered from this source, in one
  set-based insert per chunk (`store.bulk`: COPY on PostgreSQL).
- `validate_page` / `finish_validation` rebuild households from the staged rows (whatever their order
  in the file), check them with the registration rules and against the registry, and compute for each
  re-imported person what would change. Then the batch is `ready` for review. Pages of households are
  read with one Core query (no ORM objects) and their registry context with a few batched queries.
- `commit_batch` registers every valid new household through `registration.service.register_households`
  and applies the changes of re-imported people through the registration event functions
  (`update_individual`, `change_status`, `change_address`, `add_document`, `flag_need`), all in the
  caller's ONE transaction: any failure leaves nothing. The same row imported again changes nothing.
- `refuse_batch` deletes the staged rows: nothing of the batch reaches the registry.

Deduplication hook (wired by refugio.main to refugio.dedup.screening): when a batch has
been validated, `SCREEN_EVENT` is published on `refugio.core.events.bus` with payload
`{"request": ScreenRequest}`; a handler reads `request.records()` (new people, in the shape of the
`refugio dedup link` input) and calls `request.flag(record_id, message)` for possible duplicates (shown
as warnings; presumption of innocence: they are still registered) or raises a RefugioError to block
the whole batch (e.g. half the batch looks duplicated). After a commit, `COMMITTED_EVENT` carries
`people()`, which yields the ids of the people registered or updated, and `possible_duplicates()`, the
ids of those whose rows screening flagged, for linkage against the registry (the review queue).

Imports refugio.registration (service, models, validation), security, store and core; never a web
framework. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Text, bindparam, cast, delete, distinct, func, literal, select, update
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import Conflict, FieldError, NotFound, RefugioError, ValidationFailed
from refugio.core.events import DomainEvent, EventBus, bus
from refugio.intake.households import (
    ADDRESS_FIELDS,
    RowView,
    document_key,
    hash_of_json,
    payload,
    person_changes,
    row_keys,
    validate_payload,
    values_json,
)
from refugio.intake.mapping import CellError, Mapping
from refugio.intake.models import Attachment, ImportBatch, SavedMapping, SourceRecord, StagedRow, Submission
from refugio.registration import service as registration
from refugio.registration.models import Household, IdentityDocument, Individual, Site, SpecificNeed
from refugio.registration.needs import CODES as NEED_CODES
from refugio.registration.schemas import (
    AddressChange,
    DocumentCreate,
    HouseholdCreate,
    IndividualUpdate,
    NeedFlag,
    StatusChange,
)
from refugio.registration.validation import normalise_document_number, normalise_phone
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store import bulk

SCREEN_EVENT = "intake.batch.screen"
COMMITTED_EVENT = "intake.batch.committed"
IMPORT_PERMISSION = Permission.HOUSEHOLD_CREATE  # a dedicated IMPORT_RUN would be clearer (see hand-over)
PAGE_HOUSEHOLDS = 1000
REGISTER_CHUNK = 1000
BLOCKING = {"invalid", "held"}
OPEN_STATUSES = {"uploaded", "staging", "validating", "ready", "receiving", "blocked"}
_STAGED: Table = StagedRow.__table__  # type: ignore[assignment]
_ENCODED = frozenset({"values"})  # staged values arrive as JSON text (hashed and stored as encoded)


@dataclass(frozen=True)
class RowInput:
    """One row read from a file or a submission, already mapped to refugio values."""

    row_no: int
    values: dict[str, Any]
    errors: Sequence[CellError] = ()
    cells: Sequence[Any] = ()
    sheet: str | None = None
    submission_id: uuid.UUID | None = None


# ---------------------------------------------------------------------------------------------------
# batches


def _site(session: Session, site_id: uuid.UUID) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise ValidationFailed.single("site_id", "unknown site", "unknown_site")
    return site


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
        site = _site(session, site_id)
        operation_id = site.operation_id
    if operation_id is None:
        raise ValidationFailed.single("site_id", "choose the site (or operation) to import into", "required")
    if not actor.can(IMPORT_PERMISSION, operation_id=operation_id, site_id=site_id):
        where = "this site" if site_id else "this whole operation (choose a site)"
        raise ValidationFailed.single(
            "site_id", f"you may not import registrations into {where}", "forbidden"
        )
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


def load_batch(session: Session, *, actor: Principal, batch_id: uuid.UUID, lock: bool = False) -> ImportBatch:
    """A batch the actor may import into (NotFound otherwise)."""
    stmt = select(ImportBatch).where(ImportBatch.id == batch_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    batch = session.scalars(stmt).one_or_none()
    if batch is None or not actor.can(
        IMPORT_PERMISSION, operation_id=batch.operation_id, site_id=batch.site_id
    ):
        raise NotFound("no such import")
    return batch


def set_mapping(
    session: Session, *, actor: Principal, batch: ImportBatch, mapping: Mapping, source: str | None = None
) -> ImportBatch:
    """Record the reviewed mapping of an uploaded file before it is staged."""
    if batch.status != "uploaded":
        raise Conflict("the mapping can be changed only before the rows are read")
    batch.mapping = mapping.as_dict()
    if source:
        batch.source = source.strip()[:80]
    batch.status = "staging"
    session.flush()
    return batch


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


def sites_by_code(session: Session, operation_id: uuid.UUID) -> dict[str, uuid.UUID]:
    return {
        code.upper(): sid
        for code, sid in session.execute(select(Site.code, Site.id).where(Site.operation_id == operation_id))
    }


# ---------------------------------------------------------------------------------------------------
# staging


def _json_cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _json_cells(cells: Sequence[Any]) -> list[Any]:
    out = list(cells)
    for i, c in enumerate(out):
        if type(c) is not str:  # CSV cells are all text: nothing to convert
            out[i] = _json_cell(c)
    return out


def stage(
    session: Session,
    *,
    batch: ImportBatch,
    inputs: Sequence[RowInput],
    sites: dict[str, uuid.UUID],
) -> int:
    """Add rows to a batch: keys, content hash, per-field errors, and the person each re-imported row
    is (from this source). Returns the number of rows staged."""
    if not inputs:
        return 0
    prepared: list[tuple[RowInput, str, list[dict[str, Any]], str, str, str]] = []
    for item in inputs:
        values = dict(item.values)
        errors = [e.as_dict() for e in item.errors]
        code = values.get("site")
        if code:
            code = str(code).strip().upper()
            values["site"] = code
            if code not in sites:
                errors.append(
                    CellError("site", None, f"no site {code!r} in this operation", "unknown_site").as_dict()
                )
        household_key, member_key = row_keys(values)
        text = values_json(values)  # hashed and stored: encoded once
        prepared.append((item, text, errors, household_key, member_key, hash_of_json(text)))
    links = {
        key: (target, digest)
        for key, target, digest in session.execute(
            select(SourceRecord.record_key, SourceRecord.target_id, SourceRecord.content_hash).where(
                SourceRecord.operation_id == batch.operation_id,
                SourceRecord.source == batch.source,
                SourceRecord.kind == "member",
                SourceRecord.record_key.in_({p[4] for p in prepared}),
            )
        )
    }
    rows: list[dict[str, Any]] = []
    for item, text, errors, household_key, member_key, digest in prepared:
        link = links.get(member_key)
        if any(e["level"] == "error" for e in errors):
            status = "invalid"
        elif link is None:
            status = "new"
        else:
            status = "unchanged" if link[1] == digest else "update"
        rows.append(
            {
                "batch_id": batch.id,
                "row_no": item.row_no,
                "sheet": item.sheet,
                "household_key": household_key,
                "member_key": member_key,
                "content_hash": digest,
                "cells": _json_cells(item.cells),
                "values": text,
                "errors": errors,
                "status": status,
                "individual_id": link[0] if link else None,
                "changes": None,
                "submission_id": item.submission_id,
            }
        )
    return bulk.insert_rows(session.connection(), _STAGED, rows, encoded=_ENCODED)


# ---------------------------------------------------------------------------------------------------
# validation


@dataclass
class _Context:
    actor: Principal
    batch: ImportBatch
    sites: dict[str, uuid.UUID]
    today: dt.date
    columns: dict[str, str]
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _columns_of(batch: ImportBatch) -> dict[str, str]:
    """field → column header, from the batch's mapping (for messages in the report)."""
    return {f: h for h, f in (batch.mapping.get("columns") or {}).items() if f != "-"}


def _page_keys(session: Session, batch_id: uuid.UUID, after: str | None, limit: int) -> list[str]:
    stmt = select(StagedRow.household_key).distinct().where(StagedRow.batch_id == batch_id)
    if after is not None:
        stmt = stmt.where(StagedRow.household_key > after)
    return list(session.scalars(stmt.order_by(StagedRow.household_key).limit(limit)))


_ROW = StagedRow.__table__.c
_VIEW_COLUMNS = (
    _ROW.id,
    _ROW.row_no,
    _ROW.household_key,
    _ROW.member_key,
    _ROW.content_hash,
    _ROW["values"],
    _ROW.errors,
    _ROW.status,
    _ROW.individual_id,
    _ROW.changes,
)


def _page_views(
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
        _VIEW_COLUMNS
        if with_errors
        else tuple(literal(None).label("errors") if c is _ROW.errors else c for c in _VIEW_COLUMNS)
    )
    stmt = (
        select(*wanted)
        .where(_ROW.batch_id == batch_id, _ROW.household_key >= keys[0], _ROW.household_key <= keys[-1])
        .order_by(_ROW.household_key, _ROW.row_no)
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


def _site_of(ctx: _Context, views: list[RowView]) -> uuid.UUID | None:
    focal = next((v for v in views if v.values.get("relationship") == "focal_point"), views[0])
    code = focal.values.get("site") or next(
        (v.values.get("site") for v in views if v.values.get("site")), None
    )
    if code:
        return ctx.sites.get(str(code).upper())
    return ctx.batch.site_id


def _finish_household(views: list[RowView]) -> None:
    """A household with an error anywhere is held back whole: its other rows say where the errors are."""
    bad = [v for v in views if v.has_errors()]
    if not bad:
        return
    where = ", ".join(str(v.row_no) for v in bad[:10])
    for v in views:
        if v.has_errors():
            v.status = "invalid"
        else:
            v.status = "held"
            v.add(
                "household",
                f"not imported: its household has errors on row(s) {where}",
                "household_has_errors",
                "warning",
            )


@dataclass
class _Registry:
    """What the registry holds for one page of households (loaded in a few queries)."""

    households: dict[str, tuple[uuid.UUID, str]]  # household key → (household id, ref)
    people: dict[uuid.UUID, Individual]
    household_refs: dict[uuid.UUID, str]
    documents: dict[uuid.UUID, set[tuple[str, str, str]]]
    needs: dict[uuid.UUID, set[str]]
    taken: dict[tuple[str, str, str], tuple[uuid.UUID, str]]  # document key → (holder, ref)
    addresses: dict[uuid.UUID, dict[str, Any]]  # household id → address, shelter, phone


def _load_registry(session: Session, batch: ImportBatch, grouped: dict[str, list[RowView]]) -> _Registry:
    keys = list(grouped)
    households: dict[str, tuple[uuid.UUID, str]] = {}
    for start in range(0, len(keys), 500):
        key_chunk = keys[start : start + 500]
        for key, target in session.execute(
            select(SourceRecord.record_key, SourceRecord.target_id).where(
                SourceRecord.operation_id == batch.operation_id,
                SourceRecord.source == batch.source,
                SourceRecord.kind == "household",
                SourceRecord.record_key.in_(key_chunk),
            )
        ):
            households[key] = (target, "")
    refs = (
        dict(
            session.execute(
                select(Household.id, Household.ref).where(
                    Household.id.in_([t for t, _ in households.values()])
                )
            ).all()
        )
        if households
        else {}
    )
    households = {k: (t, refs.get(t, "?")) for k, (t, _) in households.items()}
    person_ids: list[uuid.UUID] = [
        r.individual_id for rows in grouped.values() for r in rows if r.individual_id
    ]
    people: dict[uuid.UUID, Individual] = {}
    documents: dict[uuid.UUID, set[tuple[str, str, str]]] = defaultdict(set)
    needs: dict[uuid.UUID, set[str]] = defaultdict(set)
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for p in session.scalars(select(Individual).where(Individual.id.in_(chunk))):
            people[p.id] = p
        for iid, doc_type, country, norm in session.execute(
            select(
                IdentityDocument.individual_id,
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
            ).where(IdentityDocument.individual_id.in_(chunk))
        ):
            documents[iid].add((doc_type, country, norm))
        for iid, code in session.execute(
            select(SpecificNeed.individual_id, SpecificNeed.code).where(
                SpecificNeed.individual_id.in_(chunk), SpecificNeed.active.is_(True)
            )
        ):
            needs[iid].add(code)
    household_refs: dict[uuid.UUID, str] = {}
    addresses: dict[uuid.UUID, dict[str, Any]] = {}
    household_ids = sorted({p.household_id for p in people.values()})
    for start in range(0, len(household_ids), 500):
        for hid, ref, address, shelter, phone in session.execute(
            select(Household.id, Household.ref, Household.address, Household.shelter, Household.phone).where(
                Household.id.in_(household_ids[start : start + 500])
            )
        ):
            household_refs[hid] = ref
            addresses[hid] = {"address": address, "shelter": shelter, "phone": phone}
    doc_keys = {k for rows in grouped.values() for r in rows if (k := document_key(r.values)) is not None}
    taken: dict[tuple[str, str, str], tuple[uuid.UUID, str]] = {}
    numbers = sorted({k[2] for k in doc_keys})
    for start in range(0, len(numbers), 500):
        for doc_type, country, norm, iid, ref in session.execute(
            select(
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
                Individual.id,
                Individual.ref,
            )
            .join(Individual, Individual.id == IdentityDocument.individual_id)
            .where(
                # rendered into the SQL (normalised numbers are [0-9A-Z] only): a prepared statement's
                # generic plan, made while the registry was small, scans every individual on PostgreSQL
                IdentityDocument.number_norm.in_(
                    bindparam("numbers", numbers[start : start + 500], expanding=True, literal_execute=True)
                )
            )
        ):
            if (doc_type, country, norm) in doc_keys:
                taken[(doc_type, country, norm)] = (iid, ref)
    return _Registry(households, people, household_refs, documents, needs, taken, addresses)


def _check_new(ctx: _Context, views: list[RowView], site_id: uuid.UUID | None, reg: _Registry) -> None:
    data, origin = payload(views, site_id, source=ctx.batch.source)
    if site_id is None:
        views[0].add("site", "no site: map a site column or choose the site of the import", "required")
        return
    site_ok = ctx.actor.can(IMPORT_PERMISSION, operation_id=ctx.batch.operation_id, site_id=site_id)
    if not site_ok:
        (origin.get("site") or views[0]).add(
            "site", "you may not register households at this site", "forbidden"
        )
    item = validate_payload(views, data, origin, ctx.today)
    if item is None:
        return
    for v, member in zip(views, item.members, strict=True):
        for flag in member.needs:
            need = NEED_CODES.get(flag.code)
            perm = Permission.NEEDS_SENSITIVE_FLAG if need and need.sensitive else Permission.NEEDS_FLAG
            if not ctx.actor.can(perm, operation_id=ctx.batch.operation_id, site_id=site_id):
                v.add("needs", f"you may not set the code {flag.code} ({perm.value} needed)", "forbidden")
        key = document_key(v.values)
        if key is not None and key in reg.taken:
            v.add(
                "doc_number",
                f"document already held by a registered person ({reg.taken[key][1]})",
                "document_taken",
            )


def _check_linked(
    ctx: _Context, views: list[RowView], hh: tuple[uuid.UUID, str] | None, reg: _Registry
) -> None:
    for v in views:
        person = reg.people.get(v.individual_id) if v.individual_id else None
        if hh is None:
            if person is not None:
                ref = reg.household_refs.get(person.household_id, "?")
                v.add(
                    "member_key",
                    f"this person was imported before into household {ref}, not this one: move them there "
                    "on the household page",
                    "moved_household",
                )
            continue
        if person is None:
            v.add(
                "given_name",
                f"household {hh[1]} is already registered from this source and this person is not in it: "
                "adding a member by import is not supported (record a birth or move the person on the "
                "household page)",
                "member_added",
            )
            continue
        if person.household_id != hh[0]:
            v.add(
                "member_key",
                f"{person.ref} is now in household {reg.household_refs.get(person.household_id, '?')}, "
                f"not {hh[1]}: correct it on the household page",
                "moved_household",
            )
            continue
        if person.status != "active":
            if v.status != "unchanged":
                v.add("member_key", f"{person.ref} is {person.status}: not updated", "not_active", "warning")
            v.status = "unchanged"
            continue
        changes: dict[str, Any] = person_changes(person, v.values)
        key = document_key(v.values)
        if key is not None and key not in reg.documents.get(person.id, set()):
            holder = reg.taken.get(key)
            if holder is not None and holder[0] != person.id:
                v.add(
                    "doc_number",
                    f"document already held by another registered person ({holder[1]})",
                    "document_taken",
                )
            elif holder is None:
                changes["document"] = [None, f"{key[0]} {key[1]} {v.values.get('doc_number')}"]
        new_needs = [c for c in v.values.get("needs") or [] if c not in reg.needs.get(person.id, set())]
        if new_needs:
            changes["needs"] = [sorted(reg.needs.get(person.id, set())), new_needs]
        v.changes = changes or None
        if not v.has_errors():
            v.status = "update" if changes else "unchanged"
    if hh is not None:
        household = None
        focal = next((v for v in views if v.values.get("relationship") == "focal_point"), views[0])
        for name, attr in ADDRESS_FIELDS.items():
            new = focal.values.get(name)
            if not new:
                continue
            if household is None:
                household = ctx_household(reg, hh[0], views)
            old = household.get(attr) if household else None
            if (normalise_phone(str(new)) if attr == "phone" else new) != old:
                focal.changes = {**(focal.changes or {}), f"household.{name}": [old, new]}
                if not focal.has_errors():
                    focal.status = "update"


def ctx_household(reg: _Registry, household_id: uuid.UUID, views: list[RowView]) -> dict[str, Any] | None:
    """The address fields of a registered household (loaded with the page's registry)."""
    person = next((reg.people[v.individual_id] for v in views if v.individual_id in reg.people), None)
    if person is None:
        return None
    return reg.addresses.get(person.household_id)


def validate_page(
    session: Session,
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    after: str | None,
    limit: int = PAGE_HOUSEHOLDS,
) -> tuple[str | None, int]:
    """Validate the next `limit` households (by key) after `after`; returns (last key, rows seen), or
    (None, 0) when no household is left. Validating again starts afresh from the rows as read."""
    batch = load_batch(session, actor=actor, batch_id=batch_id)
    keys = _page_keys(session, batch.id, after, limit)
    if not keys:
        return None, 0
    seen = validate_households(session, actor=actor, batch=batch, keys=keys)
    session.expunge_all()  # memory stays flat over a long batch
    return keys[-1], seen


def validate_households(
    session: Session,
    *,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None = None,
) -> int:
    """Validate the households of `keys` (sorted) in a batch; returns the number of rows checked."""
    return _validate(session, actor, batch, keys, sites)[0]


def check_households(
    session: Session,
    *,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None = None,
) -> set[str]:
    """Validate the households of `keys` (sorted) like `validate_households`; returns the statuses
    their rows now have (e.g. {"new"}, or {"invalid", "held"})."""
    return _validate(session, actor, batch, keys, sites)[1]


def _validate(
    session: Session,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None,
) -> tuple[int, set[str]]:
    statuses: set[str] = set()
    if sites is None:
        sites = sites_by_code(session, batch.operation_id)
    ctx = _Context(actor, batch, sites, clock.today(), _columns_of(batch))
    grouped = _page_views(session, batch.id, keys, ctx.columns)
    if len(grouped) != len(keys):
        wanted = set(keys)
        grouped = {k: rows for k, rows in grouped.items() if k in wanted}
    reg = _load_registry(session, batch, grouped)
    updates: list[dict[str, Any]] = []
    seen = 0
    for key, views in grouped.items():
        seen += len(views)
        before = {v.id: (v.status, list(v.errors), v.changes) for v in views}
        for v in views:
            v.changes = None  # computed afresh; start from the errors found when the row was read
            v.errors = [e for e in v.errors if e.get("origin") is None]
            if v.has_errors():
                v.status = "invalid"
            else:
                v.status = "new" if v.individual_id is None else "update"
        by_key: dict[str, RowView] = {}
        for v in views:
            if v.member_key in by_key:
                v.add(
                    "member_key",
                    f"the same person as row {by_key[v.member_key].row_no} "
                    f"(same key {v.member_key.split(':', 1)[1]!r}): "
                    "give each person their own member id",
                    "duplicate_key",
                )
            by_key.setdefault(v.member_key, v)
        site_id = _site_of(ctx, views)
        hh = reg.households.get(key)
        if hh is None and not any(v.individual_id for v in views):
            _check_new(ctx, views, site_id, reg)
        else:
            _check_linked(ctx, views, hh, reg)
        _finish_household(views)
        for v in views:
            statuses.add(v.status)
            if (v.status, v.errors, v.changes) != before[v.id]:
                updates.append({"rid": v.id, "st": v.status, "er": v.errors, "ch": v.changes})
    _write_rows(session, updates)
    return seen, statuses


def _write_rows(session: Session, updates: list[dict[str, Any]]) -> None:
    if updates:
        session.connection().execute(
            update(StagedRow.__table__)  # type: ignore[arg-type]
            .where(StagedRow.__table__.c.id == bindparam("rid"))
            .values(status=bindparam("st"), errors=bindparam("er"), changes=bindparam("ch")),
            updates,
        )


def _cross_household_checks(session: Session, batch: ImportBatch) -> None:
    """The same person key or document in two households of the batch."""
    dup_keys = list(
        session.scalars(
            select(StagedRow.member_key)
            .where(StagedRow.batch_id == batch.id)
            .group_by(StagedRow.member_key)
            .having(func.count(distinct(StagedRow.household_key)) > 1)
            .limit(10_000)
        )
    )
    updates: list[dict[str, Any]] = []
    for start in range(0, len(dup_keys), 500):
        rows = session.scalars(
            select(StagedRow)
            .where(StagedRow.batch_id == batch.id, StagedRow.member_key.in_(dup_keys[start : start + 500]))
            .order_by(StagedRow.row_no)
        ).all()
        first: dict[str, int] = {}
        for r in rows:
            if r.member_key not in first:
                first[r.member_key] = r.row_no
                continue
            error = {
                "field": "member_key",
                "column": _columns_of(batch).get("member_key"),
                "message": f"the same person id as row {first[r.member_key]}, in another household",
                "code": "duplicate_key",
                "level": "error",
                "origin": "check",
            }
            if error not in (r.errors or []):
                updates.append({"rid": r.id, "st": "invalid", "er": [*r.errors, error], "ch": r.changes})
    _write_rows(session, updates)


def _count(session: Session, batch: ImportBatch) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(("new", "update", "unchanged", "invalid", "held"), 0)
    for status, n in session.execute(
        select(StagedRow.status, func.count())
        .where(StagedRow.batch_id == batch.id)
        .group_by(StagedRow.status)
    ):
        counts[status] = int(n)
    counts["rows"] = sum(counts[s] for s in ("new", "update", "unchanged", "invalid", "held"))
    counts["households"] = int(
        session.scalar(
            select(func.count(distinct(StagedRow.household_key))).where(StagedRow.batch_id == batch.id)
        )
        or 0
    )
    for status, name in (("new", "households_new"), ("update", "households_update")):
        counts[name] = int(
            session.scalar(
                select(func.count(distinct(StagedRow.household_key))).where(
                    StagedRow.batch_id == batch.id, StagedRow.status == status
                )
            )
            or 0
        )
    counts["households_held"] = int(
        session.scalar(
            select(func.count(distinct(StagedRow.household_key))).where(
                StagedRow.batch_id == batch.id, StagedRow.status.in_(BLOCKING)
            )
        )
        or 0
    )
    return counts


@dataclass
class ScreenRequest:
    """What a screening handler (deduplication) gets: the new people of a validated batch."""

    session: Session
    batch_id: uuid.UUID
    operation_id: uuid.UUID
    flags: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def records(self) -> Iterator[dict[str, str]]:
        """New people as `record_id,given_name,middle_name,family_name,sex,date_of_birth,
        country_of_origin,phone,document_number,site` (the `refugio dedup link` input); record_id is
        `row:<staged row id>`. Also `row_no` (in the file), `household` (the household key), the names
        in the original script (`*_original`), `stated_age` and `dob_estimated`."""
        stmt = (
            select(StagedRow.id, StagedRow.row_no, StagedRow.household_key, StagedRow.values)
            .where(StagedRow.batch_id == self.batch_id, StagedRow.status == "new")
            .order_by(StagedRow.id)
            .execution_options(yield_per=5000)
        )
        for rid, row_no, household_key, v in self.session.execute(stmt):
            yield {
                "record_id": f"row:{rid}",
                "row_no": str(row_no),
                "household": household_key,
                "given_name_original": str(v.get("given_name_original") or ""),
                "middle_name_original": str(v.get("middle_name_original") or ""),
                "family_name_original": str(v.get("family_name_original") or ""),
                "stated_age": str(v.get("stated_age") or ""),
                "dob_estimated": "1" if v.get("dob_estimated") else "",
                "given_name": str(v.get("given_name") or v.get("given_name_original") or ""),
                "middle_name": str(v.get("middle_name") or ""),
                "family_name": str(v.get("family_name") or v.get("family_name_original") or ""),
                "sex": str(v.get("sex") or ""),
                "date_of_birth": str(v.get("date_of_birth") or ""),
                "country_of_origin": str(v.get("nationality") or v.get("country_of_origin") or ""),
                "phone": str(v.get("phone") or v.get("household_phone") or ""),
                "document_number": normalise_document_number(str(v.get("doc_number") or "")),
                "site": str(v.get("site") or ""),
            }

    def flag(self, record_id: str, message: str, code: str = "possible_duplicate") -> None:
        """Mark a record as a possible duplicate (a warning on its row; it is still registered)."""
        rid = int(record_id.removeprefix("row:"))
        self.flags.setdefault(rid, []).append((message, code))


def _add_flags(session: Session, batch_id: uuid.UUID, flags: dict[int, list[tuple[str, str]]]) -> None:
    """Screening's warnings onto their rows: read and written a chunk of rows at a time (no ORM)."""
    ids = sorted(flags)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        updates = [
            {
                "rid": rid,
                "st": status,
                "ch": changes,
                "er": [
                    *(errors or []),
                    *(
                        {"field": "person", "column": None, "message": m, "code": c, "level": "warning"}
                        for m, c in flags[rid]
                    ),
                ],
            }
            for rid, status, errors, changes in session.connection().execute(
                select(_ROW.id, _ROW.status, _ROW.errors, _ROW.changes).where(
                    _ROW.batch_id == batch_id, _ROW.id.in_(chunk)
                )
            )
        ]
        _write_rows(session, updates)


def finish_validation(
    session: Session, *, actor: Principal, batch_id: uuid.UUID, events: EventBus | None = None
) -> ImportBatch:
    """Checks across households, the screening hook, the counts; the batch is then `ready` (or
    `blocked` if a screening handler refused it)."""
    batch = load_batch(session, actor=actor, batch_id=batch_id)
    _cross_household_checks(session, batch)
    request = ScreenRequest(session, batch.id, batch.operation_id)
    try:
        (events or bus).publish(DomainEvent(SCREEN_EVENT, {"request": request}))
    except RefugioError as exc:
        batch.status = "blocked"
        batch.message = f"refused by screening: {exc.message}"
    else:
        batch.status = "ready"
    if request.flags:
        _add_flags(session, batch.id, request.flags)
    session.flush()
    batch.counts = {**_count(session, batch), "possible_duplicates": len(request.flags)}
    batch.phase_done = batch.counts["rows"]
    batch.phase_total = batch.counts["rows"]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_validated",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"counts": batch.counts, "status": batch.status},
    )
    return batch


# ---------------------------------------------------------------------------------------------------
# commit and refusal


@dataclass(frozen=True)
class CommitResult:
    batch_id: uuid.UUID
    households_registered: int
    people_registered: int
    people_updated: int
    households_skipped: int
    unchanged: int


def _row_error(views: list[RowView], err: FieldError) -> FieldError:
    parts = err.field.split(".")
    if len(parts) > 3 and parts[2] == "members" and parts[3].isdigit() and int(parts[3]) < len(views):
        return FieldError(f"row {views[int(parts[3])].row_no}.{'.'.join(parts[4:])}", err.message, err.code)
    return FieldError(f"row {views[0].row_no}.{'.'.join(parts[2:]) or 'household'}", err.message, err.code)


def _register(
    session: Session,
    actor: Principal,
    batch: ImportBatch,
    pending: list[tuple[str, HouseholdCreate, list[RowView]]],
    digests: dict[int, str],
) -> tuple[int, int]:
    try:
        results = registration.register_households(
            session,
            actor=actor,
            items=[p[1] for p in pending],
            error_prefix="items",
            audit_each=False,
            checked=True,  # every household passed check_household when the import was validated
        )
    except ValidationFailed as exc:
        errors = []
        for err in exc.errors:
            parts = err.field.split(".")
            k = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            errors.append(_row_error(pending[k][2], err))
        raise ValidationFailed(
            errors, "the registry changed since the import was checked; check it again: " + exc.message
        ) from None
    now = clock.now()
    links: list[dict[str, Any]] = []
    people = 0
    for (key, _item, views), result in zip(pending, results, strict=True):
        links.append(
            {
                "id": ids.new_id(),
                "operation_id": batch.operation_id,
                "source": batch.source,
                "kind": "household",
                "record_key": key,
                "target_id": result.household_id,
                "content_hash": "",
                "batch_id": batch.id,
                "updated_at": now,
            }
        )
        for v, member_id in zip(views, result.member_ids, strict=True):
            people += 1
            links.append(
                {
                    "id": ids.new_id(),
                    "operation_id": batch.operation_id,
                    "source": batch.source,
                    "kind": "member",
                    "record_key": v.member_key,
                    "target_id": member_id,
                    "content_hash": digests[v.id],
                    "batch_id": batch.id,
                    "updated_at": now,
                }
            )
    bulk.insert_rows(session.connection(), SourceRecord.__table__, links)  # type: ignore[arg-type]
    return people, len(results)


def _apply_updates(
    session: Session, actor: Principal, batch: ImportBatch, views: list[RowView], digests: dict[int, str]
) -> list[uuid.UUID]:
    """Apply the changes of re-imported people through the registration event functions."""
    updated: list[uuid.UUID] = []
    reason = f"Re-imported from {batch.source} (import {str(batch.id)[:8]}"
    for v in views:
        if v.status != "update" or v.individual_id is None:
            continue
        person = session.get(Individual, v.individual_id)
        if person is None:
            continue
        changes = person_changes(person, v.values)
        why = f"{reason}, row {v.row_no})"
        details = {k: v.values[k] for k in changes if k not in ("legal_status",)}
        if details:
            registration.update_individual(
                session, actor=actor, individual_id=person.id, data=IndividualUpdate(reason=why, **details)
            )
        if "legal_status" in changes:
            registration.change_status(
                session,
                actor=actor,
                individual_id=person.id,
                data=StatusChange(reason=why, legal_status=v.values["legal_status"]),
            )
        address = {
            attr: v.values[name]
            for name, attr in ADDRESS_FIELDS.items()
            if f"household.{name}" in (v.changes or {}) and v.values.get(name)
        }
        if address:
            registration.change_address(
                session, actor=actor, household_id=person.household_id, data=AddressChange(**address)
            )
        key = document_key(v.values)
        if key is not None and "document" in (v.changes or {}):
            registration.add_document(
                session,
                actor=actor,
                individual_id=person.id,
                data=DocumentCreate(
                    doc_type=v.values["doc_type"],
                    number=v.values["doc_number"],
                    issuing_country=key[1],
                    issue_date=v.values.get("doc_issue_date"),
                    expiry_date=v.values.get("doc_expiry_date"),
                ),
            )
        for code in (v.changes or {}).get("needs", [None, []])[1]:
            registration.flag_need(
                session,
                actor=actor,
                individual_id=person.id,
                data=NeedFlag(code=code, reason=str(v.values.get("needs_reason") or why)),
                skip_if_active=True,
            )
        session.execute(
            update(SourceRecord)
            .where(
                SourceRecord.operation_id == batch.operation_id,
                SourceRecord.source == batch.source,
                SourceRecord.kind == "member",
                SourceRecord.record_key == v.member_key,
            )
            .values(content_hash=digests[v.id], batch_id=batch.id, updated_at=clock.now())
        )
        updated.append(person.id)
    return updated


def commit_batch(
    session: Session,
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    events: EventBus | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    chunk: int = REGISTER_CHUNK,
) -> CommitResult:
    """Register the batch's valid new households and apply its updates, in the caller's transaction.

    Households with an error anywhere are skipped whole (they stay in the report). Raises
    ValidationFailed naming rows if the registry changed since validation; then nothing is saved."""
    batch = load_batch(session, actor=actor, batch_id=batch_id, lock=True)
    if batch.status != "ready":
        raise Conflict(f"this import is {batch.status}: only an import that is ready can be committed")
    columns = _columns_of(batch)
    total = int(batch.counts.get("rows", 0))
    done = 0
    pending: list[tuple[str, HouseholdCreate, list[RowView]]] = []
    registered_people = 0
    updated_people = 0
    households = skipped = unchanged = 0
    digests: dict[int, str] = {}
    ctx = _Context(actor, batch, sites_by_code(session, batch.operation_id), clock.today(), columns)
    after: str | None = None
    while True:
        keys = _page_keys(session, batch.id, after, PAGE_HOUSEHOLDS)
        if not keys:
            break
        after = keys[-1]
        grouped = _page_views(session, batch.id, keys, columns, with_errors=False)
        for key, views in grouped.items():
            done += len(views)
            for v in views:
                digests[v.id] = v.content_hash
            statuses = {v.status for v in views}
            if statuses & BLOCKING:
                skipped += 1
                continue
            if statuses == {"new"}:
                site_id = _site_of(ctx, views)
                data, _origin = payload(views, site_id, source=batch.source)
                pending.append((key, HouseholdCreate.model_validate(data), views))
                if len(pending) >= chunk:
                    people, n = _register(session, actor, batch, pending, digests)
                    registered_people += people
                    households += n
                    pending = []
                    digests = {}
                continue
            if "new" in statuses:  # cannot happen after validation; refuse rather than guess
                raise Conflict(f"household {key!r} mixes new and registered people: check the import again")
            unchanged += sum(1 for v in views if v.status == "unchanged")
            updated_people += len(_apply_updates(session, actor, batch, views, digests))
        session.expunge_all()  # memory stays flat: the page's rows are not needed again
        batch = load_batch(session, actor=actor, batch_id=batch_id)
        ctx.batch = batch
        if on_progress is not None:
            on_progress(done, total)
    if pending:
        people, n = _register(session, actor, batch, pending, digests)
        registered_people += people
        households += n
    batch.status = "committed"
    batch.committed_at = clock.now()
    batch.committed_by = actor.label
    batch.counts = {
        **batch.counts,
        "registered_households": households,
        "registered_people": registered_people,
        "updated_people": updated_people,
    }
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_commit",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={
            "source": batch.source,
            "households": households,
            "people": registered_people,
            "updated": updated_people,
            "skipped_households": skipped,
        },
    )

    def people_of_batch() -> Iterator[uuid.UUID]:
        """The people this commit registered or updated (read back: the list may be millions long)."""
        yield from session.scalars(
            select(SourceRecord.target_id)
            .where(SourceRecord.batch_id == batch_id, SourceRecord.kind == "member")
            .execution_options(yield_per=10_000)
        )

    def possible_duplicates() -> list[uuid.UUID]:
        """The people of this commit whose rows were flagged by screening as possible duplicates."""
        flagged = select(StagedRow.member_key).where(
            StagedRow.batch_id == batch_id,
            StagedRow.status.in_(("new", "update")),
            cast(StagedRow.errors, Text).like("%possible_duplicate%"),
        )
        return list(
            session.scalars(
                select(SourceRecord.target_id).where(
                    SourceRecord.batch_id == batch_id,
                    SourceRecord.kind == "member",
                    SourceRecord.record_key.in_(flagged),
                )
            )
        )

    (events or bus).publish(
        DomainEvent(
            COMMITTED_EVENT,
            {
                "session": session,
                "batch_id": batch.id,
                "operation_id": batch.operation_id,
                "people": people_of_batch,
                "possible_duplicates": possible_duplicates,
            },
        )
    )
    return CommitResult(batch.id, households, registered_people, updated_people, skipped, unchanged)


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


# ---------------------------------------------------------------------------------------------------
# saved mappings


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


__all__ = [
    "BLOCKING",
    "COMMITTED_EVENT",
    "IMPORT_PERMISSION",
    "SCREEN_EVENT",
    "CommitResult",
    "RowInput",
    "ScreenRequest",
    "check_households",
    "commit_batch",
    "finish_validation",
    "load_batch",
    "mark_failed",
    "refuse_batch",
    "save_mapping",
    "set_mapping",
    "set_progress",
    "sites_by_code",
    "stage",
    "start_batch",
    "validate_page",
]
