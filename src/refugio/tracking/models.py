"""Tracking ORM models (SQLAlchemy 2, typed). No behaviour here: see service.py, pcodes.py, dtm.py,
mmp.py and queries.py.

* `AdminArea` — an administrative area by its OCHA P-code (admin 0 = the ISO3 code), its name, level
  and parent; `warnings` keeps what the loader noticed (e.g. a code that does not follow the rules).
* `PcodeFormat` — OCHA's P-code length rules per country (country prefix, admin 1 … 5).
* `TrackedSite` — a displacement site (camp, collective centre, informal settlement, host community)
  of an operation, optionally linked to a registration site.
* `TrackingImport` — one imported file (DTM or MMP): its digest, who, when, and the report.
* `DtmFigure` — one row of a DTM mobility-tracking extract (a location in a round): IDPs, sex where
  known, reasons, origin, assessment type, with the P-codes as given and as normalised, the warnings
  and the `duplicate` flag.
* `FlowPoint` — a flow monitoring point of an operation (border crossing, transit centre, bus
  station…) with the movement types observed there.
* `FlowCount` — people counted at a point on a day, by direction, sex, age group, nationality and
  means of transport (one row per combination; recording it again corrects it).
* `DistressReport` — people or a vessel in distress (IAMSAR SITREP: identity, position, situation,
  persons on board, assistance required, coordinating centre, actions, further reports).
  The distress log is shared under a data-sharing agreement of refugio.agreements (dataset
  `distress_log`).
* `Incident` — one Missing Migrants Project record (dead and missing migrants), lists kept as lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class AdminArea(Base):
    __tablename__ = "tracking_admin_area"
    __table_args__ = (Index("ix_tracking_admin_area_country_iso3_level", "country_iso3", "level"),)

    pcode: Mapped[str] = mapped_column(String(30), primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    parent_pcode: Mapped[str | None] = mapped_column(String(30))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    warnings: Mapped[list[str]] = mapped_column(PortableJSON, default=list)


class PcodeFormat(Base):
    __tablename__ = "tracking_pcode_format"

    country_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    country_lengths: Mapped[list[int]] = mapped_column(PortableJSON)  # e.g. [3]; "3|7" gives [3, 7]
    admin_lengths: Mapped[list[list[int]]] = mapped_column(PortableJSON)  # admin 1 … n, alternatives


class TrackedSite(UUIDPk, Timestamped, Base):
    __tablename__ = "tracking_site"
    __table_args__ = (Index("ix_tracking_site_operation_id_code", "operation_id", "code", unique=True),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    admin_pcode: Mapped[str | None] = mapped_column(String(30))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    managing_agency: Mapped[str | None] = mapped_column(String(200))
    registration_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))


class TrackingImport(UUIDPk, Base):
    __tablename__ = "tracking_import"

    kind: Mapped[str] = mapped_column(String(10))  # dtm | mmp | pcodes
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    imported_by: Mapped[str] = mapped_column(String(80))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_added: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class DtmFigure(UUIDPk, Base):
    __tablename__ = "tracking_dtm_figure"
    __table_args__ = (
        Index("ix_tracking_dtm_figure_row_key", "row_key", unique=True),
        Index("ix_tracking_dtm_figure_country_iso3_round_number", "country_iso3", "round_number"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracking_import.id"))
    line: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(200))
    operation_status: Mapped[str | None] = mapped_column(String(20))
    country_iso3: Mapped[str] = mapped_column(String(3))
    country_name: Mapped[str] = mapped_column(String(200))
    admin_level: Mapped[int] = mapped_column(Integer)
    provider_admin1_pcode: Mapped[str | None] = mapped_column(String(30))
    provider_admin1_name: Mapped[str | None] = mapped_column(String(200))
    provider_admin2_pcode: Mapped[str | None] = mapped_column(String(30))
    provider_admin2_name: Mapped[str | None] = mapped_column(String(200))
    admin1_pcode: Mapped[str | None] = mapped_column(String(30))
    admin2_pcode: Mapped[str | None] = mapped_column(String(30))
    idps: Mapped[int] = mapped_column(Integer)
    males: Mapped[int | None] = mapped_column(Integer)
    females: Mapped[int | None] = mapped_column(Integer)
    reporting_date: Mapped[dt.date] = mapped_column(Date)
    round_number: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    origin_admin1_name: Mapped[str | None] = mapped_column(String(200))
    origin_admin1_pcode: Mapped[str | None] = mapped_column(String(30))
    assessment_type: Mapped[str] = mapped_column(String(4))
    warnings: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)


class Incident(UUIDPk, Base):
    __tablename__ = "tracking_incident"
    __table_args__ = (
        Index("ix_tracking_incident_row_key", "row_key", unique=True),
        Index("ix_tracking_incident_incident_date", "incident_date"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracking_import.id"))
    line: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(40))
    incident_type: Mapped[str] = mapped_column(String(40))
    incident_date: Mapped[dt.date] = mapped_column(Date)
    route: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    country_name: Mapped[str | None] = mapped_column(String(100))
    dead: Mapped[int | None] = mapped_column(Integer)
    missing: Mapped[int | None] = mapped_column(Integer)
    dead_and_missing: Mapped[int] = mapped_column(Integer)
    survivors: Mapped[int | None] = mapped_column(Integer)
    females: Mapped[int | None] = mapped_column(Integer)
    males: Mapped[int | None] = mapped_column(Integer)
    children: Mapped[int | None] = mapped_column(Integer)
    causes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    nationalities: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    location: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    information_source: Mapped[str | None] = mapped_column(Text)
    reliability: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)


class FlowPoint(UUIDPk, Timestamped, Base):
    __tablename__ = "tracking_flow_point"
    __table_args__ = (Index("ix_tracking_flow_point_operation_id_code", "operation_id", "code", unique=True),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    movement_types: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    admin_pcode: Mapped[str | None] = mapped_column(String(30))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class FlowCount(UUIDPk, Base):
    __tablename__ = "tracking_flow_count"
    __table_args__ = (
        Index(
            "ix_tracking_flow_count_point_id_day_direction",
            "point_id", "day", "direction", "sex", "age_group", "nationality", "transport",
            unique=True,
        ),
    )  # fmt: skip

    point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracking_flow_point.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(10))
    sex: Mapped[str] = mapped_column(String(1))  # F, M, U (unknown)
    age_group: Mapped[str] = mapped_column(String(10))
    nationality: Mapped[str] = mapped_column(String(3))  # ISO3, UNK when unknown
    transport: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class DistressReport(UUIDPk, Timestamped, Base):
    """People or a vessel in distress, in the shape of an IAMSAR situation report (SITREP)."""

    __tablename__ = "tracking_distress_report"
    __table_args__ = (
        Index("ix_tracking_distress_report_operation_id_serial", "operation_id", "serial", unique=True),
    )

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    serial: Mapped[int] = mapped_column(Integer)
    identity: Mapped[str] = mapped_column(
        String(300)
    )  # A. identity of the casualty (vessel, call sign, group)
    latitude: Mapped[float] = mapped_column(Float)  # B. position
    longitude: Mapped[float] = mapped_column(Float)
    position_at: Mapped[dt.datetime]
    situation: Mapped[str] = mapped_column(Text)  # C. nature of the distress
    persons_on_board: Mapped[int | None] = mapped_column(Integer)  # D.
    assistance_required: Mapped[str] = mapped_column(Text)  # E.
    coordinating_centre: Mapped[str] = mapped_column(String(200))  # F. coordinating RCC
    actions: Mapped[list[dict[str, str]]] = mapped_column(PortableJSON, default=list)  # G. actions taken
    further_reports: Mapped[list[dict[str, str]]] = mapped_column(PortableJSON, default=list)  # H.
    status: Mapped[str] = mapped_column(String(10), default="open")
    reported_by: Mapped[str] = mapped_column(String(80))


class FlowSurvey(UUIDPk, Base):
    """One flow monitoring survey (an interview of a traveller or group at a flow monitoring point),
    received as an ODK/Kobo submission of the operation's flow survey form through OpenRosa. The
    instanceID is received once; an edited submission (`deprecated_id`) marks the one it edits
    `replaced`, and only `current` surveys are counted."""

    __tablename__ = "tracking_flow_survey"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracking_flow_point.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(100))
    instance_id: Mapped[str] = mapped_column(String(100), unique=True)
    deprecated_id: Mapped[str | None] = mapped_column(String(100))
    survey_date: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(10))
    sex: Mapped[str] = mapped_column(String(1))
    age_group: Mapped[str] = mapped_column(String(10))
    nationality: Mapped[str] = mapped_column(String(3))
    transport: Mapped[str] = mapped_column(String(10))
    origin_country: Mapped[str | None] = mapped_column(String(3))
    destination_country: Mapped[str | None] = mapped_column(String(3))
    reasons: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    group_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="current")  # current | replaced
    submitted_by: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    xml: Mapped[str] = mapped_column(Text)


class LocationAssessment(UUIDPk, Base):
    """One multi-sector location assessment (DTM MSLA) of a location in a round: people by population
    group, sex and age where known, displacement reasons, origin, households by shelter type, the
    severity of needs by sector (1 none … 5 extreme) and the ranked priority needs."""

    __tablename__ = "tracking_location_assessment"
    __table_args__ = (
        Index("ix_tracking_location_assessment_row_key", "row_key", unique=True),
        Index("ix_tracking_location_assessment_country_iso3_round_number", "country_iso3", "round_number"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracking_import.id"))
    line: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64))
    country_iso3: Mapped[str] = mapped_column(String(3))
    admin1_pcode: Mapped[str | None] = mapped_column(String(30))
    admin2_pcode: Mapped[str | None] = mapped_column(String(30))
    location: Mapped[str] = mapped_column(String(200))
    round_number: Mapped[int] = mapped_column(Integer)
    assessment_date: Mapped[dt.date] = mapped_column(Date)
    households: Mapped[int | None] = mapped_column(Integer)
    individuals: Mapped[int] = mapped_column(Integer)
    idps: Mapped[int | None] = mapped_column(Integer)
    returnees: Mapped[int | None] = mapped_column(Integer)
    migrants: Mapped[int | None] = mapped_column(Integer)
    males: Mapped[int | None] = mapped_column(Integer)
    females: Mapped[int | None] = mapped_column(Integer)
    children: Mapped[int | None] = mapped_column(Integer)
    adults: Mapped[int | None] = mapped_column(Integer)
    elderly: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    origin_admin1_pcode: Mapped[str | None] = mapped_column(String(30))
    shelter: Mapped[dict[str, int]] = mapped_column(PortableJSON, default=dict)  # shelter type → households
    needs: Mapped[dict[str, int]] = mapped_column(PortableJSON, default=dict)  # sector → severity 1..5
    priority_needs: Mapped[list[str]] = mapped_column(PortableJSON, default=list)  # sectors, first = most
    warnings: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
