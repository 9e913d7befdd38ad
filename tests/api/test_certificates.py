"""Certificates through the API: issue (JSON or PDF), verify, revoke, revocation list, tampering."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload

from refugio.registration.certificate import read_revocation_list, token_from_pdf
from refugio.security.keys import load_public_key

Tokens = Callable[[str], dict[str, str]]


def _person(client: TestClient, seeded: Seed, token_for: Tokens) -> dict[str, Any]:
    return register(client, token_for("clerk"), household_payload(seeded.camp_id))["members"][0]


def _verify(client: TestClient, headers: dict[str, str], token: str) -> dict[str, Any]:
    r = client.post(f"{API}/certificates/verify", json={"token": token}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_issue_verify_revoke(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    clerk, protection = token_for("clerk"), token_for("protection")
    person = _person(client, seeded, token_for)
    r = client.post(f"{API}/individuals/{person['id']}/certificates", headers=clerk)
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["serial"].startswith("JOR-C-") and issued["token"].startswith("RFG1.")
    result = _verify(client, clerk, issued["token"])
    assert result["status"] == "valid"
    assert result["claims"]["id"] == person["ref"] and result["claims"]["s"] == issued["serial"]
    # a clerk may not revoke; the protection officer may
    problem(
        client.post(
            f"{API}/certificates/{issued['serial']}/revoke", json={"reason": "card lost"}, headers=clerk
        ),
        403,
    )
    r = client.post(
        f"{API}/certificates/{issued['serial']}/revoke", json={"reason": "card lost"}, headers=protection
    )
    assert r.status_code == 200, r.text
    assert r.json()["revocation_reason"] == "card lost" and r.json()["revoked_at"]
    revoked = _verify(client, clerk, issued["token"])
    assert revoked["status"] == "revoked" and revoked["revocation_reason"] == "card lost"
    problem(
        client.post(
            f"{API}/certificates/{issued['serial']}/revoke", json={"reason": "again"}, headers=protection
        ),
        409,
    )
    problem(
        client.post(
            f"{API}/certificates/JOR-C-000000-NOPE/revoke", json={"reason": "lost"}, headers=protection
        ),
        404,
    )
    # the signed revocation list names it and checks out with the published public key
    pem = client.get(f"{API}/certificates/public-key").content
    listing = client.get(f"{API}/certificates/revocations", headers=clerk).json()
    assert read_revocation_list(listing, load_public_key(pem)) == {issued["serial"]: "card lost"}
    # the certificate event is in the person's history
    kinds = {
        e["event_type"] for e in client.get(f"{API}/individuals/{person['id']}/events", headers=clerk).json()
    }
    assert {"certificate_issued", "certificate_revoked"} <= kinds


def test_certificate_as_pdf(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    clerk = token_for("clerk")
    person = _person(client, seeded, token_for)
    r = client.post(
        f"{API}/individuals/{person['id']}/certificates", headers={**clerk, "Accept": "application/pdf"}
    )
    assert r.status_code == 201
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "JOR-C-" in disposition
    assert "Haddad" not in disposition and "Khaled" not in disposition
    token = token_from_pdf(r.content)
    assert _verify(client, clerk, token)["status"] == "valid"
    # a new certificate supersedes the earlier one
    r = client.post(
        f"{API}/individuals/{person['id']}/certificates", headers={**clerk, "Accept": "application/json"}
    )
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    assert _verify(client, clerk, token)["status"] == "revoked"
    assert _verify(client, clerk, r.json()["token"])["status"] == "valid"


def test_tampered_and_malformed_tokens(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    clerk = token_for("clerk")
    person = _person(client, seeded, token_for)
    token = client.post(f"{API}/individuals/{person['id']}/certificates", headers=clerk).json()["token"]
    prefix, claims_b64, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims_b64 + "=" * (-len(claims_b64) % 4)))
    claims["fn"] = "Someone Else"
    forged = (
        base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    )
    tampered = _verify(client, clerk, f"{prefix}.{forged}.{signature}")
    assert tampered["status"] == "tampered"
    assert _verify(client, clerk, "RFG1.not-base64!.x")["status"] == "malformed"
    assert _verify(client, clerk, "hello")["status"] == "malformed"
    problem(client.post(f"{API}/certificates/verify", json={"token": ""}, headers=clerk), 422, "token")


def test_certificate_scope_and_permission(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    person = _person(client, seeded, token_for)
    # the viewer (Amman only) does not see this person; the IM officer sees but may not issue
    problem(client.post(f"{API}/individuals/{person['id']}/certificates", headers=token_for("viewer")), 404)
    problem(client.post(f"{API}/individuals/{person['id']}/certificates", headers=token_for("imo")), 403)
    problem(client.post(f"{API}/certificates/verify", json={"token": "RFG1.a.b"}), 401)
