"""Data-sharing agreement ORM models. No behaviour here: see service.py and queries.py.

* `DataSharingAgreement` — an agreement to share one data set of an operation (the registry, or the
  distress log of refugio.tracking) with a partner, for one purpose.
* `ShareItem` — who one share exposed: the people (and their households) of a file handed to a partner,
  one row per person, keyed by the share's id (which the share's audit entry and manifest carry). Ids
  only, like the audit log: no name, no reference, no value.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class DataSharingAgreement(UUIDPk, Timestamped, Base):
    """An agreement to share an operation's data set with a partner, for one purpose."""

    __tablename__ = "data_sharing_agreement"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    # what may be shared under it (agreements.enums.ShareDataset): the registry or the distress log
    dataset: Mapped[str] = mapped_column(String(20), default="registry", server_default="registry")
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


class ShareItem(Base):
    """One person a share exposed (written with the share, set-based, in its transaction)."""

    __tablename__ = "data_sharing_share_item"

    share_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individual.id"), primary_key=True, index=True
    )
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"))
