"""The protection pages: opening a case from a person's page (directly and from a specific need), the
case page's workflow forms with errors beside their fields, BIA approval, referrals answered in the
receiving service's inbox, the directory, and the proof that a caseworker not assigned to a case cannot
read it through any page (case page, lists, search, CSV, the person's page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.protection.conftest import World, open_case
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.main import create_app

TODAY = dt.date.today()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/").text)


def test_open_a_case_from_the_person_page_and_work_on_it(client: TestClient, world: World) -> None:
    token = sign_in(client, "protection")
    person = client.get(f"/people/{world.woman_id}")
    assert "Open a protection case" in person.text
    form = client.get(f"/protection/cases/new?individual={world.woman_id}")
    assert form.status_code == 200 and "Amira" in form.text
    refused = client.post(
        "/protection/cases/new",
        data={"csrf_token": token, "individual_id": str(world.woman_id), "case_type": ""},
    )
    assert refused.status_code == 422 and field_error(refused.text, "f-case_type")
    opened = client.post(
        "/protection/cases/new",
        data={
            "csrf_token": token,
            "individual_id": str(world.woman_id),
            "case_type": "other",
            "risk_level": "high",
            "summary": "Threats at home",
            "supervisor_id": str(world.users["supervisor"]),
        },
    )
    assert opened.status_code == 303, opened.text
    url = opened.headers["location"].split("?")[0]
    page = client.get(url)
    assert (
        page.status_code == 200
        and "Threats at home" in page.text
        and "The case was opened." in client.get(opened.headers["location"]).text
    )
    done = client.post(
        f"{url}/assess",
        data={
            "csrf_token": token,
            "assessed_on": TODAY.isoformat(),
            "risk_level": "high",
            "summary": "Needs a shelter",
        },
    )
    assert done.status_code == 303
    late = client.post(
        f"{url}/task",
        data={
            "csrf_token": token,
            "title": "Call back",
            "due_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        },
    )
    assert late.status_code == 422 and "is in the past" in (field_error(late.text, "f-tk-due_on") or "")
    assert (
        client.post(
            f"{url}/task", data={"csrf_token": token, "title": "Call back", "due_on": TODAY.isoformat()}
        ).status_code
        == 303
    )
    no_consent = client.post(
        f"{url}/refer",
        data={
            "csrf_token": token,
            "service_id": str(world.health_id),
            "reason": "Check-up",
            "shared_fields": ["sex", "age"],
        },
    )
    assert no_consent.status_code == 422 and field_error(no_consent.text, "f-rf-consent_given")
    sent = client.post(
        f"{url}/refer",
        data={
            "csrf_token": token,
            "service_id": str(world.health_id),
            "reason": "Check-up",
            "urgency": "urgent",
            "consent_given": "on",
            "consent_by": "person",
            "shared_fields": ["sex", "age"],
        },
    )
    assert sent.status_code == 303
    page = client.get(url).text
    assert "Needs a shelter" in page and "Call back" in page and "JOR-RF-" in page
    listing = client.get("/protection").text
    code = re.search(r"JOR-PC-\d\d-\d{5}", page).group(0)  # type: ignore[union-attr]
    assert code in listing and "Amira Khalil" in listing
    assert code in client.get("/protection/cases.csv").text
    found = client.post("/protection/search", data={"csrf_token": token, "q": "amira"})
    assert found.status_code == 200 and code in found.text
    assert client.post(f"{url}/note", data={"q": "no token"}).status_code == 403  # CSRF
    # the receiving service
    provider_token = sign_in(client, "provider")
    inbox = client.get("/protection/inbox").text
    rid = re.search(r"/protection/inbox/([0-9a-f-]{36})", inbox).group(1)  # type: ignore[union-attr]
    seen = client.get(f"/protection/inbox/{rid}").text
    assert "Check-up" in seen and "Amira" not in seen and code not in seen
    assert (
        client.post(
            f"/protection/inbox/{rid}",
            data={"csrf_token": provider_token, "answer": "accept", "note": "Monday"},
        ).status_code
        == 303
    )
    assert "Accepted" in client.get(f"/protection/inbox/{rid}").text


def test_a_uasc_case_from_a_need_and_the_bia_approval(client: TestClient, world: World) -> None:
    token = sign_in(client, "protection")
    person = client.get(f"/people/{world.child_id}").text
    assert f"need={world.child_need_id}" in person
    form = client.get(f"/protection/cases/new?individual={world.child_id}&need={world.child_need_id}")
    assert "SC-UC" in form.text
    opened = client.post(
        "/protection/cases/new",
        data={
            "csrf_token": token,
            "individual_id": str(world.child_id),
            "need_id": str(world.child_need_id),
            "supervisor_id": str(world.users["supervisor"]),
        },
    )
    assert opened.status_code == 303, opened.text
    url = opened.headers["location"].split("?")[0]
    page = client.get(url).text
    assert "UASC" in page and "Best-interests assessment (BIA)" in page
    refused = client.post(
        f"{url}/plan",
        data={"csrf_token": token, "objectives": "abc", "actions": "abc", "review_on": TODAY.isoformat()},
    )
    assert refused.status_code == 422 and "record an assessment" in refused.text
    submitted = client.post(
        f"{url}/bia",
        data={
            "csrf_token": token,
            "child_id": str(world.child_id),
            "assessed_on": TODAY.isoformat(),
            "findings": "Alone",
            "child_views": "Uncle",
            "recommendation": "Tracing",
        },
    )
    assert submitted.status_code == 303
    sup_token = sign_in(client, "supervisor")
    page = client.get(url).text
    bia_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', page).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            f"{url}/bia_decide", data={"csrf_token": sup_token, "record_id": bia_id, "decision": "approve"}
        ).status_code
        == 303
    )
    assert "Approved" in client.get(url).text


def test_a_caseworker_not_assigned_cannot_read_the_case_through_any_page(
    client: TestClient, world: World
) -> None:
    case_id = open_case(world, summary="Threatened by a neighbour.")
    sign_in(client, "protection")
    code = re.search(r"JOR-PC-\d\d-\d{5}", client.get(f"/protection/cases/{case_id}").text).group(0)  # type: ignore[union-attr]
    token = sign_in(client, "officer2")
    assert client.get(f"/protection/cases/{case_id}").status_code == 404
    for action in ("note", "assess", "task", "refer", "closure"):
        assert (
            client.post(
                f"/protection/cases/{case_id}/{action}", data={"csrf_token": token, "text": "x" * 5}
            ).status_code
            == 404
        )
    assert code not in client.get("/protection").text
    for q in (code, "Amira", "Khalil"):
        found = client.post("/protection/search", data={"csrf_token": token, "q": q}).text
        # the query is echoed in its input, nothing else
        assert "/protection/cases/" not in found and "Nothing here." in found
    assert code not in client.get("/protection/cases.csv").text
    person = client.get(f"/people/{world.woman_id}").text
    assert code not in person and "neighbour" not in person
    assert code not in client.post("/search", data={"csrf_token": token, "q": "Amira"}).text
    for username in ("admin", "supervisor2"):
        sign_in(client, username)
        assert client.get(f"/protection/cases/{case_id}").status_code == 403
        register = client.get("/protection/register").text
        assert code in register and "Amira" not in register and "neighbour" not in register
    sign_in(client, "clerk")
    assert client.get(f"/protection/cases/{case_id}").status_code == 404
    assert client.get("/protection").status_code == 403


def test_directory_and_navigation(client: TestClient, world: World) -> None:
    token = sign_in(client, "supervisor")
    home = client.get("/").text
    assert 'href="/protection"' in home
    page = client.get("/protection/services")
    assert page.status_code == 200 and "Clinic" in page.text and "Add an organisation" in page.text
    refused = client.post(
        "/protection/services/organisation",
        data={"csrf_token": token, "operation_id": str(world.operation_id), "name": "", "kind": ""},
    )
    assert refused.status_code == 422 and field_error(refused.text, "f-org-kind")
    added = client.post(
        "/protection/services/organisation",
        data={
            "csrf_token": token,
            "operation_id": str(world.operation_id),
            "name": "Safe Haven",
            "kind": "national_ngo",
        },
    )
    assert added.status_code == 303 and "Safe Haven" in client.get("/protection/services").text
    out = client.post(
        "/protection/services/deactivate", data={"csrf_token": token, "service_id": str(world.health_id)}
    )
    assert out.status_code == 303 and "inactive" in client.get("/protection/services").text
    sign_in(client, "provider")
    assert (
        'href="/protection/inbox"' in client.get("/").text
        and 'href="/protection"' not in client.get("/").text
    )
    sign_in(client, "clerk")
    assert "/protection" not in client.get("/").text
    assert "Open a protection case" not in client.get(f"/people/{world.woman_id}").text


def test_directory_forms_add_a_service_and_who_answers_it(client: TestClient, world: World) -> None:
    token = sign_in(client, "supervisor")
    page = client.get("/protection/services").text
    org_id = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Jordan Health Aid', page).group(1)  # type: ignore[union-attr]
    refused = client.post(
        "/protection/services/service",
        data={"csrf_token": token, "organisation_id": org_id, "name": "Dental care", "service_type": ""},
    )
    assert refused.status_code == 422 and field_error(refused.text, "f-svc-service_type")
    assert "Dental care" in refused.text  # the refused form keeps its values
    added = client.post(
        "/protection/services/service",
        data={
            "csrf_token": token,
            "organisation_id": org_id,
            "name": "Dental care",
            "service_type": "health",
        },
    )
    assert added.status_code == 303 and "Dental care" in client.get("/protection/services").text
    page = client.get("/protection/services").text
    service_id = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Dental care', page).group(1)  # type: ignore[union-attr]
    no_one = client.post(
        "/protection/services/member", data={"csrf_token": token, "service_id": service_id, "user_id": ""}
    )
    assert no_one.status_code == 422 and "Choose a person and a role." in no_one.text
    member = client.post(
        "/protection/services/member",
        data={"csrf_token": token, "service_id": service_id, "user_id": str(world.users["provider"])},
    )
    assert member.status_code == 303
    sign_in(client, "provider")
    assert "Dental care" in client.get("/protection/inbox").text


@pytest.mark.parametrize("lang", ["fr", "ar", "es"])
def test_pages_are_translated(client: TestClient, world: World, lang: str) -> None:
    open_case(world)
    sign_in(client, "protection")
    client.cookies.set("refugio_locale", lang)
    page = client.get("/protection").text
    assert "My cases" not in page and "Overdue tasks" not in page


def test_a_service_provider_has_no_my_cases_tab_and_lands_on_the_referrals(
    client: TestClient, world: World
) -> None:
    sign_in(client, "provider")
    landing = client.get("/protection")
    assert landing.status_code == 303 and landing.headers["location"] == "/protection/inbox"
    inbox = client.get("/protection/inbox")
    assert inbox.status_code == 200 and "Referrals received" in inbox.text and "My cases" not in inbox.text
    sign_in(client, "protection")
    assert "My cases" in client.get("/protection").text
