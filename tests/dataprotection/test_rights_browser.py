"""Recording a data subject request in a real browser (headless Chromium) at 390 px: nothing wider
than the screen, the form submitted with Enter from the keyboard, errors beside their fields, then the
request's page with its deadline and its first step."""

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
    amira: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    container = build_container(f"sqlite:///{tmp_path / 'dsr.sqlite3'}", tmp_path / "data")
    past = build_past(container)
    with unit_of_work(container.sessions) as s:
        amira = s.scalar(select(Individual.ref).where(Individual.id == past.world.woman_id))
    assert amira is not None
    with served_app(container) as url:
        yield Site(url, amira)


def test_a_request_is_recorded_from_the_keyboard_at_390px(site: Site) -> None:
    from playwright.sync_api import expect

    with signed_in_page(site.url, "dpo", width=390, height=844) as (page, errors):
        page.goto(f"{site.url}/dataprotection/requests")
        expect(page.locator("h1")).to_have_text("Data subject requests")
        assert fits(page)
        page.click("a:has-text('Record a request')")
        expect(page.locator("h1")).to_have_text("Record a request")
        assert fits(page)

        page.select_option("#f-kind", "correction")
        page.select_option("#f-requester", "representative")
        page.focus("#f-ref")
        page.keyboard.press("Enter")  # nothing filled: every error at once, beside its field
        expect(page.locator("#f-ref-error")).to_be_visible()
        expect(page.locator("#f-requester_name-error")).to_be_visible()
        expect(page.locator("#f-changes-error")).to_be_visible()
        assert fits(page)

        page.select_option("#f-kind", "access")
        page.select_option("#f-requester", "data_subject")
        page.select_option("#f-language", "ar")
        page.fill("#f-ref", site.amira)
        page.press("#f-ref", "Enter")
        expect(page.locator(".notice")).to_have_text("Done.")
        expect(page.locator("h1")).to_contain_text("Access · DSR-")
        expect(page.locator("dl.facts")).to_contain_text(site.amira)
        expect(page.locator("ol.steps li")).to_have_count(1)
        assert fits(page)

        page.fill("#f-evidence", "UNHCR card seen at the desk")
        page.click("button:has-text('Identity verified')")
        expect(page.locator("dl.facts")).to_contain_text("UNHCR card seen at the desk")
        with page.expect_download() as download:
            page.click("button:has-text('Download the report (PDF)')")
        assert download.value.suggested_filename.endswith(".pdf")
        assert [e for e in errors if "422" not in e] == []
