"""A real browser (Debian's headless Chromium driven by Playwright) on the tracking map, served by
uvicorn: the offline libraries load from the checkout, the outlines are drawn with the choropleth,
sites and flow points are marked and incidents clustered, without a console error. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser import served_app
from tests.helpers import PASSWORD, build_container, seed
from tests.tracking.conftest import write
from tests.tracking.test_dtm import AREAS, HEADER, LENGTH_RULES, _row
from tests.tracking.test_mmp import FULL_HEADER, FULL_ROWS
from tests.web.test_browser import ARGS, CHROMIUM

from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import demo, service
from refugio.web.tracking.pages import libraries_installed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
    pytest.mark.skipif(not libraries_installed(), reason="the map libraries are not installed (npm ci)"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    container = build_container(f"sqlite:///{tmp_path / 'browser.sqlite3'}", tmp_path / "data")
    world = seed(container)
    with unit_of_work(container.sessions) as s:
        service.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", AREAS),
                            lengths_path=write(tmp_path / "l.csv", LENGTH_RULES))  # fmt: skip
        rows = [HEADER, _row(0, "", "", 150), _row(1, "TD07", "", 150)]
        service.import_dtm(s, actor=SYSTEM, path=write(tmp_path / "d.csv", "\n".join(rows) + "\n"))
        service.import_mmp(
            s, actor=SYSTEM, path=write(tmp_path / "m.csv", FULL_HEADER + "\n" + "\n".join(FULL_ROWS) + "\n")
        )
        demo.seed_sites(s, operation_id=world.operation_id, actor=SYSTEM)
        demo.seed_flows(s, operation_id=world.operation_id, actor=SYSTEM, days=2)
    with served_app(container) as url:
        yield url


def test_the_map_draws_offline(served: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served) else None)
            page.goto(f"{served}/login")
            page.fill("#username", "imo")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]:has-text('Sign in')")
            page.goto(f"{served}/tracking/map")
            page.wait_for_selector("#tracking-map[data-ready]", state="attached")
            assert page.get_attribute("#tracking-map", "data-ready") == "3"
            assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() > 0
            assert page.locator(".leaflet-marker-icon").count() >= 3  # sites and incident clusters
            assert "Incidents: 3" in page.inner_text("#tracking-map-status")
            assert errors == [] and outside == []
        finally:
            browser.close()
