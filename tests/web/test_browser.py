"""A real browser (Debian's headless Chromium driven by Playwright) against the real application served
by uvicorn on 127.0.0.1: sign in, register a household of four through the form (its "Add member"
button fetching each new member block with HTMX), land on the household page, then find the household
by live search and open the person's page.

Runs on SQLite only. Cookies stay Secure (cookie_secure=True): Chromium treats http://127.0.0.1 as a
secure context and keeps Secure cookies there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser import ARGS, CHROMIUM, free_port, served_app, signed_in_page  # noqa: F401  (ARGS, free_port: other browser tests import them from here)
from tests.helpers import build_container
from tests.web.conftest import seed_web

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The application on SQLite, seeded, served by uvicorn in a background thread; yields its URL."""
    container = build_container(f"sqlite:///{tmp_path / 'browser.sqlite3'}", tmp_path / "data")
    assert container.settings.cookie_secure
    seed_web(container)
    with served_app(container) as url:
        yield url


MEMBERS = [
    {
        "relationship": "focal_point",
        "sex": "M",
        "given_name": "Tariq",
        "family_name": "Nasser",
        "given_name_original": "طارق",
        "family_name_original": "ناصر",
        "date_of_birth": "1981-03-09",
        "nationality": "SYR",
        "doc_number": "BR4455667",
        "doc_country": "SYR",
    },
    {
        "relationship": "spouse",
        "sex": "F",
        "given_name": "Huda",
        "family_name": "Nasser",
        "date_of_birth": "1985-07",
        "nationality": "SYR",
    },
    {
        "relationship": "son_daughter",
        "sex": "F",
        "given_name": "Salma",
        "family_name": "Nasser",
        "date_of_birth": "2012",
    },
    {
        "relationship": "son_daughter",
        "sex": "M",
        "given_name": "Karim",
        "family_name": "Nasser",
        "stated_age": "4",
    },
]


def test_register_a_household_of_four_and_find_it(served: str) -> None:
    from playwright.sync_api import expect

    with signed_in_page(served, "clerk", width=900, height=1200) as (page, errors):  # a tablet's width
        expect(page.locator("h1")).to_have_text("Dashboard")
        secure = [c for c in page.context.cookies() if c["name"] == "refugio_session"]
        assert secure and secure[0]["secure"] and secure[0]["httpOnly"]

        page.click("nav >> text=Register a household")
        expect(page.locator("h1")).to_have_text("Register a household")
        page.select_option("#f-country_of_origin", "SYR")
        page.fill("#f-arrival_date", "2026-11-10")
        page.fill("#f-address", "Block 4, Row 9")
        page.check("#f-consent_given")
        for i in range(1, len(MEMBERS)):
            page.click("#add-member")  # HTMX fetches the next member block
            expect(page.locator(f"#member-{i}")).to_be_visible()
        expect(page.locator(".member")).to_have_count(4)
        for i, member in enumerate(MEMBERS):
            for field, value in member.items():
                selector = f"#f-members-{i}-{field}"
                if field in ("relationship", "sex"):
                    page.select_option(selector, value)
                else:
                    page.fill(selector, value)
        page.click("button:has-text('Save the household')")

        page.wait_for_url(re.compile(r".*/households/[0-9a-f-]{36}.*"))
        expect(page.locator("h1")).to_contain_text("Household JOR-")
        expect(page.locator(".notice")).to_have_text("The household was registered.")
        members = page.locator("section[aria-labelledby=members] tbody tr")
        expect(members).to_have_count(4)
        expect(page.locator("text=طارق ناصر")).to_be_visible()

        page.click("nav >> text=Search")
        page.fill("#q", "nasser sal")  # live results, no submit
        expect(page.locator("#results table")).to_contain_text("Salma")
        expect(page.locator("#results tbody tr")).to_have_count(1)
        page.fill("#q", "طارق")
        expect(page.locator("#results table")).to_contain_text("Tariq")
        page.click("#results a:has-text('Tariq Nasser')")
        expect(page.locator("h1")).to_contain_text("Tariq Nasser")
        expect(page.locator("#documents")).to_contain_text("BR4455667")
        assert not errors, errors  # no CSP violations, no failed scripts


