"""Request and response shapes of the protection API (refugio.api.protection), and the functions that
turn the records of refugio.protection.queries into them. Only what the queries return is rendered: the
queries already applied the confidentiality rule.

Imports pydantic and refugio.protection (queries, enums).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.protection import queries
from refugio.protection.enums import AssignmentRole

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoteIn(Input):
    note: Note = ""


class ReasonIn(Input):
    reason: Reason


class TextIn(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]


class FeedbackIn(Input):
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]


class MoveIn(Input):
    to: Literal["implementation", "follow_up"]
    note: Note = ""


class AssignIn(Input):
    user_id: uuid.UUID
    role: AssignmentRole


class UnassignIn(AssignIn):
    reason: Reason


class MemberIn(Input):
    user_id: uuid.UUID


class SearchIn(Input):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


# ---------------------------------------------------------------------------------------------
# responses


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseItemOut(Orm):
    id: uuid.UUID
    code: str
    case_type: str
    uasc: bool
    status: str
    risk_level: str
    site_code: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    caseworkers: list[str]
    supervisors: list[str]
    open_tasks: int
    overdue_tasks: int
    person_ref: str | None = Field(description="Empty in the register and for GBV cases (code only).")
    person_name: str | None


class CasePage(BaseModel):
    total: int
    items: list[CaseItemOut]


class PersonOut(BaseModel):
    role: str
    individual_id: uuid.UUID
    ref: str
    given_name: str
    family_name: str
    sex: str
    age: int
    child: bool


class AssignmentOut(Orm):
    user_id: uuid.UUID
    username: str
    role: str
    active: bool
    assigned_at: dt.datetime
    assigned_by: str


class EventOut(Orm):
    at: dt.datetime
    by: str
    kind: str
    summary: str


class AssessmentOut(Orm):
    id: uuid.UUID
    assessed_on: dt.date
    risk_level: str
    summary: str
    needs: list[str]
    recorded_by: str


class PlanOut(Orm):
    id: uuid.UUID
    version: int
    objectives: str
    actions: str
    review_on: dt.date
    recorded_by: str


class BiaOut(Orm):
    id: uuid.UUID
    child_id: uuid.UUID
    assessed_on: dt.date
    findings: str
    child_views: str
    recommendation: str
    status: str
    submitted_by: str
    decided_by: str | None
    decision_note: str | None


class BidOut(Orm):
    id: uuid.UUID
    child_id: uuid.UUID
    bia_id: uuid.UUID
    panel: list[dict[str, Any]]
    panel_date: dt.date
    decision: str
    reasons: str
    status: str
    submitted_by: str
    decided_by: str | None
    decision_note: str | None


class TaskOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    title: str
    due_on: dt.date
    assignee: str
    status: str
    overdue: bool
    note: str | None


class ReferralEventOut(Orm):
    at: dt.datetime
    by: str
    status: str
    note: str | None


class ReferralOut(BaseModel):
    """A referral as the referring worker sees it."""

    id: uuid.UUID
    code: str
    service_id: uuid.UUID
    service_name: str
    organisation: str
    urgency: str
    reason: str
    consent_by: str
    consent_on: dt.date
    shared_fields: list[str]
    status: str
    sent_at: dt.datetime
    respond_by: dt.datetime
    overdue: bool
    response_note: str | None
    feedback: str | None
    events: list[ReferralEventOut]


class CaseOut(BaseModel):
    id: uuid.UUID
    code: str
    case_type: str
    uasc: bool
    status: str
    risk_level: str
    summary: str
    version: int
    operation_code: str
    site_code: str
    opened_at: dt.datetime
    opened_by: str
    closure_reason: str | None
    closed_at: dt.datetime | None
    people: list[PersonOut]
    assignments: list[AssignmentOut]
    events: list[EventOut]
    assessments: list[AssessmentOut]
    plans: list[PlanOut]
    bias: list[BiaOut]
    bids: list[BidOut]
    tasks: list[TaskOut]
    referrals: list[ReferralOut]
    needs_bia: bool = Field(
        description="A child-protection case of a child: an approved BIA comes before the plan."
    )


class OverdueTaskOut(Orm):
    task_id: uuid.UUID
    title: str
    due_on: dt.date
    days_overdue: int
    assignee: str
    case_id: uuid.UUID
    case_code: str


class WorkerLoadOut(Orm):
    user_id: uuid.UUID
    username: str
    full_name: str
    role: str
    active_cases: int
    overdue_tasks: int


class ReceivedReferralOut(Orm):
    """A referral as the receiving service sees it: the shared copy only, never the case."""

    id: uuid.UUID
    code: str
    service_id: uuid.UUID
    service_name: str
    urgency: str
    reason: str
    shared_fields: list[str]
    shared_data: dict[str, Any]
    consent_by: str
    consent_on: dt.date
    status: str
    sent_at: dt.datetime
    sent_by: str
    respond_by: dt.datetime
    overdue: bool
    response_note: str | None
    feedback: str | None
    events: list[ReferralEventOut] = []


class SlaBreachOut(Orm):
    referral_id: uuid.UUID
    code: str
    service_name: str
    urgency: str
    sent_at: dt.datetime
    respond_by: dt.datetime
    hours_late: int
    side: str
    case_id: uuid.UUID | None
    case_code: str | None


class OrganisationOut(Orm):
    id: uuid.UUID
    operation_id: uuid.UUID
    name: str
    acronym: str | None
    kind: str
    phone: str | None
    email: str | None


class ServiceOut(BaseModel):
    id: uuid.UUID
    operation_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str
    name: str
    service_type: str
    site_code: str | None
    location: str | None
    contact_name: str | None
    phone: str | None
    email: str | None
    hours: str | None
    active: bool
    members: list[str]


class TableOut(BaseModel):
    name: str
    title: str
    columns: list[dict[str, str]]
    rows: list[list[int | float | str | None]]
    suppressed: list[list[int | str]]
    metadata: dict[str, Any]


def case_out(record: queries.CaseRecord) -> CaseOut:
    c = record.case
    return CaseOut(
        id=c.id,
        code=c.code,
        case_type=c.case_type,
        uasc=c.uasc,
        status=c.status,
        risk_level=c.risk_level,
        summary=c.summary,
        version=c.version,
        operation_code=record.operation.code,
        site_code=record.site.code,
        opened_at=c.opened_at,
        opened_by=c.opened_by,
        closure_reason=c.closure_reason,
        closed_at=c.closed_at,
        people=[
            PersonOut(
                role=p.role,
                individual_id=p.person.id,
                ref=p.person.ref,
                given_name=p.person.given_name,
                family_name=p.person.family_name,
                sex=p.person.sex,
                age=p.age,
                child=p.child,
            )
            for p in record.people
        ],
        assignments=[AssignmentOut.model_validate(a) for a in record.assignments],
        events=[EventOut.model_validate(e) for e in record.events],
        assessments=[AssessmentOut.model_validate(a) for a in record.assessments],
        plans=[PlanOut.model_validate(p) for p in record.plans],
        bias=[BiaOut.model_validate(b) for b in record.bias],
        bids=[BidOut.model_validate(b) for b in record.bids],
        tasks=[task_out(t) for t in record.tasks],
        referrals=[referral_out(r) for r in record.referrals],
        needs_bia=record.needs_bia,
    )


def task_out(view: queries.TaskView) -> TaskOut:
    t = view.task
    return TaskOut(
        id=t.id,
        case_id=t.case_id,
        title=t.title,
        due_on=t.due_on,
        assignee=view.assignee,
        status=t.status,
        overdue=view.overdue,
        note=t.note,
    )


def referral_out(view: queries.ReferralView) -> ReferralOut:
    r = view.referral
    return ReferralOut(
        id=r.id,
        code=r.code,
        service_id=r.service_id,
        service_name=view.service_name,
        organisation=view.organisation,
        urgency=r.urgency,
        reason=r.reason,
        consent_by=r.consent_by,
        consent_on=r.consent_on,
        shared_fields=list(r.shared_fields),
        status=r.status,
        sent_at=r.sent_at,
        respond_by=r.respond_by,
        overdue=view.overdue,
        response_note=r.response_note,
        feedback=r.feedback,
        events=[ReferralEventOut.model_validate(e) for e in view.events],
    )
