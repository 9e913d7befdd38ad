"""Tables of data subject rights: the requests (with their steps, who did what and when) and the
tombstones erasure leaves (reference, when, by whom, which request: no personal data). A request refers
to the person by id and reference only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, UUIDPk
from refugio.store.types import PortableJSON


class RightsRequest(UUIDPk, Base):
    """One request of a data subject (access, correction or erasure) with its deadline and its steps."""

    __tablename__ = "dp_rights_request"
    __table_args__ = (Index("ix_dp_rights_request_status_due", "status", "due_on"),)

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    individual_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    individual_ref: Mapped[str] = mapped_column(String(28))
    requester: Mapped[str] = mapped_column(String(16))
    requester_name: Mapped[str | None] = mapped_column(String(200))  # a representative's name only
    language: Mapped[str] = mapped_column(String(2))
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    # a correction's fields and new values; cleared when the person is erased
    changes: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    include_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)  # the DPO's decision
    sensitive_note: Mapped[str | None] = mapped_column(Text)
    identity_evidence: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by: Mapped[str] = mapped_column(String(80))
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(default=1)


class Tombstone(Base):
    """What is left of an erased person or household: the reference resolves to "erased"."""

    __tablename__ = "dp_tombstone"

    object_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ref: Mapped[str] = mapped_column(String(28), unique=True)
    erased_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    erased_by: Mapped[str] = mapped_column(String(80))
    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
