"""Issue 13 item 8 (and item 7's import page) in a real browser: the French header fits on one line at
1366 px and does not overflow at 390 px; the 403 page speaks of an expired form only when the CSRF
check failed; an import with defaults for the whole file and a full-name column, committed, links to
the households it registered. Runs on SQLite only (see tests/web/test_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.browser import page_width, sign_in, signed_in_page
from tests.web.test_browser import ARGS, CHROMIUM, served  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

PARTNER = (
    "HH ID,Name,Sex,DOB,Relationship\n"
    "F1,محمد بن علي الأحمد,M,1985,head\n"
    "F1,Fatima Al Zahra Hassan,F,1990,wife\n"
    "F2,Omar Haddad,M,1970,head\n"
)


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


def _nav_rows(page: Any) -> int:
    tops = page.evaluate(
        "() => [...document.querySelectorAll('.main-nav > ul > li')].map(li => li.offsetTop)"
    )
    return len(set(tops))


def test_french_header_fits_at_1366_and_390(served: str) -> None:  # noqa: F811
    with signed_in_page(served, "admin", locale="fr-FR") as (page, _):
        page.goto(f"{served}/locale/fr?next=/")
        assert page.locator("html").get_attribute("lang") == "fr"
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.main-nav > ul > li')].map(li => li.offsetWidth)"
        )
        assert _nav_rows(page) == 1, (sum(widths), widths)
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 140
        page.set_viewport_size({"width": 390, "height": 800})
        assert page_width(page) <= 390


def test_403_speaks_of_an_expired_form_only_when_the_csrf_check_failed(served: str) -> None:  # noqa: F811
    with signed_in_page(served, "clerk") as (page, _):
        visit = page.goto(f"{served}/audit")  # a clerk may not read the audit log
        assert visit is not None and visit.status == 403
        assert "permission" in page.inner_text("main") and "expired" not in page.inner_text("main")
        page.goto(f"{served}/search")
        page.evaluate("() => document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'x')")
        page.locator("form.logout-form button").click()  # a form whose token no longer matches
        page.wait_for_load_state()
        assert "form expired" in page.inner_text("main")


def test_import_with_defaults_and_a_full_name_column_links_to_its_households(
    served: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    csv = tmp_path / "partner.csv"
    csv.write_text(PARTNER, encoding="utf-8")
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            for width in (1366, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                sign_in(page, served, "clerk")
                page.goto(f"{served}/imports")
                page.set_input_files("input[type=file]", str(csv))
                page.fill("#f-source", f"partner-{width}")
                page.get_by_role("button", name="Upload and review the columns").click()
                page.wait_for_url(re.compile(r".*/mapping$"))
                expect(page.locator("#col-1")).to_have_value("full_name")  # "Name" → the full name
                page.select_option("#f-consent_given", "yes")
                page.select_option("#f-legal_basis", "consent")
                page.get_by_label("Registration", exact=True).check()
                assert page_width(page) <= width
                page.get_by_role("button", name="Read and check the rows").click()
                commit = page.get_by_role("button", name="Commit the import")
                commit.wait_for(timeout=30_000)
                commit.click()
                heading = page.get_by_role("heading", name=re.compile("Households registered by this import"))
                expect(heading).to_contain_text("(2)")
                page.locator(".created-households a").first.click()
                page.wait_for_url(re.compile(r".*/households/[0-9a-f-]{36}$"))
                page.close()
        finally:
            browser.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_the_more_menu_reads_light_on_the_dark_bar(served: str, width: int) -> None:  # noqa: F811
    """The menu's "More" is light text on the dark header: the page's card-like <details> style (a white
    box) had made it light on white, all but invisible. Enter opens it from the keyboard."""
    with signed_in_page(served, "admin", width=width) as (page, errors):
        page.goto(served)
        summary = page.locator(".main-nav .more summary")
        details = page.locator(".main-nav .more details")
        assert details.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
        assert details.evaluate("e => getComputedStyle(e).borderTopWidth") == "0px"
        header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert (
            header != "rgba(0, 0, 0, 0)"
            and summary.evaluate("e => getComputedStyle(e).color") == "rgb(220, 232, 245)"
        )
        summary.focus()
        page.keyboard.press("Enter")
        assert details.evaluate("e => e.open")
        assert page.locator(".main-nav .more ul a").first.is_visible()
        assert not errors, errors
