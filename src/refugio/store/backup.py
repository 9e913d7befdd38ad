"""Dialect-specific backup and restore of a whole database, as plaintext dump files (the caller encrypts
them: refugio.security.backup_crypto), and what verification needs: whether a database is empty, the row
count of every table, and a scratch database made and thrown away.

- SQLite: a consistent copy with the sqlite3 online backup API while the application may be running; the
  restore copies the file's pages into the target the same way.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --no-owner --clean --if-exists` (Debian package
  postgresql-client); the password goes through PGPASSWORD, never on the command line.

Store knows no domain: what to check in a restored copy is the caller's. Imports SQLAlchemy and
refugio.store/core only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from refugio.core.errors import RefugioError
from refugio.store.engine import make_engine, normalise_url, private_sqlite_file

PG_PACKAGE = "postgresql-client"


class BackupFailed(RefugioError):
    """A dump or a restore could not be made (missing tool, tool error, non-empty target)."""


def _url(url: str) -> URL:
    return make_url(normalise_url(url))


def backend(url: str) -> str:
    """ "sqlite" or "postgresql"."""
    name = _url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = _url(url).database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} not found: install the PostgreSQL client tools (Debian: apt install {PG_PACKAGE})"
        )
    return found


def _pg_call(tool: str, url: str, args: list[str]) -> None:
    parsed = _url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments built here
        [_tool(tool), *args, f"--dbname={target}"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line][-3:]
        raise BackupFailed(f"{tool} failed (exit {done.returncode}): {' | '.join(lines)}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy every page of `source` into `target` with the online backup API (a consistent snapshot even
    while other connections write to `source`)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def dump(url: str, out: Path) -> None:
    """Write a consistent plaintext dump of the database at `url` to `out`."""
    if backend(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupFailed(f"no SQLite database at {source}")
        _sqlite_copy(source, out)
        return
    _pg_call("pg_dump", url, ["--format=custom", "--no-password", f"--file={out}"])


def is_empty(url: str) -> bool:
    """True when the database has no tables (or, for SQLite, no file yet)."""
    if backend(url) == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def load(url: str, dump_file: Path, *, force: bool = False) -> None:
    """Restore `dump_file` (made by `dump` on the same backend) into the database at `url`; a database
    that already has tables is refused unless `force` (its contents are then replaced)."""
    if not force and not is_empty(url):
        raise BackupFailed(
            "the target database is not empty: restore into an empty database, or give --force to replace it"
        )
    if backend(url) == "sqlite":
        target = _sqlite_path(url)
        private_sqlite_file(target)  # personal data: 0600 in a 0700 folder
        _sqlite_copy(dump_file, target)
        return
    _pg_call(
        "pg_restore",
        url,
        ["--no-owner", "--clean", "--if-exists", "--no-password", "--exit-on-error", str(dump_file)],
    )


def row_counts(url: str) -> dict[str, int]:
    """The number of rows of every table of the database, by table name."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            quote = engine.dialect.identifier_preparer.quote
            return {
                n: int(conn.execute(text(f"SELECT count(*) FROM {quote(n)}")).scalar_one()) for n in names
            }
    finally:
        engine.dispose()


@contextmanager
def scratch_database(like: str) -> Iterator[str]:
    """The URL of a new empty database of the same backend as `like` (a temporary SQLite file, or a
    PostgreSQL database on the same server), dropped afterwards."""
    if backend(like) == "sqlite":
        with tempfile.TemporaryDirectory(prefix="refugio-verify-") as folder:
            yield f"sqlite:///{Path(folder) / 'scratch.sqlite3'}"
        return
    base = _url(like)
    name = f"refugio_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
