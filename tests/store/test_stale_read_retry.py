"""`web.retry.RetryStaleReads`: a page read (GET) that SQLite refused for a stale snapshot runs again
without the client seeing the refusal; its last attempt takes the write lock at once; other methods are
never run again. SQLite only: PostgreSQL has no stale snapshots (READ COMMITTED)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from refugio.core.errors import DatabaseUnavailable
from refugio.store import uow
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory, unit_of_work
from refugio.web.retry import RetryStaleReads

META = MetaData()
TALLY = Table("tally_retry", META, Column("name", String(20), primary_key=True), Column("value", Integer))


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'retry.sqlite3'}")
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(TALLY.insert().values(name="t", value=0))
    yield session_factory(engine)
    engine.dispose()


def _read(s: Session) -> int:
    return int(s.execute(select(TALLY.c.value)).scalar_one())


def _write(s: Session, value: int) -> None:
    s.execute(update(TALLY).values(value=value))


def app(sessions: sessionmaker[Session], runs: list[bool], *, attempts: int | None) -> Starlette:
    """A route that reads the tally, lets another unit of work commit + 10 after that read unless its
    attempt is immediate (it would wait for this one's lock), then writes what it read + 1."""

    def bump(_request: Request) -> Response:
        current = uow._ATTEMPT.get()
        immediate = current is not None and current.immediate
        runs.append(immediate)
        with unit_of_work(sessions) as s:
            seen = _read(s)
            if not immediate:
                with unit_of_work(sessions) as other:
                    _write(other, _read(other) + 10)
            _write(s, seen + 1)
        return PlainTextResponse(str(seen + 1))

    def busy(_request: Request, _exc: Exception) -> Response:
        return PlainTextResponse("busy", status_code=503)

    web = Starlette(
        routes=[Route("/bump", bump, methods=["GET", "POST"])],
        exception_handlers={DatabaseUnavailable: busy},
    )
    if attempts is not None:
        web.add_middleware(RetryStaleReads, attempts=attempts)
    return web


def test_a_stale_page_read_runs_again_and_its_last_attempt_takes_the_lock(
    sessions: sessionmaker[Session],
) -> None:
    runs: list[bool] = []
    with TestClient(app(sessions, runs, attempts=3)) as client:
        answer = client.get("/bump")
    assert (answer.status_code, answer.text) == (200, "21")  # two + 10 committed under it, then + 1
    assert runs == [False, False, True]
    with sessions() as s:
        assert _read(s) == 21


def test_without_the_middleware_or_for_a_form_the_refusal_is_answered(
    sessions: sessionmaker[Session],
) -> None:
    runs: list[bool] = []
    with TestClient(app(sessions, runs, attempts=None)) as client:
        assert client.get("/bump").status_code == 503
    with TestClient(app(sessions, runs, attempts=3)) as client:
        assert client.post("/bump").status_code == 503  # a form is not run again
    assert runs == [False, False]
    with sessions() as s:
        assert _read(s) == 20  # only the other units of work's + 10 were kept


def test_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        RetryStaleReads(Starlette(), attempts=0)
