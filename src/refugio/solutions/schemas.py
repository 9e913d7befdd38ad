"""Pydantic schemas of the solutions domain: inputs (`XCreate`, `XIn`) and the read models that
queries.py returns (`XRead`). Shapes, types and lengths only; the checks against the database are in
the service modules, which name each wrong field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.solutions.enums import (
    ApplicationStatus,
    Education,
    Level,
    Modality,
    NoticeChannel,
    Outcome,
    PathwayKind,
    Priority,
    SubmissionCategory,
)

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
# either case accepted, stored lower-case (pydantic checks the pattern before to_lower: "ARA" was refused)
Lang = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z]{3}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- matching ----------------------------------------------------------------------------------------


class MatchCaseIn(Strict):
    # a case has at least one member: the schema says so
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [k], "properties": {k: {"minimum": 1}}}
                for k in ("children", "adults", "seniors")
            ]
        }
    )

    case_ref: Ref
    household_id: uuid.UUID | None = None
    children: int = Field(ge=0, le=100)
    adults: int = Field(ge=0, le=100)
    seniors: int = Field(ge=0, le=100)


class MatchLocalityIn(Strict):
    locality_ref: Ref
    name: str | None = Field(default=None, max_length=200)
    capacities: list[Annotated[int, Field(ge=0)]] = Field(
        min_length=1,
        max_length=3,
        description="people, or children/adults/seniors",
        json_schema_extra={"not": {"minItems": 2, "maxItems": 2}},
    )


class MatchScoreIn(Strict):
    case_ref: Ref
    locality_ref: Ref
    score: float


class MatchingRunCreate(Strict):
    title: Title
    time_limit: float = Field(default=10.0, gt=0, le=600)
    cases: list[MatchCaseIn] = Field(min_length=1)
    localities: list[MatchLocalityIn] = Field(min_length=1)
    scores: list[MatchScoreIn]


class PlacementChange(Strict):
    case_ref: Ref
    locality_ref: Ref | None = Field(default=None, description="None: leave the case unplaced")
    reason: Reason


class MatchingRunRead(BaseModel):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    title: str
    status: str
    dimensions: list[str]
    method: str
    objective: float
    bound: float
    lp_bound: float | None
    gap: float
    seconds: float
    cases: int
    placed: int
    created_by: str
    created_at: dt.datetime
    reviewed_by: str | None
    review_note: str | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class PlacementRead(BaseModel):
    case_ref: str
    household_id: uuid.UUID | None
    children: int
    adults: int
    seniors: int
    proposed_locality: str | None
    final_locality: str | None
    score: float | None
    changed_by: str | None
    change_reason: str | None
    explanation: dict[str, Any]


class LocalityUseRead(BaseModel):
    locality_ref: str
    name: str | None
    capacities: list[int]
    used: list[int]
    over: bool


class MatchingRunDetail(BaseModel):
    run: MatchingRunRead
    placements: list[PlacementRead]
    localities: list[LocalityUseRead]


# --- refugee status determination --------------------------------------------------------------------


class ClaimOpen(Strict):
    household_id: uuid.UUID
    principal_id: uuid.UUID
    member_ids: list[uuid.UUID] = Field(
        default_factory=list, description="Others of the household on the claim"
    )
    modality: Modality = Modality.REGULAR
    language: Lang
    interpreter_gender: Annotated[str, StringConstraints(pattern=r"^[FM]$")] | None = None
    lodged_on: dt.date | None = None
    appeal_days: int = Field(default=30, ge=1, le=365)
    officer_id: uuid.UUID | None = None


class InterpreterCreate(Strict):
    name: Title
    languages: list[Lang] = Field(min_length=1)
    gender: Annotated[str, StringConstraints(pattern=r"^[FM]$")]


class InterviewSchedule(Strict):
    scheduled_at: dt.datetime
    interpreter_id: uuid.UUID | None = None


class InterviewRecord(Strict):
    record: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=100_000)]


class AssessmentIn(Strict):
    outcomes: dict[uuid.UUID, Outcome] = Field(description="Per person on the claim (individual id)")
    legal_basis: list[str] = Field(default_factory=list)
    reasons: Text = ""


class ReviewIn(Strict):
    agrees: bool
    note: Reason


class AppealIn(Strict):
    lodged_on: dt.date | None = None
    grounds: Reason
    late_reason: Reason | None = None


class ClosureIn(Strict):
    reason: Reason


class MemberRead(BaseModel):
    individual_id: uuid.UUID
    ref: str
    name: str
    sex: str
    principal: bool
    first_outcome: str | None
    appeal_outcome: str | None


class EventRead(BaseModel):
    kind: str
    stage: str
    at: dt.datetime
    actor: str
    details: dict[str, Any]


class ClaimRead(BaseModel):
    """The register's view: no names, no narrative."""

    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    modality: str
    stage: str
    level: Level
    lodged_on: dt.date
    language: str
    members: int
    assigned: list[str]
    appeal_deadline: dt.date | None


