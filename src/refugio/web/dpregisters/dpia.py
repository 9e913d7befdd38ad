"""The DPIA register's pages (/dataprotection/dpia…): the processing activities with the status of
each one's latest DPIA and every DPIA (forms to record an activity and to open a DPIA), and a DPIA's
page: its risks (likelihood × severity, before and after mitigation; add, remove while a draft) and its
course (submit, return, approve by someone other than the author, review). Renders
refugio.dataprotection's read models; must not import refugio.api, refugio.cli or refugio.main."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.dataprotection import dpia
from refugio.dataprotection.register_schemas import ActivityCreate, DpiaCreate, DpiaTransition, RiskInput
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import Failure
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.dpregisters import labels as L
from refugio.web.dpregisters.labels import form_state as form_context
from refugio.web.dpregisters.posting import RegisterPages

router = APIRouter(include_in_schema=False)
PAGE = "/dataprotection/dpia"


def _render_list(request: Request, failure: Failure | None = None, status: int = 200) -> Response:
    with state_of(request).page(request) as pg:
        activities = dpia.activities(pg.db, actor=pg.principal)
        return pg.render(
            "dpregisters/dpia.html",
            status=status,
            activities=activities,
            dpias=dpia.dpias(pg.db, actor=pg.principal),
            activity_form=form_context(failure, "activity"),
            dpia_form=form_context(failure, "dpia"),
            activity_choices=[(a.code, f"{a.code} · {a.name}") for a in activities],
            dpia_labels=L.DPIA_LABELS,
            level_labels=L.LEVEL_LABELS,
            done=request.query_params.get("done", ""),
        )


@router.get(PAGE)
def dpia_page(request: Request) -> Response:
    return _render_list(request)


@router.post(PAGE + "/activities")
async def record_activity(request: Request) -> Response:
    def act(pg: Page, data: dict[str, Any]) -> str:
        dpia.record_activity(pg.db, actor=pg.principal, data=forms.build(ActivityCreate, data, pg.t))
        return f"{PAGE}?done=activity#activities"

    return await PAGES.post_list(request, name="activity", inputs=L.ACTIVITY_INPUTS, act=act)


@router.post(PAGE)
async def open_dpia(request: Request) -> Response:
    def act(pg: Page, data: dict[str, Any]) -> str:
        made = dpia.open_dpia(pg.db, actor=pg.principal, data=forms.build(DpiaCreate, data, pg.t))
        return f"{PAGE}/{made.id}?done=opened"

    return await PAGES.post_list(request, name="dpia", inputs=L.DPIA_INPUTS, act=act)


def _render_detail(
    request: Request, dpia_id: uuid.UUID, failure: Failure | None = None, status: int = 200
) -> Response:
    with state_of(request).page(request) as pg:
        found = dpia.get_dpia(pg.db, actor=pg.principal, dpia_id=dpia_id)
        return pg.render(
            "dpregisters/dpia_detail.html",
            status=status,
            d=found,
            risk_form=form_context(failure, "risk"),
            course_form=form_context(failure, "course"),
            scale=[(k, pg.gettext(v)) for k, v in L.SCALE],
            dpia_labels=L.DPIA_LABELS,
            level_labels=L.LEVEL_LABELS,
            can_approve=dpia.can(pg.principal, Permission.DPIA_APPROVE)
            and found.author != pg.principal.label,
            is_author=found.author == pg.principal.label,
            done=request.query_params.get("done", ""),
        )


@router.get(PAGE + "/{dpia_id}")
def dpia_detail(request: Request, dpia_id: str) -> Response:
    return _render_detail(request, parse_uuid(dpia_id))


PAGES = RegisterPages(PAGE, _render_list, _render_detail)


@router.post(PAGE + "/{dpia_id}/risks")
async def add_risk(request: Request, dpia_id: str) -> Response:
    def act(pg: Page, did: uuid.UUID, data: dict[str, Any]) -> None:
        dpia.add_risk(pg.db, actor=pg.principal, dpia_id=did, risk=forms.build(RiskInput, data, pg.t))

    return await PAGES.post_record(request, dpia_id, name="risk", inputs=L.RISK_INPUTS, act=act)


@router.post(PAGE + "/{dpia_id}/risks/{index}/remove")
async def remove_risk(request: Request, dpia_id: str, index: int) -> Response:
    def act(pg: Page, did: uuid.UUID, data: dict[str, Any]) -> None:
        dpia.remove_risk(pg.db, actor=pg.principal, dpia_id=did, index=index)

    return await PAGES.post_record(request, dpia_id, name="risk", inputs=(), act=act)


@router.post(PAGE + "/{dpia_id}/course")
async def course(request: Request, dpia_id: str) -> Response:
    def act(pg: Page, did: uuid.UUID, data: dict[str, Any]) -> None:
        dpia.transition(pg.db, actor=pg.principal, dpia_id=did, data=forms.build(DpiaTransition, data, pg.t))

    inputs = ("action", "dpo_opinion", "review_date")
    return await PAGES.post_record(request, dpia_id, name="course", inputs=inputs, act=act)
