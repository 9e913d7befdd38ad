"""Unit of work: the caller (a request, a CLI command) owns the transaction; services only flush.

`Session` is re-exported as the type of the unit of work's session, so that the delivery channels,
which never import SQLAlchemy, can name it. A write refused by a database constraint (two desks saving
the same thing at once) leaves the unit of work as `core.errors.ConcurrentWrite`, without the driver's
message, which holds the clashing values (the log names the constraint). A database busy, lost or
restarting, and a pool with no connection free in time, leave it as `core.errors.DatabaseUnavailable`
(503 with Retry-After in the API), never as an unexpected error.

What a unit of work guarantees (see docs/decisions/0010-one-house-plan.md, "Stop 26"):

- SQLite: all its statements run in one transaction, on one snapshot taken at its first statement
  (`store.engine`: deferred BEGIN), and the database's single write lock is taken at its first write.
  When another unit of work committed between its first read and its first write, SQLite refuses that
  write (SQLITE_BUSY_SNAPSHOT): the unit of work ends as `StaleSnapshot`, a `DatabaseUnavailable`, and
  nothing it did is kept, never a write computed from a value it did not see. `retrying` re-runs a
  unit of work given as a callable when that happens; `unit_of_work(..., immediate=True)` takes the
  write lock at its first statement instead, for short units known to write (it then cannot go stale).
- PostgreSQL: READ COMMITTED, unchanged: each statement sees what was committed before it; a
  read-modify-write is made safe by `store.locking.for_update` (SELECT … FOR UPDATE) or one atomic
  statement (`store.counters`). `immediate` does nothing there and `retrying` never needs to re-run.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from refugio.core.errors import ConcurrentWrite, DatabaseUnavailable
from refugio.store.engine import IMMEDIATE, stale_snapshot

log = logging.getLogger("refugio.store")

T = TypeVar("T")


class StaleSnapshot(DatabaseUnavailable):
    """SQLite refused the unit of work's first write because another unit of work committed after
    its first read: what it read may be out of date, so nothing it did was kept. Running it again
    (`retrying`) reads the new values."""


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


AFTER_KEY = "refugio.after_transaction"


def after_transaction(session: Session, work: Callable[[Session], None]) -> None:
    """Run `work` once the unit of work that owns `session` has ended — committed or rolled back — in
    a transaction of its own. For what must be kept even when the caller's work is refused (the audit
    entry of a refused read): writing it at once on another connection would wait for the caller's own
    write lock on SQLite. A session used outside `unit_of_work` never runs it."""
    session.info.setdefault(AFTER_KEY, []).append(work)


def _run_after(factory: sessionmaker[Session], session: Session) -> None:
    for work in session.info.pop(AFTER_KEY, []):
        _run_one_after(factory, work)


def _run_one_after(factory: sessionmaker[Session], work: Callable[[Session], None]) -> None:
    try:
        # run again when SQLite refused it for a stale snapshot (another writer — an import's
        # background linkage — committed after it read): a statistics refresh must not be lost so
        retrying(factory, work)
    except Exception:  # never mask the caller's outcome; say that the follow-up was lost
        log.exception("a follow-up of a unit of work failed")


def _set_aside_follow_ups(
    factory: sessionmaker[Session], session: Session, current: Attempt | None, rerun: bool
) -> None:
    """A unit of work refused for a stale snapshot: its follow-ups are dropped when its caller runs it
    again (`retrying`: that run registers them again), held by the attempt of a page read (`web.retry`
    decides), else left to run as after any other end."""
    if rerun:
        session.info.pop(AFTER_KEY, None)
    elif current is not None and not current.immediate:
        current.held.extend((factory, work) for work in session.info.pop(AFTER_KEY, []))


def _constraint(exc: IntegrityError) -> str:
    """' <name>' of the constraint that refused a write where the driver says it (psycopg), else ''."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    return f" {name}" if name else ""


def _kind(exc: Exception) -> str:
    """What went wrong, without the driver's message (it may quote the statement's values)."""
    if isinstance(exc, PoolTimeout):
        return "no connection free in the pool in time"
    return type(getattr(exc, "orig", None) or exc).__name__


