"""OpenRosa 1.0 server for ODK Collect, KoboCollect and Enketo, mounted at /openrosa (outside /api/v1:
ODK expects plain paths under the server URL it is given, here http://HOST:PORT/openrosa).

    GET  /openrosa/formList                        the forms the user may submit (xforms list)
    GET  /openrosa/forms/{form_id}/form.xml        the XForm
    GET  /openrosa/forms/{form_id}/manifest        its media (none)
    HEAD /openrosa/submission                      204, with the OpenRosa headers
    POST /openrosa/submission                      multipart: xml_submission_file (+ attachments)
                                                   201 staged; 202 an instanceID already received

Every response carries `X-OpenRosa-Version: 1.0`, `X-OpenRosa-Accept-Content-Length` and `Date`;
errors are OpenRosaResponse documents with a clear message (400 malformed XML, 404 unknown form id,
401 with `WWW-Authenticate: Basic`, 403, 413, 429). Authentication: a user API token as
`Authorization: Bearer …`, or HTTP Basic with username and password (what ODK Collect sends; checked
with throttling, and remembered for a minute so a burst of submissions costs one password check).

XX
IntegrityError (two copies of one submission at the same moment), as refugio.api.problems does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from email.utils import formatdate
from threading import Lock
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from refugio.core.errors import (
    AuthenticationFailed,
    ConcurrentWrite,
    NotFound,
    PermissionDenied,
    RefugioError,
    TooManyAttempts,
    ValidationFailed,
)
from refugio.intake import openrosa
from refugio.security import service as security
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

if TYPE_CHECKING:
    from refugio.main import Container
    from refugio.store.uow import Session

PREFIX = "/openrosa"
REALM = "refugio"
BASIC_TTL = 60.0  # seconds a checked username/password is remembered
MAX_PARTS = 20


class _BasicCache:
    """Checked Basic credentials → user id, for a short time (keyed by an HMAC, never stored in clear)."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.entries: dict[str, tuple[Any, float]] = {}
        self.lock = Lock()

    def _digest(self, username: str, password: str) -> str:
        return hmac.new(self.key, f"{username}\0{password}".encode(), hashlib.sha256).hexdigest()

    def get(self, username: str, password: str) -> Any | None:
        with self.lock:
            hit = self.entries.get(self._digest(username, password))
            if hit is None or hit[1] < time.monotonic():
                return None
            return hit[0]

    def put(self, username: str, password: str, user_id: Any) -> None:
        with self.lock:
            if len(self.entries) > 10_000:
                self.entries.clear()
            self.entries[self._digest(username, password)] = (user_id, time.monotonic() + BASIC_TTL)


def _headers(container: Container) -> dict[str, str]:
    return {
        "X-OpenRosa-Version": openrosa.OPENROSA_VERSION,
        "X-OpenRosa-Accept-Content-Length": str(container.settings.max_import_bytes),
        "Date": formatdate(usegmt=True),
    }


def _xml(container: Container, body: str, status: int = 200, extra: dict[str, str] | None = None) -> Response:
    return Response(
        body,
        status_code=status,
        media_type="text/xml; charset=utf-8",
        headers={**_headers(container), **(extra or {})},
    )


def _message(
    container: Container, status: int, message: str, extra: dict[str, str] | None = None
) -> Response:
    nature = "submit_success" if status in (201, 202) else "error"
    return _xml(container, openrosa.response_xml(message, nature), status, extra)


def _remembered(session: Session, cache: _BasicCache, username: str, password: str) -> Any | None:
    """The active user whose Basic credentials were checked less than BASIC_TTL ago, else None."""
    user_id = cache.get(username, password)
    if user_id is None:
        return None
    try:
        user = security.get_user(session, username)
    except NotFound:
        return None
    return user if user.id == user_id and user.is_active else None


