"""A real browser (Debian's headless Chromium driven by Playwright) at 1366 and 390 px: the RSD officer
records, with the keyboard, how a decision notice reached the person on the claim's page, and sees the
notices and the legal status on the person's page, without a console error or a page wider than the
screen. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser import page_width, served_app, signed_in_page
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

from .conftest import World, build_world
from .test_rsd import assess_review_decide, interview, open_claim, outcomes

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


@pytest.mark.parametrize("width", [1366, 390])
def test_record_a_notice_delivery_in_a_browser(served: tuple[str, World], width: int) -> None:
    from playwright.sync_api import expect

    url, world = served
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(
        world, claim_id, outcomes(world, "recognised", "recognised"), ["1951:religion"], "rsd1"
    )
    with signed_in_page(url, "rsd1", width=width, timeout=20_000) as (page, errors):
        page.goto(f"{url}/solutions/claims/{claim_id}")
        notices = page.locator("#notices")
        expect(notices).to_contain_text("Refugee")
        assert page.locator("#notices button:has-text('Record the delivery')").count() == 3
        first = page.locator("#notices select").first
        first.focus()
        first.select_option("phone")
        page.keyboard.press("Tab")  # the date (empty: today)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the button
        page.wait_for_url(f"{url}/solutions/claims/{claim_id}")
        expect(notices).to_contain_text("Phone")
        assert page.locator("#notices button:has-text('Record the delivery')").count() == 2
        assert page_width(page) <= width
        page.goto(f"{url}/people/{world.haddad_people[0]}")
        expect(page.locator("#notices")).to_contain_text("Refugee")
        assert page.locator("#notices form").count() == 0  # delivered from the claim's page only
        assert page_width(page) <= width
        assert not errors, errors