@dataclass
class Attempt:
    """One run of a piece of work that its caller may run again (a page read, `web.retry`): the units
    of work it opens take the write lock at once when `immediate`, and set `stale` when SQLite refused
    one of them for a stale snapshot. The follow-ups (`after_transaction`) of such a refused unit of work
    are `held`, not run: when the caller runs the work again, that run registers them again and they are
    dropped (a refused read is audited once, not once per attempt); when it does not, it runs them
    (`run_held`)."""

    immediate: bool = False
    stale: bool = False
    held: list[tuple[sessionmaker[Session], Callable[[Session], None]]] = field(default_factory=list)

    def run_held(self) -> None:
        """Run the held follow-ups (the work is not run again), each in a transaction of its own."""
        held, self.held = self.held, []
        for factory, work in held:
            _run_one_after(factory, work)


_ATTEMPT: ContextVar[Attempt | None] = ContextVar("refugio_uow_attempt", default=None)


@contextmanager
def attempt(*, immediate: bool = False) -> Iterator[Attempt]:
    """Mark the units of work opened in this context (and in the threads it starts with a copy of it,
    as anyio does for synchronous routes) as one attempt of a piece of work that may be run again."""
    current = Attempt(immediate=immediate)
    token = _ATTEMPT.set(current)
    try:
        yield current
    finally:
        _ATTEMPT.reset(token)


def _open(factory: sessionmaker[Session], immediate: bool) -> Session:
    session = factory()
    if immediate and session.get_bind().dialect.name == "sqlite":
        try:  # BEGIN IMMEDIATE now: the write lock, waiting up to the busy timeout
            session.connection(execution_options=IMMEDIATE)
        except BaseException:
            session.close()
            raise
    return session


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], *, immediate: bool = False, rerun_when_stale: bool = False
) -> Iterator[Session]:
    """Open a session; commit if the block succeeds, roll everything back if it raises. Follow-ups
    registered with `after_transaction` run afterwards either way, each in its own transaction — but
    for a unit of work refused for a stale snapshot that will run again (`rerun_when_stale`, or a page
    read's attempt: `Attempt.held`), whose next run registers them again.

    `immediate`: on SQLite, take the database's write lock at once (BEGIN IMMEDIATE), so that the unit
    of work cannot be refused for a stale snapshot; other writers wait for it to end. For short units
    known to write, never for long reads (exports, reports)."""
    current = _ATTEMPT.get()
    try:
        session = _open(factory, immediate or (current is not None and current.immediate))
    except (OperationalError, PoolTimeout) as exc:  # locked past the busy timeout, or no connection
        log.warning("the database is busy or unavailable (%s); nothing was begun", _kind(exc))
        raise DatabaseUnavailable() from None
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        # the database message holds the clashing values: never pass it on or log it (the name of the
        # constraint holds none, and says where to look)
        log.warning("write refused by a database constraint%s (concurrent change?)", _constraint(exc))
        raise ConcurrentWrite() from None
    except (OperationalError, PoolTimeout) as exc:  # lost, restarted, locked, or no connection free in time
        with suppress(OperationalError):  # the connection may be gone: nothing was committed
            session.rollback()
        if stale_snapshot(exc):
            if current is not None:
                current.stale = True
            _set_aside_follow_ups(factory, session, current, rerun_when_stale)
            log.info("another unit of work committed after this one read; it was rolled back")
            raise StaleSnapshot() from None
        log.warning("the database is busy or unavailable (%s); the transaction was rolled back", _kind(exc))
        raise DatabaseUnavailable() from None
    except BaseException:
        with suppress(OperationalError):  # a lost connection must not hide the error being raised
            session.rollback()
        raise
    finally:
        session.close()
        _run_after(factory, session)


def retrying(
    factory: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    attempts: int = 3,
    immediate: bool = False,
) -> T:
    """`work(session)` in a unit of work, committed; its result. Run again, from the start, when SQLite
    refused it for a stale snapshot (`StaleSnapshot`), up to `attempts` times in all; the last attempt
    takes the write lock at once (as `immediate`), so it cannot be refused for that reason again.
    `work` must do nothing outside the database that cannot be done twice; the follow-ups it registers
    with `after_transaction` run once, after the attempt that ends it. Any other error ends it at the
    first attempt."""
    if attempts < 1:
        raise ValueError("retrying needs at least one attempt")
    for attempt in range(1, attempts + 1):
        try:
            last = attempt == attempts
            with unit_of_work(factory, immediate=immediate or last, rerun_when_stale=not last) as session:
                return work(session)
        except StaleSnapshot:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311  (spreads the writers, no secret)
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = [
    "Attempt",
    "Session",
    "StaleSnapshot",
    "after_transaction",
    "attempt",
    "retrying",
    "session_factory",
    "unit_of_work",
]
