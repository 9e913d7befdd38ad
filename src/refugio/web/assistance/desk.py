"""The point-of-service desk page (made for a 390 px phone): choose the programme and the desk's name,
type a household or person ID — or scan the certificate's QR code with the device's camera (the page's
`desk-scan.js` with the jsQR decoder, both served here, jsQR from the checkout's node_modules), or
paste the payload a hand scanner types — see the household, its members and its entitlements, and
record the collection by the focal point or a named alternate. The certificate is checked with the
registry's Ed25519 key; a bad signature or a revoked certificate is refused. A second collection,
from any desk, is refused by the database.

Lookups are POSTed (an ID in a query string would land in access logs). The desk page alone may use
the camera (its own Permissions-Policy, `camera=(self)`; every other page keeps `camera=()`). Must not
import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from refugio.assistance import queries
from refugio.assistance.schemas import CollectionCreate, DeskView
from refugio.assistance.service import desk
from refugio.core.errors import RefugioError
from refugio.web import forms
from refugio.web.assistance import labels
from refugio.web.assistance.pages import problems_of
from refugio.web.context import Page, state_of
from refugio.web.forms import text
from refugio.web.middleware import PERMISSIONS_POLICY

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
JSQR = Path("jsqr") / "dist" / "jsQR.js"
DESK_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


@lru_cache(maxsize=1)
def jsqr_path() -> Path | None:
    """jsQR of the source checkout (installed by `npm ci`): the first parent holding package.json."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "package.json").is_file():
            candidate = parent / "node_modules" / JSQR
            return candidate if candidate.is_file() else None
    return None


def _render(
    pg: Page, form: FormData | None, view: DeskView | None, problems: list[str], notice: str | None = None
) -> Response:
    values = {k: text(form, k) if form is not None else "" for k in ("programme", "desk", "key")}
    response = pg.render(
        "assistance/desk.html",
        status=422 if problems else 200,
        programmes=queries.list_programmes(pg.db, actor=pg.principal),
        values=values,
        view=view,
        problems=problems,
        notice=notice,
    )
    response.headers["permissions-policy"] = DESK_POLICY
    return response


@router.get("/assistance/desk")
def desk_page(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        return _render(pg, None, None, [])


def _lookup(pg: Page, form: FormData) -> DeskView:
    token = text(form, "token")
    return desk.lookup(
        pg.db,
        actor=pg.principal,
        programme_key=text(form, "programme"),
        key=text(form, "key") or None,
        token=token or None,
        public_key=pg.state.container.keyring.public_key() if token else None,
    )


def _lookup_sync(request: Request, form: FormData) -> Response:
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            view = _lookup(pg, form)
            return _render(pg, form, view, [])
    except RefugioError as exc:
        found = problems_of(exc)
    with web.page(request) as pg:
        return _render(pg, form, None, found)


@router.post("/assistance/desk")
async def desk_lookup(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_lookup_sync, request, form)


def _collect_sync(request: Request, form: FormData) -> Response:
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            role = "alternate" if text(form, "alternate_name") else "focal_point"
            values = {
                "entitlement_id": text(form, "entitlement_id"),
                "desk": text(form, "desk") or "desk",
                "collector_role": role,
                "alternate_name": text(form, "alternate_name") or None,
                "alternate_document": text(form, "alternate_document") or None,
            }
            desk.collect(pg.db, actor=pg.principal, data=forms.build(CollectionCreate, values, pg.t))
    except RefugioError as exc:
        found = problems_of(exc)
        with web.page(request) as pg:
            return _render(pg, form, _safe_lookup(pg, form), found)
    with web.page(request) as pg:
        done = labels.NOTICES["collected"]
        return _render(pg, form, _safe_lookup(pg, form), [], pg.gettext(done))


def _safe_lookup(pg: Page, form: FormData) -> DeskView | None:
    try:
        return desk.lookup(
            pg.db, actor=pg.principal, programme_key=text(form, "programme"), key=text(form, "household")
        )
    except RefugioError:
        return None


@router.post("/assistance/desk/collect")
async def desk_collect(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_collect_sync, request, form)


@router.get("/assistance/vendor/jsQR.js")
def jsqr_js() -> Response:
    """The QR decoder; without it (no `npm ci`) the Scan button stays hidden and typing still works."""
    path = jsqr_path()
    if path is None:
        return Response("/* jsQR is not installed: run `npm ci` */", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type="text/javascript")


@router.get("/assistance/static/desk-scan.js")
def desk_scan_js() -> Response:
    return FileResponse(STATIC / "desk-scan.js", media_type="text/javascript")
