"""A real browser (Debian's headless Chromium driven by Playwright) at 390 px: an RSD officer opens a
claim from the person's page with the keyboard (Enter submits; every wrong field is named at once and
the summary takes the focus), then an RSD supervisor assigns a reviewer from the register's row; no
console error beyond the refused form's answer, no page wider than the screen. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser import page_width, served_app, sign_in, signed_in_page
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

from .conftest import World, build_world

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


def test_open_a_claim_and_assign_its_reviewer_with_the_keyboard(served: tuple[str, World]) -> None:
    from playwright.sync_api import expect

    url, world = served
    father, mother, _child, _ = world.haddad_people
    with signed_in_page(url, "rsd1", width=390) as (page, errors):
        page.goto(f"{url}/people/{father}")
        page.get_by_role("link", name="Open a status determination claim").click()
        expect(page.locator("h1")).to_have_text("Open a status determination claim")
        assert page_width(page) <= 390
        page.fill("#f-language", "ar")  # two letters: not a language code
        page.press("#f-language", "Enter")
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#error-summary")).to_contain_text("Language: Use a three-letter code.")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert errors and all("status of 422" in e for e in errors), errors  # the refused form's answer
        errors.clear()
        page.fill("#f-language", "ara")
        page.check(f"input[name=member_ids][value='{mother}']")
        page.press("#f-language", "Enter")
        expect(page.locator("h1")).to_contain_text("RSD-")
        assert page_width(page) <= 390
        ref = page.locator("h1").inner_text().split()[-1]

        sign_in(page, url, "rsdsup")
        page.goto(f"{url}/solutions/claims")
        row = page.locator("tr", has_text=ref)
        expect(row.get_by_role("link")).to_have_count(0)  # the register: no file for the supervisor
        row.get_by_label(f"Member of staff for {ref}").select_option(str(world.seed.users["rsdsup2"]))
        row.get_by_label("Role").select_option("reviewer")
        row.get_by_role("button", name="Assign").press("Enter")
        expect(page.locator("[role=status]")).to_contain_text(f"rsdsup2 assigned to claim {ref}")
        expect(page.locator("tr", has_text=ref)).to_contain_text("rsdsup2 (reviewer)")
        assert page_width(page) <= 390
        assert not errors, errors
