"""Set-based inserts of many rows into one table, inside the caller's transaction: PostgreSQL `COPY …
FROM STDIN` (psycopg 3), SQLite one prepared `executemany` on the driver's cursor. Each column's
SQLAlchemy bind processing (UUIDs, JSON, UTC datetimes) is applied once per value, without building
a parameter dictionary per row the way `Connection.execute(table.insert(), rows)` does.

    insert_rows(session.connection(), StagedRow.__table__, rows)               # rows: list of dicts
    insert_rows(conn, table, rows, encoded=frozenset({"values"}))               # "values" is JSON text

`encoded` names JSON columns whose values are already JSON text (a caller that has encoded a value
anyway, e.g. to hash it, does not pay for encoding it twice). No RETURNING: ids must be given or be
server defaults. Imports nothing from refugio; knows no domain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table

_Processor = Callable[[Any], Any] | None


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _processors(
    conn: Connection, table: Table, names: Sequence[str], encoded: frozenset[str]
) -> list[_Processor]:
    dialect = conn.dialect
    out: list[_Processor] = []
    for name in names:
        column = table.c[name]
        is_json = isinstance(column.type.dialect_impl(dialect), JSON) or isinstance(column.type, JSON)
        if is_json:
            # JSON as text: SQLite stores the text; PostgreSQL parses it into json/jsonb
            out.append(None if name in encoded else _json_text)
        else:
            out.append(column.type._cached_bind_processor(dialect))
    return out


def _tuples(
    rows: Sequence[dict[str, Any]], names: Sequence[str], procs: list[_Processor]
) -> list[tuple[Any, ...]]:
    pairs = list(zip(names, procs, strict=True))
    if not any(p is not None for p in procs):
        return [tuple(row[n] for n in names) for row in rows]
    return [tuple(row[n] if p is None else p(row[n]) for n, p in pairs) for row in rows]


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    encoded: frozenset[str] = frozenset(),
) -> int:
    """Insert `rows` (dicts with the same keys, the table's column names) in one set-based statement;
    returns the number of rows."""
    if not rows:
        return 0
    names = list(rows[0])
    procs = _processors(conn, table, names, encoded)
    data = _tuples(rows, names, procs)
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    target = conn.dialect.identifier_preparer.format_table(table)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for record in data:
                copy.write_row(record)
        return len(data)
    marks = ", ".join("?" for _ in names)
    cur = dbapi.cursor()
    try:
        cur.executemany(f"INSERT INTO {target} ({quoted}) VALUES ({marks})", data)
    finally:
        cur.close()
    return len(data)


__all__ = ["insert_rows"]
