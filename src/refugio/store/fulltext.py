"""Full-text matching in the database's own index: SQLite's FTS5 (an external-content table whose
rowid is the indexed row's id) or PostgreSQL's tsvector column with a GIN index. The caller names the
index and the terms; this module writes the dialect's query (terms quoted, never parsed as syntax).

    stmt = where_matches(select(NameSearch.individual_id), dialect, index=NAMES,
                         words=["omar", "hadd"], prefix=True, exact=["_status_active"], any_of=scope)

Every word (a prefix of a token when `prefix`), every exact term, and at least one of `any_of` (if
given) must be in the row's document.

Knows no domain: imports only SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, cast, literal_column, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.types import Text

_S = TypeVar("_S", bound=Select[Any])


@dataclass(frozen=True)
class FullTextIndex:
    """A full-text index over one table: the SQLite FTS5 table (rowid = `row_id`) and, on PostgreSQL,
    the tsvector column `document`."""

    fts_table: str
    row_id: ColumnElement[Any]
    document: ColumnElement[Any]


def where_matches(
    stmt: _S,
    dialect: str,
    *,
    index: FullTextIndex,
    words: Sequence[str],
    prefix: bool,
    exact: Sequence[str] = (),
    any_of: Sequence[str] = (),
) -> _S:
    """`stmt` (selecting from the indexed table) limited to the rows whose document has every word
    (or a token starting with it, when `prefix`), every `exact` term and one of `any_of` (if any)."""
    if dialect == "sqlite":
        star = "*" if prefix else ""
        parts = [_fts_quote(w) + star for w in words] + [_fts_quote(s) for s in exact]
        if any_of:
            parts.append("(" + " OR ".join(_fts_quote(s) for s in any_of) + ")")
        fts: ColumnElement[Any] = literal_column(index.fts_table)
        match = fts.op("MATCH")(bindparam(None, " AND ".join(parts), Text()))
        rowid: ColumnElement[Any] = literal_column(f"{index.fts_table}.rowid")
        return stmt.join(table(index.fts_table), rowid == index.row_id).where(match)
    star = ":*" if prefix else ""
    parts = [_ts_quote(w) + star for w in words] + [_ts_quote(s) for s in exact]
    if any_of:
        parts.append("(" + " | ".join(_ts_quote(s) for s in any_of) + ")")
    query = cast(bindparam(None, " & ".join(parts), Text()), TSQUERY)
    return stmt.where(index.document.bool_op("@@")(query))


def _fts_quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _ts_quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


__all__ = ["FullTextIndex", "where_matches"]
