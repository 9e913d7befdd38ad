"""Shared test fixtures.

Database backends
-----------------
Tests run on SQLite by default and also on PostgreSQL when REFUGIO_TEST_POSTGRES_URL is set, e.g.
`postgresql://postgres@127.0.0.1:5432/test` (CI sets it; see .ci/run). Ask for the `db_url` fixture
to run a test once per backend: its node id then ends in `[sqlite]` or `[postgresql]`. The database
behind the URL is new and EMPTY (no tables: run `refugio.store.migrate.upgrade(url)` or
`metadata.create_all` yourself) and is thrown away afterwards: a SQLite file under tmp_path, or a
PostgreSQL database `refugio_test_<random>` created through the server's `postgres` database and
dropped at teardown.

`fresh_postgres_database()` is the context manager behind it, for fixtures of a wider scope.

PostgreSQL report
-----------------
When REFUGIO_PG_REPORT names a file, the number of passed tests whose node id contains "postgresql"
is written to it at the end of the session, so CI can fail a run in which PostgreSQL silently skipped.

Fixtures of other areas go below the line at the end of this section.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from refugio.store.engine import normalise_url

POSTGRES_ENV = "REFUGIO_TEST_POSTGRES_URL"
PG_REPORT_ENV = "REFUGIO_PG_REPORT"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def postgres_server_url() -> str | None:
    """The PostgreSQL URL given by the environment (any database on the server), or None."""
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """Create an empty database `refugio_test_<random>` on the server of `server_url`, yield its URL
    (postgresql+psycopg://…), and drop it afterwards, even if connections to it are still open.

    CREATE/DROP DATABASE run from the maintenance database `postgres`, so the URL may name any
    database (`test` in CI) and the user needs CREATEDB (trust auth as `postgres` locally).
    """
    base = make_url(normalise_url(server_url))
    name = f"refugio_test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database, once per backend (sqlite always; postgresql when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'refugio-test.sqlite3'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    with fresh_postgres_database(server) as url:
        yield url


# Count passed PostgreSQL tests for REFUGIO_PG_REPORT (call phase only: setup/teardown are not tests).
_pg_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _pg_passed
    if report.when == "call" and report.passed and "postgresql" in report.nodeid:
        _pg_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(PG_REPORT_ENV)
    # Under pytest-xdist every report reaches the controller too: only it writes (a worker counts its own).
    if target and not hasattr(session.config, "workerinput"):
        Path(target).write_text(f"{_pg_passed}\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# Fixtures of other areas below.


def pytest_configure(config: pytest.Config) -> None:
    """Cheap argon2id parameters for the suite (production keeps the library's defaults): the hashes are
    real argon2id, only their cost is lower, so seeding users per test stays fast."""
    from refugio.security import passwords

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
