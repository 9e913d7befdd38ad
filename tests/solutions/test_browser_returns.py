"""A real browser (Debian's headless Chromium driven by Playwright) at 390 px on voluntary return: a
partial return registered with the keyboard (refused first, the error beside the field), its page, the
departure, and a go-and-see visit planned; no console error, no page wider than the screen. SQLite
only."""

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


def test_returns_in_a_browser_at_390_px(served: tuple[str, World]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from refugio.core import clock
    from refugio.registration.models import Household, Individual
    from refugio.store.uow import unit_of_work

    url, world = served
    width = 390
    with unit_of_work(world.container.sessions) as s:
        hh = s.get(Household, world.haddad)
        people = [s.get(Individual, i) for i in world.haddad_people]
        assert hh is not None
        hh_ref, refs = hh.ref, [p.ref for p in people if p is not None]
    with signed_in_page(url, "resettler", width=width, timeout=20_000) as (page, errors):
        page.goto(f"{url}/solutions/returns")
        assert page_width(page) <= width
        page.fill("#r-hh", hh_ref)
        page.fill("#r-members", refs[0])
        page.fill("#r-date", clock.today().isoformat())
        page.fill("#r-dest", "SYR")
        page.fill("#r-area", "Daraa")
        page.press("#r-area", "Enter")
        expect(page.locator("#e-register-new_focal_point_id")).to_be_visible()
        assert page_width(page) <= width
        page.fill("#r-focal", refs[1])
        page.press("#r-focal", "Enter")
        page.wait_for_url(f"{url}/solutions/returns/*")
        expect(page.locator("#returnees")).to_contain_text(refs[0])
        assert page_width(page) <= width
        page.locator("button:has-text('Record the departure')").click()
        page.wait_for_url(f"{url}/solutions/returns/*")
        expect(page.locator("h1")).to_contain_text("Departed")
        expect(page.locator("#m-income_sources")).to_be_visible()
        assert page_width(page) <= width
        page.goto(f"{url}/solutions/returns/visits")
        page.fill("#p-dest", "SYR")
        page.fill("#p-area", "Daraa")
        page.fill("#p-on", clock.today().isoformat())
        page.fill("#p-people", refs[2])
        page.press("#p-people", "Enter")
        page.wait_for_url(f"{url}/solutions/returns/visits")
        expect(page.locator("#visits")).to_contain_text(refs[2])
        assert page_width(page) <= width
        # the one refusal on purpose answers 422, which Chromium logs; nothing else may fail
        assert [e for e in errors if "status of 422" not in e] == [], errors
        assert len(errors) <= 1, errors
