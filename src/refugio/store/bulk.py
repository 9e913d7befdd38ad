"""Set-based inserts of many rows into one table, inside the caller's transaction: PostgreSQL
`COPY … FROM STDIN` (psycopg 3), SQLite one prepared `executemany` on the driver's cursor — or, into a
table with an INSERT trigger (the name index, the statistics' dirty list), multi-row `INSERT … VALUES`
statements of up to MAX_ROWS_PER_STATEMENT rows (see `_rows_per_statement`). A row refused by a
constraint fails its whole statement: the rows of that statement are not stored (those of earlier
statements are, until the caller's transaction is rolled back).

SQLAlchemy's Core executemany processes each row's parameters one by one (a dict lookup, a type check
and a processor call per value), and psycopg's executemany sends one INSERT per row; for the hundreds
of thousands of rows of a bulk registration or an import that costs more than the database spends
storing them. `insert_rows` applies each column's own bind processing (UUIDs, dates, UTC datetimes,
JSON as text) to a whole column at a time, once per run of the same value (a batch's rows share their
timestamps, operation, site and household), and hands the rows to the driver as it wants them.
Same values as a Core insert would store.

    insert_rows(session.connection(), StagedRow.__table__, rows)               # rows: list of dicts
    insert_rows(conn, table, rows, encoded=frozenset({"values"}))               # "values" is JSON text
    insert_tuples(conn, table, ["id", "amount"], [(i, a), …])                 # driver's form already

The keys of the first row name the columns; every row must have them (a missing one raises KeyError).
Columns left out take their server-side default (an autoincrement key, a server default); when one
of them has a Python-side default instead, the rows go through SQLAlchemy's ordinary executemany,
which fills it in. `encoded` names JSON columns whose values are already JSON text (a caller that has
encoded a value anyway, e.g. to hash it, does not pay for encoding it twice). No RETURNING: ids must
be given or be server defaults.

Encrypted columns are bound to each row's `id` and get their blind index (`encrypted.bind_rows`).

Knows no domain: imports only SQLAlchemy, `store.jsontext` and `store.encrypted`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Connection

from refugio.store import jsontext
from refugio.store.encrypted import ENCRYPTED_COLUMNS, bind_rows

_Processor = Callable[[Any], Any] | None
_NOTHING = object()


def _json_text(value: Any) -> Any:
    return None if value is None else jsontext.dumps(value)


def _processor(conn: Connection, table: Table, name: str, encoded: frozenset[str]) -> _Processor:
    dialect = conn.dialect
    column = table.c[name]
    if isinstance(column.type, JSON) or isinstance(column.type.dialect_impl(dialect), JSON):
        # JSON as text: SQLite stores the text; PostgreSQL parses it into json/jsonb
        return None if name in encoded else _json_text
    process: _Processor = column.type._cached_bind_processor(dialect)
    return process


def _processed(process: _Processor, values: list[Any]) -> list[Any]:
    """`process` applied to each value, once per run of the same object."""
    if process is None:
        return values
    out: list[Any] = []
    last: Any = _NOTHING
    done: Any = None
    for value in values:
        if value is not last:
            last, done = value, process(value)
        out.append(done)
    return out


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    encoded: frozenset[str] = frozenset(),
) -> int:
    """INSERT `rows` (mappings with the same keys, column keys of `table`) into `table` in one
    set-based statement; returns the number of rows."""
    if not rows:
        return 0
    rows = bind_rows(conn.dialect, table, rows)  # encrypted columns (refugio.store.encrypted)
    names = list(rows[0])
    given = set(names)
    if any(c.default is not None for c in table.columns if c.key not in given):
        conn.execute(table.insert(), list(rows))
        return len(rows)
    columns = [_processed(_processor(conn, table, n, encoded), [r[n] for r in rows]) for n in names]
    return _write(conn, table, names, list(zip(*columns, strict=True)))


def bind_processor(conn: Connection, table: Table, name: str) -> Callable[[Any], Any]:
    """The function giving a value of column `name` in the driver's form, as `insert_rows` binds it
    (JSON as text): for callers of `insert_tuples` that convert a value once and use it many times."""
    process = _processor(conn, table, name, frozenset())
    return process if process is not None else _same


def insert_tuples(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> int:
    """INSERT `rows` (tuples of the values of the columns `names`, in that order) into `table` in one
    set-based statement, the values already in the driver's form (see `bind_processor`; ids read from
    the same database come in it): for the largest bulk writes, which convert a value shared by many
    rows once. No encrypted column (those are bound row by row: `insert_rows`); every column with a
    Python-side default given. Returns the number of rows."""
    sealed = [n for n in names if (table.name, table.c[n].name) in ENCRYPTED_COLUMNS]
    if sealed:
        raise ValueError(f"insert_tuples: {table.name}.{sealed[0]} is encrypted; use insert_rows")
    defaulted = [c.key for c in table.columns if c.key not in names and c.default is not None]
    if defaulted:
        raise ValueError(f"insert_tuples: {table.name}.{defaulted[0]} has a Python default; give it")
    wrong = next((i for i, r in enumerate(rows) if len(r) != len(names)), None)
    if wrong is not None:
        raise ValueError(f"insert_tuples: row {wrong} has {len(rows[wrong])} values for {len(names)} columns")
    if not rows:
        return 0
    return _write(conn, table, list(names), rows)


def _same(value: Any) -> Any:
    return value


def _write(conn: Connection, table: Table, names: list[str], data: Sequence[tuple[Any, ...]]) -> int:
    prep = conn.dialect.identifier_preparer
    quoted = ", ".join(prep.quote(table.c[n].name) for n in names)
    target = prep.format_table(table)
    if not conn.in_transaction():  # the rows go in the caller's transaction: begin it (SQLite's BEGIN is
        conn.begin()  # emitted by the engine's begin event, never by the driver: store.engine)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for record in data:
                copy.write_row(record)
        return len(data)
    marks = "(" + ", ".join("?" for _ in names) + ")"
    cur = dbapi.cursor()
    try:
        per = _rows_per_statement(cur, dbapi, table.name, len(names))
        if per == 1:
            cur.executemany(f"INSERT INTO {target} ({quoted}) VALUES {marks}", data)
            return len(data)
        head = f"INSERT INTO {target} ({quoted}) VALUES "
        full = head + ", ".join([marks] * per)
        for start in range(0, len(data), per):
            part = data[start : start + per]
            sql = full if len(part) == per else head + ", ".join([marks] * len(part))
            cur.execute(sql, list(chain.from_iterable(part)))
    finally:
        cur.close()
    return len(data)


_INSERT_TRIGGER = re.compile(r"\b(?:BEFORE|AFTER|INSTEAD\s+OF)\s+INSERT\b", re.IGNORECASE)
MAX_ROWS_PER_STATEMENT = 500


def _rows_per_statement(cur: Any, dbapi: Any, table: str, width: int) -> int:
    """SQLite: how many rows to insert per statement. 1 (one prepared `executemany`) unless the table
    has an INSERT trigger; then as many as the connection's limit of bound values allows (at most
    MAX_ROWS_PER_STATEMENT), in multi-row `VALUES` statements. A statement that fires a trigger opens a
    statement journal, which copies every page the statement changes: once per ROW with
    executemany (each row is a statement), once per page with a statement of many rows — measured on
    the name index (FTS triggers), 35 → 10 µs of CPU per row, and 38 → 22 on `individual`."""
    triggers = cur.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall()
    if not any(_INSERT_TRIGGER.search(sql or "") for (sql,) in triggers):
        return 1
    limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(dbapi, "getlimit") else 999
    return max(1, min(MAX_ROWS_PER_STATEMENT, limit // width))


__all__ = ["bind_processor", "insert_rows", "insert_tuples"]
