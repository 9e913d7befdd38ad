"""App-wide ASGI middlewares of the outer application (web UI and REST API alike):

- `AccessLogMiddleware`: one log line per request (method, path WITHOUT query string, status, size,
  duration); never bodies, query strings, cookies or client addresses, so no personal data in logs.
- `SecurityHeadersMiddleware`: CSP and the other security headers on every response, `no-store`
  outside /static, HSTS when cookies are Secure; answers an unhandled exception with a 500 page
  (problem+json under /api) that still carries the headers.
- `BodyLimitMiddleware`: refuses request bodies over `max_request_bytes` with 413, by Content-Length
  up front or by counting the bytes as they arrive (problem+json under /api, an HTML page elsewhere).

Plain ASGI (no BaseHTTPMiddleware), so streaming and background tasks are unaffected. Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import json
import logging
import time
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
                scope.get("method", "-"),
                scope.get("path", "-"),
                status or 500,
                size,
                (time.perf_counter() - start) * 1000,
            )


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
            error_log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
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


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, html_error: ErrorBody) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.html_error = html_error

    async def too_large(self, scope: Scope, send: Send) -> None:
        detail = f"The request body is larger than the limit of {self.max_bytes} bytes."
        await send_error(
            send, scope, 413, "Payload Too Large", detail, self.html_error, [(b"connection", b"close")]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self.too_large(scope, send)
                    return
        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
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
            await self.too_large(scope, send)


def install(app: Any, *, max_bytes: int, hsts: bool, html_error: ErrorBody) -> None:
    """Add the middlewares to a Starlette/FastAPI app: log outermost, then headers, then body limit."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_bytes, html_error=html_error)
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts, html_error=html_error)
    app.add_middleware(AccessLogMiddleware)
