"""Row locks where the database has them: `SELECT … FOR UPDATE` on PostgreSQL; SQLite locks the whole
database for a writing transaction, so there the statement is left as it is: the unit of work reads
from its snapshot, and its first write is refused (`store.uow.StaleSnapshot`) when another unit of work
committed after that read.

    batch = session.scalars(for_update(session, select(ImportBatch).where(...))).one_or_none()

Knows no domain: imports only SQLAlchemy.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

_S = TypeVar("_S", bound=Select[Any])


def for_update(session: Session, stmt: _S) -> _S:
    """`stmt` locking the rows it reads until the transaction ends (where the database can)."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update()
    return stmt


__all__ = ["for_update"]
