"""A unit of work's reads and writes in one transaction: two units of work that each read a value and
write it + 1 keep both increments or refuse the later one, never lose one silently; a released savepoint
is undone with its unit of work; on SQLite the reads of a unit of work see one snapshot; `retrying`
re-runs a unit of work that SQLite refused for a stale snapshot; and two real read-modify-write sites
(reference counters, payment-plan approvals) run concurrently.

The interleaving: unit A reads, then waits (at most `WAIT` seconds) for unit B to read, write and
commit, then writes. On SQLite B commits while A waits, and A's write is refused. On PostgreSQL B's
`SELECT … FOR UPDATE` waits for A's lock, so A's wait runs out, A commits first and B then reads A's
value: both increments are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.assistance.conftest import build_world, plan_in_approval
from tests.helpers import *  # noqa: F403  (the container fixture)

from refugio.assistance.models import PaymentPlan
from refugio.assistance.service import plans
from refugio.core.errors import DatabaseUnavailable
from refugio.main import Container
from refugio.registration.models import Sequence as RefSequence
from refugio.registration.service.common import allocate
from refugio.store.engine import make_engine
from refugio.store.locking import for_update
from refugio.store.uow import StaleSnapshot, retrying, session_factory, unit_of_work

WAIT = 1.0  # seconds unit A waits for unit B (B cannot finish while A holds a PostgreSQL row lock)

META = MetaData()
TALLY = Table("tally_test", META, Column("name", String(20), primary_key=True), Column("value", Integer))


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(TALLY.insert().values(name="t", value=0))
    yield session_factory(engine)
    engine.dispose()


def _read(s: Session) -> int:
    return int(s.execute(for_update(s, select(TALLY.c.value).where(TALLY.c.name == "t"))).scalar_one())


def _write(s: Session, value: int) -> None:
    s.execute(update(TALLY).where(TALLY.c.name == "t").values(value=value))


def _tally(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return _read(s)


def interleave(
    first: Callable[[threading.Event, threading.Event], Any], second: Callable[[], Any]
) -> dict[str, Any]:
    """Run `first(a_read, b_done)` and `second()` in two threads: `second` starts once `first` set
    `a_read`; `b_done` is set when `second` has ended. Returns each one's result or exception."""
    a_read, b_done = threading.Event(), threading.Event()
    out: dict[str, Any] = {}

    def run_a() -> None:
        try:
            out["a"] = first(a_read, b_done)
        except BaseException as exc:
            out["a"] = exc
        finally:
            a_read.set()

    def run_b() -> None:
        a_read.wait(timeout=30)
        try:
            out["b"] = second()
        except BaseException as exc:
            out["b"] = exc
        finally:
            b_done.set()

    threads = [threading.Thread(target=run_a), threading.Thread(target=run_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return out


def test_two_read_then_write_increments_are_kept_or_the_later_refused(
    sessions: sessionmaker[Session],
) -> None:
    def a(a_read: threading.Event, b_done: threading.Event) -> str:
        with unit_of_work(sessions) as s:
            seen = _read(s)
            a_read.set()
            b_done.wait(timeout=WAIT)
            _write(s, seen + 1)
        return "kept"

    def b() -> str:
        with unit_of_work(sessions) as s:
            _write(s, _read(s) + 1)
        return "kept"

    out = interleave(a, b)
    kept = [k for k, v in out.items() if v == "kept"]
    refused = [k for k, v in out.items() if isinstance(v, DatabaseUnavailable)]
    assert sorted(kept + refused) == ["a", "b"], out
    assert _tally(sessions) == len(kept)  # every increment reported kept is in the tally
    if sessions.kw["bind"].dialect.name == "sqlite":
        assert refused == ["a"] and isinstance(out["a"], StaleSnapshot)  # A read before B committed


def test_retrying_keeps_both_increments(sessions: sessionmaker[Session]) -> None:
    attempts: list[int] = []

    def a(a_read: threading.Event, b_done: threading.Event) -> int:
        def work(s: Session) -> int:
            seen = _read(s)
            attempts.append(seen)
            if len(attempts) == 1:  # the first attempt lets B commit between its read and its write
                a_read.set()
                b_done.wait(timeout=WAIT)
            _write(s, seen + 1)
            return seen + 1

        return retrying(sessions, work)

    def b() -> int:
        return retrying(sessions, lambda s: (_write(s, _read(s) + 1), 1)[1])

    out = interleave(a, b)
    assert not any(isinstance(v, BaseException) for v in out.values()), out
    assert _tally(sessions) == 2
    if sessions.kw["bind"].dialect.name == "sqlite":
        assert attempts == [0, 1]  # refused once, then re-read B's increment


def test_retrying_gives_up_after_its_attempts_and_refuses_zero(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        retrying(sessions, _read, attempts=0)
    calls: list[int] = []

    def refused(s: Session) -> None:
        calls.append(1)
        raise StaleSnapshot()

    with pytest.raises(StaleSnapshot):
        retrying(sessions, refused, attempts=3)
    assert len(calls) == 3


def test_immediate_unit_of_work_cannot_go_stale(sessions: sessionmaker[Session]) -> None:
    """`immediate` takes SQLite's write lock at the first statement: B (immediate too) waits for A
    instead of committing under it, and both read-then-write increments are kept. (A deferred B would
    read beside A and be refused at its write: a snapshot cannot wait for the write lock.)"""

    def a(a_read: threading.Event, b_done: threading.Event) -> str:
        with unit_of_work(sessions, immediate=True) as s:
            seen = _read(s)
            a_read.set()
            b_done.wait(timeout=WAIT)
            _write(s, seen + 1)
        return "kept"

    def b() -> str:
        with unit_of_work(sessions, immediate=True) as s:
            _write(s, _read(s) + 1)
        return "kept"

    assert interleave(a, b) == {"a": "kept", "b": "kept"}
    assert _tally(sessions) == 2


def test_a_released_savepoint_is_undone_with_its_unit_of_work(sessions: sessionmaker[Session]) -> None:
    """In pysqlite's legacy mode a SAVEPOINT opened the transaction and its RELEASE committed it."""
    with pytest.raises(RuntimeError, match="refused later"), unit_of_work(sessions) as s:
        _read(s)
        with s.begin_nested():
            _write(s, 41)
        assert _read(s) == 41
        raise RuntimeError("refused later")
    assert _tally(sessions) == 0


def test_reads_see_one_snapshot_on_sqlite(sessions: sessionmaker[Session]) -> None:
    """On SQLite a unit of work reads from one snapshot (PostgreSQL is READ COMMITTED: each statement
    sees what was committed before it)."""
    if sessions.kw["bind"].dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs READ COMMITTED: each statement has its own snapshot")
    with unit_of_work(sessions) as s:
        before = _read(s)
        with unit_of_work(sessions) as other:
            _write(other, 7)
        assert _read(s) == before == 0
    assert _tally(sessions) == 7


# real read-modify-write sites -------------------------------------------------------------------------


def test_reference_counter_after_reads_never_gives_a_value_twice(container: Container) -> None:
    """The registration's reference counter (`allocate`, `store.counters.reserve`) in a unit of work
    that has read first (a registration reads before it numbers): never the same value twice."""

    def reserve(s: Session) -> int:
        return allocate(s, "hh:JOR:2026", 1)

    with unit_of_work(container.sessions) as s:
        assert reserve(s) == 1

    def a(a_read: threading.Event, b_done: threading.Event) -> int:
        with unit_of_work(container.sessions) as s:
            s.execute(select(RefSequence.value)).all()  # a read before the counter
            a_read.set()
            b_done.wait(timeout=WAIT)
            return reserve(s)

    def b() -> int:
        with unit_of_work(container.sessions) as s:
            return reserve(s)

    out = interleave(a, b)
    got = [v for v in out.values() if isinstance(v, int)]
    assert len(got) == len(set(got)), out
    assert all(isinstance(v, int | DatabaseUnavailable) for v in out.values()), out
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(RefSequence.value).where(RefSequence.name == "hh:JOR:2026")) == 1 + len(got)
    # retried, the unit refused above gets the next value
    assert retrying(container.sessions, reserve) == 2 + len(got)


def test_two_approvals_at_once_authorise_the_plan(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan needing two approvals, approved by two approvers at the same moment: each reads the
    approvals given so far, then adds its own; the last one needed authorises the plan. In pysqlite's
    legacy mode both read none, both were kept, and the plan stayed in approval with two approvals."""
    world = build_world(container)
    code = plan_in_approval(world)
    with unit_of_work(container.sessions) as s:
        s.execute(update(PaymentPlan).where(PaymentPlan.code == code).values(approvals_required=2))
        version = s.scalar(select(PaymentPlan.version).where(PaymentPlan.code == code))
    assert version is not None
    first, second = world.who("approver1"), world.who("approver2")
    real_intact = plans._intact
    paused = threading.local()

    def approve(actor: Any, hook: Callable[[], None] | None) -> str:
        def work(s: Session) -> str:
            paused.hook = hook
            return str(plans.approve(s, actor=actor, plan_key=code, version=version, key=world.key).status)

        return retrying(container.sessions, work)

    def intact(*args: Any) -> None:  # between reading the approvals and adding one
        hook = getattr(paused, "hook", None)
        paused.hook = None
        if hook is not None:
            hook()
        real_intact(*args)

    def a(a_read: threading.Event, b_done: threading.Event) -> str:
        def pause() -> None:
            a_read.set()
            b_done.wait(timeout=WAIT)

        return approve(first, pause)

    monkeypatch.setattr(plans, "_intact", intact)
    out = interleave(a, lambda: approve(second, None))
    assert not any(isinstance(v, BaseException) for v in out.values()), out
    with unit_of_work(container.sessions) as s:
        plan = s.scalar(select(PaymentPlan).where(PaymentPlan.code == code))
        assert plan is not None
        assert plan.status == "authorised"
        assert sorted(plans.current_approvers(s, plan)) == sorted([first.label, second.label])


def test_unknown_begin_mode_is_refused(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the BEGIN mode is SQLite's")
    engine = make_engine(db_url)
    try:
        with (
            pytest.raises(ValueError, match="sqlite_begin must be one of"),
            engine.execution_options(sqlite_begin="exclusive").begin() as conn,
        ):
            conn.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
