"""Errors as RFC 9457 problem documents (`application/problem+json`), mapped in one place.

Every error the API returns has `type`, `title`, `status` and `detail`; validation errors add
`errors: [{field, message, code}]` with dotted field paths such as `members.2.date_of_birth`.
Nothing here logs request bodies or error details, which may carry personal data.

Imports fastapi/starlette, refugio.core and sqlalchemy only; never refugio.web, refugio.cli or domains.
"""

from __future__ import annotations

import http
import logging
import re
import traceback
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from refugio.core.errors import (
    AuthenticationFailed,
    Conflict,
    DatabaseUnavailable,
    FieldError,
    IntegrityBroken,
    NotFound,
    PermissionDenied,
    RefugioError,
    TooManyAttempts,
    UnknownReference,
    ValidationFailed,
)

log = logging.getLogger("refugio.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
WWW_AUTHENTICATE = 'Bearer realm="refugio"'
_TYPE_BASE = "urn:refugio:problem:"


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the wrong field, e.g. `members.2.date_of_birth`.")
    message: str
    code: str = Field(description="Machine-readable reason, e.g. `future_date`, `unknown_code`, `missing`.")


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field(
        description="URN naming the kind of problem, e.g. `urn:refugio:problem:validation-failed`."
    )
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(default=None, description="One entry per wrong field.")


def problem_type(slug: str) -> str:
    return _TYPE_BASE + slug


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Iterable[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": problem_type(slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    error_list = [e.as_dict() for e in errors or []]
    if error_list:
        body["errors"] = error_list
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {}))


# ---------------------------------------------------------------------------------------------
# request validation (pydantic) → field paths

_SOURCES = {"body", "query", "path", "header", "cookie"}


def field_path(loc: Sequence[int | str]) -> str:
    """`("body", "members", 2, "date_of_birth")` → `members.2.date_of_birth`; the root body is `body`."""
    parts = list(loc)
    source = str(parts.pop(0)) if parts and parts[0] in _SOURCES else "body"
    # pydantic adds validator/union tags such as "function-after[...]": not field names
    names = [str(p) for p in parts if not (isinstance(p, str) and "[" in p)]
    if source == "header" and names:
        names = ["-".join(w.capitalize() for w in names[0].split("-")), *names[1:]]
    return ".".join(names) or source


def _validation_errors(exc: RequestValidationError) -> tuple[list[FieldError], bool]:
    """Field errors of a request, and whether the body was not JSON at all."""
    out: list[FieldError] = []
    malformed = False
    for err in exc.errors():
        kind = str(err.get("type", "invalid"))
        if kind == "json_invalid":
            malformed = True
            ctx = err.get("ctx") or {}
            loc: tuple[Any, ...] = tuple(err.get("loc") or ())
            position = loc[1] if len(loc) > 1 else None
            reason = str(ctx.get("error", "")) if isinstance(ctx, dict) else ""
            where = f" at character {position}" if isinstance(position, int) else ""
            out.append(FieldError("body", f"not valid JSON{where}: {reason}".rstrip(": "), "json_invalid"))
            continue
        # the message never contains the submitted value (pydantic keeps it in `input`, which we drop)
        out.append(FieldError(field_path(err.get("loc") or ()), str(err.get("msg", "invalid")), kind))
    return out, malformed


# ---------------------------------------------------------------------------------------------
# handlers

_SLUGS: dict[type[RefugioError], str] = {
    UnknownReference: "unknown-reference",
    ValidationFailed: "validation-failed",
    NotFound: "not-found",
    Conflict: "conflict",
    PermissionDenied: "forbidden",
    TooManyAttempts: "too-many-attempts",
    AuthenticationFailed: "authentication-failed",
    IntegrityBroken: "integrity-broken",
    DatabaseUnavailable: "database-unavailable",
}


def _slug(exc: RefugioError) -> str:
    for cls in type(exc).__mro__:
        if cls in _SLUGS:
            return _SLUGS[cls]
    return "error"


