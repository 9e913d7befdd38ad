"""Tables of the data protection registers: personal data breaches (with the snapshot of the people
affected, found from the audit log, and the notifications made), the processing activities refugio
performs and the data protection impact assessment (DPIA) of each. Other domains by id only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class Breach(UUIDPk, Timestamped, Base):
    """A personal data breach: what happened, when, how serious, what was done (status open →
    contained → closed) and, once found from the audit log, a snapshot of the people affected."""

    __tablename__ = "dp_breach"

    code: Mapped[str] = mapped_column(String(16), unique=True)  # BR-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))  # confidentiality | integrity | availability
    discovered_at: Mapped[dt.datetime] = mapped_column(index=True)
    occurred_from: Mapped[dt.datetime | None]
    occurred_to: Mapped[dt.datetime | None]
    systems: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    data_categories: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    severity: Mapped[str] = mapped_column(String(10))  # low | medium | high | critical
    risk_assessment: Mapped[str] = mapped_column(Text, default="")
    containment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    authority_hours: Mapped[int] = mapped_column(Integer, default=72)
    recorded_by: Mapped[str] = mapped_column(String(80))
    contained_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    affected: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)


class BreachNotification(UUIDPk, Base):
    """One notification of a breach: to whom (the supervisory authority, the DPO, a partner, the people
    affected), how, when, and the deadline it had."""

    __tablename__ = "dp_breach_notification"

    breach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dp_breach.id", ondelete="CASCADE"), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # authority | dpo | partner | affected
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))  # email | letter | phone | portal | in_person | sms
    notified_at: Mapped[dt.datetime]
    deadline_at: Mapped[dt.datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class ProcessingActivity(UUIDPk, Timestamped, Base):
    """An entry of the register of processing activities (what refugio does with personal data)."""

    __tablename__ = "dp_processing_activity"
    __table_args__ = (UniqueConstraint("code"),)

    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(40))
    data_categories: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    data_subjects: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    recipients: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    retention: Mapped[str] = mapped_column(String(300), default="")
    systems: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    created_by: Mapped[str] = mapped_column(String(80))


class Dpia(UUIDPk, Timestamped, Base):
    """A data protection impact assessment of one processing activity: risks (likelihood × severity,
    mitigation, residual), the DPO's opinion, approval by someone other than its author, review date.
    status: draft → in_review → approved → to_review (→ in_review again)."""

    __tablename__ = "dp_dpia"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dp_processing_activity.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    dpo_opinion: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(80))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[dt.datetime | None]
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
