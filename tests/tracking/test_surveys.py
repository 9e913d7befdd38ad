"""Flow monitoring surveys: refugio's XLSForm (checked by pyxform), published on the OpenRosa form list
and answered through /openrosa/submission into tracking — instanceID once, edits replacing the survey
they edit (same form only), the sender's scope checked — then read back and broken down, over HTTP on
both backends."""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.api.conftest import build_app
from tests.helpers import PASSWORD
from tests.tracking.conftest import World
from tests.tracking.test_api import headers

from refugio.intake.xlsform_pyxform import convert
from refugio.registration import service as reg
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import service
from refugio.tracking.schemas import FlowPointCreate

API = "/api/v1/tracking"


def _basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with unit_of_work(world.container.sessions) as s:
        for code, lat, lon in (("JAB", 32.54, 36.21), ("RMT", 32.56, 36.01)):
            service.add_flow_point(s, actor=SYSTEM, data=FlowPointCreate(
                operation_id=world.seed.operation_id, code=code, name=f"{code} crossing",
                kind="border_crossing", latitude=lat, longitude=lon))  # fmt: skip
    with TestClient(build_app(world.container), base_url="https://testserver") as c:
        yield c


def survey(form_id: str, instance: str, *, point: str = "JAB", size: int = 3, nat: str = "SYR",
           reasons: str = "conflict family", deprecated: str = "", day: str = "2026-11-20",
           ) -> bytes:  # fmt: skip
    edit = f"<orx:deprecatedID>{deprecated}</orx:deprecatedID>" if deprecated else ""
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="{form_id}">'
        f"<point>{point}</point><survey_date>{day}</survey_date><direction>incoming</direction>"
        f"<sex>F</sex><age_group>18-59</age_group><nationality>{nat}</nationality><transport>bus</transport>"
        f"<origin_country>SYR</origin_country><destination_country>DEU</destination_country>"
        f"<reasons>{reasons}</reasons><group_size>{size}</group_size>"
        f"<orx:meta><orx:instanceID>{instance}</orx:instanceID>{edit}</orx:meta></data>"
    ).encode()


def post(client: TestClient, xml: bytes, user: str = "imo") -> object:
    files = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
    return client.post("/openrosa/submission", headers=_basic(user), files=files)


def test_survey_form_is_a_valid_xlsform(client: TestClient, world: World) -> None:
    h = headers(client, "imo")
    r = client.get(
        f"{API}/flow-surveys/form.xlsx", params={"operation_id": str(world.seed.operation_id)}, headers=h
    )
    assert (
        r.status_code == 200 and 'filename="refugio_flow_survey_jor.xlsx"' in r.headers["content-disposition"]
    )
    info = convert(r.content)  # pyxform accepts it
    names = {xpath.rsplit("/", 1)[-1] for xpath, _kind, _label in info.fields}
    assert {"point", "survey_date", "direction", "nationality", "reasons", "group_size"} <= names
    choices = load_workbook(io.BytesIO(r.content))["choices"]
    assert ["point", "JAB", "JAB · JAB crossing"] in [
        [c.value for c in row][:3] for row in choices.iter_rows()
    ]
    viewer = client.get(
        f"{API}/flow-surveys/form.xlsx", params={"operation_id": str(world.seed.operation_id)},
        headers=headers(client, "viewer"),
    )  # fmt: skip
    assert viewer.status_code == 403


