"""API tokens, bearer authentication, throttling, the OpenAPI document and generic HTTP errors."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.api.support import API, problem
from tests.helpers import PASSWORD, Seed


def test_token_is_issued_and_authenticates(client: TestClient, seeded: Seed) -> None:
    r = client.post(f"{API}/tokens", json={"username": "clerk", "password": PASSWORD, "name": "tablet 3"})
    assert r.status_code == 201
    body = r.json()
    assert body["token"].startswith("rfg_") and body["token_type"] == "bearer"
    assert r.headers["cache-control"] == "no-store"
    r = client.get(f"{API}/operations", headers={"Authorization": f"Bearer {body['token']}"})
    assert r.status_code == 200
    assert [o["code"] for o in r.json()] == ["JOR"]


def test_missing_or_unknown_token_is_401_with_challenge(client: TestClient, seeded: Seed) -> None:
    for headers in ({}, {"Authorization": "Bearer rfg_not-a-real-token"}, {"Authorization": "Basic YTpi"}):
        r = client.get(f"{API}/households", headers=headers)
        problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_wrong_password_is_401(client: TestClient, seeded: Seed) -> None:
    r = client.post(f"{API}/tokens", json={"username": "clerk", "password": "wrong password entirely"})
    body = problem(r, 401)
    assert "wrong password" in body["detail"]
    assert "token" not in body
    problem(client.post(f"{API}/tokens", json={"username": "nobody", "password": PASSWORD}), 401)


def test_sign_in_is_delayed_after_three_failures(client: TestClient, seeded: Seed) -> None:
    import datetime as dt

    from refugio.core import clock

    start = clock.now()
    with clock.frozen(start):
        for _ in range(3):
            problem(
                client.post(f"{API}/tokens", json={"username": "viewer", "password": "not the password"}),
                401,
            )
        r = client.post(f"{API}/tokens", json={"username": "viewer", "password": PASSWORD})
        problem(r, 429)
        assert r.headers["retry-after"] == "1"
        # another user from the same client is not delayed by these failures
        assert (
            client.post(f"{API}/tokens", json={"username": "clerk", "password": PASSWORD}).status_code == 201
        )
    with clock.frozen(start + dt.timedelta(seconds=1)):
        assert (
            client.post(f"{API}/tokens", json={"username": "viewer", "password": PASSWORD}).status_code == 201
        )


def test_revoking_the_current_token(client: TestClient, token_for: Callable[[str], dict[str, str]]) -> None:
    headers = token_for("clerk")
    assert client.get(f"{API}/sites", headers=headers).status_code == 200
    r = client.delete(f"{API}/tokens/current", headers=headers)
    assert r.status_code == 204
    problem(client.get(f"{API}/sites", headers=headers), 401)


def test_token_request_validation_names_fields(client: TestClient, seeded: Seed) -> None:
    r = client.post(f"{API}/tokens", json={"username": "clerk", "valid_days": 0})
    body = problem(r, 422, "password", "missing")
    assert {e["field"] for e in body["errors"]} == {"password", "valid_days"}


def test_openapi_document(client: TestClient) -> None:
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["servers"] == [{"url": API}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    register = doc["paths"]["/households"]["post"]
    assert register["security"] == [{"bearer": []}]
    assert "application/problem+json" in register["responses"]["422"]["content"]
    assert "application/json" not in register["responses"]["422"]["content"]
    assert "Problem" in doc["components"]["schemas"]
    assert "HouseholdRegistration" in doc["components"]["schemas"]  # HouseholdCreate + duplicate_checks
    pdf = doc["paths"]["/individuals/{key}/certificates"]["post"]["responses"]["201"]["content"]
    assert "application/pdf" in pdf
    assert "HTTPValidationError" not in json.dumps(doc)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            needs_token = path not in ("/tokens", "/certificates/public-key")
            assert (operation.get("security") == [{"bearer": []}]) == needs_token, (method, path)
    # no Swagger UI or ReDoc (they would load scripts from a CDN)
    problem(client.get(f"{API}/docs"), 404)
    problem(client.get(f"{API}/redoc"), 404)


def test_unknown_route_and_wrong_method(
    client: TestClient, token_for: Callable[[str], dict[str, str]]
) -> None:
    headers = token_for("clerk")
    problem(client.get(f"{API}/no-such-thing", headers=headers), 404)
    problem(client.get("/api/v2/households", headers=headers), 404)
    r = client.put(f"{API}/households", json={}, headers=headers)
    problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_public_key_needs_no_token(client: TestClient) -> None:
    r = client.get(f"{API}/certificates/public-key")
    assert r.status_code == 200
    assert r.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert r.headers["content-type"].startswith("application/x-pem-file")
