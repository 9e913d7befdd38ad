"""The statistics page in Arabic, in a real browser (Debian's headless Chromium driven by Playwright):
chart titles, axis labels and legends are Arabic (the <img alt>, the figure captions and the SVG's own
text as the browser loads it), with the reference date put into the translated title. SQLite only."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from tests.browser import page_width, signed_in_page
from tests.helpers import build_container, household_payload
from tests.web.conftest import make_app, seed_web
from tests.web.test_browser import CHROMIUM, free_port

from refugio.registration import service as registration
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The application on SQLite with a few households registered, served by uvicorn; yields its URL."""
    container = build_container(f"sqlite:///{tmp_path / 'charts.sqlite3'}", tmp_path / "data")
    seed = seed_web(container)
    with unit_of_work(container.sessions) as s:
        for family in ("Haddad", "Nasser", "Khatib", "Saleh"):
            payload = household_payload(seed.camp_id, family=family, members=4)
            registration.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
    port = free_port()
    config = uvicorn.Config(
        make_app(container),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def test_arabic_statistics_page_has_arabic_chart_titles(served: str) -> None:

    today = dt.date.today().isoformat()
    with signed_in_page(served, "imo", locale="ar") as (page, _):
        page.context.add_cookies([{"name": "refugio_locale", "value": "ar", "url": served}])
        page.goto(f"{served}/stats?operation=JOR&date={today}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        alts = {
            img.get_attribute("alt") or "": img.get_attribute("src") or ""
            for img in page.locator("section.charts img").all()
        }
        assert f"الأشخاص المسجلون حسب العمر والجنس في {today}" in alts
        assert "الوافدون حسب الشهر والجنس" in alts
        assert not [alt for alt in alts if "Registered" in alt or "Arrivals" in alt], alts
        captions = " ".join(page.locator("section.charts figcaption").all_inner_texts())
        assert "الأشخاص المسجلون حسب الموقع والجنس" in captions and "Registered" not in captions
        # the charts themselves, as the browser loads them (SVG with its text kept as text)
        pyramid = next(src for alt, src in alts.items() if "العمر والجنس" in alt)
        svg = page.request.get(f"{served}{pyramid}")
        assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
        text = svg.text()
        for arabic in (
            f"الأشخاص المسجلون حسب العمر والجنس في {today}",
            "العمر",
            "الأشخاص",
            "أنثى",
            "ذكر",
        ):
            assert arabic in text, arabic
        assert "Registered people" not in text and ">Age<" not in text
        page.goto(f"{served}{pyramid}")  # drawn by the browser: the title is an SVG text element
        titles = page.locator("text").all_text_contents()
        assert any("الأشخاص المسجلون حسب العمر والجنس" in t for t in titles), titles


@pytest.mark.parametrize(("width", "drawn"), [(390, 400), (1366, 800)])
def test_a_phone_loads_the_narrow_charts(served: str, width: int, drawn: int) -> None:
    """At 390 px the browser picks the 400-wide drawing (its text stays legible), wider screens the
    800-wide one; every chart loads and nothing scrolls sideways."""
    today = dt.date.today().isoformat()
    with signed_in_page(served, "imo", width=width) as (page, errors):
        page.goto(f"{served}/stats?operation=JOR&date={today}")
        images = page.locator("section.charts img")
        assert images.count() >= 3
        for i in range(images.count()):
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle())
            assert img.evaluate("(img) => img.naturalWidth") == drawn
            assert ("size=narrow" in img.evaluate("(img) => img.currentSrc")) == (width < 600)
            assert img.bounding_box()["width"] <= width  # type: ignore[index]
        assert page_width(page) <= width
        assert not errors, errors
