"""The desk in a real browser (Debian's headless Chromium driven by Playwright) on a 390 px wide phone
screen: a distribution clerk types a household ID, sees the entitlement, records the collection by the
focal point, and the page then says it was collected; nothing is wider than the screen. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.assistance.conftest import World, build_world, frozen_cycle
from tests.browser import page_width, served_app, signed_in_page
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

from refugio.assistance import queries
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, World]]:
    container = build_container(f"sqlite:///{tmp_path / 'browser.sqlite3'}", tmp_path / "data")
    world = build_world(container)
    frozen_cycle(world)
    with served_app(container) as url:
        yield url, world


def test_the_desk_on_a_phone(served: tuple[str, World]) -> None:
    from playwright.sync_api import expect

    url, world = served
    with signed_in_page(url, "desk", width=390, height=844) as (page, _):
        page.goto(f"{url}/assistance/desk")
        page.fill("#d-desk", "Gate 1")
        page.fill("#d-key", world.family_ref)
        page.click("button:has-text('Find')")
        expect(page.locator("text=145.00 JOD")).to_be_visible()
        assert page_width(page) <= 390
        page.click("button:has-text('Record the collection')")
        expect(page.locator("text=The collection was recorded.")).to_be_visible()
        expect(page.locator("text=Already collected")).to_be_visible()
        assert page_width(page) <= 390


@pytest.mark.parametrize("width", [1366, 390])
def test_complaints_page_with_the_keyboard(served: tuple[str, World], width: int) -> None:
    """An officer records a complaint from the keyboard (errors first, beside their fields), opens it,
    and the pages fit the screen."""
    from playwright.sync_api import expect

    url, _world = served
    with signed_in_page(url, "officer", width=width) as (page, _):
        page.goto(f"{url}/assistance/complaints")
        page.select_option("#f-c-category", "delay")
        page.fill("#f-c-complainant_name", "Someone")
        page.check("#f-c-anonymous")
        page.fill("#f-c-description", "waited four hours at the gate")
        page.focus("#f-c-household_ref")
        page.keyboard.press("Enter")
        expect(page.locator("#error-summary")).to_be_visible()
        page.uncheck("#f-c-anonymous")
        page.focus("#f-c-complainant_name")
        page.keyboard.press("Enter")
        expect(page.locator("text=The complaint was recorded.")).to_be_visible()
        expect(page.locator("text=waited four hours at the gate")).to_be_visible()
        assert page_width(page) <= width
        page.goto(f"{url}/assistance/complaints")
        expect(page.locator("a:has-text('JOR-CF-000001')")).to_be_visible()
        assert page_width(page) <= width


@pytest.mark.parametrize("width", [1366, 390])
def test_the_report_fits_the_screen(served: tuple[str, World], width: int) -> None:
    from playwright.sync_api import expect

    url, world = served
    with unit_of_work(world.container.sessions) as s:
        cycle = queries.list_cycles(s, actor=world.who("officer"), programme_key="WINTER")[0].id
    with signed_in_page(url, "officer", width=width) as (page, errors):
        page.goto(f"{url}/assistance/cycles/{cycle}")
        page.click("a:has-text('Report')")
        expect(page.locator("figure.chart svg")).to_be_visible()
        assert page_width(page) <= width
        # the chart's width and its legend's colours come from the stylesheet: inline styles were refused
        # by the Content Security Policy (a console error, and a legend without its colours)
        svg = page.locator("figure.chart svg").first
        assert svg.evaluate("e => getComputedStyle(e).maxWidth") == "640px"
        swatch = page.locator("figure.chart .swatch-first").first
        assert swatch.evaluate("e => getComputedStyle(e).color") == "rgb(31, 95, 139)"
        assert not errors, errors
