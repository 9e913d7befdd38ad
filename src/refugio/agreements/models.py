"""Data-sharing agreement ORM model. No behaviour here: see service.py and queries.py."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class DataSharingAgreement(UUIDPk, Timestamped, Base):
    """An agreement to share an operation's personal data with a partner, for one purpose."""

    __tablename__ = "data_sharing_agreement"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    partner: Mapped[str] = mapped_column(String(200))
    # the partner's account (a user with the partner role) allowed to query the registry under it
    partner_username: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(20))
    fields: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    legal_basis: Mapped[str] = mapped_column(String(40))
    retention_days: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