class NotificationRead(BaseModel):
    """A notice due to one person of a claim: a decision, or their legal status made final (or
    reopened by a late appeal) in the registry; pending until its delivery is recorded."""

    id: uuid.UUID
    claim_id: uuid.UUID
    claim_ref: str
    individual_id: uuid.UUID
    person_ref: str
    kind: str
    level: str
    outcome: str | None
    legal_status: str | None
    language: str
    created_at: dt.datetime
    created_by: str
    delivered_on: dt.date | None
    channel: str | None
    delivered_by: str | None


class ClaimDetail(BaseModel):
    claim: ClaimRead
    members: list[MemberRead]
    interviews: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    appeal: dict[str, Any] | None
    events: list[EventRead]
    may: list[str]
    notifications: list[NotificationRead] = []


class NoticeDelivery(Strict):
    channel: NoticeChannel
    delivered_on: dt.date | None = None


# --- resettlement ------------------------------------------------------------------------------------


class QuotaCreate(Strict):
    state_iso3: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
    ]
    year: int = Field(ge=2000, le=2100)
    label: Title
    places: int = Field(ge=1, le=1_000_000)
    operation_id: uuid.UUID | None = None


class ResettlementIdentify(Strict):
    household_id: uuid.UUID
    primary_category: SubmissionCategory
    secondary_category: SubmissionCategory | None = None
    priority: Priority = Priority.NORMAL
    needs_summary: Reason


class NeedsCandidate(BaseModel):
    """A household whose people's specific needs point to resettlement, with the suggested categories
    and priority (a resettlement officer confirms them when opening the case)."""

    household_id: uuid.UUID
    household_ref: str
    operation_id: uuid.UUID
    people: int  # people with a need that maps to a category
    codes: list[str]
    flagged: list[str]  # "person reference: code"
    primary_category: SubmissionCategory
    secondary_category: SubmissionCategory | None
    priority: Priority
    cautions: list[str]  # codes to check before any submission (never needs)
    summary: str


class QuotaRead(BaseModel):
    id: uuid.UUID
    state_iso3: str
    year: int
    label: str
    places: int
    submitted_persons: int
    accepted_persons: int
    departed_persons: int  # departures from the country of asylum, not arrivals in the State

    @property
    def places_left(self) -> int:
        return self.places - self.submitted_persons - self.accepted_persons - self.departed_persons


class ResettlementCaseRead(BaseModel):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    household_id: uuid.UUID
    persons: int
    primary_category: str
    secondary_category: str | None
    priority: str
    status: str
    quota_id: uuid.UUID | None
    submitted_on: dt.date | None
    decided_on: dt.date | None
    departed_on: dt.date | None


# --- complementary pathways --------------------------------------------------------------------------

Skill = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=60)]


class Criteria(Strict):
    """What a candidate must meet; an empty criterion is no condition."""

    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    languages: list[Lang] = []  # speaks at least one (ISO 639-3)
    education: Education | None = None  # at least this level
    skills: list[Skill] = []  # has at least one
    family_link: bool = False  # a family link verified by tracing (always for family reunification)


class OfferCreate(Strict):
    operation_id: uuid.UUID
    kind: PathwayKind
    title: Title
    provider: Title
    destination_iso3: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
    ]
    places: int = Field(ge=1, le=100_000)
    criteria: Criteria = Criteria()
    closes_on: dt.date | None = None


class ProfileIn(Strict):
    skills: list[Skill] = []
    education: Education
    languages: list[Lang] = []


class ProfileRead(BaseModel):
    individual_id: uuid.UUID
    ref: str
    skills: list[str]
    education: str
    languages: list[str]


class ApplicationMove(Strict):
    status: ApplicationStatus
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class ApplicationRead(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    individual_id: uuid.UUID
    ref: str
    status: str
    history: list[dict[str, Any]]


class OfferRead(BaseModel):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    kind: str
    title: str
    provider: str
    destination_iso3: str
    places: int
    criteria: dict[str, Any]
    closes_on: dt.date | None
    accepted: int  # accepted and departed: against the places
    applications: int


class Eligible(BaseModel):
    """A profiled candidate measured against an offer's criteria: `gaps` empty when eligible."""

    individual_id: uuid.UUID
    ref: str
    gaps: list[str]


class OfferDetail(BaseModel):
    offer: OfferRead
    applications: list[ApplicationRead]
    eligible: list[Eligible]
