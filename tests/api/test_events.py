"""Continuous registration through the API: births, deaths, marriages, address, status and household
changes, corrections with If-Match, needs and documents; each leaves an event with before/after values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload

from refugio.registration.models import IdentityDocument, Individual

Tokens = Callable[[str], dict[str, str]]


@pytest.fixture
def family(client: TestClient, seeded: Seed, token_for: Tokens) -> dict[str, Any]:
    return register(client, token_for("clerk"), household_payload(seeded.camp_id, members=4))


def _events(client: TestClient, headers: dict[str, str], path: str, event_type: str) -> list[dict[str, Any]]:
    r = client.get(f"{API}{path}/events", headers=headers)
    assert r.status_code == 200, r.text
    return [e for e in r.json() if e["event_type"] == event_type]


def test_birth(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = client.post(
        f"{API}/households/{family['id']}/births",
        headers=clerk,
        json={
            "given_name": "Huda",
            "family_name": "Haddad",
            "sex": "F",
            "date_of_birth": yesterday,
            "place_of_birth": "Zaatari clinic",
            "birth_registered_with_authorities": True,
        },
    )
    assert r.status_code == 201, r.text
    child = r.json()
    assert child["ref"] == f"{family['ref']}-05" and child["household_ref"] == family["ref"]
    assert r.headers["location"].endswith(f"/individuals/{child['id']}")
    household = client.get(f"{API}/households/{family['id']}", headers=clerk).json()
    assert household["size"] == 5
    (birth,) = _events(client, clerk, f"/households/{family['id']}", "birth")
    assert birth["individual_id"] == child["id"] and birth["occurred_on"] == yesterday
    assert birth["details"]["place_of_birth"] == "Zaatari clinic"
    # a birth needs the exact date, not in the future
    r = client.post(
        f"{API}/households/{family['id']}/births",
        headers=clerk,
        json={"given_name": "Sami", "family_name": "Haddad", "sex": "M", "date_of_birth": "2031-01-01"},
    )
    problem(r, 422, "date_of_birth", "future_date")


def test_death(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    grandchild = family["members"][2]
    today = dt.date.today().isoformat()
    r = client.post(
        f"{API}/individuals/{grandchild['id']}/death", json={"date_of_death": today}, headers=clerk
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "deceased" and r.json()["date_of_death"] == today
    (death,) = _events(client, clerk, f"/individuals/{grandchild['id']}", "death")
    assert death["details"]["status"] == ["active", "deceased"]
    problem(
        client.post(
            f"{API}/individuals/{grandchild['id']}/death", json={"date_of_death": today}, headers=clerk
        ),
        422,
        "date_of_death",
        "already_deceased",
    )


def test_marriage(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    son = family["members"][2]
    r = client.post(
        f"{API}/individuals/{family['members'][0]['id']}/marriage",
        headers=clerk,
        json={"date_of_marriage": "2010-06-01", "spouse_id": family["members"][1]["id"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["marital_status"] == "married"
    (marriage,) = _events(client, clerk, f"/individuals/{family['members'][1]['id']}", "marriage")
    assert marriage["details"]["marital_status"] == [None, "married"]
    assert marriage["details"]["spouse_ref"] == family["members"][0]["ref"]
    problem(
        client.post(
            f"{API}/individuals/{son['id']}/marriage", headers=clerk, json={"date_of_marriage": "2020-02-30"}
        ),
        422,
        "date_of_marriage",
    )


def test_address_change(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    r = client.post(
        f"{API}/households/{family['id']}/address",
        headers=clerk,
        json={"address": "District 8, Block 2", "shelter": "C-114"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["address"] == "District 8, Block 2" and r.json()["version"] == family["version"] + 1
    (change,) = _events(client, clerk, f"/households/{family['id']}", "address_change")
    assert change["details"]["address"] == ["District 5, Block 12", "District 8, Block 2"]
    assert change["details"]["shelter"] == [None, "C-114"]
    problem(
        client.post(f"{API}/households/{family['id']}/address", headers=clerk, json={"phone": "call me"}),
        422,
        "phone",
    )


def test_status_change(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    person = family["members"][1]
    r = client.post(
        f"{API}/individuals/{person['id']}/status",
        headers=clerk,
        json={"legal_status": "refugee", "reason": "recognised prima facie"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["legal_status"] == "refugee"
    (change,) = _events(client, clerk, f"/individuals/{person['id']}", "status_change")
    assert change["details"]["legal_status"] == [None, "refugee"]
    assert change["details"]["reason"] == "recognised prima facie"
    problem(
        client.post(
            f"{API}/individuals/{person['id']}/status",
            headers=clerk,
            json={"legal_status": "citizen", "reason": "x"},
        ),
        422,
        "legal_status",
    )


def test_move_to_a_new_household(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    son = family["members"][2]
    r = client.post(
        f"{API}/individuals/{son['id']}/move", headers=clerk, json={"reason": "married, lives apart"}
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["household_id"] != family["id"] and moved["relationship_to_focal_point"] == "focal_point"
    assert moved["ref"] == son["ref"]  # the person keeps their reference
    (old_side,) = _events(client, clerk, f"/households/{family['id']}", "household_change")
    assert old_side["details"]["from"]["household"] == family["ref"]
    assert old_side["details"]["to"]["household"] == moved["household_ref"]
    assert old_side["details"]["from"]["relationship"] == "son_daughter"
    assert client.get(f"{API}/households/{family['id']}", headers=clerk).json()["size"] == 3


def test_focal_point_change(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    spouse = family["members"][1]
    r = client.post(
        f"{API}/households/{family['id']}/focal-point",
        headers=clerk,
        json={"individual_id": spouse["id"], "reason": "husband working abroad"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["focal_point_id"] == spouse["id"]
    problem(
        client.post(
            f"{API}/households/{family['id']}/focal-point",
            headers=clerk,
            json={"individual_id": spouse["id"], "reason": "again"},
        ),
        422,
        "individual_id",
    )


def test_correction_with_if_match(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    person = family["members"][3]
    r = client.get(f"{API}/individuals/{person['id']}", headers=clerk)
    etag = r.headers["etag"]
    assert etag == f'"{r.json()["version"]}"'
    fix = {"given_name": "Leena", "date_of_birth": "2020-03-14", "reason": "spelling on UNHCR slip"}
    r = client.patch(f"{API}/individuals/{person['id']}", json=fix, headers={**clerk, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["given_name"] == "Leena" and r.json()["dob_precision"] == "exact"
    assert r.headers["etag"] != etag
    (update,) = _events(client, clerk, f"/individuals/{person['id']}", "details_updated")
    assert update["details"]["given_name"] == ["Lina", "Leena"]
    # editing from the old version is refused, and nothing changes
    r = client.patch(
        f"{API}/individuals/{person['id']}",
        headers={**clerk, "If-Match": etag},
        json={"given_name": "Lena", "reason": "another clerk's edit"},
    )
    problem(r, 409)
    assert client.get(f"{API}/individuals/{person['id']}", headers=clerk).json()["given_name"] == "Leena"
    problem(
        client.patch(
            f"{API}/individuals/{person['id']}",
            headers={**clerk, "If-Match": "yesterday"},
            json={"given_name": "Lena", "reason": "typo"},
        ),
        422,
        "If-Match",
    )
    problem(
        client.patch(
            f"{API}/individuals/{person['id']}",
            headers=clerk,
            json={"date_of_birth": "2019-13-01", "reason": "typo"},
        ),
        422,
        "date_of_birth",
    )
    problem(
        client.patch(f"{API}/individuals/{person['id']}", headers=clerk, json={"given_name": "X"}),
        422,
        "reason",
        "missing",
    )


def test_needs_flag_and_remove(client: TestClient, token_for: Tokens, family: dict[str, Any]) -> None:
    clerk = token_for("clerk")
    person = family["members"][0]
    r = client.post(
        f"{API}/individuals/{person['id']}/needs",
        headers=clerk,
        json={"code": "ds-bd", "reason": "blind in one eye since 2013"},
    )
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["code"] == "DS-BD" and need["source"] == "manual" and need["flagged_by"] == "clerk"
    problem(
        client.post(
            f"{API}/individuals/{person['id']}/needs",
            headers=clerk,
            json={"code": "DS-BD", "reason": "again"},
        ),
        409,
        "code",
        "already_flagged",
    )
    problem(
        client.post(
            f"{API}/individuals/{person['id']}/needs",
            headers=clerk,
            json={"code": "XX-YY", "reason": "unknown"},
        ),
        422,
        "code",
        "unknown_code",
    )
    r = client.post(f"{API}/needs/{need['id']}/remove", headers=clerk, json={"reason": "flagged in error"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert r.json()["removal_reason"] == "flagged in error"
    problem(client.post(f"{API}/needs/{need['id']}/remove", headers=clerk, json={"reason": "twice"}), 409)
    problem(
        client.post(f"{API}/needs/{need['id']}/remove", headers=clerk, json={"reason": ""}), 422, "reason"
    )
    kinds = [
        e["event_type"] for e in client.get(f"{API}/individuals/{person['id']}/events", headers=clerk).json()
    ]
    assert "need_flagged" in kinds and "need_removed" in kinds


def test_documents(
    client: TestClient, token_for: Tokens, family: dict[str, Any], count: Callable[[Any], int]
) -> None:
    clerk = token_for("clerk")
    spouse, son = family["members"][1], family["members"][2]
    doc = {"doc_type": "national_id", "number": "SY-0456-7788", "issuing_country": "SYR"}
    r = client.post(f"{API}/individuals/{spouse['id']}/documents", json=doc, headers=clerk)
    assert r.status_code == 201, r.text
    assert r.json()["number"] == "SY-0456-7788"
    listed = client.get(f"{API}/individuals/{spouse['id']}/documents", headers=clerk).json()
    assert [d["number"] for d in listed] == ["SY-0456-7788"]
    before = count(IdentityDocument)
    r = client.post(
        f"{API}/individuals/{son['id']}/documents", headers=clerk, json={**doc, "number": "sy 0456 7788"}
    )
    body = problem(r, r.status_code, "number", "document_taken")
    assert r.status_code in (409, 422) and spouse["ref"] in body["detail"]
    problem(
        client.post(
            f"{API}/individuals/{son['id']}/documents",
            headers=clerk,
            json={**doc, "number": "X1", "issuing_country": "ZZZ"},
        ),
        422,
        "issuing_country",
    )
    assert count(IdentityDocument) == before
    assert count(Individual) == 4
