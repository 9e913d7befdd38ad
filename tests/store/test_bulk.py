"""store.bulk: set-based inserts (COPY on PostgreSQL, one executemany on SQLite) store what a Core
insert would store: UUIDs, JSON (given as objects, or as JSON text already encoded), UTC datetimes,
NULLs, text with quotes, tabs and newlines; inside the caller's transaction (a rollback leaves nothing)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, Uuid, func, select

from refugio.store import bulk
from refugio.store.engine import make_engine
from refugio.store.types import PortableJSON, UTCDateTime

META = MetaData()
THING = Table(
    "bulk_thing",
    META,
    Column("id", Integer, primary_key=True),
    Column("ref", Uuid),
    Column("name", String(50)),
    Column("note", Text),
    Column("data", PortableJSON),
    Column("raw", PortableJSON),
    Column("at", UTCDateTime),
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    META.create_all(engine)
    yield engine
    engine.dispose()


def test_rows_round_trip(engine: Engine) -> None:
    ref = uuid.uuid4()
    at = dt.datetime(2026, 11, 30, 12, 30, 15, 123456, tzinfo=dt.UTC)
    rows = [
        {
            "ref": ref,
            "name": 'O\'Brien "Omar"',
            "note": "tab\there\nnew line \\ backslash",
            "data": {"a": [1, 2], "b": None, "c": "é"},
            "raw": '{"x":1}',
            "at": at,
        },
        {"ref": None, "name": None, "note": None, "data": None, "raw": None, "at": None},
    ]
    with engine.begin() as conn:
        assert bulk.insert_rows(conn, THING, rows, encoded=frozenset({"raw"})) == 2
        assert bulk.insert_rows(conn, THING, []) == 0
    with engine.connect() as conn:
        got = conn.execute(select(THING).order_by(THING.c.id)).all()
    assert [tuple(r)[1:] for r in got] == [
        (ref, "O'Brien \"Omar\"", "tab\there\nnew line \\ backslash", {"a": [1, 2], "b": None, "c": "é"},
         {"x": 1}, at),
        (None, None, None, None, None, None),
    ]  # fmt: skip


def test_a_rollback_leaves_nothing(engine: Engine) -> None:
    with engine.connect() as conn:
        with conn.begin() as tx:
            bulk.insert_rows(conn, THING, [{"name": "a"}, {"name": "b"}])
            assert conn.scalar(select(func.count()).select_from(THING)) == 2
            tx.rollback()
        assert conn.scalar(select(func.count()).select_from(THING)) == 0


DEFAULTED = Table(
    "bulk_defaulted",
    META,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("kind", String(10), default="plain"),
)


def test_a_left_out_column_with_a_python_default_is_filled_in(engine: Engine) -> None:
    with engine.begin() as conn:
        assert bulk.insert_rows(conn, DEFAULTED, [{"name": "a"}, {"name": "b"}]) == 2
    with engine.connect() as conn:
        got = conn.execute(select(DEFAULTED.c.name, DEFAULTED.c.kind).order_by(DEFAULTED.c.id)).all()
    assert [tuple(r) for r in got] == [("a", "plain"), ("b", "plain")]


def test_shared_values_are_stored_for_every_row(engine: Engine) -> None:
    """Values processed once per run of the same object are still stored on each row (and a run
    broken by another value is processed again)."""
    a, b = uuid.uuid4(), uuid.uuid4()
    at = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    refs = [a, a, b, a]
    with engine.begin() as conn:
        bulk.insert_rows(conn, THING, [{"ref": r, "at": at, "data": {"n": 1}} for r in refs])
    with engine.connect() as conn:
        got = conn.execute(select(THING.c.ref, THING.c.at, THING.c.data).order_by(THING.c.id)).all()
    assert [tuple(r) for r in got] == [(r, at, {"n": 1}) for r in refs]


def test_a_write_refused_by_a_constraint_leaves_the_unit_of_work_as_a_conflict(tmp_path) -> None:
    """The driver's message holds the clashing values (personal data): it never leaves the store."""
    import pytest
    from sqlalchemy import create_engine, text

    from refugio.core.errors import ConcurrentWrite, Conflict
    from refugio.store.uow import session_factory, unit_of_work

    engine = create_engine(f"sqlite:///{tmp_path / 'uow.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE person (name TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO person VALUES ('Khaled Haddad')"))
    factory = session_factory(engine)
    with pytest.raises(ConcurrentWrite) as caught, unit_of_work(factory) as s:
        s.execute(text("INSERT INTO person VALUES ('Khaled Haddad')"))
    assert isinstance(caught.value, Conflict) and caught.value.status == 409
    assert "Khaled" not in str(caught.value) and caught.value.__cause__ is None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar() == 1


def test_the_sqlite_database_and_its_folder_are_private(tmp_path) -> None:
    """Issue 14 item 7: the database and its WAL files were 0644 in a 0755 folder."""
    import stat

    from sqlalchemy import text

    from refugio.store.engine import make_engine

    folder = tmp_path / "data"
    engine = make_engine(f"sqlite:///{folder / 'refugio.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        wal = folder / "refugio.sqlite3-wal"
        assert wal.exists()
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    engine.dispose()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert modes["refugio.sqlite3"] == 0o600 and modes["refugio.sqlite3-wal"] == 0o600, modes
    old = tmp_path / "old.sqlite3"  # a database made by an older refugio is narrowed on opening
    old.touch(mode=0o644)
    old.chmod(0o644)
    make_engine(f"sqlite:///{old}").dispose()
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_tuples_in_the_drivers_form_store_what_insert_rows_stores(engine: Engine) -> None:
    ref = uuid.uuid4()
    at = dt.datetime(2026, 11, 30, 12, 30, 15, tzinfo=dt.UTC)
    row = {"ref": ref, "name": 'Sa"id', "note": "a\tb\nc", "data": {"é": [1]}, "raw": '{"x":1}', "at": at}
    names = list(row)
    with engine.begin() as conn:
        bulk.insert_rows(conn, THING, [row], encoded=frozenset({"raw"}))
        converted = tuple(
            row[n] if n == "raw" else bulk.bind_processor(conn, THING, n)(row[n]) for n in names
        )
        assert bulk.insert_tuples(conn, THING, names, [converted, converted]) == 2
        assert bulk.insert_tuples(conn, THING, names, []) == 0
        with pytest.raises(ValueError, match="row 1 has 2 values for 6 columns"):
            bulk.insert_tuples(conn, THING, names, [converted, converted[:2]])
    with engine.connect() as conn:
        got = [tuple(r)[1:] for r in conn.execute(select(THING).order_by(THING.c.id))]
    assert len(got) == 3 and got[0] == got[1] == got[2] == (ref, 'Sa"id', "a\tb\nc", {"é": [1]}, {"x": 1}, at)
