"""The columnar snapshot of the registered population: what statistics read instead of recomputing
every person's columns from the registry at each request.

Four tables (migrations 0015, 0025): `stats_person` holds one row per person of the columns counted
over (sex, date of birth, population type, origin, site, arrival, entry, exit), exactly as the full
population query (`population.person_select`) computes them, and the number of the person's household
(`stats_household` numbers households, so that households are counted from the blocks too);
`stats_block` holds those rows packed as columns, up to BLOCK people of one operation a block;
`stats_dirty` lists the people changed since, written by the database's own triggers whatever made the
change (a service, a set-based import, a merge).

`refresh` brings the snapshot up to date: it takes the dirty people (DELETE … RETURNING, so that a change
committed meanwhile stays listed for the next refresh), recomputes their rows with the same query as the
full recomputation, and repacks the blocks they were or are in. Every read of the snapshot
(`load_frame`) refreshes first, in the reader's unit of work, so the snapshot is never behind the last
committed unit of work; `generation` (bumped by every refresh that changed something) keys caches of what
is drawn from it. Never reads personal data beyond the counted columns; writes only its own tables.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from refugio.stats.models import StatsBlock, StatsDirty, StatsHousehold, StatsPerson, StatsState
from refugio.store.blobs import read_blobs
from refugio.store.locking import for_update

if TYPE_CHECKING:
    from refugio.stats.duckdb_engine import Frame

BLOCK = 16_384  # people per block (a refresh repacks the blocks of the people it recomputed)
CHUNK = 2_000  # people recomputed per query
COLUMNS = ("sex", "dob", "population_type", "origin", "site", "arrival", "entry", "exit")
PACKED = (*COLUMNS, "household")  # the columns of a block (duckdb_engine.COLUMNS)


def generation(session: Session) -> int:
    """How many refreshes have changed the snapshot (read after `refresh` for a current value)."""
    return int(session.scalar(select(StatsState.generation).where(StatsState.id == 1)) or 0)


def pending(session: Session) -> bool:
    """Whether any change is waiting to be taken into the snapshot."""
    return session.execute(select(StatsDirty.seq).limit(1)).first() is not None


class _Blocks:
    """Block numbers for people new to an operation: the last block until it is full, then the next."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.open: dict[uuid.UUID, list[int]] = {}

    def allocate(self, operation_id: uuid.UUID) -> int:
        state = self.open.get(operation_id)
        if state is None:
            last = self.session.scalar(
                select(func.max(StatsPerson.block)).where(StatsPerson.operation_id == operation_id)
            )
            block = int(last) if last is not None else 0
            used = self.session.scalar(
                select(func.count())
                .select_from(StatsPerson)
                .where(StatsPerson.operation_id == operation_id, StatsPerson.block == block)
            )
            state = self.open[operation_id] = [block, int(used or 0)]
        if state[1] >= BLOCK:
            state[0] += 1
            state[1] = 0
        state[1] += 1
        return state[0]


