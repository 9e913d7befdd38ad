"""Every page a user reaches by following links, in a real browser at 390 px: the demo operation built
(`refugio demo`'s own builder, a small registry), then, for an administrator, an RSD supervisor, a
registration clerk and a protection officer, the pages their links lead to (breadth first from the
dashboard, at most PAGES each; downloads, the API and sign-out left aside). None may answer an error, log
a console error (a script or style the CSP refused, a missing file) or be wider than the screen. Two of
each kind of page are visited (ids, references and dates stand for one kind), so the budget reaches far.
On the main of stop 28 it fails: the register linked RSD supervisors to claim files they may not read
(403), and the distribution report's inline styles were refused by the CSP. SQLite only."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from tests.browser import ARGS, page_width, served_app, sign_in
from tests.helpers import build_container
from tests.web.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

PAGES = 90
# the parts of a path that name one record: ids, references, dates, numbers
SHAPE = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[A-Z]{2,4}(-[A-Z0-9]+)+|\d{4}-\d{2}-\d{2}|\d+")
SKIP = ("/logout", "/static", "/api", "/locale", "/openrosa", "/verify")
FILES = (
    ".csv",
    ".pdf",
    ".xlsx",
    ".png",
    ".svg",
    ".json",
    ".xml",
    ".zip",
    ".geojson",
    ".hxl",
    ".hapi",
    ".txt",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    from refugio.cli import demo_data

    tmp = tmp_path_factory.mktemp("crawl")
    container = build_container(f"sqlite:///{tmp / 'demo.sqlite3'}", tmp / "data")
    logins = demo_data.ensure_demo(container, households=60, seed=3, echo=lambda _m: None)
    with served_app(container) as url:
        yield url, {login["username"]: login["password"] for login in logins}


def _links(page: Any, base: str, here: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        address = urlparse(urljoin(base + here, href))
        if address.netloc != urlparse(base).netloc or address.path.startswith(SKIP):
            continue
        if address.path.endswith(FILES) or "download" in address.path or "export" in address.path:
            continue
        found.append(address.path + (f"?{address.query}" if address.query else ""))
    return found


def _crawl(page: Any, url: str, errors: list[str], problems: list[str]) -> set[str]:
    """Breadth first from the dashboard, at most PAGES pages; what is wrong with each goes to `problems`."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[str] = deque(["/"])
    while queue and len(seen) < PAGES:
        here = queue.popleft()
        shape = SHAPE.sub("{}", here.split("?")[0]) + ("?" if "?" in here else "")
        if here in seen or shapes.get(shape, 0) >= 2:
            continue  # two of each kind of page (a person, a claim, a list's filters): more pages' kinds
        shapes[shape] = shapes.get(shape, 0) + 1
        seen.add(here)
        errors.clear()
        answer = page.goto(url + here)
        status = answer.status if answer else 0
        if status >= 400:
            problems.append(f"{here}: HTTP {status}")
        elif errors:
            problems.append(f"{here}: {errors[:2]}")
        elif page_width(page) > 390:
            problems.append(f"{here}: {page_width(page)} px wide")
        if answer and "text/html" in answer.headers.get("content-type", ""):
            queue.extend(link for link in _links(page, url, here) if link not in seen)
    return seen


@pytest.mark.parametrize("username", ["admin", "rsdsup", "clerk", "protection"])
def test_every_page_a_user_reaches_answers_without_error_at_390(
    demo: tuple[str, dict[str, str]], username: str
) -> None:
    url, passwords = demo
    problems: list[str] = []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(page, url, username, passwords[username])  # the demo's own passwords
            seen = _crawl(page, url, errors, problems)
        finally:
            browser.close()
    assert len(seen) >= min(PAGES, 8), seen
    assert not problems, "\n".join(problems)
