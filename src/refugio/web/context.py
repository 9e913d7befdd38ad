"""Per-request context of the web UI: the unit of work, the signed-in user and principal, the locale,
CSRF checks, and rendering of pages in the right language.

Every page handler opens `state.page(request)`: one unit of work in which the session cookie is
resolved (`security.service.resolve_session`), the principal built (`principal_for`) and the
services/queries called. Must not import refugio.api or refugio.cli; refugio.main only for typing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from refugio.core.errors import NotFound
from refugio.security import service as security
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.uow import Session, unit_of_work
from refugio.web.i18n import LANGUAGES, Translator, choose_locale
from refugio.web.rendering import Renderer

if TYPE_CHECKING:
    from refugio.main import Container

LOCALE_COOKIE = "refugio_locale"
SameSite = Literal["lax", "strict"]
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to /login."""


class CsrfRejected(Exception):
    """A state-changing request came without the right CSRF token; answered with 403."""


@dataclass(frozen=True)
class Auth:
    """The signed-in user of a request."""

    user_id: uuid.UUID
    username: str
    full_name: str
    locale: str
    csrf_token: str
    principal: Principal


@dataclass
class Page:
    """One request's unit of work, user and language."""

    state: WebState
    request: Request
    db: Session
    auth: Auth | None
    locale: str
    cookies: dict[str, str] = field(default_factory=dict)  # set on the response by render()

    @property
    def principal(self) -> Principal:
        if self.auth is None:
            raise LoginRequired()
        return self.auth.principal

    @property
    def t(self) -> Translator:
        return self.state.renderer.translator(self.locale)

    def gettext(self, message: str, **values: object) -> str:
        return self.t.gettext(message, **values)

    def can(
        self,
        permission: Permission,
        *,
        operation_id: uuid.UUID | None = None,
        site_id: uuid.UUID | None = None,
    ) -> bool:
        return self.auth is not None and self.auth.principal.can(
            permission, operation_id=operation_id, site_id=site_id
        )

    def can_anywhere(self, permission: Permission) -> bool:
        return self.auth is not None and self.auth.principal.can_anywhere(permission)

    # -- CSRF ------------------------------------------------------------------------------------

    def anonymous_csrf(self) -> str:
        """The double-submit token for forms used before signing in (login, verify, language)."""
        cookie = self.request.cookies.get(self.state.settings.csrf_cookie, "")
        if not cookie or len(cookie) > 100:
            cookie = self.cookies.get(self.state.settings.csrf_cookie) or secrets.token_urlsafe(32)
            self.cookies[self.state.settings.csrf_cookie] = cookie
        return self.state.sign_csrf(cookie)

    def csrf_token(self) -> str:
        return self.auth.csrf_token if self.auth is not None else self.anonymous_csrf()

    def check_csrf(self, form: FormData | None, *, anonymous: bool = False) -> None:
        """Refuse the request unless it carries the session's token (or, before signing in or when
        `anonymous`, the token matching the double-submit cookie). Compared in constant time."""
        sent = form.get(CSRF_FIELD) if form is not None else None
        if not isinstance(sent, str) or not sent:
            sent = self.request.headers.get(CSRF_HEADER, "")
        if self.auth is not None and not anonymous:
            expected = self.auth.csrf_token
        else:
            cookie = self.request.cookies.get(self.state.settings.csrf_cookie, "")
            expected = self.state.sign_csrf(cookie) if cookie else ""
        if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfRejected()

    # -- rendering -------------------------------------------------------------------------------

    def context(self, **values: Any) -> dict[str, Any]:
        auth = self.auth
        return {
            "user": auth,
            "locale": self.locale,
            "text_dir": LANGUAGES[self.locale].direction,
            "csrf_token": self.csrf_token(),
            "current_path": self.request.url.path,
            "nav": self.navigation(),
            **values,
        }

    def navigation(self) -> dict[str, bool]:
        return {
            "register": self.can_anywhere(Permission.HOUSEHOLD_CREATE),
            "search": self.can_anywhere(Permission.SEARCH_RUN),
            "audit": self.can_anywhere(Permission.AUDIT_VIEW),
        }

    def render(
        self, template: str, status: int = 200, headers: Mapping[str, str] | None = None, **values: Any
    ) -> HTMLResponse:
        html = self.state.renderer.render(self.locale, template, self.context(**values))
        response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
        self.apply_cookies(response)
        return response

    def apply_cookies(self, response: Response) -> None:
        for name, value in self.cookies.items():
            self.state.set_cookie(response, name, value, samesite="strict")

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"