def _household_numbers(session: Session, household_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The snapshot's numbers of these households, numbering those it meets for the first time."""

    def known() -> dict[uuid.UUID, int]:
        found = select(StatsHousehold.household_id, StatsHousehold.number).where(
            StatsHousehold.household_id.in_(household_ids)
        )
        return {hid: number for hid, number in session.execute(found)}

    numbers = known()
    new = sorted(household_ids - set(numbers))
    if new:
        session.execute(insert(StatsHousehold), [{"household_id": hid} for hid in new])
        numbers = known()
    return numbers


def _recompute(session: Session, ids: Sequence[uuid.UUID], blocks: _Blocks) -> set[tuple[uuid.UUID, int]]:
    """Rewrite the rows of `ids` from the registry; the blocks touched, before and after."""
    from refugio.stats.population import people_rows

    rows = people_rows(session, ids)
    numbers = _household_numbers(session, {row[-1] for row in rows})
    existing = {
        iid: (op, block)
        for iid, op, block in session.execute(
            select(StatsPerson.individual_id, StatsPerson.operation_id, StatsPerson.block).where(
                StatsPerson.individual_id.in_(ids)
            )
        )
    }
    touched = set(existing.values())
    if existing:
        session.execute(delete(StatsPerson).where(StatsPerson.individual_id.in_(list(existing))))
    fresh = []
    for iid, op, *values, household_id in rows:
        before = existing.get(iid)
        block = before[1] if before is not None and before[0] == op else blocks.allocate(op)
        touched.add((op, block))
        fresh.append(
            {
                "individual_id": iid,
                "operation_id": op,
                "block": block,
                **dict(zip(COLUMNS, values, strict=True)),
                "household": numbers[household_id],
            }
        )
    if fresh:
        session.execute(insert(StatsPerson), fresh)
    return touched


def _repack(session: Session, operation_id: uuid.UUID, block: int) -> None:
    from refugio.stats.duckdb_engine import pack_rows

    # Core rows (no ORM row processing), the nullable dates as 0: a block is 16k rows, read at each refresh
    columns = [
        func.coalesce(getattr(StatsPerson, c), 0)
        if c in ("arrival", "exit", "household")
        else getattr(StatsPerson, c)
        for c in PACKED
    ]
    rows = (
        session.connection()
        .execute(select(*columns).where(StatsPerson.operation_id == operation_id, StatsPerson.block == block))
        .all()
    )
    session.execute(
        delete(StatsBlock).where(StatsBlock.operation_id == operation_id, StatsBlock.block == block)
    )
    if rows:
        session.execute(
            insert(StatsBlock),
            [{"operation_id": operation_id, "block": block, "n": len(rows), "payload": pack_rows(rows)}],
        )


def refresh(session: Session) -> int:
    """Take every listed change into the snapshot; the number of people recomputed."""
    if not pending(session):
        return 0
    # one refresh at a time: a second waits here, then finds only what was listed since
    session.execute(for_update(session, select(StatsState.generation).where(StatsState.id == 1)))
    taken = session.scalars(delete(StatsDirty).returning(StatsDirty.individual_id)).all()
    ids = sorted(set(taken))
    blocks = _Blocks(session)
    touched: set[tuple[uuid.UUID, int]] = set()
    for start in range(0, len(ids), CHUNK):
        touched |= _recompute(session, ids[start : start + CHUNK], blocks)
    for operation_id, block in sorted(touched):
        _repack(session, operation_id, block)
    session.execute(update(StatsState).where(StatsState.id == 1).values(generation=StatsState.generation + 1))
    return len(ids)


def rebuild(session: Session) -> int:
    """Throw the snapshot away and build it again from the registry, set-based (one INSERT … SELECT,
    then every block packed); the number of people in it."""
    from refugio.stats.population import every_household_id, everyone

    dialect = session.get_bind().dialect.name
    session.execute(for_update(session, select(StatsState.generation).where(StatsState.id == 1)))
    session.execute(delete(StatsDirty))  # what is committed from here on is in the SELECT below
    session.execute(delete(StatsBlock))
    session.execute(delete(StatsPerson))
    session.execute(delete(StatsHousehold))
    session.execute(insert(StatsHousehold).from_select(["household_id"], every_household_id()))
    names = ["individual_id", "operation_id", "block", *PACKED]
    session.execute(insert(StatsPerson).from_select(names, everyone(dialect, BLOCK)))
    blocks = session.execute(select(StatsPerson.operation_id, StatsPerson.block).distinct()).all()
    for operation_id, block in blocks:
        _repack(session, operation_id, block)
    session.execute(update(StatsState).where(StatsState.id == 1).values(generation=StatsState.generation + 1))
    return int(session.scalar(select(func.count()).select_from(StatsPerson)) or 0)


def load_frame(session: Session, operation_id: uuid.UUID, *, sites: Iterable[str] | None = None) -> Frame:
    """The people of an operation (of the sites named, if any) as columns, from an up-to-date snapshot."""
    from refugio.stats.duckdb_engine import frame_from_packed

    refresh(session)
    payloads = read_blobs(
        session,
        select(StatsBlock.payload).where(StatsBlock.operation_id == operation_id).order_by(StatsBlock.block),
    )
    return frame_from_packed(payloads, keep_sites=None if sites is None else set(sites))


def frame_rows(frame: Frame) -> list[tuple[Any, ...]]:
    """The people of a frame as sorted tuples of decoded values (to compare two frames)."""
    return sorted(frame_rows_unsorted(frame))


def household_groups(frame: Frame) -> list[list[tuple[Any, ...]]]:
    """The people of a frame grouped by household (each group's people sorted, the groups sorted): equal
    for two frames whose people are the same and live in the same households, however numbered."""
    rows = frame_rows_unsorted(frame)
    groups: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for number, row in zip(frame.columns["household"].tolist(), rows, strict=True):
        groups[number].append(row)
    return sorted(sorted(g) for g in groups.values())


def frame_rows_unsorted(frame: Frame) -> list[tuple[Any, ...]]:
    """The people of a frame as tuples of decoded values, in the frame's order."""
    c, v = frame.columns, frame.values
    decoded = {}
    for name in COLUMNS:
        codes = c[name].tolist()
        decoded[name] = [v[name][k] for k in codes] if name in v else codes
    return list(zip(*(decoded[n] for n in COLUMNS), strict=True))


__all__ = [
    "BLOCK",
    "frame_rows",
    "frame_rows_unsorted",
    "generation",
    "household_groups",
    "load_frame",
    "pending",
    "rebuild",
    "refresh",
]
