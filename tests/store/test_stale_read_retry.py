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
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from refugio.core.errors import DatabaseUnavailable
from refugio.store import uow
from refugio.store.engine import make_engine
from refugio.store.uow import StaleSnapshot, after_transaction, retrying, session_factory, unit_of_work
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


def app(
    sessions: sessionmaker[Session],
    runs: list[bool],
    *,
    attempts: int | None,
    follow_ups: list[bool] | None = None,
) -> Starlette:
    """A route that reads the tally, lets another unit of work commit + 10 after that read unless its
    attempt is immediate (it would wait for this one's lock), then writes what it read + 1. With
    `follow_ups`, each run registers a follow-up (`after_transaction`) that notes whether its run was
    the immediate one, as the audit entry of a refused read does."""

    def bump(_request: Request) -> Response:
        current = uow._ATTEMPT.get()
        immediate = current is not None and current.immediate
        runs.append(immediate)
        with unit_of_work(sessions) as s:
            if follow_ups is not None:
                after_transaction(s, lambda _own: follow_ups.append(immediate))
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


def test_the_follow_ups_of_a_refused_attempt_run_once(sessions: sessionmaker[Session]) -> None:
    """The two refused attempts' follow-ups are dropped (the next attempt registers them again): the
    follow-up runs once, after the attempt that answered. Before, it ran after every attempt: a refused
    read was audited three times."""
    runs: list[bool] = []
    follow_ups: list[bool] = []
    with TestClient(app(sessions, runs, attempts=3, follow_ups=follow_ups)) as client:
        assert client.get("/bump").status_code == 200
    assert runs == [False, False, True]
    assert follow_ups == [True]


def test_retrying_runs_the_follow_ups_of_its_last_attempt_only(sessions: sessionmaker[Session]) -> None:
    follow_ups: list[int] = []
    calls: list[int] = []

    def work(s: Session) -> None:
        calls.append(len(calls) + 1)
        after_transaction(s, lambda _own, n=len(calls): follow_ups.append(n))
        seen = _read(s)
        if len(calls) < 3:  # another unit of work commits between this one's read and its write
            with unit_of_work(sessions) as other:
                _write(other, _read(other) + 10)
        _write(s, seen + 1)

    retrying(sessions, work, attempts=3)
    assert calls == [1, 2, 3]
    assert follow_ups == [3]
    with sessions() as s:
        assert _read(s) == 21


def test_a_refused_attempt_that_is_not_run_again_runs_its_follow_ups(sessions: sessionmaker[Session]) -> None:
    """A streamed answer has begun when its unit of work is refused: the request is not run again, and
    the follow-ups held by its attempt run (a refused read's audit entry is not lost)."""
    follow_ups: list[str] = []
    runs: list[int] = []

    def stream(_request: Request) -> Response:
        runs.append(1)

        def body() -> Iterator[str]:
            yield "begun\n"
            try:
                with unit_of_work(sessions) as s:
                    after_transaction(s, lambda _own: follow_ups.append("ran"))
                    seen = _read(s)
                    with unit_of_work(sessions) as other:
                        _write(other, _read(other) + 10)
                    _write(s, seen + 1)
            except StaleSnapshot:
                yield "refused\n"

        return StreamingResponse(body(), media_type="text/plain")

    web = Starlette(routes=[Route("/stream", stream)])
    web.add_middleware(RetryStaleReads, attempts=3)
    with TestClient(web) as client:
        answer = client.get("/stream")
    assert answer.text == "begun\nrefused\n"
    assert runs == [1]
    assert follow_ups == ["ran"]
