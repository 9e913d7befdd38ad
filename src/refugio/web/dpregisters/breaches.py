"""The breach register's pages (/dataprotection/breaches…): the register (overdue notifications to the
authority marked) with the form to record a breach, and a breach's page: its status, the people
affected found from the audit log (a query form, the counts per site and exposure, the references),
and its notifications. Renders refugio.dataprotection's read models; must not import refugio.api,
refugio.cli or refugio.main."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.core import clock
from refugio.dataprotection import breaches
from refugio.dataprotection.register_schemas import (
    AffectedQuery,
    BreachCreate,
    BreachStatusChange,
    NotificationCreate,
)
from refugio.web import forms
from refugio.web.common import Failure
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.dpregisters import labels as L
from refugio.web.dpregisters.labels import form_state as form_context
from refugio.web.dpregisters.posting import RegisterPages

router = APIRouter(include_in_schema=False)
PAGE = "/dataprotection/breaches"
DETAIL_FORMS = ("status", "affected", "notify")


def _choices(pg: Page, table: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, pg.gettext(v)) for k, v in table.items()]


def _common(pg: Page) -> dict[str, Any]:
    return {
        "category_labels": L.CATEGORY_LABELS,
        "severity_labels": L.SEVERITY_LABELS,
        "status_labels": L.STATUS_LABELS,
        "recipient_labels": L.RECIPIENT_LABELS,
        "channel_labels": L.CHANNEL_LABELS,
        "now_local": clock.now().strftime("%Y-%m-%dT%H:%M"),
    }


def _render_list(request: Request, failure: Failure | None = None, status: int = 200) -> Response:
    with state_of(request).page(request) as pg:
        rows = breaches.breaches(pg.db, actor=pg.principal)
        return pg.render(
            "dpregisters/breaches.html",
            status=status,
            breaches=rows,
            form=form_context(failure, "record"),
            categories=_choices(pg, L.CATEGORY_LABELS),
            severities=_choices(pg, L.SEVERITY_LABELS),
            done=request.query_params.get("done", ""),
            **_common(pg),
        )


@router.get(PAGE)
def breaches_page(request: Request) -> Response:
    return _render_list(request)


@router.post(PAGE)
async def record_breach(request: Request) -> Response:
    def act(pg: Page, data: dict[str, Any]) -> str:
        hours = state_of(request).container.settings.breach_authority_hours
        made = breaches.record_breach(
            pg.db, actor=pg.principal, data=forms.build(BreachCreate, data, pg.t), default_hours=hours
        )
        return f"{PAGE}/{made.id}?done=recorded"

    return await PAGES.post_list(request, name="record", inputs=L.BREACH_INPUTS, act=act)


def _render_detail(
    request: Request, breach_id: uuid.UUID, failure: Failure | None = None, status: int = 200
) -> Response:
    with state_of(request).page(request) as pg:
        found = breaches.breach(pg.db, actor=pg.principal, breach_id=breach_id)
        return pg.render(
            "dpregisters/breach.html",
            status=status,
            b=found,
            forms_={name: form_context(failure, name) for name in DETAIL_FORMS},
            recipients=_choices(pg, L.RECIPIENT_LABELS),
            channels=_choices(pg, L.CHANNEL_LABELS),
            done=request.query_params.get("done", ""),
            **_common(pg),
        )


@router.get(PAGE + "/{breach_id}")
def breach_page(request: Request, breach_id: str) -> Response:
    return _render_detail(request, parse_uuid(breach_id))


PAGES = RegisterPages(PAGE, _render_list, _render_detail, anchor=True)


@router.post(PAGE + "/{breach_id}/status")
async def change_status(request: Request, breach_id: str) -> Response:
    def act(pg: Page, bid: uuid.UUID, data: dict[str, Any]) -> None:
        change = forms.build(BreachStatusChange, data, pg.t)
        breaches.change_status(pg.db, actor=pg.principal, breach_id=bid, data=change)

    return await PAGES.post_record(request, breach_id, name="status", inputs=("status", "note"), act=act)


@router.post(PAGE + "/{breach_id}/affected")
async def find_affected(request: Request, breach_id: str) -> Response:
    def act(pg: Page, bid: uuid.UUID, data: dict[str, Any]) -> None:
        query = forms.build(AffectedQuery, data, pg.t)
        breaches.find_affected(pg.db, actor=pg.principal, breach_id=bid, query=query)

    return await PAGES.post_record(request, breach_id, name="affected", inputs=L.AFFECTED_INPUTS, act=act)


@router.post(PAGE + "/{breach_id}/notifications")
async def notify(request: Request, breach_id: str) -> Response:
    def act(pg: Page, bid: uuid.UUID, data: dict[str, Any]) -> None:
        notice = forms.build(NotificationCreate, data, pg.t)
        breaches.notify(pg.db, actor=pg.principal, breach_id=bid, data=notice)

    return await PAGES.post_record(request, breach_id, name="notify", inputs=L.NOTIFY_INPUTS, act=act)
