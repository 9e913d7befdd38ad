"""store.bulk on SQLite, into a table with an INSERT trigger (the name index, the statistics' dirty
list): the rows go in multi-row statements (a statement that fires a trigger journals every page it
changes, once per statement), and store exactly what one statement per row stored: every row, in
order, every trigger fired once per row; a refused row leaves none of its statement's rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, select, text

from refugio.store import bulk
from refugio.store.engine import make_engine

META = MetaData()
WATCHED = Table(
    "bulk_watched",
    META,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), unique=True),
    Column("n", Integer),
)
PLAIN = Table("bulk_plain", META, Column("id", Integer, primary_key=True), Column("n", Integer))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bulk_seen (name TEXT, n INTEGER)"))
        conn.execute(
            text(
                "CREATE TRIGGER bulk_watched_insert AFTER INSERT ON bulk_watched BEGIN "
                "INSERT INTO bulk_seen VALUES (new.name, new.n); END"
            )
        )
    yield engine
    engine.dispose()


def _inserts(engine: Engine) -> list[str]:
    """The statements the driver runs from now on, as traced (with their values; a trigger's work is
    traced again under its statement's text: count distinct texts)."""
    seen: list[str] = []

    @event.listens_for(engine, "connect")
    def _trace(dbapi: sqlite3.Connection, _record: object) -> None:  # pragma: no cover - new connections
        dbapi.set_trace_callback(seen.append)

    engine.dispose()  # new connections, traced
    return seen


def test_rows_into_a_table_with_an_insert_trigger_go_in_multi_row_statements(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_ROWS_PER_STATEMENT", 100)
    rows = [{"id": i + 1, "name": f"name {i}", "n": i} for i in range(234)]
    traced = _inserts(engine)
    with engine.begin() as conn:
        assert bulk.insert_rows(conn, WATCHED, rows) == 234
        assert bulk.insert_tuples(conn, PLAIN, ["id", "n"], [(i, i) for i in range(1, 6)]) == 5
    statements = set(traced)
    watched = [s for s in statements if s.startswith("INSERT INTO bulk_watched (")]
    assert len(watched) == 3  # 100 + 100 + 34 rows (one statement per row before)
    plain = [s for s in statements if s.startswith("INSERT INTO bulk_plain (")]
    assert len(plain) == 5  # no trigger: the prepared statement run once per row
    with engine.connect() as conn:
        got = conn.execute(select(WATCHED).order_by(WATCHED.c.id)).all()
        seen = conn.execute(text("SELECT name, n FROM bulk_seen ORDER BY n")).all()
    assert [tuple(r) for r in got] == [(r["id"], r["name"], r["n"]) for r in rows]
    assert [tuple(r) for r in seen] == [(r["name"], r["n"]) for r in rows]


def test_a_refused_row_leaves_none_of_its_statements_rows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_ROWS_PER_STATEMENT", 10)
    rows = [{"id": i + 1, "name": f"name {i % 15}", "n": i} for i in range(20)]  # row 16 repeats row 1
    with engine.connect() as conn:
        with pytest.raises(Exception, match="UNIQUE"):
            bulk.insert_rows(conn, WATCHED, rows)
        assert conn.execute(select(WATCHED.c.n)).scalars().all() == list(range(10))  # the first statement
        assert conn.execute(text("SELECT count(*) FROM bulk_seen")).scalar() == 10
        conn.rollback()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bulk_watched")).scalar() == 0


def test_as_many_rows_as_the_connection_allows_bound_values(engine: Engine) -> None:
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[attr-defined]
        assert bulk._rows_per_statement(cur, dbapi, "bulk_watched", 3) == min(
            bulk.MAX_ROWS_PER_STATEMENT, limit // 3
        )
        assert bulk._rows_per_statement(cur, dbapi, "bulk_watched", limit + 1) == 1
        assert bulk._rows_per_statement(cur, dbapi, "bulk_plain", 2) == 1
