"""/api/v1/dataprotection/breaches and /dpia: a breach with the people affected (a read audited for a
person), a notification, the status; a DPIA through its course, approval by its author refused; 403 for
a clerk and an information management officer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.dataprotection.registers_world import build_registers_world
from tests.helpers import PASSWORD
from tests.protection.conftest import World

from refugio.core import clock
from refugio.main import Container, create_app

API = "/api/v1/dataprotection"


@pytest.fixture
def world(container: Container) -> World:
    return build_registers_world(container)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


def _auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_breach_through_the_api(client: TestClient, world: World) -> None:
    dpo, imo = _auth(client, "dpo"), _auth(client, "imo")
    assert client.get(f"/api/v1/individuals/{world.woman_id}", headers=imo).status_code == 200
    body = {
        "title": "Token of imo leaked in a chat",
        "description": "An API token was pasted in a public chat for an hour.",
        "category": "confidentiality",
        "severity": "medium",
        "discovered_at": (clock.now() - dt.timedelta(hours=73)).isoformat(),
    }
    r = client.post(f"{API}/breaches", json={**body, "category": "x", "title": ""}, headers=dpo)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"category", "title"}
    r = client.post(f"{API}/breaches", json=body, headers=dpo)
    assert r.status_code == 201, r.text
    breach = r.json()
    assert breach["authority_overdue"] is True and breach["authority_hours"] == 72
    r = client.post(f"{API}/breaches/{breach['id']}/affected", json={"actor": "imo"}, headers=dpo)
    assert r.status_code == 200, r.text
    people = r.json()["affected"]["people"]
    assert [p["id"] for p in people] == [str(world.woman_id)] and people[0]["exposures"] == [
        "individual.read"
    ]
    r = client.post(
        f"{API}/breaches/{breach['id']}/notifications",
        json={
            "recipient_kind": "authority",
            "recipient": "DPC",
            "channel": "email",
            "notified_at": clock.now().isoformat(),
        },
        headers=dpo,
    )
    assert r.status_code == 201 and r.json()["notifications"][0]["late"] is True
    assert client.get(f"{API}/breaches/{breach['id']}", headers=dpo).json()["affected_count"] == 1
    r = client.post(f"{API}/breaches/{breach['id']}/status", json={"status": "closed"}, headers=dpo)
    assert r.status_code == 409
    assert client.get(f"{API}/breaches/nope", headers=dpo).status_code == 404
    for who in (imo, _auth(client, "clerk")):
        assert client.get(f"{API}/breaches", headers=who).status_code == 403
        assert client.get(f"{API}/breaches/{breach['id']}", headers=who).status_code == 403
        assert client.post(f"{API}/breaches", json=body, headers=who).status_code == 403
        assert client.get(f"{API}/dpia", headers=who).status_code == 403


def test_dpia_through_the_api(client: TestClient) -> None:
    dpo, dpo2 = _auth(client, "dpo"), _auth(client, "dpo2")
    activity = {
        "code": "tracing",
        "name": "Family tracing",
        "purpose": "Reunite separated families",
        "legal_basis": "vital_interest",
        "data_categories": ["identity", "locations"],
    }
    r = client.post(f"{API}/activities", json=activity, headers=dpo)
    assert r.status_code == 201 and r.json()["code"] == "TRACING"
    assert client.post(f"{API}/activities", json=activity, headers=dpo).status_code == 422
    r = client.post(f"{API}/dpia", json={"activity": "TRACING"}, headers=dpo)
    assert r.status_code == 201
    dpia = r.json()["id"]
    r = client.post(f"{API}/dpia/{dpia}/transition", json={"action": "submit"}, headers=dpo)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "risks"
    risk = {
        "risk": "Disclosure",
        "likelihood": 3,
        "severity": 4,
        "residual_likelihood": 1,
        "residual_severity": 3,
    }
    r = client.post(f"{API}/dpia/{dpia}/risks", json=risk, headers=dpo)
    assert (
        r.status_code == 201
        and r.json()["risks"][0]["level"] == "high"
        and r.json()["residual_risk"] == "low"
    )
    assert (
        client.post(f"{API}/dpia/{dpia}/transition", json={"action": "submit"}, headers=dpo).status_code
        == 200
    )
    approve = {"action": "approve", "dpo_opinion": "Proportionate", "review_date": "2099-06-30"}
    r = client.post(f"{API}/dpia/{dpia}/transition", json=approve, headers=dpo)
    assert r.status_code == 403 and "approved by someone else" in r.text
    r = client.post(f"{API}/dpia/{dpia}/transition", json=approve, headers=dpo2)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["approved_by"] == "dpo2"
    listed = client.get(f"{API}/activities", headers=dpo).json()
    assert listed[0]["dpia_status"] == "approved"
    r = client.post(f"{API}/dpia/{dpia}/risks", json=risk, headers=dpo)
    assert r.status_code == 409
