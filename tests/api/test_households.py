"""Registering households through the API, reading them back, lists, and the rules' automatic flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.api.support import API, lone_child, problem, register
from tests.helpers import Seed, household_payload

from refugio.registration.models import Household, Individual

Tokens = Callable[[str], dict[str, str]]


def test_register_a_household_of_four(
    client: TestClient, seeded: Seed, token_for: Tokens, count: Callable[[Any], int]
) -> None:
    headers = token_for("clerk")
    r = client.post(f"{API}/households", json=household_payload(seeded.camp_id, members=4), headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert re.fullmatch(r"JOR-\d{2}-\d{6}", body["ref"])
    assert body["size"] == 4 and len(body["members"]) == 4
    assert [m["ref"] for m in body["members"]] == [f"{body['ref']}-0{i}" for i in range(1, 5)]
    focal = body["members"][0]
    assert body["focal_point_id"] == focal["id"]
    assert focal["given_name"] == "Khaled" and focal["given_name_original"] == "خالد"
    assert r.headers["location"] == f"https://testserver{API}/households/{body['id']}"
    assert count(Household) == 1 and count(Individual) == 4
    # the Location answers, by id and by reference
    again = client.get(r.headers["location"], headers=headers)
    assert again.status_code == 200 and again.json()["ref"] == body["ref"]
    by_ref = client.get(f"{API}/households/{body['ref'].lower()}", headers=headers)
    assert by_ref.status_code == 200 and by_ref.json()["id"] == body["id"]
    # a person's record carries the household reference and documents
    person = client.get(f"{API}/individuals/{focal['ref']}", headers=headers).json()
    assert person["household_ref"] == body["ref"]
    assert person["relationship_to_focal_point"] == "focal_point"
    assert [d["doc_type"] for d in person["documents"]] == ["passport"]


def test_a_child_alone_is_flagged_by_the_rules(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    headers = token_for("clerk")
    body = register(client, headers, lone_child(seeded.camp_id))
    child = body["members"][0]
    codes = {n["code"] for n in body["member_needs"][child["id"]]}
    assert {"SC-UC", "SC-CH"} <= codes
    needs = client.get(f"{API}/individuals/{child['id']}/needs", headers=headers).json()
    uc = next(n for n in needs if n["code"] == "SC-UC")
    assert uc["label"] == "Unaccompanied child"
    assert uc["source"] == "rule" and uc["rule_id"] == "unaccompanied-child" and uc["active"]
    assert "no adult relative" in uc["reason"]


def test_a_family_gets_no_child_protection_flags(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    body = register(client, token_for("clerk"), household_payload(seeded.camp_id, members=4))
    codes = {n["code"] for needs in body["member_needs"].values() for n in needs}
    assert not codes & {"SC-UC", "SC-SC", "SC-CH"}


def test_list_households_is_paginated(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    headers = token_for("clerk")
    refs = {
        register(client, headers, household_payload(seeded.camp_id, members=2, family=f))["ref"]
        for f in ("Haddad", "Khoury", "Nasser")
    }
    first = client.get(f"{API}/households", params={"limit": 2}, headers=headers).json()
    assert first["total"] == 3 and first["limit"] == 2 and first["offset"] == 0 and len(first["items"]) == 2
    rest = client.get(f"{API}/households", params={"limit": 2, "offset": 2}, headers=headers).json()
    assert len(rest["items"]) == 1
    assert {h["ref"] for h in first["items"] + rest["items"]} == refs
    assert "address" not in first["items"][0] and "phone" not in first["items"][0]
    only_site = client.get(
        f"{API}/households", params={"site_id": str(seeded.office_id)}, headers=headers
    ).json()
    assert only_site["total"] == 0
    problem(client.get(f"{API}/households", params={"limit": 0}, headers=headers), 422, "limit")
    problem(client.get(f"{API}/households", params={"site_id": "nope"}, headers=headers), 422, "site_id")


def test_unknown_household_is_404(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    headers = token_for("clerk")
    problem(client.get(f"{API}/households/JOR-26-999999", headers=headers), 404)
    problem(client.get(f"{API}/households/00000000-0000-4000-8000-000000000000", headers=headers), 404)
    problem(
        client.post(f"{API}/households/not-an-id/address", json={"address": "Block 3"}, headers=headers), 404
    )


def test_reference_lists(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    headers = token_for("clerk")
    codes = {c["code"]: c for c in client.get(f"{API}/specific-needs/codes", headers=headers).json()}
    assert codes["SV-VA"]["sensitive"] is True and codes["SC-UC"]["sensitive"] is False
    assert codes["SC-UC"]["category_label"] == "Unaccompanied or separated child"
    countries = {
        c["code"]: c["name"] for c in client.get(f"{API}/reference/countries", headers=headers).json()
    }
    assert countries["SYR"].startswith("Syria")
    languages = {c["code"] for c in client.get(f"{API}/reference/languages", headers=headers).json()}
    assert "ara" in languages
    sites = client.get(f"{API}/sites", headers=headers).json()
    assert [s["code"] for s in sites] == ["ZAA"]  # the clerk works at ZAA only
    admin_sites = client.get(f"{API}/sites", headers=token_for("admin")).json()
    assert sorted(s["code"] for s in admin_sites) == ["AMM", "ZAA"]
