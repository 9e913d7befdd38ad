"""Named counters kept in a table of (name, value) rows: reserve the next values atomically, inside the
caller's transaction. The row is created on first use (an upsert that ignores an existing row, in the
database's own dialect), then incremented with UPDATE … RETURNING, which holds the row's lock until
the transaction ends, so two transactions never get the same value.

    first = reserve(session, RefSequence.__table__, name="hh:JOR:2026", count=200)

Knows no domain: the table is given by the caller (a `name` primary key and an integer `value`).
"""

from __future__ import annotations

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def reserve(session: Session, table: Table, *, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive values of the counter `name`; returns the first of them (the
    counter then holds the last). A new counter starts at 1."""
    if count < 1:
        raise ValueError("reserve at least one value")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    last = session.execute(
        update(table).where(table.c.name == name).values(value=table.c.value + count).returning(table.c.value)
    ).scalar_one()
    return int(last) - count + 1


__all__ = ["reserve"]
