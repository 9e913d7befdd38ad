"""Protection API, cases: the caseload, the register, a case's record, its workflow, BIA/BID, tasks and
closure, a CSV export and the caseload statistics.

Confidentiality is enforced by refugio.protection (in its queries and services), whatever the route:
a case's details go only to its assigned caseworkers and supervisors; a caller who may not know a case
exists gets 404, a supervisor or administrator who sees it in the register gets 403. The receiving
service sees a referral's shared copy only. Every read of a case is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.protection import queries, service
from refugio.protection.enums import AssignmentRole, CaseStatus
from refugio.protection.schemas import (
    AssessmentCreate,
    AssignIn,
    AssignmentRead,
    BiaCreate,
    BiaRead,
    BidCreate,
    BidRead,
    CaseFromNeed,
    CaseItemRead,
    CaseloadTableRead,
    CaseOpen,
    CasePageRead,
    CaseRead,
    CaseUpdate,
    MemberLink,
    MoveIn,
    NoteIn,
    OverdueTaskRead,
    PlanCreate,
    ReasonIn,
    SearchIn,
    TaskCreate,
    TaskRead,
    TextIn,
    UnassignIn,
    WorkerLoadRead,
)
from refugio.stats.caseload import caseload_table

router = APIRouter()


def _read(session: Db, principal: Caller, case_id: uuid.UUID) -> CaseRead:
    return queries.read_case(session, actor=principal, key=case_id)


def _case_id(value: str) -> uuid.UUID:
    return parse_id(value, "case")


# ---------------------------------------------------------------------------------------------
# cases


@router.get("/cases", response_model=CasePageRead, summary="My caseload: the cases I am assigned to")
def my_cases(
    session: Db,
    principal: Caller,
    status: CaseStatus | None = None,
    case_type: str | None = Query(default=None, max_length=20),
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePageRead:
    items, total = queries.my_cases(
        session,
        actor=principal,
        status=status.value if status else None,
        case_type=case_type,
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )
    return CasePageRead(total=total, items=items)


@router.get(
    "/register",
    response_model=CasePageRead,
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
) -> CasePageRead:
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
    return CasePageRead(total=total, items=items)


@router.post(
    "/cases", response_model=CaseRead, status_code=201, responses=responses(409), summary="Open a case"
)
def open_case(data: CaseOpen, session: Db, principal: Caller) -> CaseRead:
    case = service.open_case(session, actor=principal, data=data)
    return queries.opened_case(session, actor=principal, case_id=case.id)


@router.post(
    "/cases/from-need",
    response_model=CaseRead,
    status_code=201,
    responses=responses(409),
    summary="Open a case from a person's specific-needs flag",
)
def open_from_need(data: CaseFromNeed, session: Db, principal: Caller) -> CaseRead:
    case = service.open_case_from_need(session, actor=principal, data=data)
    return queries.opened_case(session, actor=principal, case_id=case.id)


@router.post(
    "/cases/search", response_model=list[CaseItemRead], summary="Search my cases by code, person ID or name"
)
def search(data: SearchIn, session: Db, principal: Caller) -> list[CaseItemRead]:
    return queries.search_cases(session, actor=principal, query=data.q)


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
    "/cases/{case_id}", response_model=CaseRead, summary="A case's record (assigned workers only; audited)"
)
def get_case(case_id: str, session: Db, principal: Caller) -> CaseRead:
    return _read(session, principal, _case_id(case_id))


@router.patch(
    "/cases/{case_id}",
    response_model=CaseRead,
    responses=responses(409),
    summary="Update the summary or risk",
)
def update_case(case_id: str, data: CaseUpdate, session: Db, principal: Caller) -> CaseRead:
    case = service.update_case(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, case.id)


@router.post(
    "/cases/{case_id}/people", response_model=CaseRead, responses=responses(409), summary="Link a person"
)
def link_person(case_id: str, data: MemberLink, session: Db, principal: Caller) -> CaseRead:
    service.link_individual(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/assignments",
    status_code=201,
    response_model=AssignmentRead,
    responses=responses(409),
    summary="Assign a caseworker or supervisor (CASE_SUPERVISE)",
)
def assign(case_id: str, data: AssignIn, session: Db, principal: Caller) -> AssignmentRead:
    verb = service.assign_caseworker if data.role is AssignmentRole.CASEWORKER else service.assign_supervisor
    row = verb(session, actor=principal, case_id=_case_id(case_id), user_id=data.user_id)
    return queries.assignment_read(session, assignment=row)


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
    response_model=CaseRead,
    status_code=201,
    responses=responses(409),
    summary="Record an assessment",
)
def assess(case_id: str, data: AssessmentCreate, session: Db, principal: Caller) -> CaseRead:
    service.record_assessment(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/plan",
    response_model=CaseRead,
    status_code=201,
    responses=responses(409),
    summary="Record the case plan",
)
def case_plan(case_id: str, data: PlanCreate, session: Db, principal: Caller) -> CaseRead:
    service.record_case_plan(session, actor=principal, case_id=_case_id(case_id), data=data)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/move", response_model=CaseRead, responses=responses(409), summary="Next workflow step"
)
def move(case_id: str, data: MoveIn, session: Db, principal: Caller) -> CaseRead:
    service.move_case(
        session, actor=principal, case_id=_case_id(case_id), to=CaseStatus(data.to), note=data.note
    )
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/notes",
    response_model=CaseRead,
    status_code=201,
    responses=responses(409),
    summary="Add a follow-up note",
)
def note(case_id: str, data: TextIn, session: Db, principal: Caller) -> CaseRead:
    service.add_note(session, actor=principal, case_id=_case_id(case_id), text=data.text)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/bia",
    response_model=BiaRead,
    status_code=201,
    responses=responses(409),
    summary="Submit a best-interests assessment",
)
def submit_bia(case_id: str, data: BiaCreate, session: Db, principal: Caller) -> BiaRead:
    return service.submit_bia(session, actor=principal, case_id=_case_id(case_id), data=data)


@router.post(
    "/bia/{bia_id}/approve",
    response_model=BiaRead,
    responses=responses(409),
    summary="Approve a BIA (assigned supervisor)",
)
def approve_bia(bia_id: str, data: NoteIn, session: Db, principal: Caller) -> BiaRead:
    return service.approve_bia(session, actor=principal, bia_id=parse_id(bia_id, "BIA"), note=data.note)


@router.post(
    "/bia/{bia_id}/return",
    response_model=BiaRead,
    responses=responses(409),
    summary="Return a BIA for revision",
)
def return_bia(bia_id: str, data: NoteIn, session: Db, principal: Caller) -> BiaRead:
    return service.return_bia(session, actor=principal, bia_id=parse_id(bia_id, "BIA"), note=data.note)


@router.post(
    "/cases/{case_id}/bid",
    response_model=BidRead,
    status_code=201,
    responses=responses(409),
    summary="Submit a best-interests determination (panel, decision, reasons)",
)
def submit_bid(case_id: str, data: BidCreate, session: Db, principal: Caller) -> BidRead:
    return service.submit_bid(session, actor=principal, case_id=_case_id(case_id), data=data)


@router.post(
    "/bid/{bid_id}/approve",
    response_model=BidRead,
    responses=responses(409),
    summary="Approve a BID (assigned supervisor)",
)
def approve_bid(bid_id: str, data: NoteIn, session: Db, principal: Caller) -> BidRead:
    return service.approve_bid(session, actor=principal, bid_id=parse_id(bid_id, "BID"), note=data.note)


@router.post(
    "/bid/{bid_id}/return",
    response_model=BidRead,
    responses=responses(409),
    summary="Return a BID for revision",
)
def return_bid(bid_id: str, data: NoteIn, session: Db, principal: Caller) -> BidRead:
    return service.return_bid(session, actor=principal, bid_id=parse_id(bid_id, "BID"), note=data.note)


@router.post(
    "/cases/{case_id}/closure",
    response_model=CaseRead,
    responses=responses(409),
    summary="Request the case's closure",
)
def request_closure(case_id: str, data: ReasonIn, session: Db, principal: Caller) -> CaseRead:
    service.request_closure(session, actor=principal, case_id=_case_id(case_id), reason=data.reason)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/close",
    response_model=CaseRead,
    responses=responses(409),
    summary="Approve the closure (assigned supervisor)",
)
def close(case_id: str, data: NoteIn, session: Db, principal: Caller) -> CaseRead:
    service.close_case(session, actor=principal, case_id=_case_id(case_id), note=data.note)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/closure/reject",
    response_model=CaseRead,
    responses=responses(409),
    summary="Refuse the closure",
)
def reject_closure(case_id: str, data: NoteIn, session: Db, principal: Caller) -> CaseRead:
    service.reject_closure(session, actor=principal, case_id=_case_id(case_id), note=data.note)
    return _read(session, principal, _case_id(case_id))


@router.post(
    "/cases/{case_id}/reopen",
    response_model=CaseRead,
    responses=responses(409),
    summary="Reopen a closed case",
)
def reopen(case_id: str, data: ReasonIn, session: Db, principal: Caller) -> CaseRead:
    service.reopen_case(session, actor=principal, case_id=_case_id(case_id), reason=data.reason)
    return _read(session, principal, _case_id(case_id))


# ---------------------------------------------------------------------------------------------
# tasks and caseload


@router.get("/cases/{case_id}/tasks", response_model=list[TaskRead], summary="A case's tasks")
def case_tasks(case_id: str, session: Db, principal: Caller) -> list[TaskRead]:
    return _read(session, principal, _case_id(case_id)).tasks


@router.post(
    "/cases/{case_id}/tasks",
    response_model=TaskRead,
    status_code=201,
    responses=responses(409),
    summary="Add a task",
)
def add_task(case_id: str, data: TaskCreate, session: Db, principal: Caller) -> TaskRead:
    task = service.add_task(session, actor=principal, case_id=_case_id(case_id), data=data)
    record = queries.read_case(session, actor=principal, key=task.case_id, audit_read=False)
    return next(t for t in record.tasks if t.id == task.id)


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


@router.get("/tasks/overdue", response_model=list[OverdueTaskRead], summary="Overdue tasks on my cases")
def overdue(session: Db, principal: Caller, mine_only: bool = False) -> list[OverdueTaskRead]:
    return queries.overdue_tasks(session, actor=principal, mine_only=mine_only)


@router.get(
    "/caseload", response_model=list[WorkerLoadRead], summary="Active cases and overdue tasks per worker"
)
def caseload(session: Db, principal: Caller, operation_id: uuid.UUID | None = None) -> list[WorkerLoadRead]:
    return queries.caseload(session, actor=principal, operation_id=operation_id)


@router.get(
    "/statistics",
    response_model=CaseloadTableRead,
    summary="Cases by type and status, after disclosure control",
)
def statistics(operation_id: uuid.UUID, session: Db, principal: Caller) -> CaseloadTableRead:
    return CaseloadTableRead.model_validate(
        caseload_table(session, actor=principal, operation_id=operation_id).as_dict()
    )
