"""Assistance API, accountability to affected people: complaints (lodge, list with filters, read, move
on with the response, counts by category) and post-distribution monitoring outcomes (a problem opens a
complaint) with a cycle's results; the cycle's report through the disclosure control
(refugio.stats.assistance_report).

Permissions (checked by refugio.assistance): ASSISTANCE_COMPLAINT to lodge, read and handle complaints
and record PDM outcomes; sensitive categories (SEA, fraud by staff) only with
ASSISTANCE_COMPLAINT_SENSITIVE (`?sensitive=true` lists them; each read audited) and otherwise merged
into one `restricted` count, null below the disclosure threshold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.assistance import complaint_queries, pdm_queries
from refugio.assistance.enums import ComplaintCategory, ComplaintChannel, ComplaintPriority, ComplaintStatus
from refugio.assistance.schemas import (
    ComplaintCount,
    ComplaintCreate,
    ComplaintProgress,
    ComplaintRead,
    PdmOutcomeCreate,
    PdmResults,
)
from refugio.assistance.service import complaints, pdm
from refugio.stats.assistance_report import AssistanceReport, assistance_report

router = APIRouter(prefix="/assistance", tags=["assistance"], responses=responses(401, 403, 404, 409, 422))


@router.post(
    "/complaints",
    response_model=ComplaintRead,
    status_code=status.HTTP_201_CREATED,
    summary="Lodge a complaint",
)
def lodge(data: ComplaintCreate, session: Db, principal: Caller) -> ComplaintRead:
    made = complaints.lodge_complaint(session, actor=principal, data=data)
    return complaint_queries.get_complaint(session, actor=principal, key=made.id)


@router.get("/complaints", response_model=list[ComplaintRead], summary="Complaints in your scope, filtered")
def list_complaints(
    session: Db,
    principal: Caller,
    sensitive: bool = False,
    status_: Annotated[ComplaintStatus | None, Query(alias="status")] = None,
    category: ComplaintCategory | None = None,
    priority: ComplaintPriority | None = None,
    channel: ComplaintChannel | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ComplaintRead]:
    return complaint_queries.list_complaints(
        session,
        actor=principal,
        sensitive=sensitive,
        status=status_.value if status_ else None,
        category=category.value if category else None,
        priority=priority.value if priority else None,
        channel=channel.value if channel else None,
        overdue=overdue,
        limit=limit,
    )


@router.get(
    "/complaints/counts",
    response_model=list[ComplaintCount],
    summary="Complaints by category (sensitive ones merged and suppressed below the threshold)",
)
def counts(session: Db, principal: Caller) -> list[ComplaintCount]:
    return complaint_queries.counts_by_category(session, actor=principal)


@router.get("/complaints/{ref}", response_model=ComplaintRead)
def read(ref: str, session: Db, principal: Caller) -> ComplaintRead:
    return complaint_queries.get_complaint(session, actor=principal, key=ref)


@router.post(
    "/complaints/{ref}/progress",
    response_model=ComplaintRead,
    summary="Move a complaint on (a response is needed to resolve or close it)",
)
def progress(ref: str, data: ComplaintProgress, session: Db, principal: Caller) -> ComplaintRead:
    done = complaints.progress_complaint(session, actor=principal, complaint_id=ref, data=data)
    return complaint_queries.get_complaint(session, actor=principal, key=done.id)


@router.post(
    "/pdm/outcomes",
    response_model=PdmResults,
    status_code=status.HTTP_201_CREATED,
    summary="Record a PDM outcome (a problem opens a complaint); returns the cycle's results",
)
def record_pdm(data: PdmOutcomeCreate, session: Db, principal: Caller) -> PdmResults:
    pdm.record_outcome(session, actor=principal, data=data)
    return pdm_queries.pdm_results(session, actor=principal, cycle_key=data.cycle)


@router.get("/cycles/{cycle}/pdm", response_model=PdmResults, summary="A cycle's PDM outcomes and counts")
def pdm_results(cycle: str, session: Db, principal: Caller) -> PdmResults:
    return pdm_queries.pdm_results(session, actor=principal, cycle_key=cycle)


@router.get(
    "/cycles/{cycle}/report",
    response_model=AssistanceReport,
    summary="The cycle's report (coverage, amounts, PDM, complaints) after disclosure control",
)
def report(cycle: str, session: Db, principal: Caller) -> AssistanceReport:
    return assistance_report(session, actor=principal, cycle_key=cycle)