class WebState:
    """What the web part keeps for the application's lifetime."""

    def __init__(self, container: Container, renderer: Renderer, htmx_path: Path | None) -> None:
        self.container = container
        self.settings = container.settings
        self.renderer = renderer
        self.htmx_path = htmx_path
        self._csrf_key = hmac.new(
            container.keyring.session_key(), b"refugio web csrf", hashlib.sha256
        ).digest()
        self._client_key = container.keyring.session_key()

    def sign_csrf(self, cookie: str) -> str:
        return hmac.new(self._csrf_key, cookie.encode(), hashlib.sha256).hexdigest()

    def client_hash(self, request: Request) -> str:
        client = request.client.host if request.client else "unknown"
        return security.client_hash(client, self._client_key)

    def set_cookie(
        self,
        response: Response,
        name: str,
        value: str,
        *,
        samesite: SameSite = "lax",
        max_age: int | None = None,
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.settings.cookie_secure,
            httponly=True,
            samesite=samesite,
        )

    def delete_cookie(self, response: Response, name: str, *, samesite: SameSite = "lax") -> None:
        response.delete_cookie(
            name, path="/", secure=self.settings.cookie_secure, httponly=True, samesite=samesite
        )

    def locale_for(self, request: Request, auth: Auth | None) -> str:
        return choose_locale(
            cookie=request.cookies.get(LOCALE_COOKIE),
            user_locale=auth.locale if auth else None,
            accept_language=request.headers.get("accept-language"),
            default=self.settings.default_locale,
        )

    def resolve(self, db: Session, request: Request) -> Auth | None:
        token = request.cookies.get(self.settings.session_cookie)
        if not token or len(token) > 200:
            return None
        found = security.resolve_session(db, token)
        if found is None:
            return None
        web_session, user = found
        principal = security.principal_for(db, user)
        return Auth(user.id, user.username, user.full_name, user.locale, web_session.csrf_token, principal)

    @contextmanager
    def page(self, request: Request, *, login: bool = True) -> Iterator[Page]:
        """One unit of work for the request; LoginRequired when `login` and nobody is signed in. A form
        post (any method but GET and HEAD) is a short unit known to write: on SQLite it takes the write
        lock at its first statement (`immediate`), so it is not refused for a stale snapshot; a page
        read does not, so that long reads never stop the writers."""
        immediate = request.method not in ("GET", "HEAD")
        with unit_of_work(self.container.sessions, immediate=immediate) as db:
            auth = self.resolve(db, request)
            if login and auth is None:
                raise LoginRequired()
            yield Page(self, request, db, auth, self.locale_for(request, auth))

    def render_plain(self, request: Request, template: str, http_status: int, **values: Any) -> HTMLResponse:
        """A page rendered without touching the database (error pages): no user menu."""
        locale = self.locale_for(request, None)
        context = {
            "user": None,
            "locale": locale,
            "text_dir": LANGUAGES[locale].direction,
            "csrf_token": "",
            "current_path": request.url.path,
            "nav": {},
            **values,
        }
        return HTMLResponse(self.renderer.render(locale, template, context), status_code=http_status)


def state_of(request: Request) -> WebState:
    web: WebState = request.app.state.refugio_web
    return web


def parse_uuid(text: str) -> uuid.UUID:
    """An internal id from a URL; anything else is simply not found."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("no such record") from None


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site, never a query string)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    if "\\" in parts.path:
        return default
    return parts.path
