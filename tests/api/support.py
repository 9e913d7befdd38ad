"""Helpers shared by the API tests (not fixtures): assertions on problem documents and small API calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi.testclient import TestClient

API = "/api/v1"


def problem(
    response: httpx.Response, status: int, field: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """Assert a problem+json of `status` (naming `field`, with `code` if given) and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, body
    assert body["status"] == status
    if field is not None:
        named = [e for e in body.get("errors", []) if e["field"] == field]
        assert named, f"{field!r} not named in {body}"
        for e in body["errors"]:
            assert set(e) == {"field", "message", "code"} and e["message"]
        if code is not None:
            assert code in {e["code"] for e in named}, body
    return body


def register(client: TestClient, headers: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    """Register a household; these tests register look-alike families on purpose, so every member is
    confirmed as another person (the duplicate check itself is tested in tests/dedup/test_desk_api.py)."""
    if "duplicate_checks" not in payload:
        confirmed = [
            {"member": i, "reason": "a separate test registration"} for i in range(len(payload["members"]))
        ]
        payload = {**payload, "duplicate_checks": confirmed}
    r = client.post(f"{API}/households", json=payload, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def years_ago(years: int, days: int = 0) -> str:
    today = dt.date.today()
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


def lone_child(site_id: Any, age: int = 15, family: str = "Saleh") -> dict[str, Any]:
    """A child registered alone (the rules should flag SC-UC and SC-CH)."""
    return {
        "site_id": str(site_id),
        "consent_given": True,
        "country_of_origin": "SYR",
        "members": [
            {
                "relationship": "focal_point",
                "given_name": "Omar",
                "family_name": family,
                "sex": "M",
                "date_of_birth": years_ago(age, 40),
                "nationality": "SYR",
            }
        ],
    }
