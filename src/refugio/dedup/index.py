"""The dedup index: a prepared row and blocking keys per registered person, kept in step lazily.

How it stays current — the choice, and why. Registration must not import dedup, and it publishes no
event; but every registration write is recorded in the audit log (`household.register`,
`household.register_batch`, `individual.*`, `document.add`, …) under a strictly increasing sequence
number, and the log is append-only. The audit log is therefore our change feed:

* `sync` (run by `refugio dedup index`, by every linkage run and training, and by the desk check
  when it is behind) reads the entries after the stored watermark, re-indexes every household they
  touch (members and household context) and moves the watermark, in the caller's transaction.
* `pending` reads the same entries *without writing*; the desk check scores those people straight from
  the registration tables, so it is correct the moment a registration is committed, even before the
  index has caught up.
* `rebuild` re-indexes everyone (first run, or after a change of the preparation code).

On PostgreSQL the audit head row is locked until commit, so entries become visible in sequence order
and a watermark never skips an entry still being written.

Keys (kind → value): `gfy` given|family skeleton|birth year, `gf` given|family skeleton, `gmf` the
three canonical names, `gd`/`fd` given or family skeleton|date of birth, `doc` document number,
`tel` the phone's match token (`dedup.phones`: a keyed hash of its last nine digits, never the digits;
the prepared row's `phone` holds the same token). Name-order swaps are found by looking up the probe's
family|given as `gf`/`gfy`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.dedup import names, phones
from refugio.dedup.models import DedupIndexState, DedupKey, DedupPerson
from refugio.registration.models import Household, IdentityDocument, Individual
from refugio.security.models import AuditEntry, AuditHead
from refugio.store.upsert import insert_ignore, upsert

FEED_PREFIXES = ("household.", "individual.", "document.")
FEED_IGNORED = frozenset({"individual.read", "individual.search", "household.read"})
CHUNK = 500

_PERSON_COLUMNS = (
    Individual.id,
    Individual.household_id,
    Individual.operation_id,
    Individual.site_id,
    Individual.status,
    Individual.version,
    Individual.given_name,
    Individual.middle_name,
    Individual.family_name,
    Individual.given_name_original,
    Individual.middle_name_original,
    Individual.family_name_original,
    Individual.sex,
    Individual.date_of_birth,
    Individual.dob_precision,
    Individual.country_of_origin,
    Individual.phone,
)


@dataclass(frozen=True)
class Indexed:
    """A person as the index holds it."""

    individual_id: uuid.UUID
    operation_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    status: str
    version: int
    prepared: dict[str, Any]


# the columns of `Indexed`, in its order: read as plain rows (`Indexed(*row)`), not ORM objects
INDEXED_COLUMNS = (
    DedupPerson.individual_id,
    DedupPerson.operation_id,
    DedupPerson.household_id,
    DedupPerson.site_id,
    DedupPerson.status,
    DedupPerson.version,
    DedupPerson.prepared,
)


def keys_of(row: dict[str, Any]) -> set[tuple[str, str]]:
    """The blocking keys of a prepared row."""
    keys: set[tuple[str, str]] = set()
    g_skels = row.get("given_skels") or []
    f_skels = row.get("family_skels") or []
    year, dob = row.get("dob_year"), row.get("dob")
    for g in g_skels:
        for f in f_skels:
            keys.add(("gf", f"{g}|{f}"))
            if year is not None:
                keys.add(("gfy", f"{g}|{f}|{year}"))
    if dob:
        for g in g_skels:
            keys.add(("gd", f"{g}|{dob}"))
        for f in f_skels:
            keys.add(("fd", f"{f}|{dob}"))
    if row.get("given_canon") and row.get("family_canon"):
        keys.add(("gmf", f"{row['given_canon']}|{row.get('middle_canon') or ''}|{row['family_canon']}"))
    if row.get("doc"):
        keys.add(("doc", row["doc"]))
    if row.get("phone"):
        keys.add(("tel", row["phone"]))
    return {(k, v[:120]) for k, v in keys}


def probe_keys(row: dict[str, Any]) -> set[tuple[str, str]]:
    """Keys to look up for a probe: its own keys plus the name-order swap."""
    keys = keys_of(row)
    swapped = dict(row)
    swapped["given_skels"], swapped["family_skels"] = row.get("family_skels"), row.get("given_skels")
    keys |= {k for k in keys_of(swapped) if k[0] in ("gf", "gfy")}
    return keys


def _prepare_people(
    session: Session | None,
    rows: Sequence[Any],
    documents: dict[uuid.UUID, list[str]],
    token: Callable[[str | None], str | None] | None = None,
) -> list[Indexed]:
    """Prepare people (rows of `_PERSON_COLUMNS`), with household context among the given rows, their
    phones as match tokens (`token`: a `phones.hasher` made beforehand; else one of `session`'s)."""
    out: list[Indexed] = []
    prepared_rows: list[dict[str, Any]] = []
    for r in rows:
        prepared = names.prepare(
            names.PersonInput(
                record_id=str(r.id),
                given_name=r.given_name,
                middle_name=r.middle_name,
                family_name=r.family_name,
                given_name_original=r.given_name_original,
                middle_name_original=r.middle_name_original,
                family_name_original=r.family_name_original,
                sex=r.sex,
                date_of_birth=names.PartialDate.from_stored(r.date_of_birth, r.dob_precision),
                country_of_origin=r.country_of_origin,
                phone=r.phone,
                document_numbers=tuple(documents.get(r.id, ())),
                site=str(r.site_id),
                household=str(r.household_id),
            )
        )
        prepared_rows.append(prepared)
        out.append(Indexed(r.id, r.operation_id, r.household_id, r.site_id, r.status, r.version, prepared))
    names.attach_households([p for p, r in zip(prepared_rows, rows, strict=True) if r.status == "active"])
    phones.tokenise(session, prepared_rows, token)  # the rows are the `Indexed`'s: no digits stored
    return out


def _documents(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    docs: dict[uuid.UUID, list[str]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for iid, number in session.execute(
            select(IdentityDocument.individual_id, IdentityDocument.number_norm).where(
                IdentityDocument.individual_id.in_(chunk)
            )
        ):
            docs[iid].append(number)
    return docs


def load_households(session: Session, household_ids: Iterable[uuid.UUID]) -> list[Indexed]:
    """Prepare every member of these households, straight from the registration tables."""
    hh = sorted(set(household_ids))
    rows: list[Any] = []
    for start in range(0, len(hh), CHUNK):
        rows.extend(
            session.execute(
                select(*_PERSON_COLUMNS).where(Individual.household_id.in_(hh[start : start + CHUNK]))
            ).all()
        )
    docs = _documents(session, [r.id for r in rows])
    by_household: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for r in rows:
        by_household[r.household_id].append(r)
    out: list[Indexed] = []
    for members in by_household.values():
        out.extend(_prepare_people(session, members, docs))
    return out


def _rows(people: Sequence[Indexed]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The person rows and key rows of prepared people."""
    now = clock.now()
    person_rows = [
        {
            "individual_id": p.individual_id,
            "operation_id": p.operation_id,
            "household_id": p.household_id,
            "site_id": p.site_id,
            "status": p.status,
            "prepared": p.prepared,
            "version": p.version,
            "indexed_at": now,
        }
        for p in people
    ]
    key_rows = [
        {"individual_id": p.individual_id, "kind": k, "value": v, "operation_id": p.operation_id}
        for p in people
        for k, v in keys_of(p.prepared)
    ]
    return person_rows, key_rows


def _write(session: Session, people: Sequence[Indexed]) -> None:
    """Replace these people's rows and keys. Idempotent and safe beside another writer of the same
    people (an import's background linkage beside the screening of the next import): the person rows
    are upserted and the keys inserted unless present, so neither transaction fails on the other's rows."""
    if not people:
        return
    ids = sorted(p.individual_id for p in people)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(DedupKey).where(DedupKey.individual_id.in_(chunk)))
    person_rows, key_rows = _rows(people)
    upsert(session, DedupPerson.__table__, person_rows, keys=["individual_id"])  # type: ignore[arg-type]
    insert_ignore(session, DedupKey.__table__, key_rows, keys=["individual_id", "kind", "value"])  # type: ignore[arg-type]


def _state(session: Session, *, lock: bool = False) -> DedupIndexState:
    """The index's state row (created on first use, idempotently), read afresh; with `lock`, held until
    the transaction ends so that index writers take turns (PostgreSQL: the next one waits, then reads
    the watermark the first one left and does only what remains; SQLite serialises writers anyway)."""
    stmt = select(DedupIndexState).where(DedupIndexState.id == 1).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    state = session.scalars(stmt).one_or_none()
    if state is None:
        upsert(
            session,
            DedupIndexState.__table__,  # type: ignore[arg-type]
            [{"id": 1, "audit_seq": 0, "built_at": None, "updated_at": None}],
            keys=["id"],
            update=False,
        )
        state = session.scalars(stmt).one()
    return state


def _head_seq(session: Session) -> int:
    seq = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1))
    return int(seq or 0)


def is_built(session: Session) -> bool:
    state = session.get(DedupIndexState, 1)
    return state is not None and state.built_at is not None


def _feed(session: Session, after: int, upto: int) -> tuple[set[uuid.UUID], set[uuid.UUID], set[str]]:
    """Households, individuals and household refs touched by audit entries in (after, upto]."""
    households: set[uuid.UUID] = set()
    individuals: set[uuid.UUID] = set()
    refs: set[str] = set()
    stmt = (
        select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.details)
        .where(AuditEntry.seq > after, AuditEntry.seq <= upto)
        .order_by(AuditEntry.seq)
    )
    for action, object_type, object_id, details in session.execute(stmt):
        if not action.startswith(FEED_PREFIXES) or action in FEED_IGNORED:
            continue
        try:
            oid = uuid.UUID(object_id) if object_id else None
        except ValueError:
            oid = None
        if object_type == "household" and oid is not None:
            households.add(oid)
        elif object_type == "individual" and oid is not None:
            individuals.add(oid)
        for ref in (details or {}).get("households", []) if isinstance(details, dict) else []:
            refs.add(str(ref))
    return households, individuals, refs


def _touched_households(session: Session, after: int, upto: int) -> set[uuid.UUID]:
    households, individuals, refs = _feed(session, after, upto)
    ind = sorted(individuals)
    for start in range(0, len(ind), CHUNK):
        households.update(
            session.scalars(
                select(Individual.household_id).where(Individual.id.in_(ind[start : start + CHUNK]))
            )
        )
    ref_list = sorted(refs)
    for start in range(0, len(ref_list), CHUNK):
        households.update(
            session.scalars(select(Household.id).where(Household.ref.in_(ref_list[start : start + CHUNK])))
        )
    return households


def lag(session: Session) -> int:
    """How many audit entries the index has not read yet (0 when current)."""
    state = session.get(DedupIndexState, 1)
    return _head_seq(session) - (state.audit_seq if state else 0)


def pending(session: Session) -> list[Indexed]:
    """People changed since the index last read the feed, prepared on the fly (nothing written)."""
    state = session.get(DedupIndexState, 1)
    after = state.audit_seq if state else 0
    upto = _head_seq(session)
    if upto <= after:
        return []
    return load_households(session, _touched_households(session, after, upto))


def sync(session: Session) -> int:
    """Take in the changes since the watermark; returns how many people were re-indexed."""
    if is_built(session) and lag(session) <= 0:
        return 0  # current: nothing written, nothing locked
    state = _state(session, lock=True)  # another writer's sync is waited for, then not repeated
    if state.built_at is None:
        return rebuild(session)
    upto = _head_seq(session)
    if upto <= state.audit_seq:
        return 0
    return _take_in(session, state, upto)


def _take_in(session: Session, state: DedupIndexState, upto: int) -> int:
    """Re-index the households the entries in (watermark, upto] touch and move the watermark to `upto`
    (the state row locked by the caller); how many people were re-indexed."""
    people = load_households(session, _touched_households(session, state.audit_seq, upto))
    _write(session, people)
    state.audit_seq = upto
    state.updated_at = clock.now()
    session.flush()
    return len(people)


def sync_step(session: Session, households: int = 500) -> bool:
    """Take in the changes of the next audit entries after the watermark, about `households` households'
    worth (an entry is never split: one `household.register_batch` entry may list many), and move the
    watermark past them; True when the index is then current. A long sync run as steps, each in a short
    unit of work of its own (`dedup.service.import_link`), holds SQLite's single writer one step at a
    time, so that a desk's write waits for a step, never for the whole sync."""
    if is_built(session) and lag(session) <= 0:
        return True
    state = _state(session, lock=True)
    if state.built_at is None:
        rebuild(session)
        return True
    head = _head_seq(session)
    if head <= state.audit_seq:
        return True
    upto = _window(session, state.audit_seq, head, households)
    _take_in(session, state, upto)
    return upto >= head


def _window(session: Session, after: int, head: int, households: int, page: int = 1000) -> int:
    """The sequence number up to which the entries after `after` touch about `households` households
    (the feed's entries counted as `_feed` reads them; other entries count for nothing)."""
    count, last = 0, after
    while last < head:
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.action, AuditEntry.object_id, AuditEntry.details)
            .where(AuditEntry.seq > last, AuditEntry.seq <= head)
            .order_by(AuditEntry.seq)
            .limit(page)
        ).all()
        if not rows:
            return head
        for seq, action, object_id, details in rows:
            last = int(seq)
            if action.startswith(FEED_PREFIXES) and action not in FEED_IGNORED:
                listed = details.get("households") if isinstance(details, dict) else None
                count += len(listed) if isinstance(listed, list) else 1 if object_id else 0
            if count >= households:
                return last
    return head


