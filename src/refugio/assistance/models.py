"""Assistance ORM models (SQLAlchemy 2, typed). No behaviour here: see service/ and queries.py.

Money is `Numeric(14, 2)` (Decimal in Python), in the programme's currency. Refers to the registration
tables by foreign key only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.encrypted import EncryptedText
from refugio.store.types import PortableJSON, TextJSON

Money = Numeric(14, 2)


class Programme(UUIDPk, Timestamped, Base):
    """A programme of assistance (cash, voucher, in-kind, service) of one operation."""

    __tablename__ = "assistance_programme"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    usd_rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))  # USD per unit of currency
    site_ids: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    min_interval_days: Mapped[int] = mapped_column(Integer, default=0)
    # [[up_to_amount, approvals], ...] ascending; above the last, `approvals_above`
    approval_thresholds: Mapped[list[list[float]]] = mapped_column(PortableJSON, default=list)
    approvals_above: Mapped[int] = mapped_column(Integer, default=3)
    created_by: Mapped[str] = mapped_column(String(80))


class RuleSet(Base):
    """One version of a programme's targeting and entitlement rules: declarative data, never code."""

    __tablename__ = "assistance_ruleset"
    __table_args__ = (UniqueConstraint("programme_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_programme.id"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    loaded_by: Mapped[str] = mapped_column(String(80))


class Cycle(UUIDPk, Timestamped, Base):
    """A round of a programme (draft → active → finished); its list is frozen once."""

    __tablename__ = "assistance_cycle"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_programme.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    rule_version: Mapped[int | None] = mapped_column(Integer)
    frozen_at: Mapped[dt.datetime | None]
    frozen_by: Mapped[str | None] = mapped_column(String(80))
    household_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))


class Entitlement(Base):
    """A household's frozen entitlement in a cycle: the snapshot of its members and needs, the amount,
    the basket and the reasons, with the rule version used. Never changed once written."""

    __tablename__ = "assistance_entitlement"
    __table_args__ = (UniqueConstraint("cycle_id", "household_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_cycle.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    household_ref: Mapped[str] = mapped_column(String(24), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    rule_version: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    basket: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    # focal point, members, needs, why: stored as the canonical text its digest is taken of (decision 0006)
    snapshot: Mapped[dict[str, Any]] = mapped_column(TextJSON)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))


class Collection(Base):
    """The collection of an entitlement at a desk. One per entitlement: the unique constraint makes a
    second collection impossible, whatever the number of desks."""

    __tablename__ = "assistance_collection"
    __table_args__ = (
        Index("ix_assistance_collection_household_id_collected_at", "household_id", "collected_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entitlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_entitlement.id"), unique=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_programme.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"))
    collected_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))
    desk: Mapped[str] = mapped_column(String(60))
    collector_role: Mapped[str] = mapped_column(String(12))
    collector_name: Mapped[str] = mapped_column(String(200))
    collector_document: Mapped[str | None] = mapped_column(String(60))


class CollectionGuard(Base):
    """A household's last collection in a programme. The desk moves `last_at_s` to the new collection's
    time and `previous_at_s` to the old one in one statement; the CHECK constraint refuses the row when
    the two are closer than the programme's minimum interval, so the database itself refuses a collection
    too soon after another, whatever the number of desks (times are whole seconds since the epoch, the
    same arithmetic on SQLite and PostgreSQL)."""

    __tablename__ = "assistance_collection_guard"
    __table_args__ = (
        CheckConstraint(
            "min_interval_s = 0 OR previous_at_s IS NULL OR last_at_s - previous_at_s >= min_interval_s",
            name="min_interval",
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_programme.id"), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), primary_key=True)
    last_at_s: Mapped[int] = mapped_column(BigInteger)
    previous_at_s: Mapped[int | None] = mapped_column(BigInteger)
    min_interval_s: Mapped[int] = mapped_column(Integer)
    last_entitlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_entitlement.id"))


class PaymentPlan(UUIDPk, Timestamped, Base):
    """A payment plan of a cycle for one provider: its state machine, the people who prepared,
    approved and released it, and the seal over its chained payment records."""

    __tablename__ = "assistance_payment_plan"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_cycle.id"), index=True)
    provider: Mapped[str] = mapped_column(String(100))
    template: Mapped[list[str]] = mapped_column(PortableJSON)  # the export's columns
    status: Mapped[str] = mapped_column(String(12), default="open")
    currency: Mapped[str] = mapped_column(String(3))
    usd_rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    payment_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    approvals_required: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    prepared_by: Mapped[str] = mapped_column(String(80))
    released_by: Mapped[str | None] = mapped_column(String(80))
    released_at: Mapped[dt.datetime | None]
    reconciled_at: Mapped[dt.datetime | None]
    chain_head: Mapped[str] = mapped_column(String(64), default="")
    seal: Mapped[str] = mapped_column(String(64), default="")


class PlanEvent(UUIDPk, Base):
    """A step of a plan's history: lock, submit, approve, reject, release, reconcile, abort, close."""

    __tablename__ = "assistance_plan_event"
    __table_args__ = (Index("ix_assistance_plan_event_plan_id_at", "plan_id", "at"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_payment_plan.id"))
    kind: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    plan_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class Payment(Base):
    """One payment of a plan. `hmac` covers its fields, its entitlement's frozen snapshot and the
    previous record's `hmac` (the chain, in `seq` order)."""

    __tablename__ = "assistance_payment"
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    payment_ref: Mapped[str] = mapped_column(String(60), unique=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_payment_plan.id"))
    seq: Mapped[int] = mapped_column(Integer)
    entitlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_entitlement.id"), index=True)
    household_ref: Mapped[str] = mapped_column(String(24))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    collector_name: Mapped[str] = mapped_column(String(200))
    collector_document: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    delivered_amount: Mapped[Decimal | None] = mapped_column(Money)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))
    hmac: Mapped[str] = mapped_column(String(64))


class Complaint(UUIDPk, Timestamped, Base):
    """A complaint or feedback (accountability to affected people). Sensitive categories (SEA, fraud by
    staff) are readable only with ASSISTANCE_COMPLAINT_SENSITIVE; anonymous complaints keep no name."""

    __tablename__ = "assistance_complaint"
    __table_args__ = (Index("ix_assistance_complaint_operation_id_sensitive", "operation_id", "sensitive"),)

    ref: Mapped[str] = mapped_column(String(30), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    programme_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assistance_programme.id"))
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"))
    payment_ref: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20))
    sensitive: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="open")
    anonymous: Mapped[bool] = mapped_column(default=False)
    complainant_name: Mapped[str | None] = mapped_column(String(200))
    complainant_contact: Mapped[str | None] = mapped_column(
        EncryptedText("assistance_complaint", "complainant_contact")
    )
    description: Mapped[str] = mapped_column(EncryptedText("assistance_complaint", "description"))
    response: Mapped[str | None] = mapped_column(EncryptedText("assistance_complaint", "response"))
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    due_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(80))


class PdmOutcome(UUIDPk, Base):
    """A post-distribution monitoring answer for a household's entitlement: received, not received or
    received with issues. One per entitlement; a problem opens a complaint (PDM channel), linked here."""

    __tablename__ = "assistance_pdm_outcome"

    entitlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_entitlement.id"), unique=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assistance_cycle.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assistance_complaint.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))
