"""Bad input to POST /households: each case answers problem+json with the status and the wrong field
named, and saves nothing at all (households, people, documents and needs are counted before and after)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.support import API, problem, register
from tests.helpers import Seed, household_payload

from refugio.registration.models import Household, IdentityDocument, Individual, SpecificNeed

Tokens = Callable[[str], dict[str, str]]
MODELS = (Household, Individual, IdentityDocument, SpecificNeed)


@pytest.fixture
def saved(count: Callable[[Any], int]) -> Callable[[], tuple[int, ...]]:
    return lambda: tuple(count(m) for m in MODELS)


def _future(days: int = 30) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(payload: dict[str, Any]) -> dict[str, Any]:
        change(payload)
        return payload

    return apply


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(last) if last.isdigit() else last] = value

    return _edit(change)


def _no_focal_point(payload: dict[str, Any]) -> None:
    payload["members"][0]["relationship"] = "sibling"


CASES = [
    # (id, edit of a valid payload, status, field, code)
    (
        "impossible-date-of-birth",
        _set("members.1.date_of_birth", "2023-02-30"),
        422,
        "members.1.date_of_birth",
        "bad_date",
    ),
    ("impossible-arrival-date", _set("arrival_date", "2023-02-30"), 422, "arrival_date", None),
    (
        "future-date-of-birth",
        _set("members.2.date_of_birth", _future()),
        422,
        "members.2.date_of_birth",
        "future_date",
    ),
    ("future-arrival-date", _set("arrival_date", _future()), 422, "arrival_date", "future_date"),
    ("unknown-country-of-origin", _set("country_of_origin", "XYZ"), 422, "country_of_origin", "unknown_code"),
    (
        "unknown-nationality",
        _set("members.0.nationality", "QQQ"),
        422,
        "members.0.nationality",
        "unknown_code",
    ),
    (
        "unknown-need-code",
        _set("members.3.needs", [{"code": "ZZ-ZZ", "reason": "seen at the desk"}]),
        422,
        "members.3.needs.0.code",
        "unknown_code",
    ),
    ("no-focal-point", _edit(_no_focal_point), 422, "members", "no_focal_point"),
    ("no-members", _set("members", []), 422, "members", "too_short"),
    ("wrong-type-boolean", _set("consent_given", "perhaps"), 422, "consent_given", "bool_parsing"),
    ("wrong-type-age", _set("members.3.stated_age", "six"), 422, "members.3.stated_age", "int_parsing"),
    ("wrong-type-list", _set("members.0.languages", "ara"), 422, "members.0.languages", "list_type"),
    ("wrong-enum", _set("members.1.sex", "female"), 422, "members.1.sex", "enum"),
    ("wrong-site-id", _set("site_id", "ZAA"), 422, "site_id", "uuid_parsing"),
    # a site that does not exist: 404 (no schema can say which ids exist), the field still named
    ("unknown-site", _set("site_id", "00000000-0000-4000-8000-000000000000"), 404, "site_id", "unknown_site"),
    (
        "unknown-field",
        _set("members.1.favourite_colour", "blue"),
        422,
        "members.1.favourite_colour",
        "extra_forbidden",
    ),
    ("missing-field", _edit(lambda p: p["members"][2].pop("sex")), 422, "members.2.sex", "missing"),
]


@pytest.mark.parametrize(
    ("edit", "status", "field", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_household_is_refused_and_nothing_saved(
    client: TestClient,
    seeded: Seed,
    token_for: Tokens,
    saved: Callable[[], tuple[int, ...]],
    edit: Callable[[dict[str, Any]], dict[str, Any]],
    status: int,
    field: str,
    code: str | None,
) -> None:
    headers = token_for("clerk")
    before = saved()
    payload = edit(household_payload(seeded.camp_id, members=4))
    r = client.post(f"{API}/households", json=payload, headers=headers)
    problem(r, status, field, code)
    assert saved() == before


def test_all_wrong_fields_are_named_at_once(
    client: TestClient, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    payload = household_payload(seeded.camp_id, members=4)
    payload["country_of_origin"] = "XYZ"
    payload["members"][1]["date_of_birth"] = "2023-02-30"
    payload["members"][3]["needs"] = [{"code": "ZZ-ZZ", "reason": "seen at the desk"}]
    before = saved()
    body = problem(client.post(f"{API}/households", json=payload, headers=token_for("clerk")), 422)
    assert {e["field"] for e in body["errors"]} >= {
        "country_of_origin",
        "members.1.date_of_birth",
        "members.3.needs.0.code",
    }
    assert saved() == before


def test_document_already_held_by_another_person(
    client: TestClient, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    headers = token_for("clerk")
    first = household_payload(seeded.camp_id, members=2)
    register(client, headers, first)
    second = household_payload(seeded.camp_id, members=3, family="Khoury")
    second["members"][2]["documents"] = [dict(first["members"][0]["documents"][0])]
    second["members"][2]["documents"][0]["number"] = (
        " " + second["members"][2]["documents"][0]["number"].lower()
    )
    before = saved()
    r = client.post(f"{API}/households", json=second, headers=headers)
    assert r.status_code in (409, 422)
    body = problem(r, r.status_code, "members.2.documents.0.number", "document_taken")
    assert "Haddad" not in json.dumps(body)  # the other holder is named by reference only
    assert saved() == before


def test_malformed_json_is_400(
    client: TestClient, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    before = saved()
    text = json.dumps(household_payload(seeded.camp_id))[:-7]  # cut short
    r = client.post(
        f"{API}/households",
        content=text.encode(),
        headers={**token_for("clerk"), "Content-Type": "application/json"},
    )
    body = problem(r, 400, "body", "json_invalid")
    assert "Khaled" not in json.dumps(body)  # the input is never echoed
    assert saved() == before


def test_missing_body_is_422(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    problem(client.post(f"{API}/households", headers=token_for("clerk")), 422, "body", "missing")
    problem(client.post(f"{API}/households", json=[1, 2], headers=token_for("clerk")), 422, "body")


def test_wrong_content_type_is_415(
    client: TestClient, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    before = saved()
    text = json.dumps(household_payload(seeded.camp_id))
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        r = client.post(
            f"{API}/households",
            content=text.encode(),
            headers={**token_for("clerk"), "Content-Type": content_type},
        )
        problem(r, 415)
    r = client.post(f"{API}/households", data={"site_id": str(seeded.camp_id)}, headers=token_for("clerk"))
    problem(r, 415)
    assert saved() == before
    # parameters and +json media types are fine
    r = client.post(
        f"{API}/households",
        content=text.encode(),
        headers={**token_for("clerk"), "Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201


def test_oversized_body_is_413(
    client: TestClient, container: Any, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    limit = container.settings.max_request_bytes
    payload = household_payload(seeded.camp_id)
    payload["place_of_origin"] = "x" * (limit + 10)
    before = saved()
    problem(client.post(f"{API}/households", json=payload, headers=token_for("clerk")), 413)
    assert saved() == before


def test_oversized_streamed_body_is_413(
    client: TestClient, container: Any, seeded: Seed, token_for: Tokens, saved: Callable[[], tuple[int, ...]]
) -> None:
    """No Content-Length (chunked): the bytes are counted as they arrive."""
    limit = container.settings.max_request_bytes
    payload = household_payload(seeded.camp_id)
    payload["place_of_origin"] = "x" * (limit + 10)
    data = json.dumps(payload).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    before = saved()
    r = client.post(
        f"{API}/households",
        content=chunks(),
        headers={**token_for("clerk"), "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    problem(r, 413)
    assert saved() == before


def test_a_body_within_the_limit_is_accepted(client: TestClient, seeded: Seed, token_for: Tokens) -> None:
    payload = household_payload(seeded.camp_id)
    payload["place_of_origin"] = "x" * 201
    problem(
        client.post(f"{API}/households", json=payload, headers=token_for("clerk")),
        422,
        "place_of_origin",
        "string_too_long",
    )
