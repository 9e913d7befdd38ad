"""Bulk inserts at the DBAPI's own speed: one compiled INSERT, one `executemany`.

SQLAlchemy's Core executemany processes each row's parameters one by one (a dict lookup, a type check
and a processor call per value); for the tens of thousands of rows of a bulk registration that costs
more than the database spends inserting them. `insert_rows` compiles the statement once, applies each
column's bind processor (the same processors SQLAlchemy would apply: UUIDs, dates, UTC datetimes, JSON)
to a whole column at a time, once per run of the same value, and hands the DBAPI the rows as it wants
them. Same SQL, same values.

Knows no domain: imports only SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, column keys of `table`) into `table`.

    The keys of the first row name the columns; every row must have them (a missing one raises
    KeyError). Columns left out take their server-side default (an autoincrement key, a server
    default); when one of them has a Python-side default instead, the rows go through SQLAlchemy's
    ordinary executemany, which fills it in.
    """
    if not rows:
        return
    keys = list(rows[0])
    left_out = [c for c in table.columns if c.key not in set(keys)]
    if any(c.default is not None for c in left_out):
        connection.execute(table.insert(), list(rows))
        return
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    if compiled.escaped_bind_names:  # column names the driver cannot take as parameter names
        connection.execute(table.insert(), list(rows))
        return
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    columns: list[list[Any]] = []
    for name in names:
        key = compiled.binds[name].key
        values = [r[key] for r in rows]
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(values if process is None else _processed(process, values))
    params: list[Any]
    if compiled.positional:
        params = list(zip(*columns, strict=True))
    else:
        params = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    connection.exec_driver_sql(compiled.string, params)


_NOTHING = object()


def _processed(process: Any, values: list[Any]) -> list[Any]:
    """`process` applied to each value, once per run of the same object: a batch's rows share their
    timestamps, operation, site and household, and processing a value costs more than this check."""
    out: list[Any] = []
    last: Any = _NOTHING
    done: Any = None
    for value in values:
        if value is not last:
            last, done = value, process(value)
        out.append(done)
    return out


__all__ = ["insert_rows"]
