"""Tables of the data protection domain: legal holds, the runs of the retention rules with their report,
and the mark left on each record a run anonymised (so that it is never processed twice). Other domains
are referred to by id only (a hold may name a person, a household or a protection case)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, UUIDPk
from refugio.store.types import PortableJSON


class LegalHold(UUIDPk, Base):
    """A record (person, household or protection case) that no retention rule may touch while active."""

    __tablename__ = "dp_legal_hold"
    __table_args__ = (Index("ix_dp_legal_hold_object", "object_type", "object_id"),)

    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    object_ref: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    placed_by: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    lifted_at: Mapped[dt.datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(80))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class RetentionRun(UUIDPk, Base):
    """One run of the retention rules (or a dry run): the rules it applied and what it did per rule."""

    __tablename__ = "dp_retention_run"

    started_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    finished_at: Mapped[dt.datetime | None]
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger: Mapped[str] = mapped_column(String(12))  # cli | api | web | scheduler
    run_by: Mapped[str] = mapped_column(String(80))
    report: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class Anonymised(Base):
    """A record a retention run anonymised: never picked again by the rules."""

    __tablename__ = "dp_anonymised"

    object_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    rule: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
