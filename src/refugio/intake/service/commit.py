"""Committing a batch: every valid new household registered through
`registration.service.register_households`, the changes of re-imported people applied through the
registration event functions, all in the caller's ONE transaction (any failure leaves nothing). The
same row imported again changes nothing.

Imports the registration service and models; never a web framework.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, Table, Text, case, cast, false, func, literal, null, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import Conflict, FieldError, ValidationFailed
from refugio.core.events import EventBus, bus
from refugio.intake.collector import Collector
from refugio.intake.events import ImportCommitted
from refugio.intake.households import (
    ADDRESS_FIELDS,
    RowView,
    document_key,
    payload,
    person_changes,
)
from refugio.intake.models import ImportBatch, SourceRecord, StagedRow
from refugio.intake.service.common import (
    BLOCKING,
    PAGE_HOUSEHOLDS,
    REGISTER_CHUNK,
    STAGED,
    Context,
    columns_of,
    load_batch,
    page_keys,
    page_views,
    site_of,
    sites_by_code,
)
from refugio.registration import service as registration
from refugio.registration.models import Individual
from refugio.registration.schemas import (
    AddressChange,
    DocumentCreate,
    HouseholdCreate,
    IndividualUpdate,
    NeedFlag,
    StatusChange,
)
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.store import bulk


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
    people = sum(len(r.member_ids) for r in results)
    _link(session, batch, pending, results, digests)
    return people, len(results)


_LINK_COLUMNS = (
    "id",
    "operation_id",
    "source",
    "kind",
    "record_key",
    "target_id",
    "content_hash",
    "batch_id",
    "updated_at",
)


def _link(
    session: Session,
    batch: ImportBatch,
    pending: list[tuple[str, HouseholdCreate, list[RowView]]],
    results: list[registration.Registered],
    digests: dict[int, str],
) -> None:
    """The source records of the households just registered and of their members (what a re-import
    of the same keys will find), one set-based insert; the values the rows share (operation, source,
    batch, time) are put in the driver's form once, the ids one by one."""
    conn = session.connection()
    table: Table = SourceRecord.__table__  # type: ignore[assignment]
    as_id = bulk.bind_processor(conn, table, "id")
    shared = (bulk.bind_processor(conn, table, "operation_id")(batch.operation_id), batch.source)
    batch_id = bulk.bind_processor(conn, table, "batch_id")(batch.id)
    now = bulk.bind_processor(conn, table, "updated_at")(clock.now())
    fresh = iter(ids.new_ids(len(results) + sum(len(r.member_ids) for r in results)))
    links: list[tuple[Any, ...]] = []
    for (key, _item, views), result in zip(pending, results, strict=True):
        links.append(
            (as_id(next(fresh)), *shared, "household", key, as_id(result.household_id), "", batch_id, now)
        )
        for v, member_id in zip(views, result.member_ids, strict=True):
            links.append(
                (
                    as_id(next(fresh)),
                    *shared,
                    "member",
                    v.member_key,
                    as_id(member_id),
                    digests[v.id],
                    batch_id,
                    now,
                )
            )
    bulk.insert_tuples(conn, table, _LINK_COLUMNS, links)


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
    ValidationFailed naming rows if the registry changed since validation; then nothing is saved.
    Then `ImportCommitted` is published (in the same transaction)."""
    batch = load_batch(session, actor=actor, batch_id=batch_id, lock=True)
    if batch.status != "ready":
        raise Conflict(f"this import is {batch.status}: only an import that is ready can be committed")
    columns = columns_of(batch)
    total = int(batch.counts.get("rows", 0))
    tally = _Tally()
    ctx = Context(actor, batch, sites_by_code(session, batch.operation_id), clock.today(), columns)
    after: str | None = None
    with Collector() as collector:  # collected after each page, not every 700 objects
        while True:
            keys = page_keys(session, batch.id, after, PAGE_HOUSEHOLDS)
            if not keys:
                break
            after = keys[-1]
            for key, views in page_views(session, batch.id, keys, columns, with_errors=False).items():
                _commit_household(session, ctx, key, views, tally, chunk)
            session.expunge_all()  # memory stays flat: the page's rows are not needed again
            batch = load_batch(session, actor=actor, batch_id=batch_id)
            ctx.batch = batch
            collector.step()
            if on_progress is not None:
                on_progress(tally.done, total)
        _register_pending(session, ctx, tally)
    drop_phones(session, batch, columns)
    _mark_committed(session, actor, batch, tally)
    (events or bus).publish(
        ImportCommitted(batch_id=batch.id, operation_id=batch.operation_id), session=session
    )
    return CommitResult(
        batch.id, tally.households, tally.registered, tally.updated, tally.skipped, tally.unchanged
    )


@dataclass
class _Tally:
    """What a commit has done so far, and the new households waiting to be registered in a chunk."""

    done: int = 0
    households: int = 0
    registered: int = 0
    updated: int = 0
    skipped: int = 0
    unchanged: int = 0
    pending: list[tuple[str, HouseholdCreate, list[RowView]]] = field(default_factory=list)
    digests: dict[int, str] = field(default_factory=dict)


def _commit_household(
    session: Session, ctx: Context, key: str, views: list[RowView], tally: _Tally, chunk: int
) -> None:
    """One staged household: skipped (errors), queued for registration (new), or its updates applied."""
    tally.done += len(views)
    for v in views:
        tally.digests[v.id] = v.content_hash
    statuses = {v.status for v in views}
    if statuses & BLOCKING:
        tally.skipped += 1
        return
    if statuses == {"new"}:
        site_id = site_of(ctx, views)
        data, _origin = payload(views, site_id, source=ctx.batch.source)
        tally.pending.append((key, HouseholdCreate.model_validate(data), views))
        if len(tally.pending) >= chunk:
            _register_pending(session, ctx, tally)
        return
    if "new" in statuses:  # cannot happen after validation; refuse rather than guess
        raise Conflict(f"household {key!r} mixes new and registered people: check the import again")
    tally.unchanged += sum(1 for v in views if v.status == "unchanged")
    tally.updated += len(_apply_updates(session, ctx.actor, ctx.batch, views, tally.digests))


def _register_pending(session: Session, ctx: Context, tally: _Tally) -> None:
    """Register the queued new households (one bulk registration)."""
    if not tally.pending:
        return
    people, n = _register(session, ctx.actor, ctx.batch, tally.pending, tally.digests)
    tally.registered += people
    tally.households += n
    tally.pending = []
    tally.digests = {}


PHONE_FIELDS = ("phone", "household_phone")
DROP_CHUNK = 5000  # rows per UPDATE: SQLite keeps the pages a statement changes until it ends
# the keys of a staged row's `changes` that hold a phone ("phone", "household.phone", …)
_PHONE_CHANGES = tuple(f"{prefix}{name}" for prefix in ("", "household.") for name in PHONE_FIELDS)


def drop_phones(session: Session, batch: ImportBatch, columns: dict[str, str]) -> int:
    """Blank the staged copies of the batch's phones (cells, values, changes), once committed: the registry
    holds them encrypted, and a phone must not stay in clear in any table (decision 0015). The report
    of a committed import shows its phone columns empty. Set-based UPDATEs in the database's own
    JSON functions (no row read into Python), in runs of `DROP_CHUNK` rows (a single statement over a
    million rows held a copy of every page it changed: memory grew with the file): the phone cells
    become "", the phone values JSON null (where the value names them), the phone changes are
    removed. Rows holding no phone value, no phone cell and no changes are left as they are. Returns
    the rows changed."""
    headers = list(batch.headers or [])
    where = sorted({headers.index(columns[f]) for f in PHONE_FIELDS if columns.get(f) in headers})
    table = STAGED
    c = table.c
    if session.get_bind().dialect.name == "postgresql":
        cells: Any = c.cells
        for i in where:
            cells = func.jsonb_set(cells, literal([str(i)], ARRAY(Text)), cast(literal('""'), JSONB), false())
        values: Any = c["values"]
        for name in PHONE_FIELDS:
            values = func.jsonb_set(
                values, literal([name], ARRAY(Text)), cast(literal("null"), JSONB), false()
            )
        removed: Any = c.changes
        for key in _PHONE_CHANGES:
            removed = removed.op("-")(literal(key, Text))
        changes: Any = case((func.jsonb_typeof(c.changes) == "object", removed), else_=c.changes)
        holds = or_(
            *(c["values"].op("?")(literal(name, Text)) for name in PHONE_FIELDS),
            *(func.coalesce(c.cells.op("->>")(literal(i)), "") != "" for i in where),
            func.jsonb_typeof(c.changes) == "object",
        )
    else:  # SQLite: json_replace changes only what exists (a short row keeps its length)
        cells = func.json_replace(c.cells, *(x for i in where for x in (f"$[{i}]", ""))) if where else c.cells
        values = func.json_replace(c["values"], *(x for n in PHONE_FIELDS for x in (f"$.{n}", null())))
        changes = case(
            (c.changes.is_(None), null()),
            else_=func.json_remove(c.changes, *(f'$."{key}"' for key in _PHONE_CHANGES)),
        )
        holds = or_(
            *(func.json_type(c["values"], f"$.{n}").is_not(None) for n in PHONE_FIELDS),
            *(func.coalesce(func.json_extract(c.cells, f"$[{i}]"), "") != "" for i in where),
            func.json_type(c.changes) == "object",
        )
    rewrite = update(table).values({c.cells: cells, c["values"]: values, c.changes: changes})
    conn, last, done = session.connection(), None, 0
    while True:  # in runs of DROP_CHUNK rows by id: one statement's undo copy stays small
        ids_after = select(c.id).where(c.batch_id == batch.id)
        if last is not None:
            ids_after = ids_after.where(c.id > last)
        bound = conn.execute(ids_after.order_by(c.id).offset(DROP_CHUNK - 1).limit(1)).scalar()
        conditions = [c.batch_id == batch.id, holds]
        conditions += [] if last is None else [c.id > last]
        conditions += [] if bound is None else [c.id <= bound]
        done += int(conn.execute(rewrite.where(*conditions)).rowcount)
        if bound is None:
            return done
        last = bound


def _mark_committed(session: Session, actor: Principal, batch: ImportBatch, tally: _Tally) -> None:
    batch.status = "committed"
    batch.committed_at = clock.now()
    batch.committed_by = actor.label
    batch.counts = {
        **batch.counts,
        "registered_households": tally.households,
        "registered_people": tally.registered,
        "updated_people": tally.updated,
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
            "households": tally.households,
            "people": tally.registered,
            "updated": tally.updated,
            "skipped_households": tally.skipped,
        },
    )


def committed_people(session: Session, *, batch_id: uuid.UUID) -> Iterator[uuid.UUID]:
    """The people a commit registered or updated (read as they come: the list may be millions long)."""
    yield from session.scalars(
        select(SourceRecord.target_id)
        .where(SourceRecord.batch_id == batch_id, SourceRecord.kind == "member")
        .execution_options(yield_per=10_000)
    )


def flagged_people(session: Session, *, batch_id: uuid.UUID) -> list[uuid.UUID]:
    """The people of a commit whose rows were flagged by screening as possible duplicates."""
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
