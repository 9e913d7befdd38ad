"""Voluntary repatriation and AVRR API (under /solutions/returns): the return intention survey form
(XLSForm; published to the OpenRosa form list, whose submissions land in solutions) and the intention
figures through the disclosure control; go-and-see visits; caseworkers' sign-offs; returns (register a
whole household or some members, record the departure, cancel); return grants through assistance;
reintegration monitoring visits and figures; the weights versions.

RETURN_MANAGE writes (on the household's site), SOLUTIONS_VIEW reads; a sign-off only by the assigned
caseworker of the person's open case; a return grant needs ASSISTANCE_PLAN. Returns by id or reference.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.intake.openrosa_forms import publish_domain_form
from refugio.solutions.returns import packages, queries, service, surveys, visits
from refugio.solutions.returns import weights as weighting
from refugio.solutions.returns.schemas import (
    CancelIn,
    DepartureIn,
    GrantIn,
    GrantRead,
    MonitoringIn,
    MonitoringRead,
    ReturnDetail,
    ReturnIn,
    ReturnRead,
    SignOffIn,
    SignOffRead,
    VisitDone,
    VisitIn,
    VisitRead,
)
from refugio.stats.returns_report import ReturnIntentionsReport, return_intentions_report

router = APIRouter(prefix="/returns", tags=["durable solutions"], responses=responses(401, 403, 404, 422))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation_id: uuid.UUID


class SurveyFormRead(BaseModel):
    form_id: str
    version: str
    title: str


@router.post("/survey-form", response_model=SurveyFormRead, status_code=status.HTTP_201_CREATED)
def publish_survey_form(body: PublishRequest, session: Db, principal: Caller) -> SurveyFormRead:
    """Publish (again) the operation's return intention survey on the OpenRosa form list."""
    form = publish_domain_form(
        session, actor=principal, handler=surveys.HANDLER, operation_id=body.operation_id
    )
    return SurveyFormRead(form_id=form.form_id, version=form.version, title=form.title)


