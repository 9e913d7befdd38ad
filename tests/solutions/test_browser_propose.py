"""A real browser (Debian's headless Chromium driven by Playwright) at 390 px on the matching runs page:
a run proposed from three uploaded files, first refused with the wrong line named beside the form and
the title kept (the refusal is the only console error: a 422), then proposed and its page shown; no
page wider than the screen.
SQLite only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.browser import page_width, signed_in_page

from .conftest import World
from .test_browser_notices import CHROMIUM, served  # noqa: F401
from .test_web_propose import CASES, LOCALITIES, SCORES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


def test_propose_a_run_at_390_px(served: tuple[str, World], tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    url, _world = served
    files = {}
    for name, text in (
        ("CASES.csv", CASES),
        ("LOCALITIES.csv", LOCALITIES),
        ("SCORES.csv", SCORES),
        ("BAD.csv", SCORES + "C9,L0,0.3\n"),
    ):
        files[name] = tmp_path / name
        files[name].write_text(text, encoding="utf-8")
    with signed_in_page(url, "resettler", width=390, timeout=30_000) as (page, errors):
        page.goto(f"{url}/solutions/matching")
        expect(page.locator("#propose-h")).to_have_text("Propose a matching run")
        page.fill("#m-title", "Autumn quota")
        page.fill("#m-time", "5")
        page.set_input_files("#m-cases", str(files["CASES.csv"]))
        page.set_input_files("#m-locs", str(files["LOCALITIES.csv"]))
        page.set_input_files("#m-scores", str(files["BAD.csv"]))
        page.click("button:has-text('Propose')")
        expect(page.locator("#propose-errors")).to_contain_text("SCORES.csv line 7: unknown case 'C9'")
        expect(page.locator("#m-title")).to_have_value("Autumn quota")
        assert page_width(page) <= 390
        page.set_input_files("#m-cases", str(files["CASES.csv"]))
        page.set_input_files("#m-locs", str(files["LOCALITIES.csv"]))
        page.set_input_files("#m-scores", str(files["SCORES.csv"]))
        page.click("button:has-text('Propose')")
        page.wait_for_url(f"{url}/solutions/matching/*")
        expect(page.locator("body")).to_contain_text("Autumn quota")
        assert page_width(page) <= 390
        assert errors == [
            "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
        ]
