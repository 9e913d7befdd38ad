"""Idempotent inserts of many rows, inside the caller's transaction, in the database's own dialect
(`INSERT … ON CONFLICT`): safe when two transactions write the same rows at once (the second waits for
the first and then keeps or updates the row, instead of failing on the unique constraint).

    insert_ignore(session, DedupKey.__table__, rows, keys=["individual_id", "kind", "value"])
    upsert(session, DedupPerson.__table__, rows, keys=["individual_id"])
    new_ids = insert_ignore(session, table, rows, keys=["left_id", "right_id"], returning="id")

Rows are written in the order of their conflict keys, so two writers of overlapping rows take their
locks in the same order (no deadlock between them). Knows no domain: the table is given by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

BATCH = 1000


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _ordered(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[Mapping[str, Any]]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


def insert_ignore(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    returning: str | None = None,
) -> list[Any]:
    """INSERT the rows, leaving alone those whose `keys` (a unique constraint) already exist; returns
    the `returning` column of the rows actually inserted (empty when `returning` is None)."""
    if not rows:
        return []
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=list(keys))
    ordered = _ordered(rows, keys)
    if returning is None:
        for start in range(0, len(ordered), BATCH):
            session.execute(stmt, ordered[start : start + BATCH])
        return []
    out: list[Any] = []
    stmt = stmt.returning(table.c[returning])
    for start in range(0, len(ordered), BATCH):
        out.extend(session.execute(stmt, ordered[start : start + BATCH]).scalars())
    return out


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update: bool = True,
) -> None:
    """INSERT the rows; a row whose `keys` already exist takes the new values of the other columns
    (with `update=False` it is left as it is)."""
    if not rows:
        return
    stmt = _insert(session, table)
    columns = [c for c in rows[0] if c not in keys] if update else []
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    ordered = _ordered(rows, keys)
    for start in range(0, len(ordered), BATCH):
        session.execute(stmt, ordered[start : start + BATCH])


__all__ = ["insert_ignore", "upsert"]
