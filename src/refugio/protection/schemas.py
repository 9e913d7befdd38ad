"""Pydantic input schemas of the protection domain (`XCreate` / `XUpdate`).

Shapes, types and lengths only (unknown fields are refused, texts are bounded); the checks against the
database and the clock (the person exists, a date is not in the past, the service is in the case's
operation, consent fits the person's age) are in service.py and referrals.py, which report each wrong
field by name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.protection.enums import (
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
