"""Engine creation: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL through psycopg 3.

SQLite transactions: the pysqlite driver's own transaction handling is switched off (its legacy mode
begins a transaction only before an INSERT/UPDATE/DELETE, so the reads before a unit of work's first
write ran outside it and a savepoint's release committed). SQLAlchemy emits the `BEGIN` itself when a
connection's transaction begins (SQLAlchemy's documented pysqlite recipe), so all the statements of a
unit of work run in one transaction, on one snapshot from its first statement:

- `BEGIN` (deferred), the default: the snapshot is taken at the first read, the write lock at the
  first write. A writer whose snapshot went stale (another connection committed after it read) is
  refused by SQLite (SQLITE_BUSY_SNAPSHOT) instead of overwriting what it has not seen.
- `BEGIN IMMEDIATE`, for a connection with the execution option `sqlite_begin="immediate"`
  (`IMMEDIATE` below): the write lock is taken at once, waiting up to the busy timeout, for short units
  of work that are known to write.

A deferred transaction that has read cannot wait for the write lock (SQLite answers SQLITE_BUSY at
once while another connection holds it, and SQLITE_BUSY_SNAPSHOT once that one has committed): such
a refusal is marked on the driver's exception (`stale_snapshot`), so that the unit of work can tell it
from a database still locked after the busy timeout.

Engines are created on demand by the composition root, never at import time.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url

from refugio.store import jsontext

# 10 kept + 30 on demand = 40, the number of threads serving the synchronous routes (anyio's default
# limit), so a request never waits for a connection that another request's thread is holding.
POOL_OVERFLOW = 30

# execution option naming the SQLite BEGIN of a connection's transaction ("deferred" or "immediate")
SQLITE_BEGIN = "sqlite_begin"
IMMEDIATE = {SQLITE_BEGIN: "immediate"}
_BEGIN = {"deferred": "BEGIN", "immediate": "BEGIN IMMEDIATE"}
_RAN = "refugio.statements_in_transaction"  # Connection.info: statements since the BEGIN
_STALE = "refugio_stale_snapshot"  # attribute set on the driver's exception
SQLITE_BUSY = 5
SQLITE_BUSY_SNAPSHOT = 517  # SQLITE_BUSY | (2 << 8)


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and route them to psycopg 3; expand `~` in SQLite paths."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///") :]
        if path.startswith("~"):
            url = "sqlite:///" + str(Path(path).expanduser())
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()
    dbapi_connection.isolation_level = None  # the driver never emits BEGIN: `_sqlite_begin` does


def _sqlite_begin(conn: Connection) -> None:
    """Begin the connection's transaction (deferred unless its execution options ask for immediate)."""
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "deferred")
    if mode not in _BEGIN:
        raise ValueError(f"{SQLITE_BEGIN} must be one of {sorted(_BEGIN)}, not {mode!r}")
    conn.exec_driver_sql(_BEGIN[mode])
    conn.info[_RAN] = 0


def _sqlite_count(conn: Connection, *_args: Any) -> None:
    conn.info[_RAN] = conn.info.get(_RAN, 0) + 1


def _sqlite_mark_stale(context: ExceptionContext) -> None:
    """Mark a refusal of a deferred transaction's upgrade to a writer (see the module's docstring)."""
    code = getattr(context.original_exception, "sqlite_errorcode", None)
    conn = context.connection
    if conn is None or code not in (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT):
        return
    deferred = conn.get_execution_options().get(SQLITE_BEGIN, "deferred") == "deferred"
    # the failing statement is counted: more than one means the transaction had run (read) before it
    if code == SQLITE_BUSY_SNAPSHOT or (deferred and conn.info.get(_RAN, 0) > 1):
        setattr(context.original_exception, _STALE, True)


def stale_snapshot(exc: BaseException) -> bool:
    """Whether `exc` (SQLAlchemy's or the driver's) is SQLite refusing a write to a transaction whose
    snapshot may be out of date: running the unit of work again, from its start, can succeed."""
    return bool(getattr(getattr(exc, "orig", None) or exc, _STALE, False))


# SQLite engines made here: what runs when one of their connections begins a transaction, before its BEGIN
_Hook = Callable[[Connection], None]
_BEFORE_BEGIN: weakref.WeakKeyDictionary[Engine, list[_Hook]] = weakref.WeakKeyDictionary()


def before_begin(engine: Engine, hook: Callable[[Connection], None]) -> None:
    """Run `hook(connection)` whenever a connection of `engine` begins a transaction — on SQLite before
    the BEGIN is sent (SQLAlchemy's own `insert=True` did not put a listener ahead of the engine's here),
    so that the hook can still write on another connection when the BEGIN is `BEGIN IMMEDIATE` and would
    hold the write lock; elsewhere as an ordinary `begin` listener."""
    hooks = _BEFORE_BEGIN.get(engine)
    if hooks is None:
        event.listen(engine, "begin", hook)
    else:
        hooks.append(hook)


def begin_raw(raw: Any) -> None:
    """Begin a transaction on a raw DB-API connection taken from an engine (`engine.raw_connection()`):
    on SQLite the driver's own BEGIN is off (above), so without this every statement of a raw
    connection — every row of an `executemany` — would be a transaction of its own. Call it again after
    each `commit()`. PostgreSQL's driver begins its transactions itself: nothing to do there."""
    driver = getattr(raw, "driver_connection", raw)
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        driver.execute("BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for `url` with the dialect's settings applied."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            private_sqlite_file(Path(db))
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_deserializer=jsontext.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        hooks: list[Callable[[Connection], None]] = []
        _BEFORE_BEGIN[engine] = hooks

        def begin(conn: Connection) -> None:
            for hook in hooks:
                hook(conn)
            _sqlite_begin(conn)

        event.listen(engine, "begin", begin)
        event.listen(engine, "before_cursor_execute", _sqlite_count)
        event.listen(engine, "handle_error", _sqlite_mark_stale)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,  # connections cut by a server restart are replaced on checkout
            pool_size=10,
            max_overflow=POOL_OVERFLOW,
            json_deserializer=jsontext.loads,
        )
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")


def private_sqlite_file(path: Path) -> None:
    """The database file readable by its owner only (0600), in a folder of its owner's (0700 when we
    create it): it holds personal data. SQLite gives its -wal and -shm files the database file's mode;
    files of an older refugio that are readable by others are narrowed too."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if file.exists() and file.stat().st_mode & 0o077:
            os.chmod(file, 0o600)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def printable_url(url: str) -> str:
    """A database URL with its password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)
