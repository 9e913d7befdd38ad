"""App-wide ASGI middlewares of the outer application (web UI and REST API alike):

- `AccessLogMiddleware`: one log line per request (method, the ROUTE TEMPLATE such as
  `/households/{ref}` — never the path, which holds registration numbers and names —, status, size,
  duration); never bodies, query strings, cookies or client addresses, so no personal data in logs, and
  no forged lines (control characters are escaped).
- `SecurityHeadersMiddleware`: CSP and the other security headers on every response, `no-store`
  outside /static, HSTS when cookies are Secure; answers an unhandled exception with a 500 page
  (problem+json under /api) that still carries the headers.
- `BodyLimitMiddleware`: refuses request bodies over `max_request_bytes` with 413, by Content-Length
  up front or by counting the bytes as they arrive (problem+json under /api, an HTML page elsewhere);
  the routes that receive import files (`IMPORT_UPLOADS`) take up to `max_import_bytes`.

Plain ASGI (no BaseHTTPMiddleware), so streaming and background tasks are unaffected. Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("refugio.access")
error_log = logging.getLogger("refugio.web.errors")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"
HSTS = "max-age=63072000; includeSubDomains"

# (scope, status, title, detail) → (content type, body)
ErrorBody = Callable[[Scope, int, str, str], tuple[str, bytes]]


def is_api(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path == "/api" or path.startswith("/api/")


def problem_body(status: int, title: str, detail: str) -> tuple[str, bytes]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return "application/problem+json", json.dumps(body).encode()


async def send_error(
    send: Send,
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    html: ErrorBody,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    content_type, body = (
        problem_body(status, title, detail) if is_api(scope) else html(scope, status, title, detail)
    )
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status, size = 0, 0

        async def logging_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            access_log.info(
                "%s %s %s %dB %.1fms",
                _printable(str(scope.get("method", "-"))),
                route_template(scope),
                status or 500,
                size,
                (time.perf_counter() - start) * 1000,
            )


def log_unexpected(scope: Scope) -> None:
    """Log the exception being handled with its type and traceback but WITHOUT its message, which may
    hold personal data (a name in a constraint error, a value in a ValueError), and the route template."""
    exc = sys.exc_info()[1]
    frames = "".join(traceback.format_tb(exc.__traceback__)) if exc is not None else ""
    error_log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        _printable(str(scope.get("method", "-"))),
        route_template(scope),
        frames,
    )


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/households/{ref}`), never the path itself: a
    path holds registration numbers and names (personal data) and, URL-decoded, control characters that
    would forge log lines. Requests that matched no route are logged as `(no route)`."""
    route = scope.get("route")
    template = getattr(route, "path", None) or getattr(route, "path_format", None)
    if not isinstance(template, str):
        return "(no route)"
    root = scope.get("root_path") or ""
    prefix = root if isinstance(root, str) and not template.startswith(root) else ""
    return _printable(prefix + template) or "/"


def _printable(text: str) -> str:
    """Text for one log line: control and other non-printable characters escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool, html_error: ErrorBody) -> None:
        self.app = app
        self.hsts = hsts
        self.html_error = html_error

    def headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path: str = scope.get("path", "")
        cache = b"no-cache" if path.startswith("/static/") or path == "/verify/public-key" else b"no-store"
        headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cache-control", cache),
        ]
        if self.hsts:
            headers.append((b"strict-transport-security", HSTS.encode()))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self.headers_for(scope)
        started = False

        async def secure_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _value in raw}
                for name, value in ours:
                    # a response may set its own policy (e.g. API docs); cache-control is always ours
                    if name == b"cache-control":
                        raw = [(n, v) for n, v in raw if n.lower() != b"cache-control"]
                        raw.append((name, value))
                    elif name not in present:
                        raw.append((name, value))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, secure_send)
        except Exception:
            log_unexpected(scope)
            if started:
                raise
            await send_error(
                secure_send,
                scope,
                500,
                "Internal Server Error",
                "Something went wrong on our side. The error has been logged.",
                self.html_error,
            )
            raise


class BodyTooLarge(Exception):
    pass


# The routes that receive import files (a partner's CSV, a Kobo export, an ODK submission with photos):
# their bodies may be as large as `max_import_bytes`; the multipart parser spools file parts to disk and
# the routes stream them to a file, where the readers apply their own limits (rows, columns, cells).
IMPORT_UPLOADS = frozenset({"/imports", "/api/v1/imports", "/api/v1/imports/", "/openrosa/submission"})


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, html_error: ErrorBody, max_import_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_import_bytes = max(max_import_bytes or max_bytes, max_bytes)
        self.html_error = html_error

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") == "POST" and scope.get("path") in IMPORT_UPLOADS:
            return self.max_import_bytes
        return self.max_bytes

    async def too_large(self, scope: Scope, send: Send, limit: int) -> None:
        detail = f"The request body is larger than the limit of {limit} bytes."
        await send_error(
            send, scope, 413, "Payload Too Large", detail, self.html_error, [(b"connection", b"close")]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await self.too_large(scope, send, limit)
                    return
        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # whatever the app answers after the limit tripped, the answer is 413
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self.too_large(scope, send, limit)


def install(
    app: Any, *, max_bytes: int, hsts: bool, html_error: ErrorBody, max_import_bytes: int | None = None
) -> None:
    """Add the middlewares to a Starlette/FastAPI app: log outermost, then headers, then body limit."""
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=max_bytes, html_error=html_error, max_import_bytes=max_import_bytes
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts, html_error=html_error)
    app.add_middleware(AccessLogMiddleware)
