"""Headless Chromium on the collection pages of tracking, at 1366 and 390 px: recording flow counts with
the keyboard (Enter; every error beside its field in one round), publishing the flow survey form, and
uploading location assessments — no horizontal scrolling of the page, no console error. SQLite only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.browser import fits, signed_in_page
from tests.tracking.test_assessments import GOOD, HEADER
from tests.tracking.test_browser import pytestmark as browser_marks
from tests.tracking.test_browser import served  # noqa: F401  (the fixture)

pytestmark = browser_marks


@pytest.mark.parametrize("width", [1366, 390])
def test_counts_survey_form_and_assessments(served: str, width: int, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    upload = tmp_path / "msla.csv"
    upload.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    with signed_in_page(served, "imo", width=width, timeout=20_000) as (page, errors):
        page.goto(f"{served}/tracking/flows")
        page.click("#record-counts summary")
        page.fill("#f-rc-nationality", "Syria")
        page.fill("#f-rc-count", "-3")
        page.press("#f-rc-count", "Enter")
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#f-rc-count-error")).to_be_visible()
        expect(page.locator("#f-rc-nationality-error")).to_be_visible()
        assert fits(page)
        page.fill("#f-rc-nationality", "SYR")
        page.fill("#f-rc-count", "12")
        page.press("#f-rc-count", "Enter")
        expect(page.locator("#error-summary")).to_have_count(0)
        expect(page.locator("h1")).to_have_text("Flow monitoring")
        page.click("button:has-text('Publish on the OpenRosa form list')")
        expect(page.locator("body")).to_contain_text("is on the OpenRosa form list")
        assert fits(page)

        page.goto(f"{served}/tracking/assessments")
        page.click("details summary:has-text('Upload assessments')")
        page.set_input_files("#f-file", str(upload))
        page.focus("button:has-text('Import')")
        page.keyboard.press("Enter")
        expect(page.locator("#sector-needs")).to_be_visible()
        expect(page.locator("#assessments")).to_contain_text("duplicate, not counted")
        expect(page.locator("figure.tracking-chart svg")).to_be_visible()
        assert fits(page)
        # the refused form on purpose answers 422, which Chromium logs; nothing else may fail
        assert [e for e in errors if "status of 422" not in e] == [], errors
