"""Unit of work: the caller (a request, a CLI command) owns the transaction; services only flush.

`Session` is re-exported as the type of the unit of work's session, so that the delivery channels,
which never import SQLAlchemy, can name it. A write refused by a database constraint (two desks saving
the same thing at once) leaves the unit of work as `core.errors.ConcurrentWrite`, without the driver's
message, which holds the clashing values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
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


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session; commit if the block succeeds, roll everything back if it raises. Follow-ups
    registered with `after_transaction` run afterwards either way, each in its own transaction."""
    session = factory()
    try:
        yield session
        session.commit()
    except IntegrityError:
        session.rollback()
        # the database message holds the clashing values: never pass it on or log it
        log.warning("write refused by a database constraint (concurrent change?)")
        raise ConcurrentWrite() from None
    except OperationalError:
        with suppress(OperationalError):  # the connection may be gone: nothing was committed
            session.rollback()
        log.warning("the database is busy or unavailable; the transaction was rolled back")
        raise DatabaseUnavailable() from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _run_after(factory, session)


__all__ = ["Session", "after_transaction", "session_factory", "unit_of_work"]
