"""The protection API: a case's life through HTTP, problem+json errors naming each wrong field, and the
access-control proof that a caseworker not assigned to a case cannot read it through any route (record,
lists, search, tasks, referrals, export, statistics), nor through the registration routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.api.support import problem
from tests.helpers import PASSWORD
from tests.protection.conftest import World

from refugio.main import create_app

API = "/api/v1/protection"
TODAY = dt.date.today()
Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def auth(client: TestClient) -> Headers:
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
            assert r.status_code == 201, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return cache[username]

    return get


def open_case(client: TestClient, auth: Headers, world: World, **fields: object) -> dict[str, object]:
    body = {
        "individual_id": str(world.woman_id),
        "case_type": "other",
        "supervisor_id": str(world.users["supervisor"]),
        **fields,
    }
    r = client.post(f"{API}/cases", json=body, headers=auth("protection"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_case_through_the_api(client: TestClient, auth: Headers, world: World) -> None:
    case = open_case(client, auth, world, summary="Needs a safe place.")
    cid, me = case["id"], auth("protection")
    assert case["code"].startswith("JOR-PC-") and case["people"][0]["given_name"] == "Amira"
    r = client.post(
        f"{API}/cases/{cid}/assessments",
        json={"assessed_on": TODAY.isoformat(), "risk_level": "high", "summary": "At risk at home"},
        headers=me,
    )
    assert r.status_code == 201 and r.json()["risk_level"] == "high"
    r = client.post(
        f"{API}/cases/{cid}/plan",
        json={"objectives": "Safety", "actions": "Shelter referral", "review_on": TODAY.isoformat()},
        headers=me,
    )
    assert r.status_code == 201 and r.json()["status"] == "plan"
    assert (
        client.post(f"{API}/cases/{cid}/move", json={"to": "implementation"}, headers=me).json()["status"]
        == "implementation"
    )
    task = client.post(
        f"{API}/cases/{cid}/tasks",
        json={"title": "Call the shelter", "due_on": TODAY.isoformat()},
        headers=me,
    )
    assert task.status_code == 201 and task.json()["assignee"] == "protection"
    ref = client.post(
        f"{API}/cases/{cid}/referrals",
        json={
            "service_id": str(world.health_id),
            "reason": "Check-up",
            "consent_given": True,
            "urgency": "high",
        },
        headers=me,
    )
    assert ref.status_code == 201 and ref.json()["shared_fields"] == [
        "given_name",
        "sex",
        "age",
        "languages",
        "site",
    ]
    inbox = client.get(f"{API}/referrals/inbox", headers=auth("provider")).json()
    assert (
        [i["code"] for i in inbox] == [ref.json()["code"]]
        and "case_id" not in inbox[0]
        and "Khalil" not in str(inbox)
    )
    assert (
        client.post(
            f"{API}/referrals/{inbox[0]['id']}/accept",
            json={"note": "Tomorrow 9:00"},
            headers=auth("provider"),
        ).json()["status"]
        == "accepted"
    )
    done = client.post(
        f"{API}/referrals/{inbox[0]['id']}/complete",
        json={"feedback": "Examined, fine"},
        headers=auth("provider"),
    )
    assert done.json()["status"] == "completed"
    assert client.post(f"{API}/tasks/{task.json()['id']}/complete", json={}, headers=me).status_code == 204
    assert (
        client.post(f"{API}/cases/{cid}/closure", json={"reason": "Safe now"}, headers=me).json()["status"]
        == "closure_requested"
    )
    assert client.post(f"{API}/cases/{cid}/close", json={}, headers=me).status_code == 403
    assert (
        client.post(f"{API}/cases/{cid}/close", json={"note": "ok"}, headers=auth("supervisor")).json()[
            "status"
        ]
        == "closed"
    )
    closed = client.post(f"{API}/cases/{cid}/notes", json={"text": "one more thing"}, headers=me)
    body = problem(closed, 409)
    assert body["detail"] == f"case {case['code']} is closed; reopen it first"
    assert (
        client.post(f"{API}/cases/{cid}/reopen", json={"reason": "New threat"}, headers=me).json()["status"]
        == "assessment"
    )
    load = client.get(f"{API}/caseload", headers=auth("supervisor")).json()
    assert {(w["username"], w["role"]) for w in load} == {
        ("protection", "caseworker"),
        ("supervisor", "supervisor"),
    }
    csv = client.get(f"{API}/cases.csv", headers=me)
    assert csv.headers["content-type"].startswith("text/csv") and case["code"] in csv.text
    stats = client.get(
        f"{API}/statistics", params={"operation_id": str(world.operation_id)}, headers=auth("supervisor")
    )
    assert stats.status_code == 200 and stats.json()["metadata"]["disclosure"]["sensitive_threshold"] == 10


def test_a_uasc_case_from_a_need_with_bia_and_bid(client: TestClient, auth: Headers, world: World) -> None:
    me, sup = auth("protection"), auth("supervisor")
    r = client.post(
        f"{API}/cases/from-need",
        json={"need_id": str(world.child_need_id), "supervisor_id": str(world.users["supervisor"])},
        headers=me,
    )
    assert r.status_code == 201 and r.json()["uasc"] and r.json()["needs_bia"]
    cid = r.json()["id"]
    bia = client.post(
        f"{API}/cases/{cid}/bia",
        json={
            "child_id": str(world.child_id),
            "assessed_on": TODAY.isoformat(),
            "findings": "Alone",
            "child_views": "Wants his uncle",
            "recommendation": "Tracing",
        },
        headers=me,
    )
    assert bia.status_code == 201 and bia.json()["status"] == "submitted"
    assert client.post(f"{API}/bia/{bia.json()['id']}/approve", json={}, headers=me).status_code == 403
    assert (
        client.post(f"{API}/bia/{bia.json()['id']}/approve", json={}, headers=sup).json()["status"]
        == "approved"
    )
    panel = [{"name": n, "role": "panel"} for n in ("Ana", "Ben", "Chi")]
    bid = client.post(
        f"{API}/cases/{cid}/bid",
        json={
            "bia_id": bia.json()["id"],
            "panel": panel,
            "panel_date": TODAY.isoformat(),
            "decision": "family_reunification",
            "reasons": "Uncle found",
        },
        headers=me,
    )
    assert bid.status_code == 201, bid.text
    assert (
        client.post(f"{API}/bid/{bid.json()['id']}/approve", json={}, headers=sup).json()["status"]
        == "approved"
    )


def test_bad_input_is_refused_field_by_field(client: TestClient, auth: Headers, world: World) -> None:
    me = auth("protection")
    problem(
        client.post(
            f"{API}/cases", json={"individual_id": str(world.woman_id), "case_type": "burglary"}, headers=me
        ),
        422,
        "case_type",
    )
    problem(
        client.post(
            f"{API}/cases",
            json={"individual_id": str(world.woman_id), "case_type": "gbv", "summary": "x" * 10_001},
            headers=me,
        ),
        422,
        "summary",
    )
    problem(
        client.post(
            f"{API}/cases",
            json={"individual_id": str(world.woman_id), "case_type": "other", "name": "Amira"},
            headers=me,
        ),
        422,
        "name",
    )
    problem(
        client.post(
            f"{API}/cases",
            json={"individual_id": str(world.woman_id), "case_type": "child_protection"},
            headers=me,
        ),
        422,
        "case_type",
        "not_a_child",
    )
    problem(
        client.post(
            f"{API}/cases",
            json={"individual_id": str(world.woman_id), "case_type": "gbv", "summary": "Amira hurt"},
            headers=me,
        ),
        422,
        "summary",
        "identifying_data",
    )
    cid = open_case(client, auth, world)["id"]
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    problem(
        client.post(f"{API}/cases/{cid}/tasks", json={"title": "Call", "due_on": yesterday}, headers=me),
        422,
        "due_on",
        "past_date",
    )
    body = problem(
        client.post(
            f"{API}/cases/{cid}/referrals",
            json={"service_id": str(world.lbn_service_id), "reason": "Legal advice", "consent_given": False},
            headers=me,
        ),
        422,
        "service_id",
        "other_operation",
    )
    assert {e["field"] for e in body["errors"]} == {"service_id", "consent_given"}
    problem(
        client.post(
            f"{API}/cases/{cid}/plan",
            json={"objectives": "a", "actions": "b", "review_on": TODAY.isoformat()},
            headers=me,
        ),
        422,
        "objectives",
    )
    problem(
        client.post(
            f"{API}/cases/{cid}/plan",
            json={"objectives": "abc", "actions": "abc", "review_on": TODAY.isoformat()},
            headers=me,
        ),
        409,
    )
    problem(client.post(f"{API}/cases/{cid}/move", json={"to": "closed"}, headers=me), 422, "to")
    problem(client.get(f"{API}/cases/not-a-uuid", headers=me), 404)
    assert client.get(f"{API}/cases/{cid}", headers=me).json()["assessments"] == []  # nothing half-written
    assert [r["status"] for r in client.get(f"{API}/cases/{cid}/referrals", headers=me).json()] == []


def test_a_caseworker_not_assigned_cannot_read_the_case_through_any_route(
    client: TestClient, auth: Headers, world: World
) -> None:
    case = open_case(client, auth, world, summary="Threatened by a neighbour.")
    cid, code, me = case["id"], case["code"], auth("protection")
    client.post(
        f"{API}/cases/{cid}/tasks", json={"title": "Find shelter", "due_on": TODAY.isoformat()}, headers=me
    )
    ref = client.post(
        f"{API}/cases/{cid}/referrals",
        json={"service_id": str(world.health_id), "reason": "Check-up", "consent_given": True},
        headers=me,
    ).json()
    other = auth("officer2")
    for path in (
        f"/cases/{cid}",
        f"/cases/{cid}/tasks",
        f"/cases/{cid}/referrals",
        f"/referrals/{ref['id']}",
    ):
        problem(client.get(API + path, headers=other), 404)
    for path, body in (
        (f"/cases/{cid}/notes", {"text": "snooping around"}),
        (f"/cases/{cid}/tasks", {"title": "mine now", "due_on": TODAY.isoformat()}),
        (f"/cases/{cid}/closure", {"reason": "closing it"}),
        (f"/referrals/{ref['id']}/revoke", {"reason": "revoking it"}),
        (f"/referrals/{ref['id']}/accept", {}),
    ):
        problem(client.post(API + path, json=body, headers=other), 404)
    assert client.get(f"{API}/cases", headers=other).json() == {"total": 0, "items": []}
    for q in (code, "Amira", world_ref(client, auth, world)):
        assert client.post(f"{API}/cases/search", json={"q": q}, headers=other).json() == []
    assert client.get(f"{API}/tasks/overdue", headers=other).json() == []
    assert client.get(f"{API}/referrals/overdue", headers=other).json() == []
    assert client.get(f"{API}/caseload", headers=other).json() == []
    assert code not in client.get(f"{API}/cases.csv", headers=other).text
    problem(
        client.get(f"{API}/statistics", params={"operation_id": str(world.operation_id)}, headers=other), 403
    )
    problem(client.get(f"{API}/register", headers=other), 403)
    # the registration routes carry nothing of the case
    person = client.get(f"/api/v1/individuals/{world.woman_id}", headers=other)
    hits = client.post("/api/v1/search", json={"q": "Amira Khalil"}, headers=other)
    assert person.status_code == 200 and hits.status_code == 200 and hits.json()
    for text in (person.text, hits.text):
        assert code not in text and "neighbour" not in text and "protection" not in text
    # administrators and unassigned supervisors: metadata in the register, 403 on the record
    for username in ("admin", "supervisor2"):
        problem(client.get(f"{API}/cases/{cid}", headers=auth(username)), 403)
        reg = client.get(f"{API}/register", headers=auth(username)).json()
        assert [i["code"] for i in reg["items"]] == [code] and reg["items"][0]["person_name"] is None
        assert "neighbour" not in str(reg)
    # the service provider sees its referral only, never the case
    problem(client.get(f"{API}/cases/{cid}", headers=auth("provider")), 404)
    seen = client.get(f"{API}/referrals/{ref['id']}", headers=auth("provider")).json()
    assert code not in str(seen) and "neighbour" not in str(seen)
    assert (
        client.post(
            f"{API}/referrals/{ref['id']}/revoke", json={"reason": "consent withdrawn"}, headers=me
        ).status_code
        == 204
    )
    problem(client.get(f"{API}/referrals/{ref['id']}", headers=auth("provider")), 404)
    assert client.get(f"{API}/referrals/inbox", headers=auth("provider")).json() == []


def world_ref(client: TestClient, auth: Headers, world: World) -> str:
    return str(client.get(f"/api/v1/individuals/{world.woman_id}", headers=auth("protection")).json()["ref"])


def test_directory_and_openapi(client: TestClient, auth: Headers, world: World) -> None:
    sup = auth("supervisor")
    org = client.post(
        f"{API}/organisations",
        json={"operation_id": str(world.operation_id), "name": "Safe Haven", "kind": "national_ngo"},
        headers=sup,
    )
    assert org.status_code == 201
    svc = client.post(
        f"{API}/services",
        json={"organisation_id": org.json()["id"], "name": "Women's shelter", "service_type": "safe_shelter"},
        headers=sup,
    )
    assert svc.status_code == 201 and svc.json()["organisation"] == "Safe Haven"
    problem(
        client.post(
            f"{API}/services",
            json={"organisation_id": org.json()["id"], "name": "X", "service_type": "spa"},
            headers=sup,
        ),
        422,
        "service_type",
    )
    problem(
        client.post(
            f"{API}/organisations",
            json={"operation_id": str(world.operation_id), "name": "Y", "kind": "ngo"},
            headers=auth("protection"),
        ),
        422,
        "kind",
    )
    problem(
        client.post(
            f"{API}/organisations",
            json={"operation_id": str(world.operation_id), "name": "Y", "kind": "national_ngo"},
            headers=auth("protection"),
        ),
        403,
    )
    added = client.post(
        f"{API}/services/{svc.json()['id']}/members",
        json={"user_id": str(world.users["provider"])},
        headers=sup,
    )
    assert added.json()["members"] == ["provider"]
    listed = client.get(
        f"{API}/services", params={"service_type": "safe_shelter"}, headers=auth("protection")
    ).json()
    assert [s["name"] for s in listed] == ["Women's shelter"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/protection/cases",
        "/protection/cases/{case_id}",
        "/protection/referrals/inbox",
        "/protection/services",
    } <= set(paths)
