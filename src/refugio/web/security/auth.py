"""Signing in and out, and choosing the language.

The login form is protected by a double-submit cookie (the cookie holds a random value, the form an
HMAC of it); authentication is throttled by the security service. Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import AuthenticationFailed, TooManyAttempts
from refugio.security import service as security
from refugio.web.context import LOCALE_COOKIE, safe_next, state_of
from refugio.web.forms import text
from refugio.web.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)
LOCALE_MAX_AGE = 365 * 24 * 3600


@router.get("/login")
def login_form(request: Request) -> Response:
    web = state_of(request)
    with web.page(request, login=False) as pg:
        if pg.auth is not None:
            return RedirectResponse("/", status_code=303)
        return pg.render(
            "security/login.html",
            login_csrf=pg.anonymous_csrf(),
            error=None,
            username="",
            next=safe_next(request.query_params.get("next"), ""),
        )


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    web = state_of(request)
    username = text(form, "username")
    raw_password = form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    next_path = safe_next(text(form, "next"))
    with web.page(request, login=False) as pg:
        pg.check_csrf(form, anonymous=True)
        headers: dict[str, str] = {}
        if not username or not password:
            error, status = pg.gettext("Enter your username and your password."), 400
        else:
            try:
                user = security.authenticate(
                    pg.db, username=username, password=password, client=web.client_hash(request)
                )
            except TooManyAttempts as exc:
                error = pg.gettext(
                    "Too many failed sign-in attempts. Wait %(seconds)s seconds, then try again.",
                    seconds=exc.retry_after,
                )
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            except AuthenticationFailed:
                error, status = pg.gettext("Unknown username or wrong password."), 401
            else:
                previous = request.cookies.get(web.settings.session_cookie)
                if previous and len(previous) < 200:
                    security.end_session(pg.db, previous)
                token, _row = security.start_session(pg.db, user=user)
                response = RedirectResponse(next_path, status_code=303)
                web.set_cookie(response, web.settings.session_cookie, token)
                pg.apply_cookies(response)
                return response
        return pg.render(
            "security/login.html",
            status=status,
            headers=headers,
            login_csrf=pg.anonymous_csrf(),
            error=error,
            username=username,
            next=next_path if next_path != "/" else "",
        )


@router.get("/logout")
def logout_form(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        return pg.render("security/logout.html")


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_logout, request, form)


def _logout(request: Request, form: FormData) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        pg.check_csrf(form)
        security.end_session(pg.db, request.cookies.get(web.settings.session_cookie, ""))
    response = RedirectResponse("/login", status_code=303)
    web.delete_cookie(response, web.settings.session_cookie)
    return response


@router.post("/locale")
async def choose_language(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_choose_language, request, form)


def _choose_language(request: Request, form: FormData) -> Response:
    web = state_of(request)
    with web.page(request, login=False) as pg:
        pg.check_csrf(form)
    return _language_response(request, text(form, "lang"), text(form, "next"))


@router.get("/locale/{lang}")
def language_link(request: Request, lang: str) -> Response:
    """Sets only the language cookie (no other state), then goes back."""
    return _language_response(request, lang, request.query_params.get("next"))


def _language_response(request: Request, lang: str, next_path: str | None) -> Response:
    web = state_of(request)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    if lang in LANGUAGES:
        web.set_cookie(response, LOCALE_COOKIE, lang, max_age=LOCALE_MAX_AGE)
    return response
