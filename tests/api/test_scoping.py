"""Who sees and does what: site scoping, roles, sensitive needs, auditing of reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload

from refugio.main import Container
from refugio.registration.models import Household
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work

Tokens = Callable[[str], dict[str, str]]


def test_clerk_cannot_see_another_site(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    amman = register(client, token_for("admin"), household_payload(seeded.office_id, family="Barakat"))
    clerk = token_for("clerk")
    person = amman["members"][0]
    for path in (
        f"/households/{amman['id']}",
        f"/households/{amman['ref']}",
        f"/households/{amman['id']}/events",
        f"/individuals/{person['id']}",
        f"/individuals/{person['ref']}/needs",
        f"/individuals/{person['id']}/documents",
        f"/individuals/{person['id']}/events",
    ):
        body = problem(client.get(API + path, headers=clerk), 404)
        assert "Barakat" not in json.dumps(body)
    # writes on it are 404 too, not 403 (the record's existence is not disclosed)
    problem(
        client.post(f"{API}/households/{amman['id']}/address", json={"address": "Block 9"}, headers=clerk),
        404,
    )
    # search: the admin finds the family, the clerk does not
    assert client.post(f"{API}/search", json={"q": "Barakat"}, headers=token_for("admin")).json()
    assert client.post(f"{API}/search", json={"q": "Barakat"}, headers=clerk).json() == []
    assert client.get(f"{API}/search", params={"q": amman["ref"]}, headers=clerk).json() == []
    assert client.get(f"{API}/households", headers=clerk).json()["total"] == 0
    # the viewer (Amman only) sees it
    assert client.get(f"{API}/households/{amman['id']}", headers=token_for("viewer")).status_code == 200


def test_viewer_cannot_register(
    client: TestClient, seeded: Seed, token_for: Tokens, count: Callable[[Any], int]
) -> None:
    r = client.post(
        f"{API}/households", json=household_payload(seeded.office_id), headers=token_for("viewer")
    )
    problem(r, 403)
    assert count(Household) == 0


def test_clerk_cannot_register_at_another_site(
    client: TestClient, seeded: Seed, token_for: Tokens, count: Callable[[Any], int]
) -> None:
    r = client.post(f"{API}/households", json=household_payload(seeded.office_id), headers=token_for("clerk"))
    problem(r, 422, "site_id", "forbidden")
    assert count(Household) == 0


def test_sensitive_need_is_invisible_to_the_clerk(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    clerk, protection = token_for("clerk"), token_for("protection")
    household = register(client, clerk, household_payload(seeded.camp_id))
    spouse = household["members"][1]
    # the clerk may not flag it
    problem(
        client.post(
            f"{API}/individuals/{spouse['id']}/needs",
            json={"code": "SV-VA", "reason": "disclosed in private interview"},
            headers=clerk,
        ),
        403,
    )
    r = client.post(
        f"{API}/individuals/{spouse['id']}/needs",
        json={"code": "SV-VA", "reason": "disclosed in private interview"},
        headers=protection,
    )
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "SV-VA" and r.json()["label"].startswith("Survivor of SGBV")
    # the clerk flags a non-sensitive need on the same person
    assert (
        client.post(
            f"{API}/individuals/{spouse['id']}/needs",
            json={"code": "SM-CI", "reason": "diabetes, needs insulin"},
            headers=clerk,
        ).status_code
        == 201
    )

    def codes(headers: dict[str, str]) -> dict[str, set[str]]:
        person = client.get(f"{API}/individuals/{spouse['id']}", headers=headers).json()
        needs = client.get(f"{API}/individuals/{spouse['id']}/needs", headers=headers).json()
        events = client.get(f"{API}/individuals/{spouse['id']}/events", headers=headers).json()
        hh_events = client.get(f"{API}/households/{household['id']}/events", headers=headers).json()
        hh = client.get(f"{API}/households/{household['id']}", headers=headers).json()
        return {
            "record": {n["code"] for n in person["needs"]},
            "needs": {n["code"] for n in needs},
            "events": {e["details"].get("code") for e in events} - {None},
            "household events": {e["details"].get("code") for e in hh_events} - {None},
            "household": {n["code"] for n in hh["member_needs"].get(spouse["id"], [])},
        }

    for where, seen in codes(clerk).items():
        assert seen == {"SM-CI"}, where
    for where, seen in codes(protection).items():
        assert seen == {"SM-CI", "SV-VA"}, where


def test_reading_a_person_is_audited(
    client: TestClient, container: Container, seeded: Seed, token_for: Tokens
) -> None:
    household = register(client, token_for("clerk"), household_payload(seeded.camp_id))
    person_id = household["members"][2]["id"]

    def reads() -> list[AuditEntry]:
        with unit_of_work(container.sessions) as s:
            return list(
                s.scalars(
                    select(AuditEntry).where(
                        AuditEntry.action == "individual.read", AuditEntry.object_id == person_id
                    )
                )
            )

    before = len(reads())
    assert client.get(f"{API}/individuals/{person_id}", headers=token_for("viewer")).status_code == 404
    assert len(reads()) == before  # a refused read is not a read
    assert client.get(f"{API}/individuals/{person_id}", headers=token_for("clerk")).status_code == 200
    entries = reads()
    assert len(entries) == before + 1
    assert entries[-1].actor == "clerk" and entries[-1].purpose == "registration"


def test_audit_chain_verifies(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    register(client, token_for("clerk"), household_payload(seeded.camp_id))
    r = client.get(f"{API}/audit/verify", headers=token_for("admin"))
    assert r.status_code == 200
    report = r.json()
    assert report["ok"] is True and report["problems"] == [] and report["entries"] > 5
    assert len(report["last_hash"]) == 64
    problem(client.get(f"{API}/audit/verify", headers=token_for("clerk")), 403)
    problem(client.get(f"{API}/audit/verify", headers=token_for("imo")), 403)
