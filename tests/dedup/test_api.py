"""REST API of dedup: desk check, review queue, decisions, unmerge, models, runs, permissions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.dedup.conftest import Families
from tests.helpers import PASSWORD, Seed

from refugio.main import Container, create_app

API = "/api/v1"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url="https://testserver") as c:
        yield c


def _auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(f"{API}/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_desk_check_takes_member_fields(client: TestClient, seeded: Seed, families: Families) -> None:
    clerk = _auth(client, "clerk")
    body = {
        "site_id": str(seeded.camp_id),
        "person": {
            "given_name": "Mohammed",
            "family_name_original": "حداد",
            "given_name_original": "خالد",
            "sex": "M",
            "date_of_birth": "1984-05-17",
            "relationship": "focal_point",
        },
    }
    r = client.post(f"{API}/dedup/desk-check", json=body, headers=clerk)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["matches"] and data["matches"][0]["family_name"] == "Haddad"
    assert 0 <= data["matches"][0]["probability"] <= 1 and data["matches"][0]["contributions"]
    bad = client.post(
        f"{API}/dedup/desk-check",
        json={**body, "person": {"given_name": "Ali", "date_of_birth": "84"}},
        headers=clerk,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "person.date_of_birth"
    assert client.post(f"{API}/dedup/desk-check", json=body).status_code == 401


def test_queue_decisions_and_permissions(client: TestClient, seeded: Seed, families: Families) -> None:
    imo, clerk = _auth(client, "imo"), _auth(client, "clerk")
    assert (
        client.post(
            f"{API}/dedup/runs", json={"operation_id": str(seeded.operation_id)}, headers=clerk
        ).status_code
        == 403
    )
    run = client.post(f"{API}/dedup/runs", json={"operation_id": str(seeded.operation_id)}, headers=imo)
    assert run.status_code == 201, run.text
    assert run.json()["pairs_new"] == 0  # the pairs landed in the queue when the family was registered again
    assert client.get(f"{API}/dedup/pairs", headers=clerk).status_code == 403
    queue = client.get(f"{API}/dedup/pairs", headers=imo).json()
    assert queue["total"] == 4
    first, second = queue["items"][0], queue["items"][1]
    assert first["left"]["ref"] and first["right"]["ref"] and first["contributions"]

    no_reason = client.post(f"{API}/dedup/pairs/{first['id']}/same", json={"reason": ""}, headers=imo)
    assert no_reason.status_code == 422
    merged = client.post(
        f"{API}/dedup/pairs/{first['id']}/same", json={"reason": "same person at interview"}, headers=imo
    )
    assert merged.status_code == 200, merged.text
    merge = merged.json()
    assert merge["active"] is True
    assert (
        client.post(
            f"{API}/dedup/pairs/{first['id']}/same", json={"reason": "again"}, headers=imo
        ).status_code
        == 409
    )
    different = client.post(
        f"{API}/dedup/pairs/{second['id']}/different", json={"reason": "twins"}, headers=imo
    )
    assert different.status_code == 200 and different.json()["status"] == "different"
    undone = client.post(f"{API}/dedup/merges/{merge['id']}/undo", json={"reason": "mistake"}, headers=imo)
    assert undone.status_code == 200 and undone.json()["active"] is False
    assert client.get(f"{API}/dedup/pairs/{first['id']}", headers=imo).json()["status"] == "pending"
    assert client.get(f"{API}/dedup/pairs/not-a-uuid", headers=imo).status_code == 404

    models = client.get(f"{API}/dedup/models", headers=imo).json()
    assert len(models) == 1 and models[0]["active"]
    r = client.put(
        f"{API}/dedup/models/{models[0]['id']}/thresholds",
        json={"review_weight": 1, "match_weight": 9},
        headers=imo,
    )
    assert r.status_code == 200 and r.json()["match_weight"] == 9
