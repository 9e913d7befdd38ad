"""Error answers of the outer application: HTML error pages (403/404/405/413/429/500, in the page
layout, no stack traces) for the web UI, problem+json under /api, a redirect to /login when a page
needs a signed-in user, and 403 for a missing or wrong CSRF token.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Scope

from refugio.core.errors import NotFound, PermissionDenied, RefugioError
from refugio.web.context import CsrfRejected, LoginRequired, WebState, state_of
from refugio.web.i18n import N_
from refugio.web.middleware import problem_body

TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Request too large"),
    422: N_("The input was not accepted"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}
EXPLANATIONS = {
    400: N_("The request could not be understood."),
    403: N_("You do not have permission to see this page or to do this here."),
    404: N_("There is no such page, or the record is outside the sites you can see."),
    405: N_("This address does not accept that kind of request."),
    409: N_("The change clashes with the current data."),
    413: N_("The request is larger than this server accepts. For a certificate, upload the PDF as issued."),
    429: N_("Too many attempts. Wait a few minutes and try again."),
    500: N_("An unexpected error happened. It has been logged; nothing you entered was saved."),
}


# Only when the CSRF check failed: a form sent after its token expired (or from another site).
CSRF_EXPLANATION = N_(
    "You do not have permission to do this here, or the form expired. Go back, reload the page and try again."
)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def error_page(
    web: WebState, request: Request, status: int, detail: str | None = None, explanation: str | None = None
) -> Response:
    if is_api_path(request.url.path):
        content_type, body = problem_body(status, TITLES.get(status, "Error"), detail or "")
        return Response(body, status_code=status, media_type=content_type)
    t = web.renderer.translator(web.locale_for(request, None))
    title = t.gettext(TITLES.get(status, TITLES[400]))
    explanation = t.gettext(explanation or EXPLANATIONS.get(status, EXPLANATIONS[400]))
    return web.render_plain(
        request, "error.html", status, status=status, title=title, explanation=explanation
    )


def html_error_body(web: WebState) -> Any:
    """For the middlewares: the body of an HTML error page for a bare ASGI scope."""

    def body(scope: Scope, status: int, _title: str, _detail: str) -> tuple[str, bytes]:
        request = Request(scope)
        response = error_page(web, request, status)
        return "text/html; charset=utf-8", bytes(response.body)

    return body


def install(app: FastAPI) -> None:
    async def on_login_required(request: Request, _exc: Exception) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    async def on_csrf(request: Request, _exc: Exception) -> Response:
        return error_page(state_of(request), request, 403, explanation=CSRF_EXPLANATION)

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return error_page(state_of(request), request, 404, str(exc))

    async def on_denied(request: Request, exc: Exception) -> Response:
        return error_page(state_of(request), request, 403, str(exc))

    async def on_refugio(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status", 400)
        if is_api_path(request.url.path):
            return error_page(state_of(request), request, status, str(exc))
        return error_page(state_of(request), request, status if status in TITLES else 400)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = error_page(state_of(request), request, exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if is_api_path(request.url.path):
            errors = [
                {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                for e in exc.errors()
            ]
            return JSONResponse(
                {"type": "about:blank", "title": "Validation failed", "status": 422, "errors": errors},
                status_code=422,
                media_type="application/problem+json",
            )
        return error_page(state_of(request), request, 400)

    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(CsrfRejected, on_csrf)
    app.add_exception_handler(NotFound, on_not_found)
    app.add_exception_handler(PermissionDenied, on_denied)
    app.add_exception_handler(RefugioError, on_refugio)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
