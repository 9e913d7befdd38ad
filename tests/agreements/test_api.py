"""The API of agreements, shares, consent and the partner registry search, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.agreements.conftest import World
from tests.api.conftest import build_app
from tests.helpers import PASSWORD

from refugio.main import Container

API = "/api/v1"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(build_app(container), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def auth(client: TestClient, world: World) -> Callable[[str], dict[str, str]]:
    def get(username: str) -> dict[str, str]:
        r = client.post(f"{API}/tokens", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    return get


def _body(world: World, **overrides: object) -> dict[str, object]:
    today = dt.date.today()
    body: dict[str, object] = {
        "operation_id": str(world.seed.operation_id),
        "partner": "UNICEF",
        "partner_username": "partner",
        "purpose": "assistance",
        "fields": ["registration_number", "sex", "status"],
        "legal_basis": "public_interest",
        "retention_days": 90,
        "valid_from": str(today - dt.timedelta(days=1)),
        "valid_until": str(today + dt.timedelta(days=60)),
    }
    body.update(overrides)
    return body


def test_agreement_share_and_search_through_the_api(
    client: TestClient, world: World, auth: Callable[[str], dict[str, str]]
) -> None:
    dpo, imo, partner = auth("dpo"), auth("imo"), auth("partner")
    assert client.post(f"{API}/agreements", json=_body(world), headers=imo).status_code == 403
    bad = client.post(f"{API}/agreements", json=_body(world, fields=["phone", "blood_type"]), headers=dpo)
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["fields.1"]
    r = client.post(f"{API}/agreements", json=_body(world), headers=dpo)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["in_force"] is True
    listed = client.get(
        f"{API}/agreements", params={"operation_id": str(world.seed.operation_id)}, headers=imo
    )
    assert [a["id"] for a in listed.json()] == [aid]

    outside = client.post(f"{API}/agreements/{aid}/shares/registry", json={"fields": ["phone"]}, headers=imo)
    assert outside.status_code == 422 and outside.json()["errors"][0]["code"] == "outside_agreement"
    share = client.post(f"{API}/agreements/{aid}/shares/registry", headers=imo)
    assert share.status_code == 200 and share.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(share.content)) as z:
        names = z.namelist()
        made = json.loads(z.read("manifest.json"))
        data = z.read(names[0])
    assert hashlib.sha256(data).hexdigest() == made["sha256"] == share.headers["X-Content-SHA256"]
    assert made["rows"] == 6 and made["agreement_id"] == aid

    ref = world.haddad[0][1]
    query = {"agreement_id": aid, "id_type": "registration_number", "id_value": ref}
    found = client.post(f"{API}/partners/registry/search", json=query, headers=partner)
    assert found.status_code == 200
    assert found.json() == {
        "agreement_id": aid,
        "registered": True,
        "status": "active",
        "registration_number": ref,
    }
    assert client.post(f"{API}/partners/registry/search", json=query, headers=imo).status_code == 403
    # the partner account reads nothing else
    assert client.get(f"{API}/agreements", headers=partner).json() == []
    person = client.get(f"{API}/individuals/{world.haddad[0][0]}", headers=partner)
    assert person.status_code in (403, 404)

    suspended = client.post(
        f"{API}/agreements/{aid}/status",
        json={"status": "suspended", "reason": "breach at partner"},
        headers=dpo,
    )
    assert suspended.status_code == 200 and suspended.json()["in_force"] is False
    assert client.post(f"{API}/partners/registry/search", json=query, headers=partner).status_code == 409
    assert client.post(f"{API}/agreements/{aid}/shares/registry", headers=imo).status_code == 409


def test_consent_through_the_api(
    client: TestClient, world: World, auth: Callable[[str], dict[str, str]]
) -> None:
    clerk, viewer = auth("clerk"), auth("viewer")
    pid = world.haddad[0][0]
    body = {"purpose": "assistance", "given": False, "reason": "said so at the desk"}
    assert client.post(f"{API}/individuals/{pid}/consent", json=body, headers=viewer).status_code in (
        403,
        404,
    )
    r = client.post(f"{API}/individuals/{pid}/consent", json=body, headers=clerk)
    assert r.status_code == 200, r.text
    state = {p["purpose"]: p for p in r.json()["purposes"]}
    assert state["assistance"]["state"] == "withdrawn" and state["assistance"]["withdrawn_by"] == "clerk"
    assert r.json()["history"][0]["event_type"] == "consent_changed"
    wrong = client.post(
        f"{API}/individuals/{pid}/consent", json={"purpose": "marketing", "given": True}, headers=clerk
    )
    assert wrong.status_code == 422
    hh = client.get(f"{API}/individuals/{pid}", headers=clerk).json()["household_id"]
    done = client.post(
        f"{API}/households/{hh}/consent", json={"purpose": "tracing", "given": True}, headers=clerk
    )
    assert done.status_code == 200 and done.json()["changed"] == 3