def _all_people(session: Session, batch: int = 20_000) -> Iterator[list[Any]]:
    """Everyone, in chunks that never split a household."""
    last: uuid.UUID | None = None
    while True:
        stmt = select(Household.id).order_by(Household.id).limit(batch // 4)
        if last is not None:
            stmt = stmt.where(Household.id > last)
        hh = list(session.scalars(stmt))
        if not hh:
            return
        last = hh[-1]
        rows = session.execute(
            select(*_PERSON_COLUMNS).where(
                Individual.household_id >= hh[0], Individual.household_id <= hh[-1]
            )
        ).all()
        yield list(rows)


def rebuild(session: Session) -> int:
    """Re-index everyone; returns the number of people indexed."""
    state = _state(session, lock=True)
    upto = _head_seq(session)
    session.execute(delete(DedupKey))
    session.execute(delete(DedupPerson))
    total = 0
    for rows in _all_people(session):
        docs = _documents(session, [r.id for r in rows])
        by_household: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for r in rows:
            by_household[r.household_id].append(r)
        people: list[Indexed] = []
        for members in by_household.values():
            people.extend(_prepare_people(session, members, docs))
        _write_fresh(session, people)
        total += len(people)
    state.audit_seq = upto
    state.built_at = state.updated_at = clock.now()
    session.flush()
    return total


def _write_fresh(session: Session, people: Sequence[Indexed]) -> None:
    """Insert without deleting first (the tables were emptied, the state row is locked)."""
    if not people:
        return
    conn = session.connection()
    person_rows, key_rows = _rows(people)
    conn.execute(DedupPerson.__table__.insert(), person_rows)  # type: ignore[attr-defined]
    if key_rows:
        conn.execute(DedupKey.__table__.insert(), key_rows)  # type: ignore[attr-defined]


def reindex(session: Session, individual_ids: Iterable[uuid.UUID]) -> None:
    """Re-index the households of these people now (dedup's own writes, e.g. a merge)."""
    ids = sorted(set(individual_ids))
    households = set(session.scalars(select(Individual.household_id).where(Individual.id.in_(ids))))
    _write(session, load_households(session, households))


# How much sharing a key of each kind says (candidates are ranked by the sum over the keys they share):
# identifiers and a name with the date or year of birth are specific; a name pair alone is broad (a
# common name pair has thousands of holders in a million people, read at most `per_kind` of them).
KEY_RANK: dict[str, int] = {"doc": 6, "tel": 5, "gmf": 4, "gfy": 4, "gd": 3, "fd": 3, "gf": 1}


def candidates(
    session: Session,
    *,
    operation_id: uuid.UUID,
    keys: set[tuple[str, str]],
    per_kind: int = 300,
    limit: int = 600,
    exclude: set[uuid.UUID] | None = None,
) -> list[Indexed]:
    """Indexed active people sharing at least one key, those sharing the most specific keys first
    (`KEY_RANK`; at most `per_kind` people read per kind of key, at most `limit` returned)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    hits: dict[uuid.UUID, int] = defaultdict(int)
    for kind, values in by_kind.items():
        stmt = (
            select(DedupKey.individual_id)
            .where(DedupKey.operation_id == operation_id, DedupKey.kind == kind, DedupKey.value.in_(values))
            .limit(per_kind)
        )
        rank = KEY_RANK.get(kind, 1)
        for iid in session.scalars(stmt):
            hits[iid] += rank
    if exclude:  # through the hits, not the excluded: a batch's run excludes the whole batch each time
        hits = defaultdict(int, {iid: n for iid, n in hits.items() if iid not in exclude})
    ranked = sorted(hits, key=lambda i: -hits[i])[:limit]
    out: list[Indexed] = []
    for start in range(0, len(ranked), CHUNK):
        chunk = ranked[start : start + CHUNK]
        rows = session.execute(  # columns, not ORM objects: a few hundred rows per desk check
            select(*INDEXED_COLUMNS).where(
                DedupPerson.individual_id.in_(chunk), DedupPerson.status == "active"
            )
        )
        out.extend(Indexed(*row) for row in rows)
    return out


def candidates_of_many(
    session: Session,
    *,
    operation_id: uuid.UUID,
    probes: dict[uuid.UUID, set[tuple[str, str]]],
    per_kind: int = 300,
    limit: int = 600,
    exclude: set[uuid.UUID] | None = None,
) -> list[Indexed]:
    """The candidates of many people at once (each as `candidates` would find them: sharing the most
    specific keys first, at most `per_kind` holders read per kind of key and `limit` kept per person),
    read with a few chunked queries over all their keys instead of a few queries per person; the
    union, each candidate once."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for keys in probes.values():
        for kind, value in keys:
            wanted[kind].add(value)
    holders: dict[tuple[str, str], list[uuid.UUID]] = defaultdict(list)
    for kind, values in wanted.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), CHUNK):
            for iid, value in session.execute(
                select(DedupKey.individual_id, DedupKey.value).where(
                    DedupKey.operation_id == operation_id,
                    DedupKey.kind == kind,
                    DedupKey.value.in_(ordered[start : start + CHUNK]),
                )
            ):
                found = holders[(kind, value)]
                if len(found) < per_kind:
                    found.append(iid)
    chosen: set[uuid.UUID] = set()
    for keys in probes.values():
        hits: dict[uuid.UUID, int] = defaultdict(int)
        read: dict[str, int] = defaultdict(int)
        for kind, value in sorted(keys):
            rank = KEY_RANK.get(kind, 1)
            for iid in holders.get((kind, value), ()):
                if read[kind] >= per_kind:
                    break
                read[kind] += 1
                if exclude is None or iid not in exclude:
                    hits[iid] += rank
        chosen.update(sorted(hits, key=lambda i: -hits[i])[:limit])
    out: list[Indexed] = []
    ranked = sorted(chosen)
    for start in range(0, len(ranked), CHUNK):
        rows = session.execute(
            select(*INDEXED_COLUMNS).where(
                DedupPerson.individual_id.in_(ranked[start : start + CHUNK]), DedupPerson.status == "active"
            )
        )
        out.extend(Indexed(*row) for row in rows)
    return out


def counts(session: Session) -> dict[str, int]:
    people = session.scalar(select(func.count()).select_from(DedupPerson)) or 0
    keys = session.scalar(select(func.count()).select_from(DedupKey)) or 0
    return {"people": int(people), "keys": int(keys), "lag": lag(session)}


def mark_status(session: Session, individual_id: uuid.UUID, status: str) -> None:
    session.execute(
        update(DedupPerson).where(DedupPerson.individual_id == individual_id).values(status=status)
    )
