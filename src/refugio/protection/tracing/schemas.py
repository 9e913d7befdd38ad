"""Pydantic schemas of family tracing: the inputs (shapes and types only; the domain checks — consent,
dates, codes, who the enquirer is — are in service.py, so that every wrong field is reported at once)
and the read models (`XRead`) that refugio.protection.tracing.queries returns and the channels render.
Imports pydantic and refugio.protection.tracing.enums only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.protection.tracing.enums import RequestStatus, ReunificationOutcome, SoughtRelationship

OptName = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100)]
OptText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)]
Place = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)]
Partial = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=10)]
Code3 = Annotated[
    str | None, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3)
]
Sex = Literal["F", "M", "X"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Names(_Strict):
    given_name: OptName = None
    middle_name: OptName = None
    family_name: OptName = None
    given_name_original: OptName = None
    middle_name_original: OptName = None
    family_name_original: OptName = None


class EnquirerIn(Names):
    """Who is looking: a registered individual (`individual_ref` or `individual_id`), or a described
    person with a way to reach them (`phone` or `contact`)."""

    individual_id: uuid.UUID | None = None
    individual_ref: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=28)] = None
    sex: Sex | None = None
    date_of_birth: Partial = Field(default=None, description="Partial ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD.")
    country_of_origin: Code3 = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=30)] = None
    contact: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300)] = None


class ConsentIn(_Strict):
    """Tracing consent: required. `given` must be true; `given_by` names who gave it."""

    given: bool
    given_by: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    date: dt.date | None = Field(default=None, description="When consent was given (default: today).")


class SoughtPersonIn(Names):
    other_names: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300)] = None
    sex: Sex | None = None
    date_of_birth: Partial = Field(default=None, description="Partial ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD.")
    age: Annotated[int | None, Field(ge=0, le=130, description="Approximate age, if no date of birth.")] = (
        None
    )
    age_on: dt.date | None = Field(default=None, description="When the age was true (default: today).")
    relationship: SoughtRelationship = Field(description="What the sought person is to the enquirer.")
    country_of_origin: Code3 = None
    place_of_origin: Place = None
    place_last_seen: Place = None
    date_of_separation: Partial = Field(default=None, description="Partial ISO 8601.")
    separation_circumstances: OptText = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=30)] = None
    description: OptText = None


class RequestCreate(_Strict):
    site_id: uuid.UUID = Field(description="The site where the request is lodged (sets the operation).")
    enquirer: EnquirerIn
    consent: ConsentIn
    sought: list[SoughtPersonIn] = Field(min_length=1, max_length=10)
    lodged_on: dt.date | None = None
    assigned_to: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=80)] = None
    case_id: uuid.UUID | None = None
    notes: OptText = None


class CandidateReview(_Strict):
    decision: Literal["confirm", "reject"]
    reason: Reason


class VerificationIn(_Strict):
    """The verification interview of a confirmed candidate: do both sides agree, on what evidence."""

    candidate_id: uuid.UUID
    enquirer_agrees: bool
    sought_agrees: bool
    documents: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=500)] = None
    notes: OptText = None
    occurred_on: dt.date | None = None


class ReunificationIn(_Strict):
    occurred_on: dt.date
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    outcome: ReunificationOutcome
    notes: OptText = None


class ClosureIn(_Strict):
    outcome: Literal["not_found", "closed"]
    reason: Reason


class ReasonIn(_Strict):
    reason: Reason


class AssignIn(_Strict):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class SearchIn(BaseModel):
    q: Annotated[str, Field(min_length=1, max_length=200, description="Reference or names, either script.")]
    status: RequestStatus | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


# ---------------------------------------------------------------------------------------------
# read models (what refugio.protection.tracing.queries returns)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RequestDetailsRead(Read):
    """A request's own fields (the `request` of `queries.RequestView`)."""

    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    status: str
    lodged_on: dt.date
    consent_given: bool
    consent_given_by: str
    consent_date: dt.date
    consent_recorded_by: str
    consent_withdrawn_at: dt.datetime | None
    consent_withdrawal_reason: str | None
    assigned_to: str | None
    case_id: uuid.UUID | None
    notes: str | None
    last_matched_at: dt.datetime | None
    closed_at: dt.datetime | None
    closure_reason: str | None
    version: int


class SoughtPersonRead(Read):
    """A person sought by a request, as recorded (the `person` of `queries.SoughtView`)."""

    id: uuid.UUID
    position: int
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    other_names: str | None
    sex: str | None
    date_of_birth: str | None
    age: int | None
    age_on: dt.date | None
    relationship: str
    country_of_origin: str | None
    place_of_origin: str | None
    place_last_seen: str | None
    date_of_separation: str | None
    separation_circumstances: str | None
    found_individual_id: uuid.UUID | None
    found_request_id: uuid.UUID | None


class RequestSummaryRead(BaseModel):
    id: uuid.UUID
    ref: str
    status: str
    lodged_on: dt.date
    site_code: str
    enquirer: str
    sought: list[str]
    pending_candidates: int
    assigned_to: str | None
    consent_withdrawn: bool


class RequestListRead(BaseModel):
    total: int
    items: list[RequestSummaryRead]


class ReasonRead(BaseModel):
    field: str
    level: str
    weight: float
    text: str = Field(
        description="The contribution in words, e.g. `family name: same name, other spelling (+4.6)`."
    )


class CandidateRead(BaseModel):
    id: uuid.UUID
    kind: str = Field(
        description="`registered` person, `enquirer` of another request, or `sought` by another."
    )
    status: str = Field(description="pending, confirmed, verified or rejected.")
    weight: float = Field(description="Sum of the per-field weights (log2 Bayes factors).")
    strength: str = Field(description="possible, likely or strong.")
    reciprocal: bool = Field(description="The other side is looking for this request's enquirer.")
    reasons: list[ReasonRead]
    card: dict[str, Any] = Field(
        description="What may be shown of the candidate at this stage: minimal until confirmed at review."
    )
    revealed: bool
    reviewed_by: str | None
    review_reason: str | None


class SoughtRead(BaseModel):
    id: uuid.UUID
    position: int
    label: str
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    other_names: str | None
    sex: str | None
    date_of_birth: str | None
    age: int | None
    age_on: dt.date | None
    relationship: str
    country_of_origin: str | None
    place_of_origin: str | None
    place_last_seen: str | None
    date_of_separation: str | None
    separation_circumstances: str | None
    found: str | None = Field(description="Who the person was found to be (a person's or a request's ID).")
    candidates: list[CandidateRead]


class ConsentRead(BaseModel):
    given_by: str
    date: dt.date
    recorded_by: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str | None


class TracingEventRead(BaseModel):
    event_type: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    summary: str
    details: dict[str, Any]


class RequestRead(BaseModel):
    id: uuid.UUID
    ref: str
    status: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    site_code: str
    lodged_on: dt.date
    enquirer: dict[str, Any]
    consent: ConsentRead
    assigned_to: str | None
    case_id: uuid.UUID | None
    notes: str | None
    last_matched_at: dt.datetime | None
    closure_reason: str | None
    version: int
    sought: list[SoughtRead]
    events: list[TracingEventRead]


class MatchRead(BaseModel):
    candidates: int = Field(description="Candidates waiting for review after the run.")
    new: int
    by_kind: dict[str, int]
    index_lag: int = Field(
        description="Registration changes the dedup index had not taken in (scored anyway)."
    )
    request: RequestRead
