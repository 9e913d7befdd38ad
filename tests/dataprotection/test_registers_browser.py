"""The breach register in a real browser (headless Chromium) at 390 px: nothing wider than the screen,
a breach recorded from the keyboard (Enter in a field; the errors beside their fields in one round),
the people affected found from the audit log, and the DPIA register's page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.browser import fits, served_app, signed_in_page
from tests.dataprotection.registers_world import build_registers_world
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

from refugio.dataprotection.dpia_seed import seed_activities
from refugio.registration import queries as reg_queries
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@dataclass
class Site:
    url: str
    read: str  # the reference of the person `imo` read


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    container = build_container(f"sqlite:///{tmp_path / 'dpr.sqlite3'}", tmp_path / "data")
    world = build_registers_world(container)
    with unit_of_work(container.sessions) as s:
        reg_queries.individual_read(s, actor=world.who("imo"), key=world.woman_id)
        seed_activities(s, actor=world.who("dpo"))
        ref = s.scalar(select(Individual.ref).where(Individual.id == world.woman_id))
    assert ref is not None
    with served_app(container) as url:
        yield Site(url, ref)


def test_a_breach_from_the_keyboard_at_390_px(site: Site) -> None:
    from playwright.sync_api import expect

    with signed_in_page(site.url, "dpo", width=390, height=844) as (page, errors):
        page.goto(f"{site.url}/dataprotection/breaches")
        expect(page.locator("h1")).to_have_text("Breach register")
        assert fits(page)

        page.click("summary:has-text('Record a breach')")
        page.focus("#f-title")
        page.keyboard.press("Enter")  # nothing filled: every error at once, beside its field
        expect(page.locator("#f-title-error")).to_be_visible()
        expect(page.locator("#f-description-error")).to_be_visible()
        assert fits(page)
        page.fill("#f-title", "Phishing of the imo account")
        page.fill("#f-description", "The imo password was given away in a phishing mail.")
        page.select_option("#f-severity", "high")
        page.press("#f-title", "Enter")
        expect(page.locator("h1")).to_contain_text("Phishing of the imo account")
        expect(page.locator(".notice")).to_have_text("Saved.")

        page.fill("#f-actor", "imo")
        page.press("#f-actor", "Enter")
        expect(page.locator("#affected + p")).to_contain_text("1 people found from 1 audit entries")
        page.click("summary:has-text('References')")
        expect(page.locator("td", has_text=site.read)).to_be_visible()
        assert fits(page)

        page.goto(f"{site.url}/dataprotection/dpia")
        expect(page.locator("h1")).to_have_text("Processing activities and impact assessments")
        assert fits(page)
        assert [e for e in errors if "422" not in e] == []  # the refused form's answer only
