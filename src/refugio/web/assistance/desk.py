"""The point-of-service desk page (made for a 390 px phone): choose the programme and the desk's name,
type a household or person ID — or paste/scan the certificate's QR payload (a scanner that types it) —
see the household, its members and its entitlements, and record the collection by the focal point or a
named alternate. The certificate is checked with the registry's Ed25519 key; a bad signature or a
revoked certificate is refused. A second collection, from any desk, is refused by the database.

Lookups are POSTed (an ID in a query string would land in access logs). Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.assistance import queries
from refugio.assistance.schemas import CollectionCreate, DeskView
from refugio.assistance.service import desk
from refugio.core.errors import RefugioError
from refugio.web import forms
from refugio.web.assistance import labels
from refugio.web.assistance.pages import problems_of
from refugio.web.context import Page, state_of
from refugio.web.forms import text

router = APIRouter(include_in_schema=False)


def _render(
    pg: Page, form: FormData | None, view: DeskView | None, problems: list[str], notice: str | None = None
) -> Response:
    values = {k: text(form, k) if form is not None else "" for k in ("programme", "desk", "key")}
    return pg.render(
        "assistance/desk.html",
        status=422 if problems else 200,
        programmes=queries.list_programmes(pg.db, actor=pg.principal),
        values=values,
        view=view,
        problems=problems,
        notice=notice,
    )


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
