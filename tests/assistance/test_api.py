"""The assistance API: a cycle from rules to a reconciled plan through HTTP, segregation of duties as
403s, a refused report as problem+json with one error per line, the desk and the OpenAPI document."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import RULES, World
from tests.helpers import PASSWORD

from refugio.main import create_app

API = "/api/v1/assistance"
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


def test_a_cycle_from_rules_to_a_reconciled_plan(client: TestClient, auth: Headers, world: World) -> None:
    officer = auth("officer")
    r = client.post(
        f"{API}/programmes/WINTER/rules",
        json={"text": RULES.replace("per_member: 20", "per_member: x")},
        headers=officer,
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "amounts.per_member"
    r = client.post(
        f"{API}/programmes/WINTER/cycles", json={"name": "Jan", "start_date": "2026-01-10"}, headers=officer
    )
    assert r.status_code == 201, r.text
    cycle = r.json()["id"]
    r = client.get(f"{API}/cycles/{cycle}/preview", headers=officer)
    assert r.json()["eligible"] == 3 and r.json()["total_amount"] == "305.00"
    assert (
        client.post(f"{API}/cycles/{cycle}/freeze", json={}, headers=officer).json()["household_count"] == 3
    )
    assert (
        client.post(f"{API}/cycles/{cycle}/status", json={"to": "active"}, headers=officer).status_code == 200
    )
    r = client.post(f"{API}/cycles/{cycle}/plans", json={"provider": "Bank"}, headers=officer)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    for step in ("lock", "submit"):
        assert (
            client.post(f"{API}/plans/{code}/steps", json={"step": step}, headers=officer).status_code == 200
        )
    r = client.post(f"{API}/plans/{code}/steps", json={"step": "approve", "version": 1}, headers=officer)
    assert r.status_code == 403
    for approver in ("approver1", "approver2"):
        r = client.post(
            f"{API}/plans/{code}/steps", json={"step": "approve", "version": 1}, headers=auth(approver)
        )
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "authorised" and r.json()["approvals"] == ["approver1", "approver2"]
    r = client.post(f"{API}/plans/{code}/steps", json={"step": "release"}, headers=auth("releaser"))
    assert r.json()["status"] == "released"
    r = client.get(f"{API}/plans/{code}/export", headers=officer)
    lines = r.text.strip().splitlines()
    assert lines[0] == "payment_id,household_id,collector_name,collector_document,amount,currency"
    today = dt.date.today().isoformat()
    refs = [line.split(",")[0] for line in lines[1:]]
    bad = "payment_id,delivered_amount,delivery_date\n" + f"{refs[0]},1,{today}\n{refs[0]},1,{today}\n"
    r = client.post(
        f"{API}/plans/{code}/reconcile",
        json={"content_base64": base64.b64encode(bad.encode()).decode()},
        headers=officer,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "line 3"
    good = "payment_id,delivered_amount,delivery_date\n" + "".join(
        f"{line.split(',')[0]},{line.split(',')[4]},{today}\n" for line in lines[1:]
    )
    r = client.post(
        f"{API}/plans/{code}/reconcile",
        json={"content_base64": base64.b64encode(good.encode()).decode()},
        headers=officer,
    )
    assert r.status_code == 200 and r.json()["status"] == "reconciled"
    assert client.get(f"{API}/plans/{code}/verify", headers=officer).json()["ok"] is True


def test_the_desk_through_the_api(client: TestClient, auth: Headers, world: World) -> None:
    from tests.assistance.conftest import frozen_cycle

    frozen_cycle(world)
    r = client.post(
        f"{API}/desk/lookup", json={"programme": "WINTER", "key": world.family_ref}, headers=auth("desk")
    )
    assert r.status_code == 200, r.text
    entitlement = r.json()["entitlements"][0]["id"]
    body = {"entitlement_id": entitlement, "desk": "D1"}
    assert client.post(f"{API}/collections", json=body, headers=auth("desk")).status_code == 201
    r = client.post(f"{API}/collections", json={**body, "desk": "D2"}, headers=auth("desk"))
    assert r.status_code == 409 and "collected already at desk D1" in r.json()["detail"]
    r = client.post(
        f"{API}/desk/lookup", json={"programme": "WINTER", "token": "RFG1.e30.AAAA"}, headers=auth("desk")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "tampered"
    r = client.get(f"{API}/sample-size?population=10000&confidence=0.95&margin=0.05", headers=auth("desk"))
    assert r.json()["size"] == 555
    assert "/assistance/plans/{plan}/reconcile" in client.get("/api/v1/openapi.json").json()["paths"]
