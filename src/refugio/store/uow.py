"""Unit of work: the caller (a request, a CLI command) owns the transaction; services only flush.

`Session` is re-exported as the type of the unit of work's session, so that the delivery channels,
which never import SQLAlchemy, can name it. A write refused by a database constraint (two desks saving
the same thing at once) leaves the unit of work as `core.errors.ConcurrentWrite`, without the driver's
message, which holds the clashing values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from refugio.core.errors import ConcurrentWrite

log = logging.getLogger("refugio.store")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session; commit if the block succeeds, roll everything back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except IntegrityError:
        session.rollback()
        # the database message holds the clashing values: never pass it on or log it
        log.warning("write refused by a database constraint (concurrent change?)")
        raise ConcurrentWrite() from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


__all__ = ["Session", "session_factory", "unit_of_work"]