async def refugio_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RefugioError)
    headers: dict[str, str] = {}
    errors: list[FieldError] = []
    if isinstance(exc, ValidationFailed | Conflict):
        errors = exc.errors
    if isinstance(exc, TooManyAttempts | DatabaseUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return problem_response(
        exc.status, exc.message, slug=_slug(exc), title=exc.title, errors=errors, headers=headers
    )


async def request_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors, malformed = _validation_errors(exc)
    if malformed:
        return problem_response(
            400,
            "the request body is not valid JSON",
            slug="malformed-json",
            title="Malformed JSON",
            errors=errors,
        )
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
    return problem_response(422, detail, slug="validation-failed", title="Validation failed", errors=errors)


_HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

_HTTP_DETAILS = {
    404: "no such API endpoint (the endpoints are listed in /api/v1/openapi.json)",
    405: "this endpoint does not accept that HTTP method",
}


_TEMPLATE_PARAM = re.compile(r"\{[^}]+\}")


def _template_regex(template: str) -> re.Pattern[str]:
    parts = _TEMPLATE_PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + "$")


def allowed_methods(request: Request) -> set[str]:
    """The methods the API documents for this path (its OpenAPI document), for 405's `Allow`.

    When several path templates match (`/households/check` and `/households/{key}`), the most specific
    one (fewest parameters) names the resource, as the document describes it."""
    path = request.scope.get("path", "")
    root = str(request.scope.get("root_path", "")).rstrip("/")
    if root and path.startswith(root):
        path = path[len(root) :]
    matching: list[tuple[int, set[str]]] = []
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _template_regex(template).match(path):
            methods = {m.upper() for m in operations if m.upper() in _HTTP_METHODS}
            matching.append((len(_TEMPLATE_PARAM.findall(template)), methods))
    if not matching:
        return set()
    fewest = min(n for n, _ in matching)
    return set().union(*(methods for n, methods in matching if n == fewest))


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = _HTTP_DETAILS.get(exc.status_code) or str(exc.detail or "")
    slug = {413: "content-too-large", 415: "unsupported-media-type"}.get(exc.status_code)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = allowed_methods(request) or {
            m.strip() for m in headers.get("Allow", "").split(",") if m.strip()
        }
        if "GET" in methods:
            methods.add("HEAD")
        headers["Allow"] = ", ".join(sorted(methods))
    return problem_response(exc.status_code, detail, slug=slug, headers=headers)


def log_unexpected(exc: BaseException, where: str) -> None:
    """Log an unexpected error with its traceback but without its message (which may hold personal data)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s in %s\n%s", type(exc).__name__, where, frames)


def server_error_response() -> JSONResponse:
    return problem_response(500, "unexpected error; it was logged", slug="server-error")


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on the API application."""
    app.add_exception_handler(RefugioError, refugio_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _doc(description: str) -> dict[str, Any]:
    # FastAPI files the model under application/json; app.openapi() moves error bodies to problem+json
    return {"description": description, "model": Problem}


# OpenAPI descriptions of the error responses, per status
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _doc("Malformed JSON or an unreadable request."),
    401: _doc("Missing, unknown, expired or revoked bearer token (header `WWW-Authenticate: Bearer`)."),
    403: _doc("The caller lacks the permission for this scope."),
    404: _doc(
        "No such record in the caller's scope, or no such endpoint; `errors` names the field of the "
        "request that refers to a record that does not exist (type `urn:refugio:problem:unknown-reference`)."
    ),
    409: _doc("The change clashes with existing data (e.g. an edited version that is no longer current)."),
    413: _doc("Request body larger than the configured limit."),
    415: _doc("Request body is not `application/json`."),
    422: _doc("Invalid input: `errors` names each wrong field."),
    429: _doc("Too many failed sign-in attempts; see `Retry-After`."),
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: ERRORS[s] for s in statuses}
