"""A real browser (Debian's headless Chromium driven by Playwright) at 1366 and 390 px on the
resettlement page: reached from the menu's More, a quota added and a case opened from the needs
identified from protection data with the keyboard, the case submitted against the quota; no console
error and no page wider than the screen. SQLite only."""

from __future__ import annotations

import pytest
from tests.browser import page_width, signed_in_page

from .conftest import World
from .test_browser_notices import CHROMIUM, served  # noqa: F401
from .test_resettlement_needs import flag

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.mark.parametrize("width", [1366, 390])
def test_resettlement_in_a_browser(served: tuple[str, World], width: int) -> None:  # noqa: F811
    from playwright.sync_api import expect

    url, world = served
    flag(world, world.haddad_people[1], "SV-VA")
    with signed_in_page(url, "resettler", width=width, timeout=20_000) as (page, errors):
        page.goto(f"{url}/solutions/resettlement")
        expect(page.locator("h1")).to_have_text("Resettlement")
        page.click("summary:has-text('Add a quota')")
        page.fill("#q-state", "NOR")
        page.fill("#q-year", "2027")
        page.fill("#q-label", "Norway quota")
        page.fill("#q-places", "10")
        page.press("#q-places", "Enter")
        page.wait_for_url(f"{url}/solutions/resettlement")
        expect(page.locator("#quotas table")).to_contain_text("Norway quota")
        need = page.locator(f"#need-{world.haddad}")
        expect(need).to_contain_text("SV-VA")
        need.locator("summary").click()
        expect(need.locator("select[name=primary_category]")).to_have_value("survivor_violence_torture")
        expect(need.locator("select[name=priority]")).to_have_value("urgent")
        need.locator("button:has-text('Open the case')").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/solutions/resettlement")
        case = page.locator("#cases article").first
        expect(case).to_contain_text("Identified")
        case.locator("select[name=quota_id]").select_option(index=1)
        case.locator("button:has-text('Submit the case')").click()
        page.wait_for_url(f"{url}/solutions/resettlement")
        expect(page.locator("#cases article").first).to_contain_text("Submitted")
        assert page_width(page) <= width
        assert not errors, errors
