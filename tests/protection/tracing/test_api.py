"""REST API of tracing: opening (consent required, field errors), matching with reasons, the steps,
and access control — a worker without the right reads no tracing request through any route."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.api.support import problem
from tests.helpers import PASSWORD
from tests.protection.tracing.conftest import World, request_payload

from refugio.main import Container, create_app

API = "/api/v1"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def auth(client: TestClient, world: World) -> Callable[[str], dict[str, str]]:
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            r = client.post(f"{API}/tokens", json={"username": username, "password": PASSWORD})
            assert r.status_code == 201, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return cache[username]

    return get


def test_open_match_review_verify_reunify(
    client: TestClient, world: World, auth: Callable[[str], dict[str, str]]
) -> None:
    officer = auth("protection")
    created = client.post(
        f"{API}/tracing/requests", json=request_payload(world.seed.camp_id), headers=officer
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["ref"].startswith("TR-JOR-") and request["status"] == "open"
    assert request["events"][0]["event_type"] == "opened"
    matched = client.post(f"{API}/tracing/requests/{request['ref']}/match", headers=officer)
    assert matched.status_code == 200, matched.text
    body = matched.json()
    assert body["candidates"] >= 1 and body["request"]["status"] == "candidate_found"
    best = body["request"]["sought"][0]["candidates"][0]
    assert best["kind"] == "registered" and best["card"]["ref"] and best["reasons"]
    assert any("same name, other spelling" in r["text"] for r in best["reasons"])
    assert "date_of_birth" not in best["card"]  # minimal data until confirmed

    bad = client.post(
        f"{API}/tracing/candidates/{best['id']}/review", json={"decision": "maybe", "reason": "x"}
    )
    assert bad.status_code == 401
    bad = client.post(
        f"{API}/tracing/candidates/{best['id']}/review",
        json={"decision": "maybe", "reason": ""},
        headers=officer,
    )
    body = problem(bad, 422)
    assert {e["field"] for e in body["errors"]} == {"decision", "reason"}
    ok = client.post(
        f"{API}/tracing/candidates/{best['id']}/review",
        json={"decision": "confirm", "reason": "names, age and place agree"},
        headers=officer,
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verification"
    again = client.post(
        f"{API}/tracing/candidates/{best['id']}/review",
        json={"decision": "reject", "reason": "not him"},
        headers=officer,
    )
    problem(again, 409)
    verified = client.post(
        f"{API}/tracing/requests/{request['id']}/verification",
        json={
            "candidate_id": best["id"],
            "enquirer_agrees": True,
            "sought_agrees": True,
            "documents": "photo",
        },
        headers=officer,
    )
    assert verified.status_code == 200 and verified.json()["status"] == "reunification"
    problem(
        client.post(
            f"{API}/tracing/requests/{request['id']}/reunification",
            json={"occurred_on": "2999-01-01", "place": "Zaatari", "outcome": "reunified"},
            headers=officer,
        ),
        422,
        "occurred_on",
        "future_date",
    )
    done = client.post(
        f"{API}/tracing/requests/{request['id']}/reunification",
        json={"occurred_on": "2026-11-30", "place": "Zaatari camp", "outcome": "reunified"},
        headers=officer,
    )
    assert done.status_code == 200 and done.json()["status"] == "closed"
    assert [e["event_type"] for e in done.json()["events"]][-1] == "reunification"


def test_consent_and_field_errors(
    client: TestClient, world: World, auth: Callable[[str], dict[str, str]]
) -> None:
    officer = auth("protection")
    no_consent = request_payload(world.seed.camp_id, consent={"given": False})
    problem(
        client.post(f"{API}/tracing/requests", json=no_consent, headers=officer),
        422,
        "consent.given",
        "tracing_consent_required",
    )
    missing = request_payload(world.seed.camp_id)
    del missing["consent"]
    problem(client.post(f"{API}/tracing/requests", json=missing, headers=officer), 422, "consent")
    bad = request_payload(world.seed.camp_id)
    bad["sought"][0].update(date_of_birth="12/2014", relationship="friend", age=200)
    body = problem(client.post(f"{API}/tracing/requests", json=bad, headers=officer), 422)
    assert {"sought.0.relationship", "sought.0.age"} <= {e["field"] for e in body["errors"]}
    bad["sought"][0].update(relationship="child", age=12)
    problem(
        client.post(f"{API}/tracing/requests", json=bad, headers=officer),
        422,
        "sought.0.date_of_birth",
        "bad_date",
    )
    assert client.get(f"{API}/tracing/requests", headers=officer).json()["total"] == 0  # nothing half-saved


def test_no_route_reveals_a_request_to_a_worker_without_the_right(
    client: TestClient, world: World, auth: Callable[[str], dict[str, str]]
) -> None:
    officer = auth("protection")
    request = client.post(
        f"{API}/tracing/requests", json=request_payload(world.seed.camp_id), headers=officer
    ).json()
    for outsider in ("officer_lbn", "clerk"):
        h = auth(outsider)
        for path in (f"/tracing/requests/{request['id']}", f"/tracing/requests/{request['ref']}"):
            assert client.get(f"{API}{path}", headers=h).status_code in (403, 404)
        assert client.post(f"{API}/tracing/requests/{request['id']}/match", headers=h).status_code in (
            403,
            404,
        )
        listing = client.get(f"{API}/tracing/requests", headers=h)
        search = client.post(f"{API}/tracing/requests/search", json={"q": "Fatima"}, headers=h)
        export = client.get(f"{API}/tracing/requests/export.csv", headers=h)
        if outsider == "clerk":  # no TRACING_VIEW anywhere
            for r in (listing, search, export):
                problem(r, 403)
        else:  # TRACING_VIEW in another operation only
            assert listing.json() == {"total": 0, "items": []}
            assert search.json() == {"total": 0, "items": []}
            assert export.status_code == 200 and export.text.strip().count("\n") == 0  # the header only
        # the registration search knows nothing of tracing requests
        hits = client.post(f"{API}/search", json={"q": "Fatima Al-Ahmad"}, headers=h)
        assert "TR-JOR" not in hits.text
    own = client.get(f"{API}/tracing/requests/export.csv", headers=officer)
    assert (
        own.status_code == 200
        and request["ref"] in own.text
        and own.headers["content-type"].startswith("text/csv")
    )
    assert (
        client.post(f"{API}/tracing/requests/search", json={"q": "الأحمد"}, headers=officer).json()["total"]
        == 1
    )


def test_openapi_documents_tracing(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/tracing/requests",
        "/tracing/requests/{key}",
        "/tracing/requests/{key}/match",
        "/tracing/candidates/{candidate_id}/review",
        "/tracing/requests/{key}/verification",
        "/tracing/requests/{key}/reunification",
        "/tracing/requests/export.csv",
    ):
        assert path in paths, path
