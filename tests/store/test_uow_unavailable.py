"""A database that is busy or gone (SQLite locked past its timeout, PostgreSQL restarting) is a
DatabaseUnavailable (503 with Retry-After in the API), rolled back, never a bare driver error."""

from __future__ import annotations

from pathlib import Path

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool
from tests.helpers import *  # noqa: F403  (the container fixture)

from refugio.core.errors import DatabaseUnavailable
from refugio.main import Container
from refugio.store.engine import make_engine, normalise_url
from refugio.store.uow import session_factory, unit_of_work


def test_operational_error_becomes_database_unavailable(container: Container) -> None:
    with pytest.raises(DatabaseUnavailable) as err, unit_of_work(container.sessions):
        raise OperationalError("BEGIN", {}, Exception("database is locked"))
    assert err.value.status == 503 and err.value.retry_after > 0
    assert "locked" not in err.value.message  # the driver's message never leaves


def test_no_connection_free_in_the_pool_is_database_unavailable(db_url: str, tmp_path: Path) -> None:
    """Load test finding (100 clerks on PostgreSQL): requests that waited longer than the pool's timeout
    for a connection answered 500 ("unexpected TimeoutError"); they are a 503 to retry, like a busy
    database."""
    engine = create_engine(normalise_url(db_url), pool_size=1, max_overflow=0, pool_timeout=0.2)
    sessions = session_factory(engine)
    try:
        with engine.connect() as held:  # another request holds the only connection
            held.execute(text("SELECT 1"))
            with pytest.raises(DatabaseUnavailable), unit_of_work(sessions) as s:
                s.execute(text("SELECT 1"))
        with unit_of_work(sessions) as s:  # once it is given back, work goes on
            assert s.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_the_pool_has_a_connection_for_every_request_thread(tmp_path: Path) -> None:
    """The synchronous routes run in anyio's worker threads (40 by default): the PostgreSQL pool
    (10 kept + overflow) never makes one of them wait for a connection another one holds."""
    limiter = anyio.to_thread.current_default_thread_limiter  # needs a running event loop

    async def tokens() -> float:
        return float(limiter().total_tokens)

    threads = anyio.run(tokens)
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")  # not connected: created only
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() + pool._max_overflow >= threads
    engine.dispose()
