"""Engine creation: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL through psycopg 3.

Engines are created on demand by the composition root, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from refugio.store import jsontext

# 10 kept + 30 on demand = 40, the number of threads serving the synchronous routes (anyio's default
# limit), so a request never waits for a connection that another request's thread is holding.
POOL_OVERFLOW = 30


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
