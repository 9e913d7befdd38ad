"""The statistics pages: dashboard with charts and downloads, factsheet, global tables; permission."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.helpers import PASSWORD, Seed
from tests.stats.test_registrations import _register

from refugio.main import Container, create_app
from refugio.stats.hxl import validate


def _login(container: Container, username: str) -> TestClient:
    client = TestClient(create_app(container=container), base_url="https://testserver")
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text[:300]
    return client


def test_dashboard_charts_downloads_and_global_page(container: Container, seeded: Seed) -> None:
    _register(container, seeded, 3)
    client = _login(container, "imo")
    query = "operation=JOR&date=2026-11-15"
    page = client.get(f"/stats?{query}")
    assert page.status_code == 200, page.text[:500]
    assert "/stats/charts/pyramid.svg" in page.text and "/stats/tables/pyramid.hxl" in page.text
    svg = client.get(f"/stats/charts/pyramid.svg?{query}")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert client.get(f"/stats/charts/arrivals.png?{query}").content[:4] == b"\x89PNG"
    hxl = client.get(f"/stats/tables/by-site.hxl?{query}")
    assert validate(hxl.text).tags[0] == "#loc+code"
    assert client.get(f"/stats/tables/pyramid.xlsx?{query}").content[:2] == b"PK"
    assert client.get(f"/stats/factsheet.pdf?{query}").content[:5] == b"%PDF-"
    assert client.get("/stats/global").status_code == 200
    viewer = _login(container, "viewer")
    assert viewer.get(f"/stats?{query}").status_code == 403
