"""Durable solutions pages: the claims (those one is assigned to, and the register for RSD supervisors,
with the figures), a claim's file with the forms of the steps one may take, the matching runs and a run
with its placements, their explanations and each locality's use, and the forms of proposal → review →
confirm. One small route per form action; a refused action shows the page again with its reason.

Permissions and confidentiality are checked by refugio.solutions. Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, ValidationFailed
from refugio.solutions import queries
from refugio.solutions.schemas import (
    AppealIn,
    AssessmentIn,
    ClosureIn,
    InterviewRecord,
    InterviewSchedule,
    NoticeDelivery,
    PlacementChange,
    ReviewIn,
)
from refugio.solutions.service import matching_runs, rsd, rsd_status
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text
from refugio.web.solutions.labels import (
    BASES,
    CHANNELS,
    LEGAL_STATUSES,
    MODALITIES,
    NOTICE_KINDS,
    OUTCOMES,
    RUN_STATES,
    STAGES,
)

router = APIRouter(include_in_schema=False)

# the claims page and a claim opened (/solutions/claims/new) before a claim's page (/solutions/claims/{id})
from refugio.web.solutions import claims as _claims  # noqa: E402

router.include_router(_claims.router)
LABELS: dict[str, Any] = {
    "stages": STAGES,
    "outcomes": OUTCOMES,
    "modalities": MODALITIES,
    "states": RUN_STATES,
    "bases": BASES,
    "notice_kinds": NOTICE_KINDS,
    "channels": CHANNELS,
    "legal_statuses": LEGAL_STATUSES,
}


def _claim_page(
    request: Request, claim_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    with state_of(request).page(request) as pg:
        detail = queries.get_claim(pg.db, actor=pg.principal, claim_id=claim_id)
        interpreters = queries.list_interpreters(
            pg.db, actor=pg.principal, operation_id=detail.claim.operation_id
        )
        return pg.render(
            "solutions/claim.html", status=status, d=detail, error=error, interpreters=interpreters, **LABELS
        )


@router.get("/solutions/claims/{claim_id}")
def claim_page(request: Request, claim_id: str) -> Response:
    return _claim_page(request, parse_uuid(claim_id))


@router.get("/solutions/claims/{claim_id}/letter.pdf")
def letter_pdf(request: Request, claim_id: str) -> Response:
    level = "appeal" if request.query_params.get("level") == "appeal" else "first_instance"
    with state_of(request).page(request) as pg:
        pdf = queries.decision_letter(pg.db, actor=pg.principal, claim_id=parse_uuid(claim_id), level=level)
    return Response(pdf, media_type="application/pdf")


def _claim_step(pg: Page, claim_id: uuid.UUID, form: FormData, verb: str) -> None:
    t, db, actor = pg.t, pg.db, pg.principal
    if verb == "schedule":
        data_s = forms.build(
            InterviewSchedule,
            forms.compact(
                {"scheduled_at": text(form, "scheduled_at"), "interpreter_id": text(form, "interpreter_id")}
            ),
            t,
        )
        rsd.schedule_interview(db, actor=actor, claim_id=claim_id, data=data_s)
    elif verb == "record":
        data_r = forms.build(InterviewRecord, {"record": text(form, "record")}, t)
        interview = parse_uuid(text(form, "interview_id"))
        rsd.record_interview(db, actor=actor, claim_id=claim_id, interview_id=interview, data=data_r)
    elif verb == "assess":
        outcomes = {
            k[8:]: v for k, v in form.multi_items() if k.startswith("outcome:") and isinstance(v, str) and v
        }
        bases = [v for k, v in form.multi_items() if k == "legal_basis" and isinstance(v, str)]
        reasons = text(form, "reasons")
        assessed: dict[str, Any] = {"outcomes": outcomes, "legal_basis": bases, "reasons": reasons}
        rsd.assess(db, actor=actor, claim_id=claim_id, data=forms.build(AssessmentIn, assessed, t))
    elif verb == "review":
        payload = {"agrees": text(form, "agrees") == "yes", "note": text(form, "note")}
        rsd.review(db, actor=actor, claim_id=claim_id, data=forms.build(ReviewIn, payload, t))
    elif verb == "decide":
        rsd.decide(db, actor=actor, claim_id=claim_id)
    elif verb == "appeal":
        payload = forms.compact(
            {
                "grounds": text(form, "grounds"),
                "lodged_on": text(form, "lodged_on"),
                "late_reason": text(form, "late_reason"),
            }
        )
        rsd.lodge_appeal(db, actor=actor, claim_id=claim_id, data=forms.build(AppealIn, payload, t))
    elif verb == "close":
        data_c = forms.build(ClosureIn, {"reason": text(form, "reason")}, t)
        rsd.close(db, actor=actor, claim_id=claim_id, reason=data_c.reason)
    elif verb == "deliver":
        payload = forms.compact(
            {"channel": text(form, "channel"), "delivered_on": text(form, "delivered_on")}
        )
        data_d = forms.build(NoticeDelivery, payload, t)
        notice = parse_uuid(text(form, "notification_id"))
        rsd_status.deliver(
            db, actor=actor, notification_id=notice, channel=data_d.channel, delivered_on=data_d.delivered_on
        )


def _run_page(
    request: Request, run_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    with state_of(request).page(request) as pg:
        detail = queries.get_run(pg.db, actor=pg.principal, run_id=run_id)
        return pg.render("solutions/run.html", status=status, d=detail, error=error, **LABELS)


@router.get("/solutions/matching/{run_id}")
def run_page(request: Request, run_id: str) -> Response:
    return _run_page(request, parse_uuid(run_id))


def _run_step(pg: Page, run_id: uuid.UUID, form: FormData, verb: str) -> None:
    t, db, actor = pg.t, pg.db, pg.principal
    if verb == "change":
        payload = {
            "case_ref": text(form, "case_ref"),
            "locality_ref": text(form, "locality_ref") or None,
            "reason": text(form, "reason"),
        }
        matching_runs.change(db, actor=actor, run_id=run_id, data=forms.build(PlacementChange, payload, t))
    elif verb == "review":
        note = text(form, "note")
        if len(note) < 3:
            raise ValidationFailed.single("note", pg.gettext("Say what was checked."))
        matching_runs.review(db, actor=actor, run_id=run_id, note=note)
    elif verb == "confirm":
        matching_runs.confirm(db, actor=actor, run_id=run_id)
    elif verb == "cancel":
        reason = text(form, "reason")
        if len(reason) < 3:
            raise ValidationFailed.single("reason", pg.gettext("Give a reason."))
        matching_runs.cancel(db, actor=actor, run_id=run_id, reason=reason)


def _act(
    request: Request,
    key: str,
    form: FormData,
    verb: str,
    step: Callable[[Page, uuid.UUID, FormData, str], None],
    page: Callable[..., Response],
    where: str,
) -> Response:
    target = parse_uuid(key)
    try:
        with state_of(request).page(request) as pg:
            pg.check_csrf(form)
            step(pg, target, form, verb)
    except (ValidationFailed, Conflict) as exc:
        message = "; ".join(e.message for e in getattr(exc, "errors", [])) or exc.message
        return page(request, target, error=message, status=422 if isinstance(exc, ValidationFailed) else 409)
    return RedirectResponse(f"{where}/{target}", status_code=303)


def _action(verb: str, kind: str) -> Any:
    async def handler(request: Request, key: str) -> Response:
        form = await request.form()
        if kind == "claims":
            return await run_in_threadpool(
                _act, request, key, form, verb, _claim_step, _claim_page, "/solutions/claims"
            )
        return await run_in_threadpool(
            _act, request, key, form, verb, _run_step, _run_page, "/solutions/matching"
        )

    handler.__name__ = f"solutions_{kind}_{verb}"
    return handler


for _verb in ("schedule", "record", "assess", "review", "decide", "appeal", "close", "deliver"):
    router.add_api_route(f"/solutions/claims/{{key}}/{_verb}", _action(_verb, "claims"), methods=["POST"])
for _verb in ("change", "review", "confirm", "cancel"):
    router.add_api_route(f"/solutions/matching/{{key}}/{_verb}", _action(_verb, "matching"), methods=["POST"])


from refugio.web.solutions import propose as _propose  # noqa: E402

router.include_router(_propose.router)

from refugio.web.solutions import resettlement as _resettlement  # noqa: E402

router.include_router(_resettlement.router)

from refugio.web.solutions import pathways as _pathways  # noqa: E402

router.include_router(_pathways.router)

from refugio.web.solutions import returns as _returns  # noqa: E402

router.include_router(_returns.router)

from refugio.web.solutions import return_grants as _return_grants  # noqa: E402

router.include_router(_return_grants.router)

from refugio.web.solutions import scores as _scores  # noqa: E402

router.include_router(_scores.router)
