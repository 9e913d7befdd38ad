"""The solutions API: a matching run proposed, refused past capacity, reviewed and confirmed; a claim
through its steps over HTTP with problem+json errors naming the field; the file hidden from staff not
assigned to it; the figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD

from refugio.main import create_app

from .conftest import World

API = "/api/v1/solutions"
Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def auth(client: TestClient) -> Headers:
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
            assert r.status_code == 201, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return cache[username]

    return get


def test_matching_run_through_the_api(client: TestClient, auth: Headers, world: World) -> None:
    body = {
        "title": "Quota 2027",
        "time_limit": 5,
        "cases": [
            {"case_ref": "A", "household_id": str(world.haddad), "children": 2, "adults": 2, "seniors": 0},
            {"case_ref": "B", "children": 0, "adults": 2, "seniors": 0},
        ],
        "localities": [
            {"locality_ref": "LYON", "capacities": [4]},
            {"locality_ref": "NANTES", "capacities": [2]},
        ],
        "scores": [
            {"case_ref": "A", "locality_ref": "LYON", "score": 0.8},
            {"case_ref": "B", "locality_ref": "LYON", "score": 0.9},
            {"case_ref": "B", "locality_ref": "NANTES", "score": 0.5},
        ],
    }
    who = auth("resettler")
    r = client.post(
        f"{API}/matching/runs", params={"operation_id": str(world.operation_id)}, json=body, headers=who
    )
    assert r.status_code == 201, r.text
    run = r.json()
    ref = run["run"]["ref"]
    assert {p["case_ref"]: p["final_locality"] for p in run["placements"]} == {"A": "LYON", "B": "NANTES"}
    assert run["run"]["gap"] == pytest.approx(0, abs=1e-6)
    r = client.post(
        f"{API}/matching/runs/{ref}/placements",
        json={"case_ref": "B", "locality_ref": "LYON", "reason": "joins an uncle"},
        headers=who,
    )
    assert r.status_code == 200 and any(loc["over"] for loc in r.json()["localities"])
    assert (
        client.post(f"{API}/matching/runs/{ref}/review", json={"note": "checked"}, headers=who).status_code
        == 200
    )
    r = client.post(f"{API}/matching/runs/{ref}/confirm", headers=who)
    assert r.status_code == 422 and "capacity of 4" in r.text
    client.post(
        f"{API}/matching/runs/{ref}/placements",
        json={"case_ref": "B", "locality_ref": "NANTES", "reason": "back to the proposal"},
        headers=who,
    )
    client.post(f"{API}/matching/runs/{ref}/review", json={"note": "checked again"}, headers=who)
    r = client.post(f"{API}/matching/runs/{ref}/confirm", headers=who)
    assert r.status_code == 200 and r.json()["run"]["status"] == "confirmed"
    assert client.get(f"{API}/matching/runs", headers=auth("imo")).json()[0]["ref"] == ref


def test_claim_through_the_api(client: TestClient, auth: Headers, world: World) -> None:
    officer = auth("rsd1")
    r = client.post(
        f"{API}/claims",
        json={
            "household_id": str(world.haddad),
            "principal_id": str(world.haddad_people[0]),
            "language": "ara",
        },
        headers=officer,
    )
    assert r.status_code == 201, r.text
    ref = r.json()["claim"]["ref"]
    assert client.get(f"{API}/claims/{ref}", headers=auth("rsd2")).status_code == 404
    assert client.get(f"{API}/claims/{ref}", headers=auth("rsdsup")).status_code == 403
    r = client.post(
        f"{API}/claims/{ref}/assignments",
        json={"user_id": str(world.seed.users["rsdsup2"]), "role": "reviewer"},
        headers=auth("rsdsup"),
    )
    assert r.status_code == 200, r.text
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    r = client.post(f"{API}/claims/{ref}/interviews", json={"scheduled_at": when}, headers=officer)
    interview = r.json()["interviews"][0]["id"]
    r = client.post(
        f"{API}/claims/{ref}/interviews/{interview}/record",
        json={"record": "Detailed, consistent account of the events."},
        headers=officer,
    )
    assert r.json()["claim"]["stage"] == "interviewed"
    r = client.post(
        f"{API}/claims/{ref}/assessment",
        json={"outcomes": {str(world.haddad_people[0]): "recognised"}, "legal_basis": [], "reasons": "short"},
        headers=officer,
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"reasons", "legal_basis"} <= fields
    r = client.post(
        f"{API}/claims/{ref}/assessment",
        json={
            "outcomes": {str(world.haddad_people[0]): "recognised"},
            "legal_basis": ["1951:religion"],
            "reasons": "Credible fear of persecution on account of religion.",
        },
        headers=officer,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/claims/{ref}/review", json={"agrees": True, "note": "agreed"}, headers=auth("rsdsup2")
    )
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/claims/{ref}/decision", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["members"][0]["first_outcome"] == "recognised"
    figures = client.get(f"{API}/figures", headers=auth("rsdsup")).json()
    assert figures["rates"]["first_instance"]["persons"]["recognition_rate"] == 1.0
