"""Pydantic schemas of the protection domain: the inputs (`XCreate` / `XUpdate` and the small bodies of
the workflow verbs) and the read models (`XRead`) that refugio.protection.queries returns and every
channel renders as they are.

Inputs check shapes, types and lengths only (unknown fields are refused, texts are bounded); the
checks against the database and the clock (the person exists, a date is not in the past, the service
is in the case's operation, consent fits the person's age) are in service.py and referrals.py, which
report each wrong field by name. The read models hold only what the queries let the caller see: the
confidentiality rule is applied before they are built. Imports pydantic and refugio.protection.enums only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.protection.enums import (
    AssignmentRole,
    BidDecision,
    CaseType,
    ConsentBy,
    MemberRole,
    OrganisationKind,
    RiskLevel,
    ServiceType,
    SharedField,
    Urgency,
)

Narrative = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=30)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseOpen(Strict):
    """A case opened directly for a registered person (see `CaseFromNeed` to open it from a flag)."""

    individual_id: uuid.UUID
    case_type: CaseType
    risk_level: RiskLevel = RiskLevel.MEDIUM
    summary: Narrative = ""
    uasc: bool = False
    caseworker_id: uuid.UUID | None = Field(
        default=None, description="Default: the user opening the case, if they may manage cases."
    )
    supervisor_id: uuid.UUID | None = None


class CaseFromNeed(Strict):
    need_id: uuid.UUID
    risk_level: RiskLevel = RiskLevel.MEDIUM
    summary: Narrative = ""
    caseworker_id: uuid.UUID | None = None
    supervisor_id: uuid.UUID | None = None


class CaseUpdate(Strict):
    version: int = Field(description="The version read; a stale version is refused (409).")
    summary: Narrative | None = None
    risk_level: RiskLevel | None = None


class MemberLink(Strict):
    individual_id: uuid.UUID
    role: MemberRole = MemberRole.FAMILY


class AssessmentCreate(Strict):
    assessed_on: dt.date
    risk_level: RiskLevel
    summary: Required
    needs: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]] = (
        Field(default_factory=list, max_length=20)
    )


class PlanCreate(Strict):
    objectives: Required
    actions: Required
    review_on: dt.date


class BiaCreate(Strict):
    child_id: uuid.UUID
    assessed_on: dt.date
    findings: Required
    child_views: Required
    recommendation: Required


class PanelMember(Strict):
    name: Name
    role: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class BidCreate(Strict):
    bia_id: uuid.UUID
    panel: list[PanelMember] = Field(max_length=12)
    panel_date: dt.date
    decision: BidDecision
    reasons: Required


class TaskCreate(Strict):
    title: Title
    due_on: dt.date
    assignee_id: uuid.UUID | None = Field(default=None, description="Default: the user creating the task.")


class OrganisationCreate(Strict):
    operation_id: uuid.UUID
    name: Name
    acronym: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=30)] = None
    kind: OrganisationKind
    phone: Phone = None
    email: OptText = None


class ServiceCreate(Strict):
    organisation_id: uuid.UUID
    name: Name
    service_type: ServiceType
    site_id: uuid.UUID | None = None
    location: OptText = None
    contact_name: OptText = None
    phone: Phone = None
    email: OptText = None
    hours: OptText = None


class ReferralCreate(Strict):
    service_id: uuid.UUID
    urgency: Urgency = Urgency.NORMAL
    reason: Reason
    consent_given: bool = Field(
        description="The person (or for a child, the caregiver) agreed to the referral."
    )
    consent_by: ConsentBy | None = None
    consent_on: dt.date | None = None
    consent_note: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)] = None
    shared_fields: list[SharedField] | None = Field(
        default=None,
        max_length=len(SharedField),
        description="What the service receives about the person; default: a minimal set for the case type.",
    )


# ---------------------------------------------------------------------------------------------
# the bodies of the workflow verbs


class NoteIn(Strict):
    note: Note = ""


class ReasonIn(Strict):
    reason: Reason


class TextIn(Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]


class FeedbackIn(Strict):
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]


class MoveIn(Strict):
    to: Literal["implementation", "follow_up"]
    note: Note = ""


class AssignIn(Strict):
    user_id: uuid.UUID
    role: AssignmentRole


class UnassignIn(AssignIn):
    reason: Reason


class MemberIn(Strict):
    user_id: uuid.UUID


class SearchIn(Strict):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


# ---------------------------------------------------------------------------------------------
# read models (what refugio.protection.queries returns)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseItemRead(Read):
    """One line of a case list. `person_*` is None in the register and for GBV cases (code only)."""

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


class CasePageRead(BaseModel):
    total: int
    items: list[CaseItemRead]


class CaseDetailsRead(Read):
    """A case's own fields, as its assigned workers see them (the `case` of `queries.CaseRecord`)."""

    id: uuid.UUID
    code: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    case_type: str
    uasc: bool
    status: str
    risk_level: str
    summary: str
    opened_at: dt.datetime
    opened_by: str
    opened_from_need_id: uuid.UUID | None
    closure_requested_at: dt.datetime | None
    closure_requested_by: str | None
    closure_reason: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    updated_at: dt.datetime
    version: int


