"""A real browser (Debian's headless Chromium driven by Playwright) against the application served by
uvicorn: a protection officer opens a case from a person's page, records an assessment through the
case page's form, finds the case in "My cases"; another officer, not assigned, gets "Page not found"
for the same address. SQLite only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser import served_app, sign_in, signed_in_page
from tests.helpers import build_container
from tests.protection.conftest import World, build_world
from tests.web.test_browser import CHROMIUM

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
    with served_app(container) as url:
        yield url, world


def test_open_a_case_and_assess_it_in_a_browser(served: tuple[str, World]) -> None:
    from playwright.sync_api import expect

    url, world = served
    with signed_in_page(url, "protection", width=900, height=1200) as (page, errors):
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(f"{url}/people/{world.woman_id}")
        page.click("text=Open a protection case")
        expect(page.locator("h1")).to_have_text("Open a protection case")
        page.select_option("#f-case_type", "other")
        page.select_option("#f-supervisor_id", str(world.users["supervisor"]))
        page.fill("#f-summary", "Threats at home")
        page.click("button:has-text('Open the case')")
        page.wait_for_url(re.compile(r".*/protection/cases/[0-9a-f-]{36}.*"))
        expect(page.locator(".notice").first).to_have_text("The case was opened.")
        case_url = page.url.split("?")[0]
        page.click("summary:has-text('Record an assessment')")
        page.select_option("#f-as-risk_level", "high")
        page.fill("#f-as-summary", "Needs a safe shelter")
        page.click("button:has-text('Save the assessment')")
        expect(page.locator("#assess")).to_contain_text("Needs a safe shelter")
        page.click("nav >> text=Protection")
        expect(page.locator("h1")).to_have_text("My cases")
        expect(page.locator("table")).to_contain_text("Amira Khalil")
        assert not errors, errors

        sign_in(page, url, "officer2")
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(case_url)
        expect(page.locator("h1")).to_have_text("Page not found")
        expect(page.locator("body")).not_to_contain_text("Threats at home")
