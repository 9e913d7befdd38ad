"""Tracking pages: overview, locations, sites (and adding one), rounds, incidents, the map with its
data and the offline libraries, downloads; who may see them; translations."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.tracking.conftest import World, write
from tests.tracking.test_dtm import AREAS, HEADER, LENGTH_RULES, _row
from tests.tracking.test_mmp import FULL_HEADER, FULL_ROWS
from tests.web.conftest import make_app
from tests.web.support import BASE, csrf_of, login

from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import dtm, mmp, pcodes
from refugio.web.tracking.pages import libraries_installed


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", AREAS),
                           lengths_path=write(tmp_path / "l.csv", LENGTH_RULES))  # fmt: skip
        rows = [HEADER, _row(0, "", "", 150), _row(1, "TD07", "", 150), _row(2, "TD07", "TD0701", 140),
                _row(0, "", "", 90, rnd=2, day="2024-05-31")]  # fmt: skip
        dtm.import_dtm(s, actor=SYSTEM, path=write(tmp_path / "d.csv", "\n".join(rows) + "\n"))
        mmp.import_mmp(
            s, actor=SYSTEM, path=write(tmp_path / "m.csv", FULL_HEADER + "\n" + "\n".join(FULL_ROWS) + "\n")
        )
    with TestClient(make_app(world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_pages_for_an_information_management_officer(client: TestClient, world: World) -> None:
    assert login(client, "imo").status_code == 303
    page = client.get("/tracking")
    assert page.status_code == 200 and "Chad" in page.text and "90" in page.text and "2023" in page.text
    assert 'href="/tracking"' in client.get("/").text  # the menu entry
    page = client.get("/tracking/locations?country=TCD&level=2")
    assert page.status_code == 200 and "TCD0701" in page.text and "Mamdi" in page.text
    page = client.get("/tracking/rounds?country=TCD&level=0")
    assert page.status_code == 200 and "-60" in page.text
    assert "1 of 2 parent totals" in page.text  # 150 at admin 1, 140 in its admin 2
    assert "<svg" in page.text and "2024-05: 90" in page.text  # IDPs per round, as a chart
    assert "<rect" in client.get("/tracking/incidents?by=year").text
    page = client.get("/tracking/incidents?by=region")
    assert page.status_code == 200 and "Mediterranean" in page.text and "582" in page.text
    summary = client.get("/tracking/incidents/summary.csv?by=year")
    assert summary.status_code == 200 and summary.text.splitlines()[0].startswith(
        "year,incidents,dead_and_missing"
    )
    hapi = client.get("/tracking/idps.hapi")
    rows = list(csv.DictReader(io.StringIO(hapi.text)))
    assert hapi.status_code == 200 and len(rows) == 4 and rows[-1]["admin2_name"] == "Mamdi"
    assert client.get("/tracking/idps.hxl").text.splitlines()[1].startswith("#id+code")
    assert client.get("/tracking/incidents?by=nothing").status_code == 422


def test_adding_a_site(client: TestClient, world: World) -> None:
    login(client, "imo")
    token = csrf_of(client.get("/tracking/sites").text)
    form = {
        "csrf_token": token, "operation_id": str(world.seed.operation_id), "code": "ZAA", "name": "Zaatari",
        "kind": "camp", "status": "open", "admin_pcode": "TCD0701", "latitude": "13.45",
        "longitude": "14.73", "capacity": "80000", "registration_site_id": str(world.seed.camp_id),
    }  # fmt: skip
    response = client.post("/tracking/sites", data=form)
    assert response.status_code == 303, response.text
    page = client.get("/tracking/sites").text
    assert "Zaatari" in page and "Mamdi" in page and ">ZAA<" in page
    bad = client.post("/tracking/sites", data={**form, "code": "X2", "latitude": "95"})
    assert bad.status_code == 422 and "less than or equal to 90" in bad.text
    away = client.post(
        "/tracking/sites", data={**form, "code": "X3", "latitude": "32.29", "longitude": "36.32"}
    )
    assert away.status_code == 422 and "lie outside TCD" in away.text
    again = client.post("/tracking/sites", data={**form, "name": "Other"})
    assert again.status_code == 422 and "exists already" in again.text
    data = client.get("/tracking/map/data.json").json()
    assert data["sites"][0]["code"] == "ZAA" and len(data["incidents"]) == 3
    assert data["countries"] == [
        {"iso3": "TCD", "numeric": "148", "name": "Chad", "idps": 90, "date": "2024-05-31"}
    ]


def test_map_page_and_offline_libraries(client: TestClient) -> None:
    login(client, "viewer")
    page = client.get("/tracking/map")
    assert page.status_code == 200
    if libraries_installed():
        assert 'id="tracking-map"' in page.text and "/tracking/vendor/leaflet/leaflet.js" in page.text
        js = client.get("/tracking/vendor/leaflet/leaflet.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert client.get("/tracking/vendor/world-atlas/countries-110m.json").status_code == 200
    else:
        assert "npm ci" in page.text
    assert client.get("/tracking/vendor/leaflet/../../package.json").status_code == 404
    assert client.get("/tracking/vendor/nothing/x.js").status_code == 404
    assert client.get("/tracking/static/map.js").status_code == 200


def test_scope_and_translation(client: TestClient) -> None:
    login(client, "clerk")  # a registration clerk has no TRACKING_VIEW
    assert client.get("/tracking").status_code == 403
    assert 'href="/tracking"' not in client.get("/").text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    login(client, "imo")
    client.cookies.set("refugio_locale", "fr")
    page = client.get("/tracking")
    assert "Suivi des déplacements" in page.text
    client.cookies.set("refugio_locale", "ar")
    assert 'dir="rtl"' in client.get("/tracking/map").text