class PersonBriefRead(Read):
    """A registered person linked to a case, as the case shows them."""

    id: uuid.UUID
    ref: str
    given_name: str
    family_name: str
    sex: str


class PlaceRead(Read):
    """An operation or a site, by its code and name."""

    id: uuid.UUID
    code: str
    name: str


class CasePersonRead(BaseModel):
    role: str
    individual_id: uuid.UUID
    ref: str
    given_name: str
    family_name: str
    sex: str
    age: int
    child: bool


class AssignmentRead(Read):
    user_id: uuid.UUID
    username: str
    role: str
    active: bool
    assigned_at: dt.datetime
    assigned_by: str


class CaseEventRead(Read):
    at: dt.datetime
    by: str
    kind: str
    summary: str


class AssessmentRead(Read):
    id: uuid.UUID
    assessed_on: dt.date
    risk_level: str
    summary: str
    needs: list[str]
    recorded_by: str


class PlanRead(Read):
    id: uuid.UUID
    version: int
    objectives: str
    actions: str
    review_on: dt.date
    recorded_by: str


class BiaRead(Read):
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


class BidRead(Read):
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


class TaskRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    title: str
    due_on: dt.date
    assignee: str
    status: str
    overdue: bool
    note: str | None


class ReferralEventRead(Read):
    at: dt.datetime
    by: str
    status: str
    note: str | None


class ReferralRead(BaseModel):
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
    events: list[ReferralEventRead]


class CaseRead(BaseModel):
    """A case's record, for its assigned workers (or its metadata only, see `queries.opened_case`)."""

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
    people: list[CasePersonRead]
    assignments: list[AssignmentRead]
    events: list[CaseEventRead]
    assessments: list[AssessmentRead]
    plans: list[PlanRead]
    bias: list[BiaRead]
    bids: list[BidRead]
    tasks: list[TaskRead]
    referrals: list[ReferralRead]
    needs_bia: bool = Field(
        description="A child-protection case of a child: an approved BIA comes before the plan."
    )


class OverdueTaskRead(BaseModel):
    task_id: uuid.UUID
    title: str
    due_on: dt.date
    days_overdue: int
    assignee: str
    case_id: uuid.UUID
    case_code: str


class WorkerLoadRead(BaseModel):
    user_id: uuid.UUID
    username: str
    full_name: str
    role: str
    active_cases: int
    overdue_tasks: int


class ReceivedReferralRead(BaseModel):
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
    events: list[ReferralEventRead] = []


class SlaBreachRead(BaseModel):
    referral_id: uuid.UUID
    code: str
    service_name: str
    urgency: str
    sent_at: dt.datetime
    respond_by: dt.datetime
    hours_late: int
    side: str = Field(description="referrer (on the caller's cases) or receiver (for the caller's services).")
    case_id: uuid.UUID | None = Field(description="For the referring side only.")
    case_code: str | None


class OrganisationRead(Read):
    id: uuid.UUID
    operation_id: uuid.UUID
    name: str
    acronym: str | None
    kind: str
    phone: str | None
    email: str | None


class ServiceRead(BaseModel):
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


class CaseloadTableRead(BaseModel):
    """The caseload statistics (refugio.stats.caseload), after disclosure control."""

    name: str
    title: str
    columns: list[dict[str, str]]
    rows: list[list[int | float | str | None]]
    suppressed: list[list[int | str]]
    metadata: dict[str, Any]
