"""Protection ORM models (SQLAlchemy 2, typed). No behaviour here: see service.py, referrals.py, queries.py.

* `ProtectionCase` — one case: a neutral code (`JOR-PC-26-00012`, never the person's name nor the case
  type), its type, workflow status, risk level, site and narrative summary. Its details are readable
  only by its assigned workers (see policy.py).
* `CaseIndividual` — the registered people a case is about (the primary person, caregivers, family).
* `CaseAssignment` — who works on a case: caseworkers and supervisors, with their history.
* `CaseEvent` — the case's timeline (opened, assigned, assessed, planned, approvals, closure, …).
* `CaseAssessment`, `CasePlan` — the assessment(s) and the versioned case plan.
* `BestInterestsAssessment`, `BestInterestsDetermination` — BIA and BID records of a child, each
  submitted by a caseworker and approved (or returned) by a supervisor; the BID keeps its panel.
* `CaseTask` — a task with a due date and an assignee.
* `ServiceOrganisation`, `ProtectionService`, `ServiceMember` — the service directory, and the users
  who act on referrals for a service.
* `Referral`, `ReferralEvent` — a referral to a service with the consent, the fields shared (a copy
  of only those), its response deadline and its status timeline.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.encrypted import EncryptedText
from refugio.store.types import PortableJSON


class ProtectionCase(UUIDPk, Timestamped, Base):
    __tablename__ = "protection_case"
    __table_args__ = (Index("ix_protection_case_operation_id_status", "operation_id", "status"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    case_type: Mapped[str] = mapped_column(String(20))
    uasc: Mapped[bool] = mapped_column(Boolean, default=False)  # unaccompanied or separated child
    status: Mapped[str] = mapped_column(String(20))
    risk_level: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(EncryptedText("protection_case", "summary"), default="")
    opened_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_from_need_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("specific_need.id"))
    closure_requested_at: Mapped[dt.datetime | None]
    closure_requested_by: Mapped[str | None] = mapped_column(String(80))
    closure_reason: Mapped[str | None] = mapped_column(EncryptedText("protection_case", "closure_reason"))
    status_before_closure: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseIndividual(Base):
    __tablename__ = "case_individual"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_case.id", ondelete="CASCADE"), primary_key=True
    )
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individual.id"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(12))
    added_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    added_by: Mapped[str] = mapped_column(String(80))


class CaseAssignment(UUIDPk, Base):
    __tablename__ = "case_assignment"
    __table_args__ = (
        Index("ix_case_assignment_user_id_active", "user_id", "active"),
        Index("ix_case_assignment_case_id_active", "case_id", "active"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_case.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    assigned_by: Mapped[str] = mapped_column(String(80))
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(80))


class CaseEvent(UUIDPk, Base):
    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case_id_at", "case_id", "at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_case.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    by: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class CaseAssessment(UUIDPk, Base):
    __tablename__ = "case_assessment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_case.id", ondelete="CASCADE"), index=True
    )
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    risk_level: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(EncryptedText("case_assessment", "summary"))
    needs: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))


class CasePlan(UUIDPk, Base):
    __tablename__ = "case_plan"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_case.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[str] = mapped_column(EncryptedText("case_plan", "objectives"))
    actions: Mapped[str] = mapped_column(EncryptedText("case_plan", "actions"))
    review_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))


class BestInterestsAssessment(UUIDPk, Base):
    __tablename__ = "best_interests_assessment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_case.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(EncryptedText("best_interests_assessment", "findings"))
    child_views: Mapped[str] = mapped_column(EncryptedText("best_interests_assessment", "child_views"))
    recommendation: Mapped[str] = mapped_column(EncryptedText("best_interests_assessment", "recommendation"))
    status: Mapped[str] = mapped_column(String(12))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    submitted_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(
        EncryptedText("best_interests_assessment", "decision_note")
    )


class BestInterestsDetermination(UUIDPk, Base):
    __tablename__ = "best_interests_determination"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_case.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"))
    bia_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("best_interests_assessment.id"))
    panel: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)  # [{name, role}]
    panel_date: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[str] = mapped_column(EncryptedText("best_interests_determination", "reasons"))
    status: Mapped[str] = mapped_column(String(12))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    submitted_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(
        EncryptedText("best_interests_determination", "decision_note")
    )


class CaseTask(UUIDPk, Base):
    __tablename__ = "case_task"
    __table_args__ = (
        Index("ix_case_task_status_due_on", "status", "due_on"),
        Index("ix_case_task_case_id_status", "case_id", "status"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_case.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by: Mapped[str] = mapped_column(String(80))
    finished_at: Mapped[dt.datetime | None]
    finished_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)


class ServiceOrganisation(UUIDPk, Timestamped, Base):
    __tablename__ = "service_organisation"
    __table_args__ = (UniqueConstraint("operation_id", "name"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str | None] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))


class ProtectionService(UUIDPk, Timestamped, Base):
    __tablename__ = "protection_service"
    __table_args__ = (
        Index("ix_protection_service_operation_id_service_type", "operation_id", "service_type"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_organisation.id"), index=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    name: Mapped[str] = mapped_column(String(200))
    service_type: Mapped[str] = mapped_column(String(30))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))


class ServiceMember(Base):
    """A user who receives and answers referrals for a service."""

    __tablename__ = "service_member"

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_service.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), primary_key=True, index=True)
    added_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    added_by: Mapped[str] = mapped_column(String(80))


class Referral(UUIDPk, Base):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_service_id_status", "service_id", "status"),
        Index("ix_referral_status_respond_by", "status", "respond_by"),
    )

    code: Mapped[str] = mapped_column(String(24), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protection_case.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_service.id"))
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    urgency: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(EncryptedText("referral", "reason"))  # shared with the service
    consent_by: Mapped[str] = mapped_column(String(16))
    consent_on: Mapped[dt.date] = mapped_column(Date)
    consent_note: Mapped[str | None] = mapped_column(EncryptedText("referral", "consent_note"))
    shared_fields: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    shared_data: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)  # emptied on revocation
    status: Mapped[str] = mapped_column(String(12))
    sent_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    sent_by: Mapped[str] = mapped_column(String(80))
    respond_by: Mapped[dt.datetime]
    responded_at: Mapped[dt.datetime | None]
    responded_by: Mapped[str | None] = mapped_column(String(80))
    response_note: Mapped[str | None] = mapped_column(EncryptedText("referral", "response_note"))
    completed_at: Mapped[dt.datetime | None]
    feedback: Mapped[str | None] = mapped_column(EncryptedText("referral", "feedback"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    revocation_reason: Mapped[str | None] = mapped_column(EncryptedText("referral", "revocation_reason"))


class ReferralEvent(UUIDPk, Base):
    __tablename__ = "referral_event"
    __table_args__ = (Index("ix_referral_event_referral_id_at", "referral_id", "at"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
