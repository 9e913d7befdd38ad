"""Imports over the REST API, at /api/v1/imports (its own small application, mounted ahead of /api/v1:
the upload is multipart, which the JSON-only guard of /api/v1 refuses), and `mount_intake`, which
also mounts the OpenRosa server at /openrosa.

    POST /api/v1/imports                  multipart: file, site_id, [source], [mapping (YAML or JSON)]
                                          → 202, staging and validation run in the background
    GET  /api/v1/imports                  imports the caller may see, newest first
    GET  /api/v1/imports/{id}             status, progress, counts, warnings
    GET  /api/v1/imports/{id}/rows        rows with their status and errors (?status=invalid)
    GET  /api/v1/imports/{id}/report.xlsx the validation report, errors beside the data
    POST /api/v1/imports/{id}/commit      register the valid households (one transaction)
    POST /api/v1/imports/{id}/refuse      {"reason": …}: nothing reaches the registry
    POST /api/v1/imports/{id}/close       stop collecting OpenRosa submissions; check for review

Bearer token as for /api/v1; errors are problem+json. Uploads are also bound by the app-wide request
size limit (REFUGIO_MAX_REQUEST_BYTES).

The routes are in `imports.py`, the OpenRosa server in `openrosa.py`; they render the read models of
refugio.intake.queries and never import refugio.intake's models or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from refugio.api import problems
from refugio.api.guard import is_json
from refugio.api.intake.imports import PREFIX, router
from refugio.api.intake.openrosa import mount_openrosa

if TYPE_CHECKING:
    from refugio.main import Container

MAX_JSON_BYTES = 256 * 1024


class _IntakeGuard:
    """The /api/v1 guard's rules for this application: multipart for the upload, JSON elsewhere, small
    JSON bodies, `no-store` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        ctype = headers.get("content-type", "")
        method = scope["method"]
        path = scope.get("path", "").rstrip("/")
        upload_path = path.endswith("/imports") or path == ""
        has_body = headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers
        if method in ("POST", "PUT", "PATCH") and has_body:
            if upload_path and method == "POST":
                if not ctype.startswith("multipart/form-data"):
                    await problems.problem_response(
                        415,
                        "upload the file as multipart/form-data (field 'file')",
                        slug="unsupported-media-type",
                    )(scope, receive, send)
                    return
            else:
                if not is_json(ctype):
                    await problems.problem_response(
                        415, "send the request body as application/json", slug="unsupported-media-type"
                    )(scope, receive, send)
                    return
                if int(headers.get("content-length", "0") or 0) > MAX_JSON_BYTES:
                    await problems.problem_response(
                        413, "the request body is too large", slug="content-too-large"
                    )(scope, receive, send)
                    return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                raw += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, no_store)


def build_intake_api(container: Container) -> FastAPI:
    api = FastAPI(
        title="refugio imports API",
        version="1",
        description=(__doc__ or "").split("\n\n", 1)[0],
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.container = container
    problems.install(api)
    api.add_middleware(_IntakeGuard)
    api.include_router(router)
    api.state.api_routes = list(router.routes)
    return api


class _Exact:
    """`/api/v1/imports` without the trailing slash, served as `/api/v1/imports/` (no redirect)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "path": scope["path"] + "/", "root_path": str(scope.get("root_path", "")) + PREFIX}
        await self.app(scope, receive, send)


def mount_intake(app: FastAPI, container: Container) -> None:
    """Mount /api/v1/imports and /openrosa on `app`, ahead of /api/v1 and the web pages."""
    api = build_intake_api(container)
    app.router.routes.insert(0, Mount(PREFIX, app=api, name="imports"))
    app.router.routes.insert(0, Route(PREFIX, endpoint=_Exact(api), name="imports-root"))
    mount_openrosa(app, container)


__all__ = ["PREFIX", "build_intake_api", "mount_intake", "router"]
