"""The opening every browser test shares: Debian's headless Chromium (driven by Playwright) launched
once, a page of a given width, a default timeout, console and page errors collected, and the user signed
in through the real sign-in form.

    with signed_in_page(url, "clerk", width=390) as (page, errors):
        page.goto(f"{url}/households/new")
        ...
        assert errors == []

`sign_in(page, url, username)` signs another user in on the same page (the cookies are cleared first).
`served_app(container)` serves the application of a container with uvicorn in a background thread and
yields its URL (the fixtures that seed a database and serve it use it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from tests.helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_app(container: Any, *, startup: float = 20) -> Iterator[str]:
    """The web application of `container` served by uvicorn on a free local port in a background
    thread; yields its URL. On leaving, the server stops and the container's engine is disposed."""
    import uvicorn
    from tests.web.conftest import make_app

    port = free_port()
    config = uvicorn.Config(
        make_app(container),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.engine.dispose()


def page_width(page: Any) -> int:
    """The page's laid-out width in CSS pixels, read once the page has loaded. A click that navigates
    returns before the stylesheet has arrived, and a width read then is an unstyled page's (a table
    at its natural width, 600 px at 390): the check would fail on a slow machine, not on the page."""
    page.wait_for_load_state("load")
    return int(page.evaluate("document.documentElement.scrollWidth"))


def fits(page: Any) -> bool:
    """Whether the loaded page is no wider than its window (no sideways scroll); see `page_width`."""
    return page_width(page) <= int(page.evaluate("document.documentElement.clientWidth"))


class SignedIn(NamedTuple):
    page: Any  # playwright.sync_api.Page (imported lazily: Playwright is needed by browser tests only)
    errors: list[str]  # console errors and uncaught exceptions of the page, in order


def sign_in(page: Any, url: str, username: str, password: str = PASSWORD) -> None:
    """Sign `username` in through the form at /login; returns once the browser has left the form."""
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")  # the button's label depends on the language of the page
    page.wait_for_url(lambda address: "/login" not in address)


@contextmanager
def signed_in_page(
    url: str,
    username: str,
    *,
    width: int = 1366,
    height: int = 900,
    timeout: int = 15_000,
    **context: Any,
) -> Iterator[SignedIn]:
    """A page `width` pixels wide with `username` signed in at `url` (the browser is closed after).
    Extra keywords go to the browser context (locale, java_script_enabled…)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": width, "height": height}, **context).new_page()
            page.set_default_timeout(timeout)
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(page, url, username)
            yield SignedIn(page, errors)
        finally:
            browser.close()