def _principal(request: Request, container: Container, cache: _BasicCache) -> Principal:
    """The caller, from a Bearer token or Basic credentials; AuthenticationFailed otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    failure: AuthenticationFailed | None = None
    with unit_of_work(container.sessions) as s:
        if scheme.lower() == "bearer" and value.strip():
            user = security.resolve_api_token(s, value.strip())
            return security.principal_for(s, user, purpose="registration")
        if scheme.lower() == "basic" and value.strip():
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise AuthenticationFailed("malformed Basic credentials") from None
            username, sep, password = decoded.partition(":")
            if not sep:
                raise AuthenticationFailed("malformed Basic credentials")
            known = _remembered(s, cache, username, password)
            if known is not None:
                return security.principal_for(s, known, purpose="registration")
            client = security.client_hash(request.client.host if request.client else "unknown", cache.key)
            try:
                user = security.authenticate(s, username=username, password=password, client=client)
            except TooManyAttempts:
                raise
            except AuthenticationFailed as exc:
                failure = exc  # leave the block normally: the failed attempt is committed (throttling)
            else:
                cache.put(username, password, user.id)
                return security.principal_for(s, user, purpose="registration")
        if failure is not None:
            raise failure
    raise AuthenticationFailed("sign in with your refugio username and password (or an API token)")


class _Server:
    """The OpenRosa endpoints of one application: its container, the Basic credentials cache, and how a
    refugio error becomes an OpenRosaResponse."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.cache = _BasicCache(
            hmac.new(container.keyring.session_key(), b"refugio openrosa basic", hashlib.sha256).digest()
        )

    def failure(self, exc: Exception) -> Response:
        container = self.container
        if isinstance(exc, TooManyAttempts):
            return _message(container, 429, exc.message, {"Retry-After": str(exc.retry_after)})
        if isinstance(exc, AuthenticationFailed):
            return _message(container, 401, exc.message, {"WWW-Authenticate": f'Basic realm="{REALM}"'})
        if isinstance(exc, PermissionDenied):
            return _message(container, 403, exc.message)
        if isinstance(exc, NotFound):
            return _message(container, 404, exc.message)
        if isinstance(exc, ValidationFailed):
            detail = "; ".join(e.message for e in exc.errors) or exc.message
            return _message(container, 413 if any(e.code == "too_large" for e in exc.errors) else 400, detail)
        if isinstance(exc, RefugioError):
            return _message(container, exc.status, exc.message)
        raise exc

    def principal(self, request: Request) -> Principal:
        return _principal(request, self.container, self.cache)

    async def answer(self, work: Callable[[], Response]) -> Response:
        """Run `work` in a worker thread; a refugio error becomes its OpenRosa response."""
        try:
            return await run_in_threadpool(work)
        except RefugioError as exc:
            return self.failure(exc)

    @staticmethod
    def base_url(request: Request) -> str:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return str(request.url.replace(path=root, query="")).rstrip("/")

    async def form_list(self, request: Request) -> Response:
        def work() -> Response:
            actor = self.principal(request)
            with unit_of_work(self.container.sessions) as s:
                forms = openrosa.visible_forms(s, actor=actor)
                return _xml(self.container, openrosa.form_list_xml(forms, self.base_url(request)))

        return await self.answer(work)

    async def form_xml(self, form_id: str, request: Request) -> Response:
        def work() -> Response:
            actor = self.principal(request)
            with unit_of_work(self.container.sessions) as s:
                return _xml(self.container, openrosa.get_form(s, actor=actor, form_id=form_id).xform)

        return await self.answer(work)

    async def manifest(self, form_id: str, request: Request) -> Response:
        def work() -> Response:
            actor = self.principal(request)
            with unit_of_work(self.container.sessions) as s:
                openrosa.get_form(s, actor=actor, form_id=form_id)
            return _xml(self.container, openrosa.manifest_xml())

        return await self.answer(work)

    async def submission_head(self, request: Request) -> Response:
        try:
            await run_in_threadpool(self.principal, request)
        except RefugioError as exc:
            response = self.failure(exc)
            return Response(status_code=response.status_code, headers=dict(response.headers))
        return Response(status_code=204, headers=_headers(self.container))

    async def submission(self, request: Request) -> Response:
        container = self.container
        try:
            actor = await run_in_threadpool(self.principal, request)
        except RefugioError as exc:
            return self.failure(exc)
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return _message(
                container, 400, "send the submission as multipart/form-data with xml_submission_file"
            )
        try:
            form = await request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS)
        except Exception:  # malformed multipart body
            return _message(container, 400, "the multipart body cannot be read")
        xml_part = form.get("xml_submission_file")
        if not isinstance(xml_part, UploadFile):
            return _message(container, 400, "no xml_submission_file in the submission")
        xml = await xml_part.read(openrosa.MAX_XML_BYTES + 1)
        attachments: list[tuple[str, str, bytes]] = []
        for name, part in form.multi_items():
            if name == "xml_submission_file" or not isinstance(part, UploadFile):
                continue
            content = await part.read(openrosa.MAX_ATTACHMENT_BYTES + 1)
            attachments.append(
                (part.filename or name, part.content_type or "application/octet-stream", content)
            )
        await form.close()
        return await self.answer(lambda: self.receive(actor, xml, attachments))

    def receive(self, actor: Principal, xml: bytes, attachments: list[tuple[str, str, bytes]]) -> Response:
        """Stage one submission in its own unit of work; 201 staged, 202 already received."""
        container = self.container
        try:
            with unit_of_work(container.sessions) as s:
                result = openrosa.receive_submission(s, actor=actor, xml=xml, attachments=attachments)
        except ConcurrentWrite:
            # the same instanceID arrived twice at the same moment: the other one was saved
            return _message(container, 202, "duplicate submission: already received")
        if result.status == "duplicate":
            return _message(container, 202, f"duplicate submission {result.instance_id}: already received")
        if result.message:
            return _message(container, 201, result.message)
        note = " (with errors to review)" if result.errors else ""
        return _message(
            container, 201, f"submission received{note}: {result.rows} person(s) staged for review"
        )


def build_openrosa(container: Container) -> FastAPI:
    """The /openrosa application (not yet mounted)."""
    app = FastAPI(title="refugio OpenRosa", openapi_url=None, docs_url=None, redoc_url=None)
    server = _Server(container)
    app.add_api_route("/formList", server.form_list, methods=["GET"])
    app.add_api_route("/forms/{form_id}/form.xml", server.form_xml, methods=["GET"])
    app.add_api_route("/forms/{form_id}/manifest", server.manifest, methods=["GET"])
    app.add_api_route("/submission", server.submission_head, methods=["HEAD"])
    app.add_api_route("/submission", server.submission, methods=["POST"])
    return app


def mount_openrosa(app: FastAPI, container: Container) -> None:
    """Serve OpenRosa at /openrosa of `app`, ahead of the app's own routes."""
    app.router.routes.insert(0, Mount(PREFIX, app=build_openrosa(container), name="openrosa"))


__all__ = ["PREFIX", "build_openrosa", "mount_openrosa"]
