"""Durable solutions API: matching runs (proposal → review → confirmation by a person) and refugee
status determination claims with due process, and the RSD figures.

Resettlement: quotas pledged by States, cases with their submission categories and priority, the
submission against a quota (never past its places), the State's decision and the departure — counts
of departures from the country of asylum, never arrivals.

Permissions are checked by refugio.solutions: SOLUTIONS_VIEW to read runs, MATCHING_RUN to propose
and change, MATCHING_CONFIRM to review and confirm, RESETTLEMENT_MANAGE for resettlement; an RSD file
is read only by the staff assigned to it (404 for others, 403 for RSD supervisors who see the
register). Every read of a run or a claim is
audited. Runs and claims are addressed by id or reference (`MR-JOR-…`, `RSD-JOR-…`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.solutions import queries
from refugio.solutions.schemas import (
    AppealIn,
    AssessmentIn,
    ClaimDetail,
    ClaimOpen,
    ClaimRead,
    InterpreterCreate,
    InterviewRecord,
    InterviewSchedule,
    MatchingRunCreate,
    MatchingRunDetail,
    MatchingRunRead,
    NeedsCandidate,
    NoticeDelivery,
    NotificationRead,
    PlacementChange,
    QuotaCreate,
    QuotaRead,
    ResettlementCaseRead,
    ResettlementIdentify,
    ReviewIn,
)
from refugio.solutions.service import matching_runs, resettlement, rsd, rsd_status

router = APIRouter(prefix="/solutions", tags=["durable solutions"], responses=responses(401, 403, 404, 422))


class NoteIn(BaseModel):
    note: str = Field(min_length=3, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class AssignIn(BaseModel):
    user_id: uuid.UUID
    role: Literal["officer", "reviewer", "appeal_officer"]


class DecisionIn(BaseModel):
    notified_on: dt.date | None = None


class CreatedOut(BaseModel):
    id: uuid.UUID


# --- matching ----------------------------------------------------------------------------------------


@router.get("/matching/runs", response_model=list[MatchingRunRead], summary="Matching runs in your scope")
def list_runs(session: Db, principal: Caller, operation_id: uuid.UUID | None = None) -> list[MatchingRunRead]:
    return queries.list_runs(session, actor=principal, operation_id=operation_id)


@router.post(
    "/matching/runs",
    response_model=MatchingRunDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Propose a matching run (solved at once; placements stay proposals until confirmed)",
)
def propose_run(
    data: MatchingRunCreate, operation_id: uuid.UUID, session: Db, principal: Caller
) -> MatchingRunDetail:
    run = matching_runs.propose(session, actor=principal, operation_id=operation_id, data=data)
    return queries.get_run(session, actor=principal, run_id=run.id)


@router.get(
    "/matching/runs/{key}", response_model=MatchingRunDetail, summary="A run: placements, explanations"
)
def get_run(key: str, session: Db, principal: Caller) -> MatchingRunDetail:
    return queries.get_run(session, actor=principal, run_id=queries.find_run(session, key))


@router.post(
    "/matching/runs/{key}/placements", response_model=MatchingRunDetail, summary="Change a placement"
)
def change_placement(key: str, data: PlacementChange, session: Db, principal: Caller) -> MatchingRunDetail:
    run_id = queries.find_run(session, key)
    matching_runs.change(session, actor=principal, run_id=run_id, data=data)
    return queries.get_run(session, actor=principal, run_id=run_id)


@router.post(
    "/matching/runs/{key}/review", response_model=MatchingRunDetail, summary="Mark a proposal reviewed"
)
def review_run(key: str, data: NoteIn, session: Db, principal: Caller) -> MatchingRunDetail:
    run_id = queries.find_run(session, key)
    matching_runs.review(session, actor=principal, run_id=run_id, note=data.note)
    return queries.get_run(session, actor=principal, run_id=run_id)


@router.post(
    "/matching/runs/{key}/confirm",
    response_model=MatchingRunDetail,
    summary="Confirm the reviewed placements (refused past a locality's capacity)",
)
def confirm_run(key: str, session: Db, principal: Caller) -> MatchingRunDetail:
    run_id = queries.find_run(session, key)
    matching_runs.confirm(session, actor=principal, run_id=run_id)
    return queries.get_run(session, actor=principal, run_id=run_id)


@router.post("/matching/runs/{key}/cancel", response_model=MatchingRunDetail, summary="Cancel an active run")
def cancel_run(key: str, data: ReasonIn, session: Db, principal: Caller) -> MatchingRunDetail:
    run_id = queries.find_run(session, key)
    matching_runs.cancel(session, actor=principal, run_id=run_id, reason=data.reason)
    return queries.get_run(session, actor=principal, run_id=run_id)


# --- status determination ----------------------------------------------------------------------------


@router.get("/claims", response_model=list[ClaimRead], summary="Claims assigned to you, and the register")
def list_claims(session: Db, principal: Caller, stage: str | None = None) -> list[ClaimRead]:
    return queries.list_claims(session, actor=principal, stage=stage)


@router.post(
    "/claims", response_model=ClaimDetail, status_code=status.HTTP_201_CREATED, summary="Open a claim"
)
def open_claim(data: ClaimOpen, session: Db, principal: Caller) -> ClaimDetail:
    claim = rsd.open_claim(session, actor=principal, data=data)
    return _file(session, principal, claim.id)


def _file(session: Any, principal: Any, claim_id: uuid.UUID) -> ClaimDetail:
    return queries.get_claim(session, actor=principal, claim_id=claim_id)


@router.get("/claims/{key}", response_model=ClaimDetail, summary="A claim's file (assigned staff only)")
def get_claim(key: str, session: Db, principal: Caller) -> ClaimDetail:
    return _file(session, principal, queries.find_claim(session, key))


@router.get(
    "/claims/{key}/letter.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="The decision letter (PDF, in the claim's language)",
)
def letter(
    key: str, session: Db, principal: Caller, level: Literal["first_instance", "appeal"] = "first_instance"
) -> Response:
    pdf = queries.decision_letter(
        session, actor=principal, claim_id=queries.find_claim(session, key), level=level
    )
    return Response(pdf, media_type="application/pdf")


@router.post("/claims/{key}/assignments", response_model=ClaimRead, summary="Assign an officer or reviewer")
def assign(key: str, data: AssignIn, session: Db, principal: Caller) -> ClaimRead:
    claim_id = queries.find_claim(session, key)
    rsd.assign(session, actor=principal, claim_id=claim_id, user_id=data.user_id, role=data.role)
    return next(c for c in queries.list_claims(session, actor=principal) if c.id == claim_id)


@router.post("/claims/{key}/interviews", response_model=ClaimDetail, summary="Schedule an interview")
def schedule(key: str, data: InterviewSchedule, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.schedule_interview(session, actor=principal, claim_id=claim_id, data=data)
    return _file(session, principal, claim_id)


@router.post(
    "/claims/{key}/interviews/{interview_id}/record",
    response_model=ClaimDetail,
    summary="Record an interview",
)
def record(
    key: str, interview_id: uuid.UUID, data: InterviewRecord, session: Db, principal: Caller
) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.record_interview(session, actor=principal, claim_id=claim_id, interview_id=interview_id, data=data)
    return _file(session, principal, claim_id)


@router.post("/claims/{key}/assessment", response_model=ClaimDetail, summary="Eligibility assessment")
def assess(key: str, data: AssessmentIn, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.assess(session, actor=principal, claim_id=claim_id, data=data)
    return _file(session, principal, claim_id)


@router.post("/claims/{key}/review", response_model=ClaimDetail, summary="Second-officer review")
def review(key: str, data: ReviewIn, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.review(session, actor=principal, claim_id=claim_id, data=data)
    return _file(session, principal, claim_id)


@router.post("/claims/{key}/decision", response_model=ClaimDetail, summary="Decide (and notify)")
def decide(key: str, data: DecisionIn, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.decide(session, actor=principal, claim_id=claim_id, notified_on=data.notified_on)
    return _file(session, principal, claim_id)


@router.post("/claims/{key}/appeal", response_model=ClaimDetail, summary="Lodge an appeal")
def appeal(key: str, data: AppealIn, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.lodge_appeal(session, actor=principal, claim_id=claim_id, data=data)
    return _file(session, principal, claim_id)


@router.post("/claims/{key}/close", response_model=ClaimDetail, summary="Close an open claim (abandoned)")
def close(key: str, data: ReasonIn, session: Db, principal: Caller) -> ClaimDetail:
    claim_id = queries.find_claim(session, key)
    rsd.close(session, actor=principal, claim_id=claim_id, reason=data.reason)
    return _file(session, principal, claim_id)


@router.get(
    "/claims/{key}/notifications",
    response_model=list[NotificationRead],
    summary="A claim's notices to its people (decisions, final legal status)",
)
def claim_notices(key: str, session: Db, principal: Caller) -> list[NotificationRead]:
    return _file(session, principal, queries.find_claim(session, key)).notifications


@router.get(
    "/people/{individual_id}/notifications",
    response_model=list[NotificationRead],
    summary="A person's RSD notices (from the claims whose file you may read)",
)
def person_notices(individual_id: uuid.UUID, session: Db, principal: Caller) -> list[NotificationRead]:
    return queries.person_notices(session, actor=principal, individual_id=individual_id)


@router.post(
    "/notifications/{notification_id}/delivery",
    response_model=NotificationRead,
    summary="Record how and when a notice reached the person (the claim's officer)",
)
def deliver_notice(
    notification_id: uuid.UUID, data: NoticeDelivery, session: Db, principal: Caller
) -> NotificationRead:
    rsd_status.deliver(
        session,
        actor=principal,
        notification_id=notification_id,
        channel=data.channel,
        delivered_on=data.delivered_on,
    )
    return queries.get_notice(session, actor=principal, notification_id=notification_id)


class FinalisedOut(BaseModel):
    finalised: list[str]


@router.post(
    "/claims/finalise",
    response_model=FinalisedOut,
    summary="Make final the first-instance outcomes whose appeal deadline passed unappealed",
)
def finalise(operation_id: uuid.UUID, session: Db, principal: Caller) -> FinalisedOut:
    refs = rsd_status.finalise_unappealed(session, actor=principal, operation_id=operation_id)
    return FinalisedOut(finalised=refs)


@router.post(
    "/interpreters",
    response_model=CreatedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an interpreter",
)
def add_interpreter(
    data: InterpreterCreate, operation_id: uuid.UUID, session: Db, principal: Caller
) -> CreatedOut:
    row = rsd.add_interpreter(session, actor=principal, operation_id=operation_id, data=data)
    return CreatedOut(id=row.id)


@router.get("/figures", summary="RSD figures: backlog, median days per stage, rates by level")
def figures(session: Db, principal: Caller, operation_id: uuid.UUID | None = None) -> dict[str, Any]:
    return queries.rsd_figures(session, actor=principal, operation_id=operation_id)


# --- resettlement ------------------------------------------------------------------------------------


class SubmitIn(BaseModel):
    quota_id: uuid.UUID
    on: dt.date | None = None


class StateDecisionIn(BaseModel):
    accepted: bool
    note: str = Field(min_length=3, max_length=2000)
    on: dt.date | None = None


class DepartureIn(BaseModel):
    on: dt.date | None = None


@router.get(
    "/resettlement/quotas", response_model=list[QuotaRead], summary="Quotas and their use (departures)"
)
def list_quotas(session: Db, principal: Caller) -> list[QuotaRead]:
    return queries.list_quotas(session, actor=principal)


@router.post("/resettlement/quotas", response_model=CreatedOut, status_code=status.HTTP_201_CREATED)
def create_quota(data: QuotaCreate, session: Db, principal: Caller) -> CreatedOut:
    return CreatedOut(id=resettlement.create_quota(session, actor=principal, data=data).id)


@router.get("/resettlement/cases", response_model=list[ResettlementCaseRead], summary="Resettlement cases")
def list_resettlement_cases(session: Db, principal: Caller) -> list[ResettlementCaseRead]:
    return queries.list_resettlement_cases(session, actor=principal)


@router.post("/resettlement/cases", response_model=CreatedOut, status_code=status.HTTP_201_CREATED)
def identify(data: ResettlementIdentify, session: Db, principal: Caller) -> CreatedOut:
    return CreatedOut(id=resettlement.identify(session, actor=principal, data=data).id)


@router.post("/resettlement/cases/{case_id}/submission", response_model=CreatedOut)
def submit(case_id: uuid.UUID, data: SubmitIn, session: Db, principal: Caller) -> CreatedOut:
    resettlement.submit(session, actor=principal, case_id=case_id, quota_id=data.quota_id, on=data.on)
    return CreatedOut(id=case_id)


@router.post("/resettlement/cases/{case_id}/decision", response_model=CreatedOut)
def state_decision(case_id: uuid.UUID, data: StateDecisionIn, session: Db, principal: Caller) -> CreatedOut:
    resettlement.record_decision(
        session, actor=principal, case_id=case_id, accepted=data.accepted, note=data.note, on=data.on
    )
    return CreatedOut(id=case_id)


@router.post("/resettlement/cases/{case_id}/departure", response_model=CreatedOut)
def departure(case_id: uuid.UUID, data: DepartureIn, session: Db, principal: Caller) -> CreatedOut:
    resettlement.record_departure(session, actor=principal, case_id=case_id, on=data.on)
    return CreatedOut(id=case_id)


@router.post("/resettlement/cases/{case_id}/withdrawal", response_model=CreatedOut)
def withdraw(case_id: uuid.UUID, data: ReasonIn, session: Db, principal: Caller) -> CreatedOut:
    resettlement.withdraw(session, actor=principal, case_id=case_id, reason=data.reason)
    return CreatedOut(id=case_id)


@router.get(
    "/resettlement/needs",
    response_model=list[NeedsCandidate],
    summary="Households whose specific needs point to a resettlement submission category (suggestions)",
)
def resettlement_needs(session: Db, principal: Caller) -> list[NeedsCandidate]:
    return queries.resettlement_needs(session, actor=principal)


@router.get(
    "/resettlement/cases/{key}/rrf.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="The resettlement registration form (PDF)",
)
def rrf(key: str, session: Db, principal: Caller) -> Response:
    _, pdf = queries.rrf_dossier(session, actor=principal, case_key=key)
    return Response(pdf, media_type="application/pdf")


@router.get(
    "/resettlement/cases/{key}/errf.xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
    summary="The eRRF of a case as XML (schema at /resettlement/errf.xsd)",
)
def errf(key: str, session: Db, principal: Caller) -> Response:
    ref, xml = queries.rrf_xml(session, actor=principal, case_key=key)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{ref}-errf.xml"'},
    )


@router.get(
    "/resettlement/errf.xsd",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
    summary="The XML schema of the eRRF export",
)
def errf_schema(principal: Caller) -> Response:
    from refugio.solutions import errf_xml

    return Response(errf_xml.schema_text(), media_type="application/xml")


from refugio.api import solutions_pathways as _pathways  # noqa: E402

router.include_router(_pathways.router)

from refugio.api import solutions_returns as _returns  # noqa: E402

router.include_router(_returns.router)

from refugio.api import solutions_scores as _scores  # noqa: E402

router.include_router(_scores.router)
