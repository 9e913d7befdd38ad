"""Voluntary repatriation and AVRR: ORM models (SQLAlchemy 2, typed). No behaviour here: see the
services of refugio.solutions.returns.

`ReturnSurvey` (a return intention survey received through the OpenRosa form list, about one
registered household), `GoAndSeeVisit` (planned or done, its participants and findings),
`CaseworkerSignOff` (the assigned caseworker's agreement that a person with an open protection case
may return), `VoluntaryReturn` (the people returning, planned then departed, with destination and
the household split), `ReintegrationVisit` (a monitoring visit's answers and its scores in IOM's three
dimensions, with the weights version used).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class ReturnSurvey(UUIDPk, Base):
    """One return intention survey of a registered household (an OpenRosa submission)."""

    __tablename__ = "return_survey"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    form_id: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[str] = mapped_column(String(100), unique=True)
    deprecated_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="current")  # current | replaced
    survey_date: Mapped[dt.date] = mapped_column(Date)
    intention: Mapped[str] = mapped_column(String(20))
    conditions: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    destination_iso3: Mapped[str | None] = mapped_column(String(3))
    origin_area: Mapped[str] = mapped_column(String(200))
    go_and_see: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    xml: Mapped[str] = mapped_column(Text)


class GoAndSeeVisit(UUIDPk, Timestamped, Base):
    """A visit of refugees to their place of origin before deciding to return."""

    __tablename__ = "go_and_see_visit"

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    destination_iso3: Mapped[str] = mapped_column(String(3))
    destination_area: Mapped[str] = mapped_column(String(200))
    planned_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="planned")  # planned | done | cancelled
    participants: Mapped[list[str]] = mapped_column(PortableJSON, default=list)  # individual ids
    findings: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_by: Mapped[str | None] = mapped_column(String(80))


class CaseworkerSignOff(UUIDPk, Base):
    """The assigned caseworker of an open protection case agrees that the person may return."""

    __tablename__ = "return_signoff"

    individual_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_case.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    signed_by: Mapped[str] = mapped_column(String(80))
    signed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    note: Mapped[str] = mapped_column(Text)


class VoluntaryReturn(UUIDPk, Timestamped, Base):
    """People of one household returning: planned (population type `returnee`, still in the registry,
    on a return grant's list), then departed (out of the active registry), or cancelled."""

    __tablename__ = "voluntary_return"

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    returning_household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    whole_household: Mapped[bool] = mapped_column(Boolean)
    # [{"id": individual id, "ref": …, "population_type": before the return}]
    members: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    kind: Mapped[str] = mapped_column(String(30))  # voluntary_repatriation | avrr
    status: Mapped[str] = mapped_column(String(10), default="planned")
    return_date: Mapped[dt.date] = mapped_column(Date)
    destination_iso3: Mapped[str] = mapped_column(String(3))
    destination_area: Mapped[str] = mapped_column(String(200))
    assisted: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(80))
    departed_on: Mapped[dt.date | None] = mapped_column(Date)
    departed_by: Mapped[str | None] = mapped_column(String(80))
    cancelled_reason: Mapped[str | None] = mapped_column(Text)


class ReintegrationVisit(UUIDPk, Base):
    """A reintegration monitoring visit: the answers (1-5 per indicator) and the composite scores
    (0-1) per dimension and overall, with the version of the weights that produced them."""

    __tablename__ = "reintegration_visit"

    return_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("voluntary_return.id"), index=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict[str, int]] = mapped_column(PortableJSON, default=dict)
    economic: Mapped[float] = mapped_column(Float)
    social: Mapped[float] = mapped_column(Float)
    psychosocial: Mapped[float] = mapped_column(Float)
    overall: Mapped[float] = mapped_column(Float)
    weights_version: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
