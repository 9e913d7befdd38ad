"""Two writers of the dedup index and of the review queue at once (an import's background linkage beside
the screening of the next import, or beside a desk registration's linkage): each in its own unit of work
on its own thread, over overlapping people, each run again from its start when SQLite refuses it for a
stale snapshot (`store.uow.retrying`). Neither fails and nothing is written twice. SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from tests.dedup.conftest import Families, again_payload, register
from tests.helpers import Seed

from refugio.dedup import index
from refugio.dedup import service as dedup
from refugio.dedup.models import DedupIndexState, DedupKey, DedupPair, DedupPerson
from refugio.main import Container
from refugio.security.models import AuditHead
from refugio.store.uow import retrying, unit_of_work

HOLD = 0.4  # each writer keeps its transaction open this long after writing, so that the two overlap


def _together(container: Container, *work: Callable[[Session], object]) -> list[object]:
    """Run each piece of work in its own unit of work on its own thread, starting together and each
    holding its transaction open for a while after it; the results, or the first error raised."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        def attempt(s: Session) -> object:
            result = work[i](s)
            s.flush()
            time.sleep(HOLD)
            return result

        try:
            barrier.wait(timeout=30)
            # as the application's writers of the index and queue run (`retrying`, or a unit of work that
            # takes SQLite's write lock first): on SQLite a unit whose snapshot another one's commit made
            # stale is refused (never a lost or doubled write) and run again from its start
            results[i] = retrying(container.sessions, attempt)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    return results


def _index_rows(container: Container) -> tuple[int, int, int, int]:
    with unit_of_work(container.sessions) as s:
        people = s.scalar(select(func.count()).select_from(DedupPerson)) or 0
        distinct_people = s.scalar(select(func.count(func.distinct(DedupPerson.individual_id)))) or 0
        keys = s.scalar(select(func.count()).select_from(DedupKey)) or 0
        expected = sum(len(index.keys_of(p.prepared)) for p in s.scalars(select(DedupPerson)))
        return int(people), int(distinct_people), int(keys), expected


def test_two_index_writers_of_overlapping_people(container: Container, families: Families) -> None:
    with unit_of_work(container.sessions) as s:
        left = index.load_households(s, [families.first, families.again])
        right = index.load_households(s, [families.again, families.other])
    _together(container, lambda s: index._write(s, left), lambda s: index._write(s, right))
    _together(container, lambda s: index._write(s, left), lambda s: index._write(s, left))  # idempotent
    people, distinct, keys, expected = _index_rows(container)
    assert people == distinct == len({p.individual_id for p in left + right})
    assert keys == expected > 0


def test_two_syncs_at_once_index_everyone_once(
    container: Container, families: Families, seeded: Seed
) -> None:
    _together(container, index.sync, index.sync)  # both find the index unbuilt
    register(container, again_payload(seeded.camp_id))  # the index now lags behind
    register(container, again_payload(seeded.office_id))
    counts = _together(container, index.sync, index.sync, index.sync)
    assert sum(int(c) for c in counts) >= 1  # type: ignore[call-overload]
    people, distinct, keys, expected = _index_rows(container)
    with unit_of_work(container.sessions) as s:
        registered = s.scalar(select(func.count()).select_from(index.Individual)) or 0
        state = s.get(DedupIndexState, 1)
        head = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1))
        assert state is not None and state.audit_seq == head and index.lag(s) == 0
    assert people == distinct == registered
    assert keys == expected


def test_two_linkages_queue_each_pair_once(container: Container, families: Families) -> None:
    with unit_of_work(container.sessions) as s:
        op = s.scalar(select(DedupPerson.operation_id).limit(1)) or s.scalar(
            select(index.Individual.operation_id).limit(1)
        )
        assert isinstance(op, uuid.UUID)
        s.execute(delete(DedupPair))  # the registration's own linkage queued them already

    def link(s: Session) -> int:
        return dedup.link_household(s, operation_id=op, household_id=families.again)

    found = _together(container, link, link)
    with unit_of_work(container.sessions) as s:
        pairs = s.execute(select(DedupPair.left_id, DedupPair.right_id)).all()
    assert len(pairs) == len(set(pairs)) >= 2  # Khaled–Khalid, Maryam, … once each
    assert sum(int(n) for n in found) == len(pairs)  # type: ignore[call-overload]
