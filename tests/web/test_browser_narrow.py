"""The stylesheet at 390 px in a real browser: nothing widens the page past the screen. Found by walking
160 pages in four languages at 390 px (stop 27): a table scroller let its visually hidden labels (they
are positioned absolutely) stick out past the page (the case register: 511 px), a hint without spaces
(the indicators' CSV columns) widened its whole form grid (the distribution keys: 468 px), and the
dashboard's latest households in French overflowed unwrapped (406 px). A page built from the project's
own stylesheet with each of those shapes must not scroll sideways (each fails on the old stylesheet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.web.test_browser import ARGS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

STYLESHEET = Path(__file__).resolve().parents[2] / "src/refugio/web/static/css/refugio.css"

SHAPES = {
    "a table scroller with visually hidden labels": (
        '<div class="table-scroll"><table><thead><tr>'
        + "".join(f"<th>Column heading {i}</th>" for i in range(8))
        + "</tr></thead><tbody><tr>"
        + "".join(f"<td>value {i}</td>" for i in range(7))
        + '<td><form class="inline-form"><label class="visually-hidden" for="x">Assign a caseworker '
        'to this case</label><select id="x"><option>somebody</option></select></form></td></tr>'
        "</tbody></table></div>"
    ),
    "a form grid with a hint without spaces": (
        '<form class="register-form"><fieldset><legend>Parameters</legend><div class="grid">'
        '<div class="field"><label for="t">Total</label><input id="t" type="number"></div>'
        '<div class="field"><label for="c">Or paste indicators (CSV)</label><textarea id="c"></textarea>'
        '<p class="hint">country,population,gdp,unemployment_rate,asylum_per_million</p></div>'
        "</div></fieldset></form>"
    ),
}


def _page(body: str) -> str:
    css = STYLESHEET.read_text(encoding="utf-8")
    return (
        '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><style>{css}</style></head><body><main>{body}</main></body></html>'
    )


def _scroll_width(p: Any, body: str) -> int:
    browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
    try:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.set_content(_page(body))
        return int(page.evaluate("document.documentElement.scrollWidth"))
    finally:
        browser.close()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_nothing_widens_the_page_at_390(shape: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        assert _scroll_width(p, SHAPES[shape]) <= 390, shape


def test_the_dashboards_latest_households_scroll_inside_their_box() -> None:
    template = Path(__file__).resolve().parents[2] / "src/refugio/web/registration/templates/dashboard.html"
    text = template.read_text(encoding="utf-8")
    recent = text[text.index('id="recent"') :]
    assert recent.index('<div class="table-scroll"><table>') < recent.index("</table></div>")
