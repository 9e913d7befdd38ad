"""ASGI middleware of the API application: request-size limit, JSON-only bodies, response headers,
and a last-resort problem+json for unexpected errors.

It wraps only the API application (mounted at /api/v1), so it works whatever the web UI does:
- a body larger than `max_bytes` is refused with 413, from its Content-Length before reading, and by
  counting the bytes actually received (chunked uploads, or a Content-Length that lies);
- a POST/PUT/PATCH body that is not `application/json` (or `+json`) is refused with 415;
- every response gets `Cache-Control: no-store` (records are personal data) and `nosniff`.

Imports starlette and refugio.api.problems only.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from refugio.api.problems import log_unexpected, problem_response, server_error_response

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit (FastAPI lets HTTPException through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class ApiGuard:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared: int | None = None
        if "content-length" in headers:
            try:
                declared = int(headers["content-length"])
                if declared < 0:
                    raise ValueError
            except ValueError:
                await problem_response(400, "the Content-Length header is not a number")(scope, receive, send)
                return
            if declared > self.max_bytes:
                await problem_response(
                    413,
                    f"the request body is larger than the limit of {self.max_bytes} bytes",
                    slug="content-too-large",
                )(scope, receive, send)
                return
        has_body = bool(declared) or "transfer-encoding" in headers
        if scope["method"] in _BODY_METHODS and has_body and not is_json(headers.get("content-type")):
            await problem_response(
                415, "send the request body as application/json", slug="unsupported-media-type"
            )(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                if "cache-control" not in out:
                    out["Cache-Control"] = "no-store"
                out["X-Content-Type-Options"] = "nosniff"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await problem_response(413, str(exc.detail), slug="content-too-large")(
                scope, receive, guarded_send
            )
        except Exception as exc:
            route = scope.get("route")
            where = f"{scope['method']} {getattr(route, 'path', '(unmatched)')}"
            log_unexpected(exc, where)
            if not started:
                await server_error_response()(scope, receive, guarded_send)