@router.get("/survey-form.xlsx", response_model=None, responses={200: {"content": {XLSX: {}}}})
def survey_xlsform(operation_id: uuid.UUID, session: Db, principal: Caller) -> Response:
    """The operation's return intention survey as an XLSForm (for KoboToolbox or ODK Central)."""
    form_id, xlsx = surveys.survey_form(session, actor=principal, operation_id=operation_id)
    disposition = f'attachment; filename="{form_id}.xlsx"'
    return Response(xlsx, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/intentions", response_model=ReturnIntentionsReport, summary="Intentions, disclosure-controlled")
def intentions(session: Db, principal: Caller) -> ReturnIntentionsReport:
    """Households by origin area, site and intention, and the conditions cited (latest surveys)."""
    return return_intentions_report(session, actor=principal)


@router.get("", response_model=list[ReturnRead], summary="Returns in your scope")
def list_returns(session: Db, principal: Caller, status: str | None = None) -> list[ReturnRead]:
    return queries.list_returns(session, actor=principal, status=status)


@router.post(
    "", response_model=ReturnDetail, status_code=status.HTTP_201_CREATED, summary="Register a return"
)
def register_return(data: ReturnIn, session: Db, principal: Caller) -> ReturnDetail:
    row = service.register_return(session, actor=principal, data=data)
    return queries.get_return(session, actor=principal, return_id=row.id)


@router.get("/figures", summary="Returns and people by status and destination; reintegration scores")
def figures(session: Db, principal: Caller) -> dict[str, Any]:
    return {
        **queries.return_figures(session, actor=principal),
        "reintegration": queries.reintegration_figures(session, actor=principal),
    }


@router.get("/weights", summary="The reintegration weights, every version")
def weights(principal: Caller) -> dict[str, Any]:
    """Every version of the reintegration weights and the latest (configuration, not personal data; any
    signed-in user)."""
    del principal  # signed in is enough
    found = weighting.versions()
    return {
        "latest": weighting.latest().version,
        "versions": {k: v.model_dump(mode="json") for k, v in found.items()},
    }


@router.get("/visits", response_model=list[VisitRead], summary="Go-and-see visits")
def list_visits(session: Db, principal: Caller) -> list[VisitRead]:
    return queries.list_visits(session, actor=principal)


def _visit(session: Db, principal: Caller, visit_id: uuid.UUID) -> VisitRead:
    return next(v for v in queries.list_visits(session, actor=principal) if v.id == visit_id)


@router.post("/visits", response_model=VisitRead, status_code=status.HTTP_201_CREATED)
def plan_visit(data: VisitIn, session: Db, principal: Caller) -> VisitRead:
    return _visit(session, principal, visits.plan_visit(session, actor=principal, data=data).id)


@router.post("/visits/{visit_id}/done", response_model=VisitRead)
def record_visit(visit_id: uuid.UUID, data: VisitDone, session: Db, principal: Caller) -> VisitRead:
    return _visit(
        session, principal, visits.record_visit(session, actor=principal, visit_id=visit_id, data=data).id
    )


@router.post("/visits/{visit_id}/cancel", response_model=VisitRead)
def cancel_visit(visit_id: uuid.UUID, data: CancelIn, session: Db, principal: Caller) -> VisitRead:
    return _visit(
        session, principal, visits.cancel_visit(session, actor=principal, visit_id=visit_id, data=data).id
    )


@router.post("/sign-offs", response_model=SignOffRead, status_code=status.HTTP_201_CREATED)
def sign_off(data: SignOffIn, session: Db, principal: Caller) -> SignOffRead:
    """The assigned caseworker of the person's open protection case agrees to their return."""
    row = service.sign_off(session, actor=principal, data=data)
    return next(s for s in queries.my_sign_offs(session, actor=principal) if s.id == row.id)


@router.get("/sign-offs", response_model=list[SignOffRead], summary="The sign-offs you recorded")
def my_sign_offs(session: Db, principal: Caller) -> list[SignOffRead]:
    return queries.my_sign_offs(session, actor=principal)


@router.post("/grants", response_model=GrantRead, status_code=status.HTTP_201_CREATED)
def create_grant(data: GrantIn, session: Db, principal: Caller) -> GrantRead:
    """A return grant: an assistance cash programme for returnees, its rules and a first cycle."""
    return packages.create_return_grant(session, actor=principal, data=data)


@router.get("/{key}", response_model=ReturnDetail, summary="A return, its returnees, its monitoring")
def get_return(key: str, session: Db, principal: Caller) -> ReturnDetail:
    return queries.get_return(session, actor=principal, return_id=queries.find_return(session, key))


@router.post("/{key}/departure", response_model=ReturnDetail)
def record_departure(key: str, data: DepartureIn, session: Db, principal: Caller) -> ReturnDetail:
    """The returnees left: out of the active registry, their household closed."""
    rid = queries.find_return(session, key)
    service.record_departure(session, actor=principal, return_id=rid, data=data)
    return queries.get_return(session, actor=principal, return_id=rid)


@router.post("/{key}/cancel", response_model=ReturnDetail)
def cancel_return(key: str, data: CancelIn, session: Db, principal: Caller) -> ReturnDetail:
    rid = queries.find_return(session, key)
    service.cancel_return(session, actor=principal, return_id=rid, data=data)
    return queries.get_return(session, actor=principal, return_id=rid)


@router.post("/{key}/monitoring", response_model=MonitoringRead, status_code=status.HTTP_201_CREATED)
def record_monitoring(key: str, data: MonitoringIn, session: Db, principal: Caller) -> MonitoringRead:
    """A reintegration monitoring visit: answers 1-5 per indicator, scored with the weights."""
    rid = queries.find_return(session, key)
    visit = service.record_monitoring(session, actor=principal, return_id=rid, data=data)
    found = queries.get_return(session, actor=principal, return_id=rid).monitoring
    return next(m for m in found if m.id == visit.id)
