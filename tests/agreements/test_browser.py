"""The consent page and the agreements page in a real browser (Debian's headless Chromium driven by
Playwright) at 1366 and 390 px: a data protection officer records an agreement with the keyboard (Enter
submits), a wrong form comes back with its errors beside the fields, nothing scrolls sideways; a clerk
withdraws a person's consent for tracing and sees who recorded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser import page_width, served_app, sign_in, signed_in_page
from tests.helpers import PASSWORD, build_container, household_payload
from tests.web.conftest import seed_web
from tests.web.test_browser import CHROMIUM

from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    tmp = tmp_path_factory.mktemp("agreements")
    container = build_container(f"sqlite:///{tmp / 'agreements.sqlite3'}", tmp / "data")
    seed = seed_web(container)
    with unit_of_work(container.sessions) as s:
        user = sec.create_user(s, actor=SYSTEM, username="dpo", full_name="DPO", password=PASSWORD)
        sec.grant_role(
            s, actor=SYSTEM, user=user, role=Role.DATA_PROTECTION_OFFICER, operation_id=seed.operation_id
        )
        hh = reg.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(household_payload(seed.camp_id, members=2))
        )
        person_id = sorted(hh.members, key=lambda m: m.ref)[0].id
    with served_app(container) as url:
        yield url, person_id


def _no_sideways_scroll(page: Any, width: int) -> None:
    assert page_width(page) <= width


@pytest.mark.parametrize("width", [1366, 390])
def test_agreements_and_consent_pages(served: tuple[str, Any], width: int) -> None:
    from playwright.sync_api import expect

    url, person_id = served
    partner = f"Partner {width}"
    with signed_in_page(url, "dpo", width=width) as (page, _):
        page.goto(f"{url}/agreements")
        expect(page.locator("h1")).to_have_text("Data-sharing agreements")
        _no_sideways_scroll(page, width)
        # a wrong form: no partner, no field ticked -> both errors beside their fields, one round
        page.select_option("#f-rec-purpose", "assistance")
        page.select_option("#f-rec-legal_basis", "public_interest")
        page.fill("#f-rec-retention_days", "60")
        page.fill("#f-rec-valid_until", (dt.date.today() + dt.timedelta(days=90)).isoformat())
        page.press("#f-rec-retention_days", "Enter")
        expect(page.locator("#f-rec-partner-error")).to_be_visible()
        expect(page.locator("#f-rec-fields-error")).to_be_visible()
        _no_sideways_scroll(page, width)
        # the same form, completed with the keyboard
        page.fill("#f-rec-partner", partner)
        page.check("#f-rec-registration_number-fields")
        page.check("#f-rec-status-fields")
        page.fill("#f-rec-valid_until", (dt.date.today() + dt.timedelta(days=90)).isoformat())
        page.press("#f-rec-partner", "Enter")
        expect(page.locator(".notice")).to_have_text("The agreement was recorded.")
        expect(page.locator("tbody")).to_contain_text(partner)
        _no_sideways_scroll(page, width)

        sign_in(page, url, "clerk")
        page.goto(f"{url}/people/{person_id}")
        page.click("a:has-text('Consent')")
        expect(page.locator("h1")).to_contain_text("Consent")
        _no_sideways_scroll(page, width)
        page.select_option("#f-consent-purpose", "tracing")
        page.select_option("#f-consent-given", "no")
        page.fill("#f-consent-reason", f"asked at {width}")
        page.press("#f-consent-reason", "Enter")
        expect(page.locator(".notice")).to_have_text("Consent was withdrawn.")
        expect(page.locator("#history-h + ul")).to_contain_text(
            f"clerk: consent for tracing withdrawn: asked at {width}"
        )
        _no_sideways_scroll(page, width)
        # and given back, so that the other width starts from the same state
        page.select_option("#f-consent-purpose", "tracing")
        page.select_option("#f-consent-given", "yes")
        page.press("#f-consent-reason", "Enter")
        expect(page.locator(".notice")).to_have_text("Consent was recorded.")
