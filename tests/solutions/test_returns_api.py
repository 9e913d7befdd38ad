"""Return intentions through OpenRosa and the returns API, on both backends: the survey form published
on the form list (a valid XLSForm), submissions landing in solutions (instanceID once, an edit replacing
the survey it edits through the same form only, a household of another site refused), the intention
figures through the disclosure control; a return registered, departed and monitored over HTTP, errors
naming the field."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.helpers import PASSWORD

from refugio.core import clock
from refugio.intake.xlsform_pyxform import convert
from refugio.main import create_app
from refugio.registration.models import Household
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_returns import ANSWERS

API = "/api/v1/solutions/returns"


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with unit_of_work(world.container.sessions) as s:  # an enumerator at the office only
        user = sec.create_user(s, actor=SYSTEM, username="enum_amm", full_name="Enum", password=PASSWORD)
        sec.grant_role(
            s,
            actor=SYSTEM,
            user=user,
            role=Role.RESETTLEMENT_OFFICER,
            operation_id=world.operation_id,
            site_id=world.seed.office_id,
        )
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}


def survey(
    form_id: str,
    instance: str,
    household: str,
    *,
    intention: str = "within_12_months",
    conditions: str = "safety housing",
    deprecated: str = "",
    form: str = "",
) -> bytes:
    edit = f"<orx:deprecatedID>{deprecated}</orx:deprecatedID>" if deprecated else ""
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="{form or form_id}">'
        f"<household>{household}</household><survey_date>{clock.today().isoformat()}</survey_date>"
        f"<intention>{intention}</intention><conditions>{conditions}</conditions>"
        f"<destination_country>SYR</destination_country><origin_area>Daraa</origin_area>"
        f"<go_and_see>true</go_and_see>"
        f"<orx:meta><orx:instanceID>{instance}</orx:instanceID>{edit}</orx:meta></data>"
    ).encode()


def post(client: TestClient, xml: bytes, user: str = "resettler") -> object:
    files = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
    return client.post("/openrosa/submission", headers=basic(user), files=files)


def test_return_intentions_through_openrosa(client: TestClient, world: World) -> None:
    h = bearer(client, "resettler")
    op = str(world.operation_id)
    xlsx = client.get(f"{API}/survey-form.xlsx", params={"operation_id": op}, headers=h)
    assert xlsx.status_code == 200
    names = {x.rsplit("/", 1)[-1] for x, _k, _l in convert(xlsx.content).fields}
    assert {"household", "intention", "conditions", "destination_country", "go_and_see"} <= names
    assert (
        client.post(
            f"{API}/survey-form", json={"operation_id": op}, headers=bearer(client, "clerk")
        ).status_code
        == 403
    )
    r = client.post(f"{API}/survey-form", json={"operation_id": op}, headers=h)
    assert r.status_code == 201, r.text
    form_id = r.json()["form_id"]
    assert form_id == "refugio_return_intentions_jor"
    assert f"<formID>{form_id}</formID>" in client.get("/openrosa/formList", headers=basic("resettler")).text
    assert f"<formID>{form_id}</formID>" not in client.get("/openrosa/formList", headers=basic("clerk")).text
    with unit_of_work(world.container.sessions) as s:
        haddad, saleh = (s.get(Household, i).ref for i in (world.haddad, world.saleh))  # type: ignore[union-attr]
    first = post(client, survey(form_id, "uuid:r1", haddad))
    assert first.status_code == 201, first.text
    assert post(client, survey(form_id, "uuid:r1", haddad)).status_code == 202  # once only
    assert post(client, survey(form_id, "uuid:r2", saleh, intention="no", conditions="")).status_code == 201
    # the office enumerator may use the form but not survey a household of the camp
    assert post(client, survey(form_id, "uuid:r3", saleh), user="enum_amm").status_code == 403
    unknown = post(client, survey(form_id, "uuid:r4", "JOR-26-9999999"))
    assert unknown.status_code == 400 and "no household" in unknown.text
    bad = post(client, survey(form_id, "uuid:r5", haddad, intention="maybe"))
    assert bad.status_code == 400 and "intention" in bad.text
    # an edit replaces the survey it edits: the Haddads now undecided
    assert (
        post(
            client, survey(form_id, "uuid:r1b", haddad, intention="undecided", deprecated="uuid:r1")
        ).status_code
        == 201
    )
    report = client.get(f"{API}/intentions", headers=h)
    assert report.status_code == 200, report.text
    cells = {
        (c["origin_area"], c["site"], c["intention"]): c["households"] for c in report.json()["intentions"]
    }
    # two households only: every non-zero count is below the threshold and suppressed
    assert cells[("Total", "Total", "Total")] == "<5"
    assert cells[("Daraa", "ZAA", "within_12_months")] == 0
    assert cells[("Daraa", "ZAA", "undecided")] in ("<5", "x")
    assert client.get(f"{API}/intentions", headers=bearer(client, "clerk")).json()["intentions"] == []


def test_return_over_http(client: TestClient, world: World) -> None:
    h = bearer(client, "resettler")
    body = {
        "household_id": str(world.saleh),
        "return_date": clock.today().isoformat(),
        "destination_iso3": "SYR",
        "destination_area": "Homs",
    }
    bad = client.post(API, json={**body, "destination_iso3": "S1R"}, headers=h)
    assert bad.status_code == 422 and "destination_iso3" in bad.text
    assert client.post(API, json=body, headers=bearer(client, "clerk")).status_code == 403
    made = client.post(API, json=body, headers=h)
    assert made.status_code == 201, made.text
    ref = made.json()["ret"]["ref"]
    assert len(made.json()["returnees"]) == 3 and made.json()["ret"]["whole_household"]
    gone = client.post(f"{API}/{ref}/departure", json={}, headers=h)
    assert gone.status_code == 200 and {r["status"] for r in gone.json()["returnees"]} == {"departed"}
    again = client.post(f"{API}/{ref}/departure", json={}, headers=h)
    assert again.status_code == 409
    m = client.post(
        f"{API}/{ref}/monitoring",
        json={"visited_on": clock.today().isoformat(), "answers": ANSWERS},
        headers=h,
    )
    assert m.status_code == 201 and m.json()["weights_version"] == "2"
    missing = client.post(
        f"{API}/{ref}/monitoring", json={"visited_on": clock.today().isoformat(), "answers": {}}, headers=h
    )
    assert missing.status_code == 422 and "income_sources" in missing.text
    figures = client.get(f"{API}/figures", headers=h).json()
    assert figures["by_status_and_destination"]["departed:SYR"] == {"returns": 1, "people": 3}
    assert figures["reintegration"]["by_weights_version"]["2"]["returns"] == 1
    assert client.get(f"{API}/weights", headers=h).json()["latest"] == "2"
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(Household.status).where(Household.id == world.saleh)) == "closed"
