"""The data protection page in a real browser (headless Chromium) at 1366 px and 390 px: nothing wider
than the screen, a legal hold placed from the keyboard (Enter in a field; all errors beside their fields
in one round), a dry run and a run whose report lists the record kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.browser import fits, served_app, signed_in_page
from tests.dataprotection.conftest import build_past
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

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
    omar: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    container = build_container(f"sqlite:///{tmp_path / 'dp.sqlite3'}", tmp_path / "data")
    past = build_past(container)
    with unit_of_work(container.sessions) as s:
        omar = s.scalar(select(Individual.ref).where(Individual.id == past.world.child_id))
    assert omar is not None
    with served_app(container) as url:
        yield Site(url, omar)


@pytest.mark.parametrize("width", [1366, 390])
def test_holds_and_runs_from_the_keyboard(site: Site, width: int) -> None:
    from playwright.sync_api import expect

    with signed_in_page(site.url, "dpo", width=width) as (page, errors):
        page.goto(f"{site.url}/dataprotection/retention")
        expect(page.locator("h1")).to_have_text("Retention rules")
        assert fits(page)

        page.click("summary:has-text('Place a legal hold')")
        page.focus("#f-ref")
        page.keyboard.press("Enter")  # nothing filled: every error at once, beside its field
        expect(page.locator("#f-ref-error")).to_be_visible()
        expect(page.locator("#f-reason-error")).to_be_visible()
        page.fill("#f-ref", site.omar)
        page.fill("#f-reason", "court order 3/2026")
        page.press("#f-ref", "Enter")
        expect(page.locator(".notice")).to_have_text("The legal hold was placed.")

        page.click("button:has-text('Run the rules now')")  # the dry run box is ticked
        expect(page.locator(".notice")).to_contain_text("nothing was changed")
        page.uncheck("#f-dry_run")
        page.click("button:has-text('Run the rules now')")
        expect(page.locator(".notice")).to_have_text("The rules were run.")
        expect(page.locator("#runs + section")).to_contain_text(f"{site.omar} ({site.omar})")
        assert fits(page)
        assert [e for e in errors if "422" not in e] == []  # the refused form's answer only
