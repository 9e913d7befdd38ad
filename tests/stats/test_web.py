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
    # a phone's screen gets the narrow drawing (<picture>'s source under 600 px)
    assert 'media="(max-width: 600px)"' in page.text and "pyramid.svg?" in page.text
    narrow = client.get(f"/stats/charts/pyramid.svg?{query}&size=narrow")
    assert b'width="400"' in narrow.content[:200] and b'width="800"' in svg.content[:200]
    assert client.get(f"/stats/charts/arrivals.png?{query}").content[:4] == b"\x89PNG"
    hxl = client.get(f"/stats/tables/by-site.hxl?{query}")
    assert validate(hxl.text).tags[0] == "#loc+code"
    assert client.get(f"/stats/tables/pyramid.xlsx?{query}").content[:2] == b"PK"
    assert client.get(f"/stats/factsheet.pdf?{query}").content[:5] == b"%PDF-"
    assert client.get("/stats/global").status_code == 200
    viewer = _login(container, "viewer")
    assert viewer.get(f"/stats?{query}").status_code == 403


def _people(html: str) -> str:
    return html.split("People registered</dt><dd>", 1)[1].split("<", 1)[0]


def test_dashboard_is_cached_until_a_write_changes_it(container: Container, seeded: Seed) -> None:
    import datetime as dt

    from refugio.core import clock
    from refugio.registration import service
    from refugio.registration.models import Individual
    from refugio.registration.schemas import DeathRecord
    from refugio.security.principals import SYSTEM
    from refugio.stats import dashboard
    from refugio.store.uow import unit_of_work

    dashboard.clear_cache()
    _register(container, seeded, 3)
    client = _login(container, "imo")
    query = "operation=JOR&date=2026-11-15"
    first = client.get(f"/stats?{query}")
    assert first.status_code == 200 and _people(first.text) == "15"
    assert 'class="card"' in first.text  # the headline figures in the dashboard's cards
    chart = client.get(f"/stats/charts/pyramid.svg?{query}").content
    sites = client.get(f"/stats/charts/by-site.svg?{query}").content
    before = dashboard.cache_stats()
    again = client.get(f"/stats?{query}")
    assert _people(again.text) == "15"
    assert client.get(f"/stats/charts/pyramid.svg?{query}").content == chart
    after = dashboard.cache_stats()
    assert after["dashboard_hits"] == before["dashboard_hits"] + 2  # the page and the chart's tables
    assert after["chart_hits"] == before["chart_hits"] + 1
    assert after["dashboard_misses"] == before["dashboard_misses"]

    _register(container, seeded, 1)  # a write: five more people
    changed = client.get(f"/stats?{query}")
    assert _people(changed.text) == "20"
    # every cell of the pyramid is small (suppressed) before and after: the same picture (its totals,
    # not drawn, changed); the sites' bars are 10 and 5 people, then 10 and 10
    assert client.get(f"/stats/charts/pyramid.svg?{query}").content == chart
    assert client.get(f"/stats/charts/by-site.svg?{query}").content != sites
    assert dashboard.cache_stats()["dashboard_misses"] == after["dashboard_misses"] + 1

    with clock.frozen(dt.datetime(2026, 11, 10, tzinfo=dt.UTC)), unit_of_work(container.sessions) as s:
        person = s.query(Individual).order_by(Individual.ref).first()
        assert person is not None
        service.record_death(
            s,
            actor=SYSTEM,
            individual_id=person.id,
            data=DeathRecord.model_validate({"date_of_death": "2026-11-05"}),
        )
    assert _people(client.get(f"/stats?{query}").text) == "19"  # a death, seen at once
    misses = dashboard.cache_stats()["dashboard_misses"]
    other_day = client.get("/stats?operation=JOR&date=2026-11-04")  # another reference date: its own entry
    assert _people(other_day.text) == "20"  # before the death
    assert dashboard.cache_stats()["dashboard_misses"] == misses + 1
