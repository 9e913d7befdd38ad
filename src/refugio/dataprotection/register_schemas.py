"""Code lists, inputs and read models of the data protection registers: breaches (with the query over
the audit log that finds the people affected, and the notifications) and processing activities with
their DPIAs (Pydantic)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator


class BreachCategory(StrEnum):
    CONFIDENTIALITY = "confidentiality"
    INTEGRITY = "integrity"
    AVAILABILITY = "availability"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class BreachStatus(StrEnum):
    OPEN = "open"
    CONTAINED = "contained"
    CLOSED = "closed"


class RecipientKind(StrEnum):
    AUTHORITY = "authority"  # the supervisory authority
    DPO = "dpo"
    PARTNER = "partner"
    AFFECTED = "affected"  # the people affected


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    PORTAL = "portal"
    IN_PERSON = "in_person"
    SMS = "sms"


class DpiaStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    TO_REVIEW = "to_review"


def _listed(value: Any) -> Any:
    """A list from a list, or from text separated by commas or new lines (forms, CLI)."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\n;]", value) if part.strip()]
    return value


def _moment(value: dt.datetime) -> dt.datetime:
    """UTC when no zone is given; between 1970 and 2200 (a register's dates, and room to add hours)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if not 1970 <= value.astimezone(dt.UTC).year <= 2200:
        raise ValueError("must be between 1970 and 2200")
    return value


# a moment of a query, as the schema states it: a date-time of a year from 1970 to 2200 as written
# (the check above takes the year in UTC: a few hours' difference at either end)
Moment = Annotated[
    dt.datetime,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": "^(19[7-9][0-9]|2[01][0-9][0-9]|2200)-"}
    ),
]


def _blank_none(value: Any) -> Any:
    return (value.strip() or None) if isinstance(value, str) else value


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BreachCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=3, max_length=10_000)
    category: BreachCategory
    discovered_at: dt.datetime
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None
    systems: list[str] = Field(default_factory=list, max_length=50)
    data_categories: list[str] = Field(default_factory=list, max_length=50)
    severity: Severity
    risk_assessment: str = Field("", max_length=10_000)
    containment: str = Field("", max_length=10_000)
    authority_hours: int | None = Field(None, ge=1, le=2160)

    _lists = field_validator("systems", "data_categories", mode="before")(_listed)
    _strip = field_validator("title", "description", "risk_assessment", "containment", mode="before")(_text)

    @field_validator("discovered_at", "occurred_from", "occurred_to")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _moment(value) if value is not None else None


class BreachStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: BreachStatus
    note: str = Field("", max_length=10_000)  # the containment actions, or why it is closed

    _strip = field_validator("note", mode="before")(_text)


class AffectedQuery(BaseModel):
    """Which audit entries expose people: those of one user (`actor`) between `since` and `until`
    (optionally only some `actions`, by prefix: `individual.read`, `agreement.share`…), one entry by its
    sequence number (an export or a share), or one import (`batch`); optionally only the people of one
    site. At least one of actor, audit_seq or batch."""

    # at least one of actor (not blank), audit_seq or batch: the schema says so
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["actor"], "properties": {"actor": {"type": "string", "pattern": "\\S"}}},
                {"required": ["audit_seq"], "properties": {"audit_seq": {"type": "integer"}}},
                {"required": ["batch"], "properties": {"batch": {"type": "string"}}},
            ]
        },
    )

    actor: str | None = Field(None, max_length=80)
    since: Moment | None = None
    until: Moment | None = None
    actions: list[str] = Field(default_factory=list, max_length=30)
    audit_seq: int | None = Field(None, ge=1, le=2**62)
    batch: uuid.UUID | None = None
    site: str | None = Field(None, max_length=20)

    _lists = field_validator("actions", mode="before")(_listed)
    _strip = field_validator("actor", "site", mode="before")(_blank_none)

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _moment(value) if value is not None else None


class AffectedPerson(BaseModel):
    id: uuid.UUID
    ref: str
    household_ref: str
    site: str
    population_type: str
    exposures: list[str]  # the actions that exposed the person (individual.read, people.list…)


class AffectedSnapshot(BaseModel):
    query: dict[str, Any]
    taken_at: dt.datetime
    taken_by: str
    entries: int  # audit entries that matched
    estimated: bool  # a share made before share items (migration 0027) counted as an upper bound
    people: list[AffectedPerson]
    by_site: dict[str, int]
    by_exposure: dict[str, int]
    by_population: dict[str, int]
    gone: int = 0  # people named by the entries and no longer held (anonymised, erased)

    @property
    def count(self) -> int:
        return len(self.people)


class NotificationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient_kind: RecipientKind
    recipient: str = Field(min_length=2, max_length=200)
    channel: Channel
    notified_at: dt.datetime
    note: str = Field("", max_length=10_000)

    _strip = field_validator("recipient", "note", mode="before")(_text)

    @field_validator("notified_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return _moment(value)


class NotificationRead(BaseModel):
    id: uuid.UUID
    recipient_kind: RecipientKind
    recipient: str
    channel: Channel
    notified_at: dt.datetime
    deadline_at: dt.datetime | None
    late: bool
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class BreachRead(BaseModel):
    id: uuid.UUID
    code: str
    title: str
    description: str
    category: BreachCategory
    discovered_at: dt.datetime
    occurred_from: dt.datetime | None
    occurred_to: dt.datetime | None
    systems: list[str]
    data_categories: list[str]
    severity: Severity
    risk_assessment: str
    containment: str
    status: BreachStatus
    recorded_by: str
    created_at: dt.datetime
    contained_at: dt.datetime | None
    closed_at: dt.datetime | None
    authority_hours: int
    authority_deadline: dt.datetime
    authority_notified_at: dt.datetime | None
    authority_overdue: bool  # not notified and the deadline has passed
    affected_count: int | None  # None: not looked for yet
    notifications: list[NotificationRead] = Field(default_factory=list)
    affected: AffectedSnapshot | None = None  # only in the detail


# --- processing activities and DPIAs ------------------------------------------------------------------


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=3, max_length=200)
    purpose: str = Field(min_length=3, max_length=5000)
    legal_basis: str = Field(min_length=3, max_length=40)
    data_categories: list[str] = Field(default_factory=list, max_length=50)
    data_subjects: list[str] = Field(default_factory=list, max_length=50)
    recipients: list[str] = Field(default_factory=list, max_length=50)
    retention: str = Field("", max_length=300)
    systems: list[str] = Field(default_factory=list, max_length=50)

    _lists = field_validator("data_categories", "data_subjects", "recipients", "systems", mode="before")(
        _listed
    )
    _strip = field_validator("code", "name", "purpose", "legal_basis", "retention", mode="before")(_text)

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ActivityRead(ActivityCreate):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: uuid.UUID
    created_by: str
    dpia_id: uuid.UUID | None = None
    dpia_status: DpiaStatus | None = None


class RiskInput(BaseModel):
    """One risk: likelihood and severity 1 (negligible) to 4 (maximum) before and after mitigation."""

    model_config = ConfigDict(extra="forbid")

    risk: str = Field(min_length=3, max_length=1000)
    likelihood: int = Field(ge=1, le=4)
    severity: int = Field(ge=1, le=4)
    mitigation: str = Field("", max_length=2000)
    residual_likelihood: int = Field(ge=1, le=4)
    residual_severity: int = Field(ge=1, le=4)

    _strip = field_validator("risk", "mitigation", mode="before")(_text)


def level(score: int) -> str:
    """The level of a likelihood × severity score (1–16)."""
    return "low" if score <= 3 else "medium" if score <= 8 else "high"


class RiskRead(RiskInput):
    model_config = ConfigDict(extra="ignore")

    score: int
    level: str
    residual_score: int
    residual_level: str


class DpiaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity: str = Field(min_length=2, max_length=20)  # the activity's code
    summary: str = Field("", max_length=10_000)
    review_date: dt.date | None = None

    _strip = field_validator("activity", "summary", mode="before")(_text)


class DpiaTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(pattern=r"^(submit|approve|return|review)$")
    dpo_opinion: str = Field("", max_length=10_000)
    review_date: dt.date | None = None

    _strip = field_validator("dpo_opinion", mode="before")(_text)


class DpiaRead(BaseModel):
    id: uuid.UUID
    activity_id: uuid.UUID
    activity_code: str
    activity_name: str
    status: DpiaStatus
    summary: str
    risks: list[RiskRead]
    residual_risk: str | None  # the highest residual level, None without risks
    dpo_opinion: str
    author: str
    approved_by: str | None
    approved_at: dt.datetime | None
    review_date: dt.date | None
    review_due: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
