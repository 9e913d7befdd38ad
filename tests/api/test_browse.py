"""Issue 13 items 5-6 through the API: the households and individuals lists take filters, sort and
paging as query parameters (documented in OpenAPI) and tell the total in `X-Total-Count`; search takes
the person filters and an offset, and finds spelling variants by the dedup name keys; a wrong value is
a 422 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload, principal

from refugio.dedup import service as dedup
from refugio.main import Container
from refugio.store.uow import unit_of_work

Tokens = Callable[[str], dict[str, str]]


def _registry(client: TestClient, seeded: Seed, headers: dict[str, str]) -> dict[str, Any]:
    out = {}
    for family, site, arrival, population in [
        ("Haddad", seeded.camp_id, "2026-11-01", "refugee"),
        ("Nasser", seeded.camp_id, "2026-10-15", "asylum_seeker"),
        ("Khoury", seeded.office_id, "2026-09-01", "refugee"),
    ]:
        payload = household_payload(
            site, members=3, family=family, arrival_date=arrival, population_type=population
        )
        out[family] = register(client, headers, payload)
    return out


def test_lists_filter_sort_and_page_with_the_total_in_a_header(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    households = _registry(client, seeded, admin)
    r = client.get(f"{API}/households", params={"limit": 2}, headers=admin)
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "3" and len(r.json()["items"]) == 2
    r = client.get(f"{API}/households", params={"limit": 2, "offset": 2}, headers=admin)
    assert len(r.json()["items"]) == 1 and r.json()["total"] == 3
    r = client.get(f"{API}/households", params={"site_id": str(seeded.office_id)}, headers=admin)
    assert [h["ref"] for h in r.json()["items"]] == [households["Khoury"]["ref"]]
    r = client.get(
        f"{API}/households", params={"arrived_from": "2026-10-01", "sort": "arrival"}, headers=admin
    )
    assert [h["ref"] for h in r.json()["items"]] == [households["Haddad"]["ref"], households["Nasser"]["ref"]]
    r = client.get(f"{API}/households", params={"population_type": "asylum_seeker"}, headers=admin)
    assert r.headers["X-Total-Count"] == "1"

    r = client.get(f"{API}/individuals", params={"sex": "F", "limit": 1}, headers=admin)
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "3" and len(r.json()["items"]) == 1
    r = client.get(f"{API}/individuals", params={"age_max": 17, "sort": "eldest"}, headers=admin)
    items = r.json()["items"]
    assert {p["given_name"] for p in items} == {"Yusuf"} and r.json()["total"] == 3
    clerk = token_for("clerk")  # the camp only
    assert client.get(f"{API}/individuals", headers=clerk).headers["X-Total-Count"] == "6"


def test_wrong_parameters_are_422_naming_the_parameter(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    for path, params, field in [
        ("households", {"sort": "shoe"}, "sort"),
        ("households", {"limit": 0}, "limit"),
        ("households", {"arrived_from": "yesterday"}, "arrived_from"),
        ("households", {"arrived_from": "2026-11-01", "arrived_to": "2026-10-01"}, "arrived_to"),
        ("households", {"status": "asleep"}, "status"),
        ("households", {"need": "XX-YY"}, "need"),
        ("individuals", {"age_min": 200}, "age_min"),
        ("individuals", {"age_min": 40, "age_max": 10}, "age_max"),
        ("individuals", {"sex": "Q"}, "sex"),
        ("individuals", {"population_type": "tourist"}, "population_type"),
        ("individuals", {"site_id": "ZAA"}, "site_id"),
        ("search", {"q": "haddad", "offset": -1}, "offset"),
        ("search", {"q": "haddad", "age_max": 5, "age_min": 9}, "age_max"),
    ]:
        problem(client.get(f"{API}/{path}", params=params, headers=admin), 422, field)
    body = {"q": "haddad", "sex": "Q"}
    problem(client.post(f"{API}/search", json=body, headers=admin), 422, "sex")


def test_search_filters_pages_and_finds_spelling_variants(
    client: TestClient, container: Container, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    _registry(client, seeded, admin)
    focal = household_payload(seeded.camp_id, members=1, family="Al-Ahmad")
    focal["members"][0].update(
        given_name="Mohammed", given_name_original="محمد", family_name_original="الأحمد"
    )
    ahmad = register(client, admin, focal)["members"][0]
    with unit_of_work(container.sessions) as s:
        dedup.index_people(s, actor=principal(container, "admin"))

    r = client.post(f"{API}/search", json={"q": "Mohamad Alahmad"}, headers=admin)
    assert r.status_code == 200
    assert [(h["id"], h["matched_by"]) for h in r.json()] == [(ahmad["id"], "variant")]
    exact = client.post(f"{API}/search", json={"q": "Mohammed Al-Ahmad"}, headers=admin).json()
    assert [(h["id"], h["matched_by"]) for h in exact] == [(ahmad["id"], "name")]

    r = client.get(f"{API}/search", params={"q": "khaled", "limit": 2, "offset": 2}, headers=admin)
    assert r.headers["X-Total-Count"] == "3" and len(r.json()) == 1
    r = client.post(f"{API}/search", json={"q": "khaled", "site_id": str(seeded.office_id)}, headers=admin)
    assert r.headers["X-Total-Count"] == "1" and r.json()[0]["family_name"] == "Khoury"
    r = client.get(f"{API}/search", params={"q": "haddad", "sex": "F", "age_min": 18}, headers=admin)
    assert [h["given_name"] for h in r.json()] == ["Mariam"]


def test_the_parameters_are_documented(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/households"]["get"]["parameters"]}
    assert {"site_id", "arrived_from", "arrived_to", "population_type", "need", "status", "sort"} <= params
    params = {p["name"] for p in spec["paths"]["/individuals"]["get"]["parameters"]}
    assert {"sex", "age_min", "age_max", "offset", "limit", "sort"} <= params
