"""A real browser (Debian's headless Chromium driven by Playwright) at 1366 and 390 px on the
complementary pathways: an offer added with the keyboard, a profile saved, the candidate shortlisted
from the offer's page and moved to the next stage; no console error, no page wider than the screen.
SQLite only."""

from __future__ import annotations

import pytest
from tests.browser import page_width, signed_in_page

from .conftest import World
from .test_browser_notices import CHROMIUM, served  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.mark.parametrize("width", [1366, 390])
def test_pathways_in_a_browser(served: tuple[str, World], width: int) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from refugio.registration.models import Individual
    from refugio.store.uow import unit_of_work

    url, world = served
    with unit_of_work(world.container.sessions) as s:
        person = s.get(Individual, world.haddad_people[0])
        assert person is not None
        ref = person.ref
    with signed_in_page(url, "resettler", width=width, timeout=20_000) as (page, errors):
        page.goto(f"{url}/solutions/pathways")
        page.fill("#p-person", ref)
        page.select_option("#p-edu", "tertiary")
        page.fill("#p-skills", "nursing, first aid")
        page.fill("#p-lang", "eng")
        page.press("#p-lang", "Enter")
        page.wait_for_url(f"{url}/solutions/pathways")
        page.select_option("#o-kind", "education")
        page.fill("#o-title", "Scholarships in Italy")
        page.fill("#o-provider", "University of Bologna")
        page.fill("#o-dest", "ITA")
        page.fill("#o-places", "2")
        page.select_option("#o-edu", "secondary")
        page.press("#o-places", "Enter")
        page.wait_for_url(f"{url}/solutions/pathways/*")
        expect(page.locator("h1")).to_contain_text("Scholarships in Italy")
        candidates = page.locator("#candidates")
        expect(candidates).to_contain_text(ref)
        candidates.locator("button:has-text('Shortlist')").first.click()
        page.wait_for_url(f"{url}/solutions/pathways/*")
        expect(page.locator("#applications")).to_contain_text("Shortlisted")
        page.locator("#applications select[name=status]").select_option("applied")
        page.locator("#applications button:has-text('Save the stage')").click()
        page.wait_for_url(f"{url}/solutions/pathways/*")
        expect(page.locator("#applications h3")).to_contain_text("Applied")
        assert page_width(page) <= width
        assert not errors, errors
