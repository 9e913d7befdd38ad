"""The forms of the case page, one route each: POST /protection/cases/{case_id}/<form> (update, link,
assess, plan, move, note, bia, bia_decide, bid, bid_decide, task, task_done, refer, revoke, closure,
close_decide, reopen).

Each runs through `refugio.web.common.run_action`: CSRF-checked, one unit of work, a refused form rolled
back whole and the case page shown again with the errors beside the fields (422). Who may do what is
decided by refugio.protection.service: a caller not assigned to the case gets 404. Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import NotFound, ValidationFailed
from refugio.protection import service
from refugio.protection.enums import CaseStatus
from refugio.protection.schemas import (
    AssessmentCreate,
    BiaCreate,
    BidCreate,
    CaseUpdate,
    MemberLink,
    PlanCreate,
    ReferralCreate,
    TaskCreate,
)
from refugio.registration import queries as registration
from refugio.web import forms
from refugio.web.common import run_action
from refugio.web.context import Page, parse_uuid
from refugio.web.forms import checked, plain_input, split_codes, text
from refugio.web.protection.cases import render_case

router = APIRouter(include_in_schema=False)

Work = Callable[[Page, uuid.UUID, FormData], None]

_PANEL_LINE = re.compile(r"^\s*(.+?)\s*(?:[-–—,:;|]\s*(.+?))?\s*$")

# the inputs of every form of the case page: an error naming one is shown beside it
_INPUTS = (
    "version",
    "summary",
    "risk_level",
    "individual",
    "role",
    "assessed_on",
    "needs",
    "objectives",
    "actions",
    "review_on",
    "to",
    "note",
    "text",
    "child_id",
    "findings",
    "child_views",
    "recommendation",
    "record_id",
    "bia_id",
    "panel",
    "panel_date",
    "decision",
    "reasons",
    "title",
    "due_on",
    "assignee_id",
    "task_id",
    "service_id",
    "urgency",
    "reason",
    "consent_given",
    "consent_by",
    "consent_on",
    "consent_note",
    "shared_fields",
    "referral_id",
)
_TO_INPUT = plain_input(_INPUTS, {"individual_id": "individual", "text": "text"})


async def _act(request: Request, case_id: str, name: str, work: Work, done: str = "saved") -> Response:
    """Run form `name` of the case page; back to the case page at the form's anchor."""
    cid = parse_uuid(case_id)
    form = await request.form()

    def go(pg: Page) -> str:
        work(pg, cid, form)
        return f"/protection/cases/{cid}?done={done}#{name}"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name=name,
        work=go,
        to_input=_TO_INPUT,
        on_failure=lambda failure: render_case(request, cid, failure),
    )


# ---------------------------------------------------------------------------------------------
# the case itself and its people


