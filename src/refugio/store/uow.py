"""Unit of work: the caller (a request, a CLI command) owns the transaction; services only flush.

`Session` is re-exported as the type of the unit of work's session, so that the delivery channels,
which never import SQLAlchemy, can name it. A write refused by a database constraint (two desks saving
the same thing at once) leaves the unit of work as `core.errors.ConcurrentWrite`, without the driver's
message, which holds the clashing values (the log names the constraint). A database busy, lost or
restarting, and a pool with no connection free in time, leave it as `core.errors.DatabaseUnavailable`
(503 with Retry-After in the API), never as an unexpected error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from refugio.core.errors import ConcurrentWrite, DatabaseUnavailable

log = logging.getLogger("refugio.store")


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
        try:
            with factory() as own:
                work(own)
                own.commit()
        except Exception:  # never mask the caller's outcome; say that the follow-up was lost
            log.exception("a follow-up of a unit of work failed")


def _constraint(exc: IntegrityError) -> str:
    """' <name>' of the constraint that refused a write where the driver says it (psycopg), else ''."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    return f" {name}" if name else ""


def _kind(exc: Exception) -> str:
    """What went wrong, without the driver's message (it may quote the statement's values)."""
    if isinstance(exc, PoolTimeout):
        return "no connection free in the pool in time"
    return type(getattr(exc, "orig", None) or exc).__name__


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session; commit if the block succeeds, roll everything back if it raises. Follow-ups
    registered with `after_transaction` run afterwards either way, each in its own transaction."""
    session = factory()
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
        log.warning("the database is busy or unavailable (%s); the transaction was rolled back", _kind(exc))
        raise DatabaseUnavailable() from None
    except BaseException:
        with suppress(OperationalError):  # a lost connection must not hide the error being raised
            session.rollback()
        raise
    finally:
        session.close()
        _run_after(factory, session)


__all__ = ["Session", "after_transaction", "session_factory", "unit_of_work"]
