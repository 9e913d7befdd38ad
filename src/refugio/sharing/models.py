"""Tables of the sharing domain: imported indicator values with their provenance (and the log of
imports with what did not match), pledges and their dated updates with evidence, response plans with
their requirements per sector and the contributions received. SQLAlchemy 2 typed
models only; other domains are referred to by foreign key (operation), never imported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class SharingIndicatorImport(UUIDPk, Base):
    """One import of one indicator file: rows read and loaded, and the report (codes that did not match,
    missing values), kept for the analyst to see."""

    __tablename__ = "sharing_indicator_import"

    source: Mapped[str] = mapped_column(String(40), index=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_loaded: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    imported_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    imported_by: Mapped[str] = mapped_column(String(80))


class SharingIndicatorValue(Base):
    """One value of one indicator for one country (ISO3) and year, with where it comes from."""

    __tablename__ = "sharing_indicator_value"

    indicator: Mapped[str] = mapped_column(String(40), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    retrieved: Mapped[str] = mapped_column(String(200))
    transformation: Mapped[str] = mapped_column(String(300))
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_indicator_import.id"), index=True)


class SharingPledge(UUIDPk, Timestamped, Base):
    """A pledge or contribution by a State or an organisation; scoped to an operation when it supports
    one (NULL: a global pledge, visible to global holders of SHARING_VIEW only)."""

    __tablename__ = "sharing_pledge"

    ref: Mapped[str] = mapped_column(String(20), unique=True)
    pledger: Mapped[str] = mapped_column(String(120))
    pledger_kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(3), index=True)  # ISO3 of a State pledger
    operation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("operation.id"), index=True)
    pledge_type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    places: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    pledged_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))

    updates: Mapped[list[SharingPledgeUpdate]] = relationship(
        back_populates="pledge", order_by="SharingPledgeUpdate.on_date, SharingPledgeUpdate.recorded_at"
    )


class SharingPledgeUpdate(UUIDPk, Base):
    """A dated step of a pledge: its status then, what was delivered (cumulative) and the evidence."""

    __tablename__ = "sharing_pledge_update"

    pledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_pledge.id"), index=True)
    on_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    amount_delivered: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    places_delivered: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    pledge: Mapped[SharingPledge] = relationship(back_populates="updates")


class SharingResponsePlan(UUIDPk, Timestamped, Base):
    """A response plan (e.g. a Regional Refugee and Resilience Plan) of one year, in one currency; scoped
    to an operation when it is one's (NULL: a regional or global plan)."""

    __tablename__ = "sharing_response_plan"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(SmallInteger)
    currency: Mapped[str] = mapped_column(String(3))
    operation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("operation.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))


class SharingRequirement(UUIDPk, Base):
    """What a plan requires for one sector (set again to revise it)."""

    __tablename__ = "sharing_requirement"
    __table_args__ = (UniqueConstraint("plan_id", "sector"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_response_plan.id"), index=True)
    sector: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class SharingContribution(UUIDPk, Base):
    """Funds received for a plan from a donor, for a sector or unearmarked (sector NULL), on a date;
    linked to the pledge it fulfils when there is one."""

    __tablename__ = "sharing_contribution"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_response_plan.id"), index=True)
    sector: Mapped[str | None] = mapped_column(String(60))
    donor: Mapped[str] = mapped_column(String(120))
    donor_country: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    received_on: Mapped[dt.date] = mapped_column(Date)
    pledge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sharing_pledge.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
