"""The complaints pages (accountability to affected people): the list with filters (status, category,
priority, channel, overdue) and the counts by category, a form to lodge one (anonymous allowed), and a
complaint's page with its service-level timer, its links and the form moving it on with the response
to the complainant.

Sensitive categories (SEA, fraud by staff) are listed only in the restricted view, offered to holders
of ASSISTANCE_COMPLAINT_SENSITIVE; the ordinary counts show them as one `restricted` line, `<5` below
the disclosure threshold (refugio.assistance.complaint_queries). Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.assistance import complaint_queries, queries
from refugio.assistance.schemas import ComplaintCreate, ComplaintProgress, ComplaintRead
from refugio.assistance.service import complaints
from refugio.core import clock
from refugio.core.errors import PermissionDenied, RefugioError, ValidationFailed
from refugio.registration import queries as reg_queries
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.assistance import labels
from refugio.web.context import Page, state_of
from refugio.web.forms import FormErrors, text

router = APIRouter(include_in_schema=False)
P = Permission
FILTERS = ("status", "category", "priority", "channel")
LODGE_FIELDS = (
    "operation_id",
    "channel",
    "category",
    "priority",
    "site_code",
    "programme",
    "household_ref",
    "payment_ref",
    "complainant_name",
    "complainant_contact",
    "description",
)


def sla_text(pg: Page, c: ComplaintRead) -> str:
    """`due in 2 d 5 h`, `overdue by 3 h`, or when it was closed."""
    if c.closed_at is not None:
        return pg.gettext("closed on %(when)s", when=f"{c.closed_at:%Y-%m-%d %H:%M}")
    if c.status == "resolved":
        return pg.gettext("resolved, awaiting closure")
    left = c.due_at - clock.now()
    span = abs(left)
    hours = int(span.total_seconds() // 3600)
    words = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"
    if left < dt.timedelta(0):
        return pg.gettext("overdue by %(span)s", span=words)
    return pg.gettext("due in %(span)s", span=words)


def _choices(pg: Page, mapping: dict[str, str], keep: object = None) -> list[tuple[str, str]]:
    return [(k, pg.gettext(v)) for k, v in mapping.items() if keep is None or k in keep]  # type: ignore[operator]


def _list_page(pg: Page, values: dict[str, Any], errors: FormErrors | None = None) -> Response:
    if not pg.can_anywhere(P.ASSISTANCE_COMPLAINT):
        raise PermissionDenied(f"{pg.principal.label} lacks {P.ASSISTANCE_COMPLAINT.value}")
    query = pg.request.query_params
    chosen = {k: query.get(k, "") for k in FILTERS}
    restricted = query.get("view") == "sensitive" and pg.can_anywhere(P.ASSISTANCE_COMPLAINT_SENSITIVE)
    overdue = query.get("overdue") == "1"
    rows = complaint_queries.list_complaints(
        pg.db,
        actor=pg.principal,
        sensitive=restricted,
        overdue=overdue,
        **{k: v or None for k, v in chosen.items()},  # type: ignore[arg-type]
    )
    ops = reg_queries.visible_operations(pg.db, actor=pg.principal)
    sites = reg_queries.visible_sites(pg.db, actor=pg.principal, permission=P.ASSISTANCE_COMPLAINT)
    key = query.get("done")
    return pg.render(
        "assistance/complaints.html",
        status=422 if errors else 200,
        rows=[(c, sla_text(pg, c)) for c in rows],
        counts=complaint_queries.counts_by_category(pg.db, actor=pg.principal),
        chosen=chosen,
        overdue=overdue,
        restricted=restricted,
        may_restricted=pg.can_anywhere(P.ASSISTANCE_COMPLAINT_SENSITIVE),
        values=values,
        errors=errors or FormErrors(),
        operations=[(str(o.id), f"{o.code} · {o.name}") for o in ops],
        sites=[(s.code, f"{s.code} · {s.name}") for s in sites],
        programmes=[
            (p.code, f"{p.code} · {p.name}") for p in queries.list_programmes(pg.db, actor=pg.principal)
        ],
        channels=_choices(pg, labels.CHANNEL),
        categories=_choices(pg, labels.CATEGORY, set(labels.CATEGORY) - {"restricted"}),
        priorities=_choices(pg, labels.PRIORITY),
        statuses=_choices(pg, labels.COMPLAINT_STATUS),
        labels=labels,
        notice=pg.gettext(labels.NOTICES[key]) if key in labels.NOTICES else None,
    )


@router.get("/assistance/complaints")
def complaints_page(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        return _list_page(pg, {**dict.fromkeys(LODGE_FIELDS, ""), "priority": "normal", "anonymous": False})


def _lodge_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: text(form, k) for k in LODGE_FIELDS}
    values["anonymous"] = text(form, "anonymous") == "on"
    return values


def _field_of(name: str) -> str | None:
    return name if name in LODGE_FIELDS or name == "anonymous" else None


@router.post("/assistance/complaints")
async def lodge(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_lodge_sync, request, form)


def _lodge_sync(request: Request, form: FormData) -> Response:
    web = state_of(request)
    values = _lodge_values(form)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            data = forms.build(ComplaintCreate, forms.compact(values), pg.t)
            made = complaints.lodge_complaint(pg.db, actor=pg.principal, data=data)
            target = f"/assistance/complaints/{made.ref}?done=lodged"
    except ValidationFailed as exc:
        with web.page(request) as pg:
            return _list_page(pg, values, forms.collect(exc.errors, _field_of))
    except PermissionDenied:
        raise
    except RefugioError as exc:
        errors = FormErrors()
        errors.add(None, exc.message)
        with web.page(request) as pg:
            return _list_page(pg, values, errors)
    return RedirectResponse(target, status_code=303)


def _detail(pg: Page, ref: str, errors: FormErrors | None = None, response: str = "") -> Response:
    c = complaint_queries.get_complaint(pg.db, actor=pg.principal, key=ref)
    key = pg.request.query_params.get("done")
    return pg.render(
        "assistance/complaint.html",
        status=422 if errors else 200,
        c=c,
        sla=sla_text(pg, c),
        next_statuses=_choices(pg, labels.COMPLAINT_STATUS, complaints.next_statuses(c.status)),
        response=response,
        errors=errors or FormErrors(),
        labels=labels,
        notice=pg.gettext(labels.NOTICES[key]) if key in labels.NOTICES else None,
    )


@router.get("/assistance/complaints/{ref}")
def complaint_page(request: Request, ref: str) -> Response:
    with state_of(request).page(request) as pg:
        return _detail(pg, ref)


@router.post("/assistance/complaints/{ref}/progress")
async def progress(request: Request, ref: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_progress_sync, request, form, ref)


def _progress_sync(request: Request, form: FormData, ref: str) -> Response:
    web = state_of(request)
    values = {"status": text(form, "status"), "response": text(form, "response")}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            data = forms.build(ComplaintProgress, forms.compact(values), pg.t)
            done = complaints.progress_complaint(pg.db, actor=pg.principal, complaint_id=ref, data=data)
            target = f"/assistance/complaints/{done.ref}?done=progressed"
    except ValidationFailed as exc:
        with web.page(request) as pg:
            return _detail(
                pg, ref, forms.collect(exc.errors, lambda n: n if n in values else None), values["response"]
            )
    except PermissionDenied:
        raise
    except RefugioError as exc:
        errors = FormErrors()
        errors.add("status", exc.message)
        with web.page(request) as pg:
            return _detail(pg, ref, errors, values["response"])
    return RedirectResponse(target, status_code=303)
