"""Tracking pages for collection: recording flow counts with the form (errors beside the fields, a
correction replaces the count), the flow survey XLSForm download and its publication on the OpenRosa
form list, the surveys received shown at the point; multi-sector assessments uploaded and shown with
needs by sector, shelter and the change since the previous round. On both backends."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.tracking.conftest import World, write
from tests.tracking.test_assessments import GOOD, HEADER
from tests.tracking.test_dtm import AREAS, LENGTH_RULES
from tests.tracking.test_surveys import post, survey
from tests.web.conftest import make_app
from tests.web.support import BASE, csrf_of, login

from refugio.core import clock
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import pcodes, service
from refugio.tracking.schemas import FlowPointCreate


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", AREAS),
                           lengths_path=write(tmp_path / "l.csv", LENGTH_RULES))  # fmt: skip
        service.add_flow_point(s, actor=SYSTEM, data=FlowPointCreate(
            operation_id=world.seed.operation_id, code="JAB", name="Jaber crossing", kind="border_crossing",
            latitude=32.54, longitude=36.21))  # fmt: skip
    with TestClient(make_app(world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_recording_counts_and_the_survey_form(client: TestClient) -> None:
    login(client, "imo")
    page = client.get("/tracking/flows")
    assert page.status_code == 200 and "Record people counted" in page.text
    token = csrf_of(page.text)
    point = page.text.split('name="point"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    today = dt.date.today().isoformat()
    form = {"csrf_token": token, "point": point, "day": today, "direction": "incoming", "sex": "F",
            "age_group": "18-59", "nationality": "syr", "transport": "bus", "count": "40"}  # fmt: skip
    assert client.post("/tracking/flows/counts", data=form).status_code == 303
    assert client.post("/tracking/flows/counts", data={**form, "count": "45"}).status_code == 303  # corrected
    shown = client.get(f"/tracking/flows?point={point}&days=1").text
    assert '<td>SYR</td><td class="num">45</td>' in shown
    bad = client.post("/tracking/flows/counts", data={**form, "count": "-1", "nationality": "Syria"})
    assert bad.status_code == 422 and bad.text.count('class="field has-error"') == 2
    # the survey form: download, publish, then a survey arrives through OpenRosa and shows here
    op = page.text.split('name="operation_id" value="', 1)[1].split('"', 1)[0]
    xlsx = client.get(f"/tracking/flows/survey-form.xlsx?operation_id={op}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "not published yet" in page.text
    published = client.post("/tracking/flows/survey-form", data={"csrf_token": token, "operation_id": op})
    assert published.status_code == 303
    page = client.get("/tracking/flows").text
    assert "refugio_flow_survey_jor" in page and "is on the OpenRosa form list" in page
    assert post(client, survey("refugio_flow_survey_jor", "uuid:w1", size=4)).status_code == 201
    shown = client.get(f"/tracking/flows?point={point}&survey_by=destination_country").text
    # a group of 4 is a small count: the table shows it as <5, with the rule
    assert '<td>DEU</td><td class="num">&lt;5</td>' in shown and "Rule refugio-sdc/1" in shown


def test_viewer_sees_no_collection_forms(client: TestClient) -> None:
    login(client, "viewer")
    page = client.get("/tracking/flows")
    assert page.status_code == 200 and "Record people counted" not in page.text
    assert "/tracking/flows/survey-form" not in page.text


def test_uploading_and_reading_assessments(client: TestClient) -> None:
    login(client, "imo")
    page = client.get("/tracking/assessments")
    assert page.status_code == 200 and "No location assessment loaded yet" in page.text
    token = csrf_of(page.text)
    body = ("\n".join([HEADER, *GOOD]) + "\n").encode()
    wrong = body.replace(b"1000,900", b"-1000,900")
    bad = client.post("/tracking/assessments", data={"csrf_token": token},
                      files={"file": ("m.csv", wrong, "text/csv")})  # fmt: skip
    assert bad.status_code == 422 and "line 2: individuals &#39;-1000&#39; is negative" in bad.text
    empty = client.post("/tracking/assessments", data={"csrf_token": token})
    assert empty.status_code == 422 and "choose a CSV file" in empty.text
    done = client.post(
        "/tracking/assessments", data={"csrf_token": token}, files={"file": ("m.csv", body, "text/csv")}
    )
    assert done.status_code == 303 and done.headers["location"] == "/tracking/assessments?country=TCD"
    page = client.get("/tracking/assessments?country=TCD&round=2").text
    assert "duplicate, not counted" in page and "+150" in page and "Water, sanitation and hygiene" in page
    assert "Makeshift shelter" in page and "<svg" in page
    first = client.get("/tracking/assessments?country=TCD&round=1").text
    assert "Kaya village" in first and "PCode length TD0703-&gt;TCD0703" in first


def test_viewer_may_read_assessments_but_not_upload(client: TestClient) -> None:
    login(client, "viewer")
    page = client.get("/tracking/assessments")
    assert page.status_code == 200 and "Upload assessments" not in page.text


def test_map_and_charts_download_as_png_and_svg(client: TestClient) -> None:
    login(client, "imo")
    token = csrf_of(client.get("/tracking/assessments").text)
    body = ("\n".join([HEADER, *GOOD]) + "\n").encode()
    client.post(
        "/tracking/assessments", data={"csrf_token": token}, files={"file": ("m.csv", body, "text/csv")}
    )
    png = client.get("/tracking/charts/assessments.png?country=TCD")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.headers["content-disposition"] == 'attachment; filename="assessments-tcd.png"'
    svg = client.get("/tracking/charts/assessments.svg?country=TCD")
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    assert "TCD: individuals in the locations assessed, by round" in svg.text
    assert client.get("/tracking/charts/rounds.svg").status_code == 422  # which country?
    assert client.get("/tracking/charts/nothing.svg").status_code == 404
    assert client.get("/tracking/charts/incidents.gif").status_code == 404
    world = client.get("/tracking/map.svg")
    assert world.status_code == 200 and "<svg" in world.text and "Flow monitoring points (1)" in world.text
    assert client.get("/tracking/map.png?year=2023").content[:4] == b"\x89PNG"
    assert client.get("/tracking/map.png?year=12").status_code == 422
    page = client.get("/tracking/assessments?country=TCD").text
    assert 'href="/tracking/charts/assessments.png?country=TCD"' in page


def test_logging_a_distress_report(client: TestClient) -> None:
    login(client, "imo")
    page = client.get("/tracking/distress")
    assert page.status_code == 200 and "Log people or a vessel in distress" in page.text
    token = csrf_of(page.text)
    op = page.text.split('name="operation_id"><option value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "operation_id": op, "identity": "Rubber boat, about 40 people",
            "latitude": "34.5", "longitude": "12.9", "position_at": "2026-11-20T04:30",
            "situation": "Taking on water", "persons_on_board": "40", "assistance_required": "Rescue",
            "coordinating_centre": "MRCC Rome", "actions": "Alerted MRCC"}  # fmt: skip
    bad = client.post("/tracking/distress", data={**form, "latitude": "95", "situation": ""})
    assert bad.status_code == 422 and bad.text.count('class="field has-error"') == 2
    done = client.post("/tracking/distress", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/tracking/distress?operation=JOR"
    shown = client.get(done.headers["location"]).text
    assert "Rubber boat, about 40 people" in shown and "MRCC Rome" in shown
    future = client.post("/tracking/distress", data={**form, "position_at": "2099-01-01T00:00"})
    assert future.status_code == 422 and "in the future" in future.text
    login(client, "viewer")
    assert "Log people or a vessel in distress" not in client.get("/tracking/distress").text


def test_sharing_the_log_under_an_agreement_in_force(client: TestClient, world: World) -> None:
    from tests.tracking.test_distress import sar_agreement

    from refugio.tracking.schemas import DistressCreate

    today, op = dt.date.today(), world.seed.operation_id
    with unit_of_work(world.container.sessions) as s:
        service.log_distress(s, actor=SYSTEM, data=DistressCreate(
            operation_id=op, identity="Fishing boat", latitude=34.5, longitude=12.9,
            position_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), situation="Engine failure",
            assistance_required="Tow", coordinating_centre="MRCC Rome"))  # fmt: skip
        lapsed = sar_agreement(s, world, "Old partner", today - dt.timedelta(days=30),
                               today - dt.timedelta(days=1), notes="Search and rescue in 2025")  # fmt: skip
        sar_agreement(s, world, "Sea-Watch", today, today + dt.timedelta(days=30),
                      notes="Search and rescue coordination")  # fmt: skip
    login(client, "imo")
    page = client.get("/tracking/distress").text
    assert "Sea-Watch" in page.split('id="share-log"', 1)[1] and "Old partner ·" not in page
    token = csrf_of(page)
    agreement = page.split('name="agreement_id"><option value="', 1)[1].split('"', 1)[0]
    shared = client.post("/tracking/distress/share", data={"csrf_token": token, "agreement_id": agreement})
    assert shared.status_code == 200 and shared.headers["content-type"] == "application/zip"
    name = f"distress-sitreps-sea-watch-{clock.today()}"
    assert shared.headers["content-disposition"] == f'attachment; filename="{name}.zip"'
    with zipfile.ZipFile(io.BytesIO(shared.content)) as z:
        text, made = z.read(f"{name}.txt"), json.loads(z.read("manifest.json"))
    assert b"Fishing boat" in text and made["sha256"] == hashlib.sha256(text).hexdigest()
    assert made["partner"] == "Sea-Watch" and made["kind"] == "distress_log"
    refused = client.post(
        "/tracking/distress/share", data={"csrf_token": token, "agreement_id": str(lapsed.id)}
    )
    assert refused.status_code == 422 and "expired on" in refused.text
    login(client, "viewer")
    viewer_token = csrf_of(client.get("/tracking/distress").text)
    denied = client.post(
        "/tracking/distress/share", data={"csrf_token": viewer_token, "agreement_id": agreement}
    )
    assert denied.status_code == 403