def test_the_form_works_without_javascript(served: str) -> None:
    """No JS: "Add member" posts the form back and gets one more block; the language select has a button."""
    from playwright.sync_api import expect

    with signed_in_page(served, "clerk", width=800, height=1100, java_script_enabled=False) as (page, _):
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(f"{served}/households/new")
        page.check("#f-consent_given")
        member = MEMBERS[0]
        for field, value in member.items():
            if field in ("relationship", "sex"):
                page.select_option(f"#f-members-0-{field}", value)
            else:
                page.fill(f"#f-members-0-{field}", value)
        page.click("#add-member")  # a plain submit: the page comes back with a second, empty block
        expect(page.locator(".member")).to_have_count(2)
        expect(page.locator("#f-members-0-given_name")).to_have_value("Tariq")
        page.select_option("#f-members-1-relationship", "spouse")
        page.select_option("#f-members-1-sex", "F")
        page.fill("#f-members-1-given_name", "Huda")
        page.fill("#f-members-1-family_name", "Nasser")
        page.fill("#f-members-1-date_of_birth", "2030-01-01")  # in the future: refused beside the field
        page.click("button:has-text('Save the household')")
        expect(page.locator("#f-members-1-date_of_birth-error")).to_contain_text("future")
        page.fill("#f-members-1-date_of_birth", "1985-07")
        page.click("button:has-text('Save the household')")
        page.wait_for_url(re.compile(r".*/households/[0-9a-f-]{36}.*"))
        expect(page.locator("section[aria-labelledby=members] tbody tr")).to_have_count(2)
        page.select_option("#language-select", "fr")
        page.click(".language-form button")
        expect(page.locator("h2#members")).to_have_text("Membres")


@pytest.mark.parametrize("width", [1366, 390])
def test_enter_in_a_field_never_removes_the_focal_point(served: str, width: int) -> None:
    """Enter submits through the form's first submit button: it used to be member 1's "Remove this
    member", so the focal point vanished without a word. Now Enter saves (here: errors come back)."""
    from playwright.sync_api import expect

    with signed_in_page(served, "clerk", width=width) as (page, _):
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(f"{served}/households/new")
        page.click("#add-member")
        expect(page.locator(".member")).to_have_count(2)
        page.fill("#f-members-0-given_name", "Amal")
        page.press("#f-members-0-given_name", "Enter")
        expect(page.locator("#error-summary")).to_be_visible()  # saved: the sex is missing
        expect(page.locator("#f-members-0-given_name")).to_have_value("Amal")
        expect(page.locator("#f-members-0-relationship")).to_have_value("focal_point")
        expect(page.locator("#f-members-0-sex-error")).to_be_visible()


def test_every_error_of_the_form_in_one_submit(served: str) -> None:
    """Missing sex, a birth in 2030, nationality XYZ, language "arabic", phone "abc", arrival next year:
    all six beside their fields after ONE submit (they used to come over three rounds)."""
    from playwright.sync_api import expect

    with signed_in_page(served, "clerk") as (page, _):
        expect(page.locator("h1")).to_have_text("Dashboard")
        page.goto(f"{served}/households/new")
        expect(page.locator("#f-consent_given")).to_have_attribute("aria-required", "true")
        expect(page.locator("#f-members-0-sex")).to_have_attribute("aria-required", "true")
        page.check("#f-consent_given")
        page.fill("#f-arrival_date", f"{time.gmtime().tm_year + 1}-03-01")
        page.fill("#f-members-0-given_name", "Amal")
        page.fill("#f-members-0-date_of_birth", "2030-05-01")
        page.fill("#f-members-0-nationality", "XYZ")
        page.fill("#f-members-0-languages", "arabic")
        page.fill("#f-members-0-phone", "abc")
        page.click("button:visible:has-text('Save the household')")
        expect(page.locator("#error-summary")).to_be_visible()
        expected = {
            "f-members-0-sex": "This field is required.",
            "f-members-0-date_of_birth": "Date of birth cannot be in the future.",
            "f-members-0-nationality": "Unknown country code",
            "f-members-0-languages": "Unknown language code",
            "f-members-0-phone": "Not a phone number",
            "f-arrival_date": "Arrival date cannot be in the future.",
        }
        for field, words in expected.items():
            expect(page.locator(f"#{field}-error")).to_contain_text(words)
            expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
