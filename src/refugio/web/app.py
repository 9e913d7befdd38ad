"""The outer ASGI application: web pages, static files, htmx, error pages and the app-wide middlewares.

`build_web_app(container)` returns the FastAPI app on which `refugio.api.app.mount_api` then adds
/api/v1. htmx is served at /static/vendor/htmx.min.js from `settings.htmx_path`, or from
`node_modules/htmx.org/dist/htmx.min.js` of the source checkout (installed by `npm ci`); without it
the pages still work as plain forms. Must not import refugio.api or refugio.cli; refugio.main only
for typing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from refugio.web import errors, middleware, protection, tracing
from refugio.web.agreements import pages as agreements_pages
from refugio.web.assistance import archive as assistance_archive
from refugio.web.assistance import complaints as assistance_complaints
from refugio.web.assistance import desk as assistance_desk
from refugio.web.assistance import pages as assistance_pages
from refugio.web.assistance import reports as assistance_reports
from refugio.web.context import WebState, state_of
from refugio.web.dataprotection import pages as dataprotection_pages
from refugio.web.dedup import pages as dedup
from refugio.web.dpregisters import breaches as breach_pages
from refugio.web.dpregisters import dpia as dpia_pages
from refugio.web.intake import pages as intake
from refugio.web.registration import (
    browse,
    consent,
    dashboard,
    desk,
    households,
    people,
    search,
    verify,
)
from refugio.web.rendering import Renderer
from refugio.web.retry import RetryStaleReads
from refugio.web.rights import pages as rights_pages
from refugio.web.security import audit, auth
from refugio.web.sharing import pages as sharing_pages
from refugio.web.solutions import pages as solutions_pages
from refugio.web.stats import imports as stats_imports
from refugio.web.stats import pages as stats
from refugio.web.tracking import pages as tracking_pages

if TYPE_CHECKING:
    from refugio.main import Container

STATIC_DIR = Path(__file__).parent / "static"
HTMX_RELATIVE = Path("node_modules") / "htmx.org" / "dist" / "htmx.min.js"
log = logging.getLogger(__name__)


def default_htmx_path() -> Path | None:
    """htmx of the source checkout: the repository root is the first parent holding package.json."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "package.json").is_file():
            candidate = parent / HTMX_RELATIVE
            return candidate if candidate.is_file() else None
    return None


def build_web_app(container: Container) -> FastAPI:
    """The outer application with the web UI mounted; the API is added by refugio.api.app.mount_api."""
    settings = container.settings
    htmx = settings.htmx_path or default_htmx_path()
    if htmx is None or not Path(htmx).is_file():
        log.warning("htmx not found (run `npm ci`, or set REFUGIO_HTMX_PATH); pages work without it")
        htmx = None
    app = FastAPI(title="refugio", openapi_url=None, docs_url=None, redoc_url=None)
    web = WebState(container, Renderer(), Path(htmx) if htmx else None)
    app.state.refugio_web = web

    @app.get("/static/vendor/htmx.min.js", include_in_schema=False)
    def htmx_js(request: Request) -> Response:
        path = state_of(request).htmx_path
        if path is None:
            return Response("/* htmx is not installed */", status_code=404, media_type="text/javascript")
        return FileResponse(path, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, browse, dashboard, desk, households, people, consent, search, verify, audit):
        app.include_router(module.router)
    app.include_router(stats_imports.router)  # before stats: /stats/global/import is no year
    app.include_router(stats.router)
    app.include_router(intake.router)
    app.include_router(dedup.router)
    app.include_router(protection.router)
    app.include_router(tracing.router)
    app.include_router(sharing_pages.router)
    app.include_router(tracking_pages.router)
    app.include_router(assistance_pages.router)
    app.include_router(assistance_archive.router)
    app.include_router(assistance_desk.router)
    app.include_router(assistance_complaints.router)
    app.include_router(assistance_reports.router)
    app.include_router(solutions_pages.router)
    app.include_router(dataprotection_pages.router)
    app.include_router(breach_pages.router)
    app.include_router(dpia_pages.router)
    app.include_router(rights_pages.router)
    app.include_router(agreements_pages.router)
    errors.install(app)
    app.add_middleware(RetryStaleReads)  # inside the log, headers and body limit: one answer each
    middleware.install(
        app,
        max_bytes=settings.max_request_bytes,
        max_import_bytes=settings.max_import_bytes,
        hsts=settings.cookie_secure,
        html_error=errors.html_error_body(web),
    )
    return app