# OpenRosa answers a refused submission with 400 and the reasons in its message (ODK shows it)
def test_surveys_arrive_through_openrosa(client: TestClient, world: World) -> None:
    h = headers(client, "imo")
    op = str(world.seed.operation_id)
    assert (
        client.post(
            f"{API}/flow-surveys/form", json={"operation_id": op}, headers=headers(client, "viewer")
        ).status_code
        == 403
    )
    r = client.post(f"{API}/flow-surveys/form", json={"operation_id": op}, headers=h)
    assert r.status_code == 201, r.text
    form_id = r.json()["form_id"]
    assert form_id == "refugio_flow_survey_jor"
    listed = client.get("/openrosa/formList", headers=_basic("imo")).text
    assert f"<formID>{form_id}</formID>" in listed
    assert f"<formID>{form_id}</formID>" not in client.get("/openrosa/formList", headers=_basic("clerk")).text
    xform = client.get(f"/openrosa/forms/{form_id}/form.xml", headers=_basic("imo"))
    assert xform.status_code == 200 and "group_size" in xform.text

    first = post(client, survey(form_id, "uuid:a1"))
    assert first.status_code == 201 and "submission received" in first.text, first.text
    assert post(client, survey(form_id, "uuid:a1")).status_code == 202  # the same instanceID: nothing new
    assert (
        post(
            client, survey(form_id, "uuid:b1", point="RMT", size=1, nat="IRQ", reasons="economic")
        ).status_code
        == 201
    )
    assert (
        post(client, survey(form_id, "uuid:c1"), user="clerk").status_code == 403
    )  # not in the clerk's scope
    bad = post(client, survey(form_id, "uuid:d1", point="NOPE", size=0))
    assert bad.status_code == 400 and "group_size" in bad.text
    unknown = post(client, survey(form_id, "uuid:d2", point="NOPE"))
    assert unknown.status_code == 400 and "no flow monitoring point 'NOPE'" in unknown.text
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert post(client, survey(form_id, "uuid:d3", day=future)).status_code == 400
    # an edit replaces the survey it edits
    edit = post(client, survey(form_id, "uuid:a2", size=5, deprecated="uuid:a1"))
    assert edit.status_code == 201

    points = {p["code"]: p["id"] for p in client.get(f"{API}/flow-points", headers=h).json()}
    jab = client.get(f"{API}/flow-points/{points['JAB']}/surveys", headers=h).json()
    assert [(s["instance_id"], s["group_size"], s["reasons"]) for s in jab] == [
        ("uuid:a2", 5, ["conflict", "family"])
    ]
    by_reason = client.get(
        f"{API}/flow-points/{points['JAB']}/surveys/breakdown", params={"by": "reasons"}, headers=h
    )
    # one survey is a small count (<5); reasons are several per survey: no total row
    assert by_reason.json()["rows"] == [
        {"reasons": "conflict", "incoming": 5, "outgoing": 0, "total": 5, "surveys": "<5"},
        {"reasons": "family", "incoming": 5, "outgoing": 0, "total": 5, "surveys": "<5"},
    ]
    rmt = client.get(f"{API}/flow-points/{points['RMT']}/surveys/breakdown", headers=h).json()
    assert rmt["rows"][0]["nationality"] == "IRQ" and rmt["rows"][0]["incoming"] == "<5"
    assert rmt["source"] == "flow_surveys" and rmt["rule"].startswith("refugio-sdc/1")


def test_an_edit_must_come_through_the_same_form_and_scope(client: TestClient, world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        other = reg.create_operation(
            s, actor=SYSTEM, code="TUR", name="Türkiye operation", country_iso3="TUR"
        )
        service.add_flow_point(s, actor=SYSTEM, data=FlowPointCreate(
            operation_id=other.id, code="KIL", name="Kilis", kind="border_crossing", latitude=36.72,
            longitude=37.12))  # fmt: skip
        other_id = str(other.id)
    admin = headers(client, "admin")
    jor = client.post(
        f"{API}/flow-surveys/form", json={"operation_id": str(world.seed.operation_id)}, headers=admin
    )
    tur = client.post(f"{API}/flow-surveys/form", json={"operation_id": other_id}, headers=admin)
    jor_form, tur_form = jor.json()["form_id"], tur.json()["form_id"]
    assert post(client, survey(jor_form, "uuid:j1")).status_code == 201
    # Jordan's IM officer may not send with Türkiye's form, nor see it listed
    assert post(client, survey(tur_form, "uuid:t1", point="KIL")).status_code == 403
    assert tur_form not in client.get("/openrosa/formList", headers=_basic("imo")).text
    moved = post(client, survey(tur_form, "uuid:t2", point="KIL", deprecated="uuid:j1"), user="admin")
    assert moved.status_code == 400 and "same form" in moved.text
    assert post(client, survey(jor_form, "uuid:j2", point="KIL")).status_code == 400  # not a Jordan point