def _update(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    values = {"version": text(form, "version"), "summary": text(form, "summary")}
    values["risk_level"] = text(form, "risk_level")
    data = forms.build(CaseUpdate, forms.compact(values), pg.t)
    service.update_case(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/update")
async def update(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "update", _update)


def _link(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    try:
        person = registration.get_individual(
            pg.db, actor=pg.principal, key=text(form, "individual"), audit_read=False
        ).person
    except NotFound:
        raise ValidationFailed.single(
            "individual", pg.gettext("No registered person with this ID."), "not_found"
        ) from None
    values = {"individual_id": str(person.id), "role": text(form, "role") or "family"}
    data = forms.build(MemberLink, values, pg.t)
    service.link_individual(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/link")
async def link(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "link", _link)


def _assess(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    values: dict[str, Any] = {k: text(form, k) for k in ("assessed_on", "risk_level", "summary")}
    values["needs"] = split_codes(text(form, "needs"))
    data = forms.build(AssessmentCreate, values, pg.t)
    service.record_assessment(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/assess")
async def assess(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "assess", _assess)


def _plan(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    values = {k: text(form, k) for k in ("objectives", "actions", "review_on")}
    data = forms.build(PlanCreate, values, pg.t)
    service.record_case_plan(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/plan")
async def plan(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "plan", _plan)


def _move(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    to = text(form, "to")
    if to not in {s.value for s in CaseStatus}:
        raise ValidationFailed.single("to", pg.gettext("Choose one of the options."), "invalid")
    service.move_case(pg.db, actor=pg.principal, case_id=cid, to=CaseStatus(to), note=text(form, "note"))


@router.post("/protection/cases/{case_id}/move")
async def move(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "move", _move)


def _note(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    service.add_note(pg.db, actor=pg.principal, case_id=cid, text=text(form, "text"))


@router.post("/protection/cases/{case_id}/note")
async def note(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "note", _note)


# ---------------------------------------------------------------------------------------------
# best interests: assessment (BIA) and determination (BID), with their approvals


def _bia(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    keys = ("child_id", "assessed_on", "findings", "child_views", "recommendation")
    data = forms.build(BiaCreate, {k: text(form, k) for k in keys}, pg.t)
    service.submit_bia(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/bia")
async def bia(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "bia", _bia)


def _bia_decide(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    bia_id, approve = parse_uuid(text(form, "record_id")), text(form, "decision") == "approve"
    service.decide_bia(pg.db, actor=pg.principal, bia_id=bia_id, approve=approve, note=text(form, "note"))


@router.post("/protection/cases/{case_id}/bia_decide")
async def bia_decide(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "bia_decide", _bia_decide)


def _panel(value: str) -> list[dict[str, str]]:
    """One panel member a line: `name - role` (or `,` `:` `;` `|` between them)."""
    out = []
    for line in value.splitlines():
        m = _PANEL_LINE.match(line)
        if line.strip() and m:
            out.append({"name": m.group(1), "role": m.group(2) or ""})
    return out


def _bid(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    values: dict[str, Any] = {k: text(form, k) for k in ("bia_id", "panel_date", "decision", "reasons")}
    values["panel"] = _panel(text(form, "panel"))
    data = forms.build(BidCreate, values, pg.t)
    service.submit_bid(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/bid")
async def bid(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "bid", _bid)


def _bid_decide(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    bid_id, approve = parse_uuid(text(form, "record_id")), text(form, "decision") == "approve"
    service.decide_bid(pg.db, actor=pg.principal, bid_id=bid_id, approve=approve, note=text(form, "note"))


@router.post("/protection/cases/{case_id}/bid_decide")
async def bid_decide(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "bid_decide", _bid_decide)


# ---------------------------------------------------------------------------------------------
# tasks and referrals


def _task(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    values = forms.compact({k: text(form, k) for k in ("title", "due_on", "assignee_id")})
    data = forms.build(TaskCreate, values, pg.t)
    service.add_task(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/task")
async def task(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "task", _task)


def _task_done(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    verb = service.complete_task if text(form, "outcome") != "cancel" else service.cancel_task
    verb(pg.db, actor=pg.principal, task_id=parse_uuid(text(form, "task_id")), note=text(form, "note"))


@router.post("/protection/cases/{case_id}/task_done")
async def task_done(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "task_done", _task_done)


def _refer(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    keys = ("service_id", "urgency", "reason", "consent_by", "consent_on", "consent_note")
    values: dict[str, Any] = forms.compact({k: text(form, k) for k in keys})
    values["consent_given"] = checked(form, "consent_given")
    values["shared_fields"] = [f for f in form.getlist("shared_fields") if isinstance(f, str)]
    data = forms.build(ReferralCreate, values, pg.t)
    service.refer(pg.db, actor=pg.principal, case_id=cid, data=data)


@router.post("/protection/cases/{case_id}/refer")
async def refer(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "refer", _refer, done="referred")


def _revoke(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    referral_id = parse_uuid(text(form, "referral_id"))
    service.revoke_referral(pg.db, actor=pg.principal, referral_id=referral_id, reason=text(form, "reason"))


@router.post("/protection/cases/{case_id}/revoke")
async def revoke(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "revoke", _revoke)


# ---------------------------------------------------------------------------------------------
# closure and reopening


def _closure(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    service.request_closure(pg.db, actor=pg.principal, case_id=cid, reason=text(form, "reason"))


@router.post("/protection/cases/{case_id}/closure")
async def closure(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "closure", _closure)


def _close_decide(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    verb = service.close_case if text(form, "decision") == "approve" else service.reject_closure
    verb(pg.db, actor=pg.principal, case_id=cid, note=text(form, "note"))


@router.post("/protection/cases/{case_id}/close_decide")
async def close_decide(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "close_decide", _close_decide)


def _reopen(pg: Page, cid: uuid.UUID, form: FormData) -> None:
    service.reopen_case(pg.db, actor=pg.principal, case_id=cid, reason=text(form, "reason"))


@router.post("/protection/cases/{case_id}/reopen")
async def reopen(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "reopen", _reopen)
