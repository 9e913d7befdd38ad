"""The sharing API: keys, computing one (body indicators), sensitivity and its chart, pledges with
updates, and bad input as problem+json."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.helpers import Seed

API = "/api/v1/sharing"
ROWS = [
    {
        "country": "DEU",
        "population": 80.8e6,
        "gdp": 3.7e12,
        "unemployment_rate": 5.0,
        "asylum_per_million": 2000,
    },
    {
        "country": "FRA",
        "population": 66e6,
        "gdp": 2.8e12,
        "unemployment_rate": 10.3,
        "asylum_per_million": 900,
    },
    {"country": "EST", "population": 1.3e6, "gdp": 2e10, "unemployment_rate": 7.4, "asylum_per_million": 50},
]


def test_compute_a_key_and_its_sensitivity(
    client: TestClient, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    h = token_for("imo")
    names = [k["name"] for k in client.get(f"{API}/keys", headers=h).json()]
    assert names == ["eu-2015-05", "eu-2015-09"]
    r = client.post(
        f"{API}/keys/compute", headers=h, json={"key": "eu-2015-09", "total": 101, "indicators": ROWS}
    )
    assert r.status_code == 200, r.text
    assert sum(row["allocation"] for row in r.json()["rows"]) == 101
    body = {"key": "eu-2015-09", "total": 101, "indicators": ROWS, "vary": "drop"}
    r = client.post(f"{API}/keys/sensitivity", headers=h, json=body)
    assert [s["label"] for s in r.json()["scenarios"]] == ["without DEU", "without FRA", "without EST"]
    png = client.post(f"{API}/keys/sensitivity?chart=png", headers=h, json=body)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_bad_keys_are_refused_with_the_cause(
    client: TestClient, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    h = token_for("imo")
    yaml_key = "name: k\nsurprise: 1\ncriteria:\n  - {indicator: population, weight: 1}\n"
    r = client.post(
        f"{API}/keys/compute", headers=h, json={"key_yaml": yaml_key, "total": 5, "indicators": ROWS}
    )
    assert r.status_code == 422 and "unknown field" in r.text
    r = client.post(
        f"{API}/keys/compute",
        headers=h,
        json={"key": "eu-2015-09", "cap": 0.01, "total": 5, "indicators": ROWS},
    )
    assert r.status_code == 422 and "caps cannot be met" in r.text
    rows = [dict(ROWS[0], gdp=None), *ROWS[1:]]
    r = client.post(
        f"{API}/keys/compute", headers=h, json={"key": "eu-2015-05", "total": 5, "indicators": rows}
    )
    assert r.status_code == 422 and "DEU: gdp is missing" in r.text
    assert client.get(f"{API}/keys", headers=token_for("clerk")).status_code == 403


def test_pledges_through_the_api(
    client: TestClient, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    h = token_for("imo")
    pledge = {
        "pledger": "Government of Canada",
        "country": "CAN",
        "pledge_type": "financial",
        "title": "Support to host communities",
        "amount": "1500000.00",
        "currency": "USD",
        "pledged_on": "2023-12-13",
        "operation_id": str(seeded.operation_id),
    }
    r = client.post(f"{API}/pledges", headers=h, json=pledge)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(
        f"{API}/pledges/{pid}/updates",
        headers=h,
        json={
            "on_date": "2024-06-30",
            "status": "in_progress",
            "amount_delivered": "500000",
            "evidence": "FTS 2024",
        },
    )
    assert r.status_code == 201, r.text
    listed = client.get(f"{API}/pledges", headers=h).json()
    assert [p["status"] for p in listed] == ["in_progress"]
    r = client.post(f"{API}/pledges", headers=h, json={**pledge, "operation_id": None})
    assert r.status_code == 403
    r = client.post(f"{API}/pledges", headers=h, json={**pledge, "amount": None})
    assert r.status_code == 422 and "amount and a currency" in r.text
