"""The API mounted on a bare application (what `mount_api` promises whatever the web UI does): its own
size limit, content-type check, problem+json handlers, no-store headers, and safe logging of errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from tests.api.support import API, problem
from tests.helpers import PASSWORD, Seed, household_payload

from refugio.api.app import mount_api
from refugio.main import Container
from refugio.registration import queries


@pytest.fixture
def bare(container: Container, seeded: Seed) -> Iterator[TestClient]:
    """A bare outer app with a catch-all route, a 2 kB request limit, and the API mounted."""
    container.settings.max_request_bytes = 2048
    app = FastAPI()

    @app.get("/{anything:path}")
    def catch_all(anything: str) -> PlainTextResponse:
        return PlainTextResponse(f"web page {anything}")

    mount_api(app, container)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def auth(bare: TestClient) -> dict[str, str]:
    r = bare.post(f"{API}/tokens", json={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_api_routes_come_before_the_outer_apps(bare: TestClient, auth: dict[str, str]) -> None:
    assert bare.get("/dashboard").text == "web page dashboard"
    r = bare.get(f"{API}/sites", headers=auth)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    problem(bare.get(f"{API}/nothing-here", headers=auth), 404)
    problem(bare.get("/api/v0/sites"), 404)


def test_size_limit_by_header_and_by_counting(bare: TestClient, auth: dict[str, str], seeded: Seed) -> None:
    payload = household_payload(seeded.camp_id)
    payload["address"] = "x" * 3000
    data = json.dumps(payload).encode()
    problem(
        bare.post(f"{API}/households", content=data, headers={**auth, "Content-Type": "application/json"}),
        413,
    )

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(data), 500):
            yield data[i : i + 500]

    r = bare.post(f"{API}/households", content=chunks(), headers={**auth, "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    problem(r, 413)
    problem(bare.post(f"{API}/households", content=b"{}", headers={**auth, "Content-Length": "many"}), 400)
    # a body under the limit reaches the route
    small = household_payload(seeded.camp_id, members=1)
    assert bare.post(f"{API}/households", json=small, headers=auth).status_code == 201


def test_wrong_content_type(bare: TestClient, auth: dict[str, str]) -> None:
    r = bare.post(f"{API}/search", content=b"q=haddad", headers={**auth, "Content-Type": "text/plain"})
    problem(r, 415)
    r = bare.post(f"{API}/search", content=b'{"q": "haddad"}', headers=auth)  # no Content-Type at all
    problem(r, 415)
    r = bare.post(
        f"{API}/search",
        content=b'{"q": "haddad"}',
        headers={**auth, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200


def test_unexpected_error_is_a_problem_and_logs_no_personal_data(
    bare: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = {"name": "Khaled Haddad", "born": "1984-05-17"}

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"row for {secret['name']}, born {secret['born']}")  # as a driver error might

    monkeypatch.setattr(queries, "visible_sites", broken)
    with caplog.at_level(logging.ERROR, logger="refugio.api"):
        r = bare.get(f"{API}/sites", headers=auth)
    body = problem(r, 500)
    assert "Khaled" not in json.dumps(body)
    assert "RuntimeError" in caplog.text and "/sites" in caplog.text
    assert "Khaled" not in caplog.text and "1984" not in caplog.text


def test_one_unit_of_work_per_request(
    bare: TestClient,
    auth: dict[str, str],
    container: Container,
    seeded: Seed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[object] = []
    factory = container.sessions

    def counting() -> object:
        session = factory()
        opened.append(session)
        return session

    monkeypatch.setattr(container, "sessions", counting)
    r = bare.post(f"{API}/households", json=household_payload(seeded.camp_id, members=1), headers=auth)
    assert r.status_code == 201
    assert len(opened) == 1  # token check, registration and the audited read share one transaction
    opened.clear()
    problem(bare.get(f"{API}/individuals/JOR-26-999999-01", headers=auth), 404)
    assert len(opened) == 1
