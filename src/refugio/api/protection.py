"""Protection API under /api/v1/protection: cases (caseload, register, record, workflow, BIA/BID, tasks,
closure), referrals (sending, the receiving service's inbox and answers, revocation, SLA), the service
directory, a CSV export and the caseload statistics.

Confidentiality is enforced by refugio.protection (in its queries and services), whatever the route:
a case's details go only to its assigned caseworkers and supervisors; a caller who may not know a case
exists gets 404, a supervisor or administrator who sees it in the register gets 403. The receiving
service sees a referral's shared copy only. Every read of a case is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.api.protection_models import (
    AssignIn,
    AssignmentOut,
    BiaOut,
    BidOut,
    CaseItemOut,
    CaseOut,
    CasePage,
    FeedbackIn,
    MemberIn,
    MoveIn,
    NoteIn,
    OrganisationOut,
    OverdueTaskOut,
    ReasonIn,
    ReceivedReferralOut,
    ReferralOut,
    SearchIn,
    ServiceOut,
    SlaBreachOut,
    TableOut,
    TaskOut,
    TextIn,
    UnassignIn,
    WorkerLoadOut,
    case_out,
    referral_out,
    task_out,
)
from refugio.protection import queries, service
from refugio.protection.enums import AssignmentRole, CaseStatus
from refugio.protection.schemas import (
    AssessmentCreate,
    BiaCreate,
    BidCreate,
    CaseFromNeed,
    CaseOpen,
    CaseUpdate,
    MemberLink,
    OrganisationCreate,
    PlanCreate,
    ReferralCreate,
    ServiceCreate,
    TaskCreate,
)
from refugio.stats.caseload import caseload_table

router = APIRouter(prefix="/protection", tags=["protection"], responses=responses(401, 403, 404, 422))


def _read(session: Db, principal: Caller, case_id: uuid.UUID) -> CaseOut:
    return case_out(queries.get_case(session, actor=principal, key=case_id))


def _case_id(value: str) -> uuid.UUID:
    return parse_id(value, "case")


# ---------------------------------------------------------------------------------------------
# cases


@router.get("/cases", response_model=CasePage, summary="My caseload: the cases I am assigned to")
def my_cases(
    session: Db,
    principal: Caller,
    status: CaseStatus | None = None,
    case_type: str | None = Query(default=None, max_length=20),
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    items, total = queries.my_cases(
        session,
        actor=principal,
        status=status.value if status else None,
        case_type=case_type,
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )
    return CasePage(total=total, items=[CaseItemOut.model_validate(i) for i in items])


@router.get(
    "/register",
    response_model=CasePage,
    summary="The case register (metadata only: no person, no narrative), for supervisors",
)
def register(
    session: Db,
    principal: Caller,
    operation_id: uuid.UUID | None = None,
    status: CaseStatus | None = None,
    include_closed: bool = False,
    without_supervisor: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    items, total = queries.case_register(
        session,
        actor=principal,
        operation_id=operation_id,
        status=status.value if status else None,
        include_closed=include_closed,
        without_supervisor=without_supervisor,
        limit=limit,
        offset=offset,
    )
    return CasePage(total=total, items=[CaseItemOut.model_validate(i) for i in items])


@router.post(
    "/cases", response_model=CaseOut, status_code=201, responses=responses(409), summary="Open a case"
)
def open_case(data: CaseOpen, session: Db, principal: Caller) -> CaseOut:
    case = service.open_case(session, actor=principal, data=data)
    return _read(session, principal, case.id) if _may_read(session, principal, case.id) else _opened(case)


@router.post(
    "/cases/from-need",
    response_model=CaseOut,
    status_code=201,
    responses=responses(409),
    summary="Open a case from a person's specific-needs flag",
)
def open_from_need(data: CaseFromNeed, session: Db, principal: Caller) -> CaseOut:
    case = service.open_case_from_need(session, actor=principal, data=data)
    return _read(session, principal, case.id) if _may_read(session, principal, case.id) else _opened(case)


def _may_read(session: Db, principal: Caller, case_id: uuid.UUID) -> bool:
    from refugio.protection import policy
    from refugio.protection.common import load_case

    return policy.access_of(session, principal, load_case(session, case_id)).details


def _opened(case: Any) -> CaseOut:
    """What a supervisor who opened a case for someone else gets back: its metadata only."""
    return CaseOut(
        id=case.id,
        code=case.code,
        case_type=case.case_type,
        uasc=case.uasc,
        status=case.status,
        risk_level=case.risk_level,
        summary="",
        version=case.version,
        operation_code="",
        site_code="",
        opened_at=case.opened_at,
        opened_by=case.opened_by,
        closure_reason=None,
        closed_at=None,
        people=[],
        assignments=[],
        events=[],
        assessments=[],
        plans=[],
        bias=[],
        bids=[],
        tasks=[],
        referrals=[],
        needs_bia=False,
    )


@router.post(
    "/cases/search", response_model=list[CaseItemOut], summary="Search my cases by code, person ID or name"
)
def search(data: SearchIn, session: Db, principal: Caller) -> list[CaseItemOut]:
    return [
        CaseItemOut.model_validate(i) for i in queries.search_cases(session, actor=principal, query=data.q)
    ]


@router.get(
    "/cases.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "My cases as CSV."}},
    summary="Export my cases (CSV; GBV cases without the person)",
)
def export_csv(session: Db, principal: Caller) -> Response:
    body = queries.cases_csv(session, actor=principal)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


@router.get(
    "/cases/{case_id}", response_model=CaseOut, summary="A case's record (assigned workers only; audited)"
)
def get_case(case_id: str, session: Db, principal: Caller) -> CaseOut:
    return _read(session, principal, _case_id(case_id))


@router.patch(
    "/cases/{case_id}", response_model=CaseOut, responses=responses(409), summary="Update the summary or risk"
)
def update_case(case_id: str, data: CaseUpdate, session: Db, principal: Caller) -> CaseOut:
    case = service.update_case(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, case.id)


@router.post(
    "/cases/{case_id}/people", response_model=CaseOut, responses=responses(409), summary="Link a person"
)
def link_person(case_id: str, data: MemberLink, session: Db, principal: Caller) -> CaseOut:
    service.link_individual(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/assignments",
    status_code=201,
    response_model=AssignmentOut,
    responses=responses(409),
    summary="Assign a caseworker or supervisor (CASE_SUPERVISE)",
)
def assign(case_id: str, data: AssignIn, session: Db, principal: Caller) -> AssignmentOut:
    verb = service.assign_caseworker if data.role is AssignmentRole.CASEWORKER else service.assign_supervisor
    row = verb(session, actor=principal, case_id=_case_id(case_id), user_id=data.user_id)
    from refugio.security.models import User

    user = session.get(User, row.user_id)
    return AssignmentOut(
        user_id=row.user_id,
        username=user.username if user else "",
        role=row.role,
        active=row.active,
        assigned_at=row.assigned_at,
        assigned_by=row.assigned_by,
    )


@router.post(
    "/cases/{case_id}/assignments/end",
    status_code=204,
    responses=responses(409),
    summary="End an assignment (the user loses access at once)",
)
def unassign(case_id: str, data: UnassignIn, session: Db, principal: Caller) -> Response:
    service.unassign(
        session,
        actor=principal,
        case_id=_case_id(case_id),
        user_id=data.user_id,
        role=data.role,
        reason=data.reason,
    )
    return Response(status_code=204)


@router.post(
    "/cases/{case_id}/assessments",
    response_model=CaseOut,
    status_code=201,
    responses=responses(409),
    summary="Record an assessment",
)
def assess(case_id: str, data: AssessmentCreate, session: Db, principal: Caller) -> CaseOut:
    service.record_assessment(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/plan",
    response_model=CaseOut,
    status_code=201,
    responses=responses(409),
    summary="Record the case plan",
)
def case_plan(case_id: str, data: PlanCreate, session: Db, principal: Caller) -> CaseOut:
    service.record_case_plan(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/move", response_model=CaseOut, responses=responses(409), summary="Next workflow step"
)
def move(case_id: str, data: MoveIn, session: Db, principal: Caller) -> CaseOut:
    service.move_case(
        session, actor=principal, case_id=_case_id(case_id), to=CaseStatus(data.to), note=data.note
    )
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/notes",
    response_model=CaseOut,
    status_code=201,
    responses=responses(409),
    summary="Add a follow-up note",
)
def note(case_id: str, data: TextIn, session: Db, principal: Caller) -> CaseOut:
    service.add_note(session, actor=principal, case_id=_case_id(case_id), text=data.text)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/bia",
    response_model=BiaOut,
    status_code=201,
    responses=responses(409),
    summary="Submit a best-interests assessment",
)
def submit_bia(case_id: str, data: BiaCreate, session: Db, principal: Caller) -> BiaOut:
    return BiaOut.model_validate(
        service.submit_bia(session, actor=principal, case_id=_case_id(case_id), data=data)
    )


@router.post(
    "/bia/{bia_id}/approve",
    response_model=BiaOut,
    responses=responses(409),
    summary="Approve a BIA (assigned supervisor)",
)
def approve_bia(bia_id: str, data: NoteIn, session: Db, principal: Caller) -> BiaOut:
    return BiaOut.model_validate(
        service.approve_bia(session, actor=principal, bia_id=parse_id(bia_id, "BIA"), note=data.note)
    )


@router.post(
    "/bia/{bia_id}/return",
    response_model=BiaOut,
    responses=responses(409),
    summary="Return a BIA for revision",
)
def return_bia(bia_id: str, data: NoteIn, session: Db, principal: Caller) -> BiaOut:
    return BiaOut.model_validate(
        service.return_bia(session, actor=principal, bia_id=parse_id(bia_id, "BIA"), note=data.note)
    )


@router.post(
    "/cases/{case_id}/bid",
    response_model=BidOut,
    status_code=201,
    responses=responses(409),
    summary="Submit a best-interests determination (panel, decision, reasons)",
)
def submit_bid(case_id: str, data: BidCreate, session: Db, principal: Caller) -> BidOut:
    return BidOut.model_validate(
        service.submit_bid(session, actor=principal, case_id=_case_id(case_id), data=data)
    )


@router.post(
    "/bid/{bid_id}/approve",
    response_model=BidOut,
    responses=responses(409),
    summary="Approve a BID (assigned supervisor)",
)
def approve_bid(bid_id: str, data: NoteIn, session: Db, principal: Caller) -> BidOut:
    return BidOut.model_validate(
        service.approve_bid(session, actor=principal, bid_id=parse_id(bid_id, "BID"), note=data.note)
    )


@router.post(
    "/bid/{bid_id}/return",
    response_model=BidOut,
    responses=responses(409),
    summary="Return a BID for revision",
)
def return_bid(bid_id: str, data: NoteIn, session: Db, principal: Caller) -> BidOut:
    return BidOut.model_validate(
        service.return_bid(session, actor=principal, bid_id=parse_id(bid_id, "BID"), note=data.note)
    )


@router.post(
    "/cases/{case_id}/closure",
    response_model=CaseOut,
    responses=responses(409),
    summary="Request the case's closure",
)
def request_closure(case_id: str, data: ReasonIn, session: Db, principal: Caller) -> CaseOut:
    service.request_closure(session, actor=principal, case_id=_case_id(case_id), reason=data.reason)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/close",
    response_model=CaseOut,
    responses=responses(409),
    summary="Approve the closure (assigned supervisor)",
)
def close(case_id: str, data: NoteIn, session: Db, principal: Caller) -> CaseOut:
    service.close_case(session, actor=principal, case_id=_case_id(case_id), note=data.note)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/closure/reject",
    response_model=CaseOut,
    responses=responses(409),
    summary="Refuse the closure",
)
def reject_closure(case_id: str, data: NoteIn, session: Db, principal: Caller) -> CaseOut:
    service.reject_closure(session, actor=principal, case_id=_case_id(case_id), note=data.note)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/reopen",
    response_model=CaseOut,
    responses=responses(409),
    summary="Reopen a closed case",
)
def reopen(case_id: str, data: ReasonIn, session: Db, principal: Caller) -> CaseOut:
    service.reopen_case(session, actor=principal, case_id=_case_id(case_id), reason=data.reason)
    return _read(session, principal, _case_id(case_id))


# ---------------------------------------------------------------------------------------------
# tasks and caseload


@router.get("/cases/{case_id}/tasks", response_model=list[TaskOut], summary="A case's tasks")
def case_tasks(case_id: str, session: Db, principal: Caller) -> list[TaskOut]:
    return [task_out(t) for t in queries.get_case(session, actor=principal, key=_case_id(case_id)).tasks]


@router.post(
    "/cases/{case_id}/tasks",
    response_model=TaskOut,
    status_code=201,
    responses=responses(409),
    summary="Add a task",
)
def add_task(case_id: str, data: TaskCreate, session: Db, principal: Caller) -> TaskOut:
    task = service.add_task(session, actor=principal, case_id=_case_id(case_id), data=data)
    return next(
        task_out(t)
        for t in queries.get_case(session, actor=principal, key=task.case_id, audit_read=False).tasks
        if t.task.id == task.id
    )


@router.post(
    "/tasks/{task_id}/complete", status_code=204, responses=responses(409), summary="Complete a task"
)
def complete_task(task_id: str, data: NoteIn, session: Db, principal: Caller) -> Response:
    service.complete_task(session, actor=principal, task_id=parse_id(task_id, "task"), note=data.note)
    return Response(status_code=204)


@router.post(
    "/tasks/{task_id}/cancel", status_code=204, responses=responses(409), summary="Cancel a task, saying why"
)
def cancel_task(task_id: str, data: NoteIn, session: Db, principal: Caller) -> Response:
    service.cancel_task(session, actor=principal, task_id=parse_id(task_id, "task"), note=data.note)
    return Response(status_code=204)


@router.get("/tasks/overdue", response_model=list[OverdueTaskOut], summary="Overdue tasks on my cases")
def overdue(session: Db, principal: Caller, mine_only: bool = False) -> list[OverdueTaskOut]:
    return [
        OverdueTaskOut.model_validate(t)
        for t in queries.overdue_tasks(session, actor=principal, mine_only=mine_only)
    ]


@router.get(
    "/caseload", response_model=list[WorkerLoadOut], summary="Active cases and overdue tasks per worker"
)
def caseload(session: Db, principal: Caller, operation_id: uuid.UUID | None = None) -> list[WorkerLoadOut]:
    return [
        WorkerLoadOut.model_validate(w)
        for w in queries.caseload(session, actor=principal, operation_id=operation_id)
    ]


@router.get(
    "/statistics", response_model=TableOut, summary="Cases by type and status, after disclosure control"
)
def statistics(operation_id: uuid.UUID, session: Db, principal: Caller) -> TableOut:
    return TableOut.model_validate(
        caseload_table(session, actor=principal, operation_id=operation_id).as_dict()
    )


# ---------------------------------------------------------------------------------------------
# referrals


@router.get("/cases/{case_id}/referrals", response_model=list[ReferralOut], summary="A case's referrals")
def case_referrals(case_id: str, session: Db, principal: Caller) -> list[ReferralOut]:
    return [
        referral_out(r) for r in queries.get_case(session, actor=principal, key=_case_id(case_id)).referrals
    ]


@router.post(
    "/cases/{case_id}/referrals",
    response_model=ReferralOut,
    status_code=201,
    responses=responses(409),
    summary="Refer the person to a service (consent and the minimum data)",
)
def refer(case_id: str, data: ReferralCreate, session: Db, principal: Caller) -> ReferralOut:
    row = service.refer(session, actor=principal, case_id=_case_id(case_id), data=data)
    record = queries.get_case(session, actor=principal, key=row.case_id, audit_read=False)
    return next(referral_out(r) for r in record.referrals if r.referral.id == row.id)


@router.post(
    "/referrals/{referral_id}/revoke",
    status_code=204,
    responses=responses(409),
    summary="Revoke a referral (the service loses access)",
)
def revoke(referral_id: str, data: ReasonIn, session: Db, principal: Caller) -> Response:
    service.revoke_referral(
        session, actor=principal, referral_id=parse_id(referral_id, "referral"), reason=data.reason
    )
    return Response(status_code=204)


@router.get("/referrals/inbox", response_model=list[ReceivedReferralOut], summary="Referrals to my services")
def inbox(
    session: Db, principal: Caller, status: str | None = Query(default=None, max_length=12)
) -> list[ReceivedReferralOut]:
    return [
        ReceivedReferralOut.model_validate(r)
        for r in queries.referral_inbox(session, actor=principal, status=status)
    ]


@router.get(
    "/referrals/overdue", response_model=list[SlaBreachOut], summary="Referrals past their service-level time"
)
def breaching(session: Db, principal: Caller) -> list[SlaBreachOut]:
    return [SlaBreachOut.model_validate(b) for b in queries.referrals_breaching_sla(session, actor=principal)]


@router.get(
    "/referrals/{referral_id}",
    response_model=ReceivedReferralOut,
    summary="A referral to my service (audited)",
)
def received(referral_id: str, session: Db, principal: Caller) -> ReceivedReferralOut:
    return ReceivedReferralOut.model_validate(
        queries.received_referral(session, actor=principal, referral_id=parse_id(referral_id, "referral"))
    )


def _answered(session: Db, principal: Caller, referral_id: uuid.UUID) -> ReceivedReferralOut:
    return ReceivedReferralOut.model_validate(
        queries.received_referral(session, actor=principal, referral_id=referral_id)
    )


@router.post(
    "/referrals/{referral_id}/accept",
    response_model=ReceivedReferralOut,
    responses=responses(409),
    summary="Accept a referral",
)
def accept(referral_id: str, data: NoteIn, session: Db, principal: Caller) -> ReceivedReferralOut:
    rid = parse_id(referral_id, "referral")
    service.accept_referral(session, actor=principal, referral_id=rid, note=data.note)
    return _answered(session, principal, rid)


@router.post(
    "/referrals/{referral_id}/reject",
    response_model=ReceivedReferralOut,
    responses=responses(409),
    summary="Decline a referral, saying why",
)
def reject(referral_id: str, data: ReasonIn, session: Db, principal: Caller) -> ReceivedReferralOut:
    rid = parse_id(referral_id, "referral")
    service.reject_referral(session, actor=principal, referral_id=rid, reason=data.reason)
    return _answered(session, principal, rid)


@router.post(
    "/referrals/{referral_id}/complete",
    response_model=ReceivedReferralOut,
    responses=responses(409),
    summary="Report the service given",
)
def complete(referral_id: str, data: FeedbackIn, session: Db, principal: Caller) -> ReceivedReferralOut:
    rid = parse_id(referral_id, "referral")
    service.complete_referral(session, actor=principal, referral_id=rid, feedback=data.feedback)
    return _answered(session, principal, rid)


# ---------------------------------------------------------------------------------------------
# the directory


def _service_out(item: queries.ServiceItem) -> ServiceOut:
    s = item.service
    return ServiceOut(
        id=s.id,
        operation_id=s.operation_id,
        organisation_id=s.organisation_id,
        organisation=item.organisation.name,
        name=s.name,
        service_type=s.service_type,
        site_code=item.site_code,
        location=s.location,
        contact_name=s.contact_name,
        phone=s.phone,
        email=s.email,
        hours=s.hours,
        active=s.active,
        members=item.members,
    )


@router.get("/organisations", response_model=list[OrganisationOut], summary="Organisations of the directory")
def organisations(
    session: Db, principal: Caller, operation_id: uuid.UUID | None = None
) -> list[OrganisationOut]:
    return [
        OrganisationOut.model_validate(o)
        for o in queries.organisations(session, actor=principal, operation_id=operation_id)
    ]


@router.post(
    "/organisations",
    response_model=OrganisationOut,
    status_code=201,
    responses=responses(409),
    summary="Add an organisation",
)
def add_organisation(data: OrganisationCreate, session: Db, principal: Caller) -> OrganisationOut:
    return OrganisationOut.model_validate(service.create_organisation(session, actor=principal, data=data))


@router.get("/services", response_model=list[ServiceOut], summary="The service directory")
def services(
    session: Db,
    principal: Caller,
    operation_id: uuid.UUID | None = None,
    service_type: str | None = Query(default=None, max_length=30),
    include_inactive: bool = False,
) -> list[ServiceOut]:
    items = queries.services(
        session,
        actor=principal,
        operation_id=operation_id,
        service_type=service_type,
        include_inactive=include_inactive,
    )
    return [_service_out(i) for i in items]


def _one_service(session: Db, principal: Caller, service_id: uuid.UUID) -> ServiceOut:
    for item in queries.services(session, actor=principal, include_inactive=True):
        if item.service.id == service_id:
            return _service_out(item)
    from refugio.core.errors import NotFound

    raise NotFound("no such service")


@router.post("/services", response_model=ServiceOut, status_code=201, summary="Add a service")
def add_service(data: ServiceCreate, session: Db, principal: Caller) -> ServiceOut:
    row = service.add_service(session, actor=principal, data=data)
    return _one_service(session, principal, row.id)


@router.post(
    "/services/{service_id}/members",
    response_model=ServiceOut,
    status_code=201,
    responses=responses(409),
    summary="Add a user who answers the service's referrals",
)
def add_member(service_id: str, data: MemberIn, session: Db, principal: Caller) -> ServiceOut:
    sid = parse_id(service_id, "service")
    service.add_service_member(session, actor=principal, service_id=sid, user_id=data.user_id)
    return _one_service(session, principal, sid)


@router.post(
    "/services/{service_id}/deactivate",
    response_model=ServiceOut,
    summary="Take a service out of the directory",
)
def deactivate(service_id: str, session: Db, principal: Caller) -> ServiceOut:
    sid = parse_id(service_id, "service")
    service.deactivate_service(session, actor=principal, service_id=sid)
    return _one_service(session, principal, sid)
