"""Durable solutions ORM models (SQLAlchemy 2, typed). No behaviour here: see service/ and queries.py.

Matching: `MatchingRun` (a proposal of placements with the solver's figures, its review and its
confirmation), `MatchingLocality` (capacities per dimension), `MatchingCase` (one family, never split:
its sizes, the proposed and final locality, the explanation), `MatchingScore` (compatible pairs).

Status determination: `RsdClaim` (linked to a registered household; modality, stage, deadlines),
`RsdMember` (each person on the claim, with their own outcome at each level), `RsdAssignment` (who may
read the file), `Interpreter`, `RsdInterview`, `RsdAssessment` (eligibility, reasons, legal basis,
second-officer review), `RsdDecision` (per level, by whom), `RsdAppeal`, `RsdEvent` (every step).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON

# --- matching ----------------------------------------------------------------------------------------


class MatchingRun(UUIDPk, Timestamped, Base):
    __tablename__ = "matching_run"

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    dimensions: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    time_limit: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(30))
    objective: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    lp_bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(80))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None]
    cancelled_reason: Mapped[str | None] = mapped_column(Text)


class MatchingLocality(UUIDPk, Base):
    __tablename__ = "matching_locality"
    __table_args__ = (UniqueConstraint("run_id", "locality_ref"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matching_run.id"), index=True)
    locality_ref: Mapped[str] = mapped_column(String(80))
    name: Mapped[str | None] = mapped_column(String(200))
    capacities: Mapped[list[int]] = mapped_column(PortableJSON, default=list)  # per dimension of the run


class MatchingCase(UUIDPk, Base):
    __tablename__ = "matching_case"
    __table_args__ = (UniqueConstraint("run_id", "case_ref"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matching_run.id"), index=True)
    case_ref: Mapped[str] = mapped_column(String(80), index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), index=True)
    children: Mapped[int] = mapped_column(Integer)
    adults: Mapped[int] = mapped_column(Integer)
    seniors: Mapped[int] = mapped_column(Integer)
    proposed_locality: Mapped[str | None] = mapped_column(String(80))
    final_locality: Mapped[str | None] = mapped_column(String(80))
    changed_by: Mapped[str | None] = mapped_column(String(80))
    change_reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class MatchingScore(UUIDPk, Base):
    __tablename__ = "matching_score"
    __table_args__ = (UniqueConstraint("run_id", "case_ref", "locality_ref"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matching_run.id"), index=True)
    case_ref: Mapped[str] = mapped_column(String(80))
    locality_ref: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)


# --- refugee status determination --------------------------------------------------------------------


class RsdClaim(UUIDPk, Timestamped, Base):
    __tablename__ = "rsd_claim"
    __table_args__ = (Index("ix_rsd_claim_operation_id_stage", "operation_id", "stage"),)

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    modality: Mapped[str] = mapped_column(String(30))
    stage: Mapped[str] = mapped_column(String(24), default="registered")
    lodged_on: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(3))  # ISO 639-3, the interview and the letter
    interpreter_gender: Mapped[str | None] = mapped_column(String(1))  # the applicant's preference
    appeal_days: Mapped[int] = mapped_column(Integer, default=30)
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    appeal_deadline: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)


class RsdMember(UUIDPk, Base):
    __tablename__ = "rsd_member"
    __table_args__ = (UniqueConstraint("claim_id", "individual_id"),)

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    principal: Mapped[bool] = mapped_column(Boolean, default=False)
    first_outcome: Mapped[str | None] = mapped_column(String(20))
    appeal_outcome: Mapped[str | None] = mapped_column(String(20))


class RsdAssignment(UUIDPk, Base):
    __tablename__ = "rsd_assignment"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))  # officer, reviewer, appeal_officer
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_by: Mapped[str] = mapped_column(String(80))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Interpreter(UUIDPk, Timestamped, Base):
    __tablename__ = "rsd_interpreter"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    gender: Mapped[str] = mapped_column(String(1))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RsdInterview(UUIDPk, Timestamped, Base):
    __tablename__ = "rsd_interview"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    scheduled_at: Mapped[dt.datetime]
    interviewer: Mapped[str] = mapped_column(String(80))
    interpreter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rsd_interpreter.id"))
    language: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    record: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[dt.datetime | None]


class RsdAssessment(UUIDPk, Timestamped, Base):
    __tablename__ = "rsd_assessment"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    outcomes: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)  # individual id -> outcome
    legal_basis: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    reasons: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    review_agrees: Mapped[bool | None] = mapped_column(Boolean)
    review_note: Mapped[str | None] = mapped_column(Text)


class RsdDecision(UUIDPk, Base):
    __tablename__ = "rsd_decision"
    __table_args__ = (UniqueConstraint("claim_id", "level"),)

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_assessment.id"))
    outcomes: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    legal_basis: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    reasons: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_on: Mapped[dt.date] = mapped_column(Date)


class RsdAppeal(UUIDPk, Base):
    __tablename__ = "rsd_appeal"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), unique=True)
    lodged_on: Mapped[dt.date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))


class RsdEvent(UUIDPk, Base):
    __tablename__ = "rsd_event"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    stage: Mapped[str] = mapped_column(String(24))  # the claim's stage after this step
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class RsdNotification(UUIDPk, Base):
    """A notice due to one person of a claim: a decision (each level) or their legal status made final
    in the registry. Pending until staff record its delivery (how and when)."""

    __tablename__ = "rsd_notification"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rsd_claim.id"), index=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # decision | status
    level: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    legal_status: Mapped[str | None] = mapped_column(String(20))  # set in the registry with it
    language: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by: Mapped[str] = mapped_column(String(80))
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(20))
    delivered_by: Mapped[str | None] = mapped_column(String(80))


# --- resettlement ------------------------------------------------------------------------------------


class ResettlementQuota(UUIDPk, Timestamped, Base):
    """Places pledged by a resettlement State for a year (optionally for one operation)."""

    __tablename__ = "resettlement_quota"
    __table_args__ = (UniqueConstraint("state_iso3", "year", "label"),)

    state_iso3: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    places: Mapped[int] = mapped_column(Integer)  # persons
    operation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("operation.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))


class ResettlementCase(UUIDPk, Timestamped, Base):
    """A household's resettlement case: needs (primary and secondary submission category, priority),
    the submission to a State against a quota, the State's decision and the departure."""

    __tablename__ = "resettlement_case"

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    persons: Mapped[int] = mapped_column(Integer)
    primary_category: Mapped[str] = mapped_column(String(40))
    secondary_category: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(12))
    needs_summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="identified")
    quota_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resettlement_quota.id"), index=True)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)
    departed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))


# --- complementary pathways --------------------------------------------------------------------------


class PathwayOffer(UUIDPk, Timestamped, Base):
    """Places on a complementary pathway (family reunification, labour mobility, education, private
    sponsorship, humanitarian admission, medical evacuation) with the criteria a candidate must meet."""

    __tablename__ = "pathway_offer"

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    destination_iso3: Mapped[str] = mapped_column(String(3))
    places: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))


class PathwayProfile(UUIDPk, Timestamped, Base):
    """A candidate's profile for the pathways: skills, education, languages."""

    __tablename__ = "pathway_profile"

    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    skills: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    education: Mapped[str] = mapped_column(String(20))
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(80))


class PathwayApplication(UUIDPk, Timestamped, Base):
    """A person on an offer: shortlisted, applied, accepted or rejected, departed, or withdrawn; every
    change kept in `history`."""

    __tablename__ = "pathway_application"
    __table_args__ = (UniqueConstraint("offer_id", "individual_id"),)

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_offer.id"), index=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    history: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
