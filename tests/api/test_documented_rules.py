"""What the OpenAPI document says is what the API does (issue 14, schemathesis's "documented responses").

- A field naming a record that does not exist answers 404 (`unknown-reference`, the field named), not
  422, and each of those operations documents 404; a state that refuses the request answers 409.
- The request schemas state the domain's rules (enums, patterns, conditional requirements), so that a
  schema-valid request is not refused by a rule the document does not show.
- The indicator framework of GET /sharing/frameworks/{name}/values is a shipped one, never a file path.
- The tracking charts have one operation per parameter they need (a flow point, a country, none).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.support import API, problem
from tests.helpers import Seed

Tokens = Callable[[str], dict[str, str]]
NOBODY = "00000000-0000-4000-8000-000000000001"


def _unknown_references(seed: Seed) -> list[tuple[str, dict[str, Any], str]]:
    """(path, a schema-valid body naming a record that does not exist, the field named)."""
    op = str(seed.operation_id)
    return [
        ("/protection/cases", {"case_type": "gbv", "individual_id": NOBODY}, "individual_id"),
        ("/protection/cases/from-need", {"need_id": NOBODY}, "need_id"),
        (
            "/protection/organisations",
            {"kind": "un_agency", "name": "Org", "operation_id": NOBODY},
            "operation_id",
        ),
        (
            "/protection/services",
            {"name": "Legal aid", "organisation_id": NOBODY, "service_type": "legal"},
            "organisation_id",
        ),
        ("/retention/holds", {"object_type": "case", "reason": "court order", "ref": "NO-SUCH-CASE"}, "ref"),
        ("/dataprotection/requests", {"kind": "access", "ref": "JOR-00-NOBODY"}, "ref"),
        (
            "/solutions/claims",
            {"household_id": NOBODY, "language": "ara", "principal_id": NOBODY},
            "household_id",
        ),
        (
            "/solutions/resettlement/cases",
            {"household_id": NOBODY, "needs_summary": "needs", "primary_category": "medical_needs"},
            "household_id",
        ),
        (
            "/solutions/returns/visits",
            {
                "destination_area": "Daraa",
                "destination_iso3": "SYR",
                "operation_id": op,
                "participants": [NOBODY],
                "planned_on": "2026-12-20",
            },
            "participants",
        ),
        (
            "/tracing/requests",
            {
                "consent": {"given": False},
                "enquirer": {},
                "site_id": NOBODY,
                "sought": [{"relationship": "child"}],
            },
            "site_id",
        ),
        (
            "/households",
            {"consent_given": False, "members": [{"relationship": "cousin", "sex": "F"}], "site_id": NOBODY},
            "site_id",
        ),
        ("/dedup/desk-check", {"person": {}, "site_id": NOBODY}, "site_id"),
        ("/tracking/flow-surveys/form", {"operation_id": NOBODY}, "operation"),
        (
            "/tracking/sites",
            {
                "code": "S1",
                "kind": "camp",
                "name": "Site",
                "operation_id": op,
                "registration_site_id": NOBODY,
            },
            "registration_site_id",
        ),
    ]


def test_an_unknown_reference_in_a_body_is_404_naming_the_field(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    document = client.get(f"{API}/openapi.json").json()
    admin = token_for("admin")
    for path, body, field in _unknown_references(seeded):
        r = client.post(f"{API}{path}", json=body, headers=admin)
        answer = problem(r, 404, field)
        assert answer["type"] == "urn:refugio:problem:unknown-reference", (path, answer)
        assert "404" in document["paths"][path]["post"]["responses"], path


def test_an_unknown_reference_beside_a_broken_rule_is_still_422(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    """404 only when every wrong field is an unknown reference: otherwise the rules broken come first."""
    body = {"kind": "access", "ref": "JOR-00-NOBODY", "received_on": "2099-01-01"}
    r = client.post(f"{API}/dataprotection/requests", json=body, headers=token_for("admin"))
    fields = {e["field"] for e in problem(r, 422, "ref")["errors"]}
    assert fields == {"ref", "received_on"}


def test_an_unknown_import_or_audit_entry_of_a_breach_query_is_404(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    breach = {"title": "Lost laptop", "description": "A laptop was lost", "category": "integrity",
              "discovered_at": "2026-12-01T10:00:00Z", "severity": "low"}  # fmt: skip
    r = client.post(f"{API}/dataprotection/breaches", json=breach, headers=admin)
    assert r.status_code == 201, r.text
    url = f"{API}/dataprotection/breaches/{r.json()['id']}/affected"
    problem(client.post(url, json={"batch": NOBODY}, headers=admin), 404, "batch")
    problem(client.post(url, json={"audit_seq": 10**9}, headers=admin), 404, "audit_seq")


def test_a_survey_form_without_flow_points_is_a_409(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    r = client.get(
        f"{API}/tracking/flow-surveys/form.xlsx",
        params={"operation_id": str(seeded.operation_id)},
        headers=token_for("admin"),
    )
    problem(r, 409, "operation", "no_flow_point")
    document = client.get(f"{API}/openapi.json").json()
    assert "409" in document["paths"]["/tracking/flow-surveys/form.xlsx"]["get"]["responses"]


@pytest.mark.parametrize("name", ["nope", "gcr.yaml", "..", "gcr.yml"])
def test_a_framework_is_a_shipped_one_and_never_a_file(
    client: TestClient, seeded: Seed, token_for: Tokens, name: str
) -> None:
    r = client.get(
        f"{API}/sharing/frameworks/{name}/values",
        params={"country": "JOR", "year": 2024},
        headers=token_for("admin"),
    )
    assert r.status_code == 404, r.text
    ok = client.get(
        f"{API}/sharing/frameworks/gcr/values",
        params={"country": "JOR", "year": 2024},
        headers=token_for("admin"),
    )
    assert ok.status_code == 200, ok.text
    (parameter,) = [
        p
        for p in client.get(f"{API}/openapi.json").json()["paths"]["/sharing/frameworks/{name}/values"][
            "get"
        ]["parameters"]
        if p["name"] == "name"
    ]
    assert parameter["schema"]["enum"] == ["gcr"]
    out_of_range = client.get(
        f"{API}/sharing/frameworks/gcr/values", params={"country": "", "year": 0}, headers=token_for("admin")
    )
    problem(out_of_range, 422, "year")  # a server error before: a date of year 0


def test_each_chart_operation_requires_what_its_chart_needs(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    def required(path: str) -> set[str]:
        return {
            p["name"] for p in paths[path]["get"]["parameters"] if p.get("required") and p["in"] == "query"
        }

    assert required("/tracking/charts/flows.{fmt}") == {"point"}
    assert required("/tracking/charts/{name}.{fmt}") == {"country"}
    assert required("/tracking/charts/incidents.{fmt}") == set()
    problem(client.get(f"{API}/tracking/charts/flows.png", headers=admin), 422, "point", "missing")
    problem(client.get(f"{API}/tracking/charts/rounds.svg", headers=admin), 422, "country", "missing")
    assert client.get(f"{API}/tracking/charts/incidents.svg", headers=admin).status_code == 200
    assert client.get(f"{API}/tracking/charts/assessments.svg?country=JOR", headers=admin).status_code == 200
    point = str(uuid.uuid4())
    flows = client.get(f"{API}/tracking/charts/flows.svg", params={"point": point}, headers=admin)
    assert flows.status_code in (200, 404), flows.text


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _body(document: dict[str, Any], path: str) -> dict[str, Any]:
    """The schema of the JSON body of POST `path`."""
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return _schema(document, ref.rsplit("/", 1)[-1])


def test_the_request_schemas_state_the_domain_rules(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    body = _body(document, "/agreements")
    agreement = body["properties"]
    assert agreement["fields"]["uniqueItems"] and "consent" in agreement["legal_basis"]["enum"]
    # the field codes and purposes of each data set: the registry's by default, the distress log's
    per_dataset = body["allOf"][0]
    assert per_dataset["if"]["properties"]["dataset"]["const"] == "distress_log"
    assert "given_name" in per_dataset["else"]["properties"]["fields"]["items"]["enum"]
    assert "search_and_rescue" not in per_dataset["else"]["properties"]["purpose"]["enum"]
    assert "position" in per_dataset["then"]["properties"]["fields"]["items"]["enum"]
    assert per_dataset["then"]["properties"]["purpose"]["enum"] == ["search_and_rescue"]
    desk = _body(document, "/dedup/desk-check")
    assert [branch["required"] for branch in desk["anyOf"]] == [["site_id"], ["operation_id"]]
    affected = _body(document, "/dataprotection/breaches/{breach_id}/affected")
    assert [branch["required"] for branch in affected["anyOf"]] == [["actor"], ["audit_seq"], ["batch"]]
    assert affected["properties"]["since"]["anyOf"][0]["pattern"].startswith("^(19[7-9]")
    pledge = _body(document, "/sharing/pledges")
    assert {rule["if"]["properties"].get("pledge_type", {}).get("const") for rule in pledge["allOf"]} >= {
        "financial",
        "places",
    }
    assert "JOR" in pledge["properties"]["country"]["anyOf"][0]["enum"]
    report = _body(document, "/assistance/plans/{plan}/reconcile")["properties"]["content_base64"]
    assert report["pattern"].startswith("^(?:[A-Za-z0-9+/]{4})*")
    rights = _body(document, "/dataprotection/requests")
    assert "given_name" in rights["properties"]["changes"]["propertyNames"]["enum"]
    assert rights["properties"]["language"]["enum"] == ["en", "fr", "ar", "es"]
    assert rights["allOf"][0]["if"]["properties"]["kind"]["const"] == "correction"
    for path in ("/tracking/sites", "/tracking/flow-points"):
        assert _body(document, path)["dependentSchemas"]["latitude"]["then"]["required"] == ["longitude"]
    case = _schema(document, "MatchCaseIn")
    assert [branch["required"] for branch in case["anyOf"]] == [["children"], ["adults"], ["seniors"]]


def test_a_schema_valid_pledge_of_places_and_a_financial_one_are_accepted(
    client: TestClient, seeded: Seed, token_for: Tokens
) -> None:
    admin = token_for("admin")
    places = {"pledge_type": "places", "pledged_on": "2025-12-06", "pledger": "Canada", "title": "Places",
              "country": "CAN", "places": 100}  # fmt: skip
    assert client.post(f"{API}/sharing/pledges", json=places, headers=admin).status_code == 201
    money = {"pledge_type": "financial", "pledged_on": "2025-12-06", "pledger": "Norway", "title": "Funds",
             "country": "NOR", "amount": "1500.25", "currency": "USD"}  # fmt: skip
    assert client.post(f"{API}/sharing/pledges", json=money, headers=admin).status_code == 201
    no_places = {**places, "places": None}
    problem(client.post(f"{API}/sharing/pledges", json=no_places, headers=admin), 422)
