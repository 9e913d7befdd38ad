"""/api/v1/retention: runs and dry runs with their reports, legal holds, field errors, least privilege."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.dataprotection.conftest import Past
from tests.helpers import PASSWORD

from refugio.main import create_app
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

API = "/api/v1/retention"


@pytest.fixture
def client(past: Past) -> Iterator[TestClient]:
    with TestClient(create_app(container=past.world.container), base_url="https://testserver") as c:
        yield c


def _auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_runs_and_holds_through_the_api(client: TestClient, past: Past) -> None:
    dpo, imo = _auth(client, "dpo"), _auth(client, "imo")
    with unit_of_work(past.world.container.sessions) as s:
        omar = s.scalar(select(Individual.ref).where(Individual.id == past.world.child_id))
    assert client.get(f"{API}/policy", headers=dpo).json()["departed_years"] == 5
    r = client.post(f"{API}/runs", json={"dry_run": True}, headers=dpo)
    assert r.status_code == 201 and r.json()["dry_run"] is True, r.text
    r = client.post(f"{API}/holds", json={"object_type": "individual", "ref": "", "reason": "x"}, headers=dpo)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"ref", "reason"}
    r = client.post(
        f"{API}/holds", json={"object_type": "individual", "ref": omar, "reason": "court"}, headers=dpo
    )
    assert r.status_code == 201, r.text
    hold = r.json()
    r = client.post(f"{API}/runs", json={}, headers=dpo)
    assert r.status_code == 201, r.text
    rules = {x["rule"]: x for x in r.json()["rules"]}
    assert rules["deceased_people"]["held"] == [{"ref": omar, "hold": omar}]
    run_id = r.json()["id"]
    assert client.get(f"{API}/runs/{run_id}", headers=dpo).json()["rules"] == r.json()["rules"]
    assert client.get(f"{API}/runs/nope", headers=dpo).status_code in (404, 422)
    assert [h["id"] for h in client.get(f"{API}/holds?active=true", headers=dpo).json()] == [hold["id"]]
    r = client.post(f"{API}/holds/{hold['id']}/lift", json={"reason": "quashed"}, headers=dpo)
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.post(f"{API}/holds/{hold['id']}/lift", json={"reason": "quashed"}, headers=dpo)
    assert r.status_code == 409
    for path in ("/runs", "/holds", "/policy"):
        assert client.get(f"{API}{path}", headers=imo).status_code == 403
    assert client.post(f"{API}/runs", json={}, headers=imo).status_code == 403
    assert client.get(f"{API}/runs").status_code == 401
