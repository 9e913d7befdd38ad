"""Search through the API: by name in either script, by reference, by document number and by phone."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload

Tokens = Callable[[str], dict[str, str]]


def test_search_by_name_reference_document_and_phone(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    clerk = token_for("clerk")
    payload = household_payload(seeded.camp_id)
    household = register(client, clerk, payload)
    register(client, clerk, household_payload(seeded.camp_id, family="Khoury"))
    focal = household["members"][0]

    r = client.post(f"{API}/search", json={"q": "khaled haddad"}, headers=clerk)
    assert r.status_code == 200
    # the Khoury household keeps the Arabic family name حداد: a spelling variant, listed after the name match
    hits = r.json()
    (hit,) = [h for h in hits if h["matched_by"] == "name"]
    assert hits[0] == hit and {h["matched_by"] for h in hits[1:]} <= {"variant"}
    assert (
        hit["id"] == focal["id"] and hit["ref"] == focal["ref"] and hit["household_ref"] == household["ref"]
    )
    assert hit["given_name_original"] == "خالد" and hit["family_name_original"] == "حداد"
    assert hit["matched_by"] == "name" and hit["sex"] == "M" and hit["date_of_birth"] == "1984-05-17"
    assert hit["dob_precision"] == "exact" and hit["status"] == "active"

    arabic = client.post(f"{API}/search", json={"q": "حداد"}, headers=clerk).json()
    assert focal["id"] in {h["id"] for h in arabic}
    by_ref = client.get(f"{API}/search", params={"q": focal["ref"]}, headers=clerk).json()
    assert [h["matched_by"] for h in by_ref] == ["id"]
    number = payload["members"][0]["documents"][0]["number"]
    by_doc = client.post(f"{API}/search", json={"q": number}, headers=clerk).json()
    assert [(h["id"], h["matched_by"]) for h in by_doc] == [(focal["id"], "document")]
    by_phone = client.post(f"{API}/search", json={"q": "+962 79 555 0101"}, headers=clerk).json()
    assert focal["id"] in {h["id"] for h in by_phone}
    family = client.post(f"{API}/search", json={"q": "haddad", "limit": 2}, headers=clerk).json()
    assert len(family) == 2


def test_search_input_errors(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    clerk = token_for("clerk")
    problem(client.post(f"{API}/search", json={"q": "k"}, headers=clerk), 422, "q", "too_short")
    problem(client.post(f"{API}/search", json={"q": "k" * 201}, headers=clerk), 422, "q")
    problem(client.post(f"{API}/search", json={"q": "haddad", "limit": 500}, headers=clerk), 422, "limit")
    problem(client.get(f"{API}/search", headers=clerk), 422, "q", "missing")
    problem(client.post(f"{API}/search", json={"q": "haddad"}), 401)


def test_a_local_phone_finds_the_person_and_the_total_is_in_the_headers(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    clerk = token_for("clerk")
    payload = household_payload(seeded.camp_id)
    payload["members"][0]["phone"] = "079 123 4567"  # as dialled in Jordan: stored as +962791234567
    household = register(client, clerk, payload)
    for n in range(3):
        register(client, clerk, household_payload(seeded.camp_id, family=f"Haddadi{n}"))
    focal = household["members"][0]
    r = client.post(f"{API}/search", json={"q": "+962791234567"}, headers=clerk)
    assert [(h["id"], h["matched_by"]) for h in r.json()] == [(focal["id"], "phone")]
    r = client.get(f"{API}/search", params={"q": "0791234567"}, headers=clerk)
    assert [(h["id"], h["matched_by"]) for h in r.json()] == [(focal["id"], "phone")]
    page = client.post(f"{API}/search", json={"q": "haddad", "limit": 2}, headers=clerk)
    assert len(page.json()) == 2 and page.headers["x-total-count"] == str(4 + 3 * 4)
    assert page.headers["x-total-capped"] == "false"
    assert {"id", "ref", "matched_by"} <= set(page.json()[0])
