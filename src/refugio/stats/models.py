"""Aggregate population statistics in the shape UNHCR publishes them (the `refugees` data package):
stocks by origin, asylum country and year; sex/age demographics; asylum applications and decisions;
durable solutions; new displacement (flows); IDMC internally displaced; UNRWA Palestine refugees; and
the country list with UNHCR codes. Plus the log of every import.

Countries are UNHCR three-letter codes (`coo`, `coa`), consistent across the tables, unlike the `*_iso`
columns (see the reading notes of the source): the ISO3 code is kept once, in `stats_country`.
An empty count in the source ("not reported") stays NULL; it is not zero.
SQLAlchemy 2 typed models only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, UUIDPk
from refugio.store.types import PortableJSON


class StatsImport(UUIDPk, Base):
    """One import of one aggregate file: what was read, loaded and refused (errors by row)."""

    __tablename__ = "stats_import"

    dataset: Mapped[str] = mapped_column(String(40), index=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_loaded: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)  # the first 200
    imported_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    imported_by: Mapped[str] = mapped_column(String(80))
    current: Mapped[bool] = mapped_column(default=True)  # its rows are the ones in the table now


class StatsCountry(Base):
    """A country or territory with its UNHCR code, ISO3 code and regions."""

    __tablename__ = "stats_country"

    unhcr_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso3: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(120))
    unhcr_region: Mapped[str | None] = mapped_column(String(80))
    unsd_region: Mapped[str | None] = mapped_column(String(80))
    unsd_subregion: Mapped[str | None] = mapped_column(String(80))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stats_import.id"))


class _Pair:
    """Year, country of origin and country of asylum (UNHCR codes); the primary key of most tables."""

    # first in the table and in its primary key, since every query selects a year
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-3)
    coo: Mapped[str] = mapped_column(String(3), primary_key=True, sort_order=-2)
    coa: Mapped[str] = mapped_column(String(3), primary_key=True, sort_order=-1)


class StatsPopulation(_Pair, Base):
    """End-year stocks of each population group."""

    __tablename__ = "stats_population"

    refugees: Mapped[int | None]
    asylum_seekers: Mapped[int | None]
    returned_refugees: Mapped[int | None]
    idps: Mapped[int | None]
    returned_idps: Mapped[int | None]
    stateless: Mapped[int | None]
    ooc: Mapped[int | None]
    oip: Mapped[int | None]
    hst: Mapped[int | None]


class StatsFlow(_Pair, Base):
    """New displacement during the year."""

    __tablename__ = "stats_flow"

    refugees: Mapped[int | None]
    asylum_seekers: Mapped[int | None]
    refugee_like: Mapped[int | None]
    oip: Mapped[int | None]


class StatsSolution(_Pair, Base):
    """Durable solutions during the year."""

    __tablename__ = "stats_solution"

    returned_refugees: Mapped[int | None]
    resettlement: Mapped[int | None]
    naturalisation: Mapped[int | None]
    returned_idps: Mapped[int | None]


class StatsIdmc(_Pair, Base):
    """IDMC: people internally displaced by conflict and violence at end-year (coo = coa)."""

    __tablename__ = "stats_idmc"

    total: Mapped[int | None]


class StatsUnrwa(_Pair, Base):
    """Palestine refugees registered with UNRWA, by host territory."""

    __tablename__ = "stats_unrwa"

    total: Mapped[int | None]


class StatsAsylumApplication(_Pair, Base):
    """Asylum applications lodged during the year. `app_pc`: C cases or P persons, never added together."""

    __tablename__ = "stats_asylum_application"

    procedure_type: Mapped[str] = mapped_column(String(2), primary_key=True)
    app_type: Mapped[str] = mapped_column(String(3), primary_key=True)  # "NA" is a code
    dec_level: Mapped[str] = mapped_column(String(3), primary_key=True)
    app_pc: Mapped[str] = mapped_column(String(1), primary_key=True)
    applied: Mapped[int | None]


class StatsAsylumDecision(_Pair, Base):
    """Decisions on asylum claims taken during the year. `dec_pc`: C cases or P persons."""

    __tablename__ = "stats_asylum_decision"

    procedure_type: Mapped[str] = mapped_column(String(2), primary_key=True)
    dec_level: Mapped[str] = mapped_column(String(3), primary_key=True)
    dec_pc: Mapped[str] = mapped_column(String(1), primary_key=True)
    recognized: Mapped[int | None]
    other: Mapped[int | None]
    rejected: Mapped[int | None]
    closed: Mapped[int | None]
    total: Mapped[int | None]


class StatsDemographic(_Pair, Base):
    """Sex and age (0-4, 5-11, 12-17, 18-59, 60+) of end-year populations by type and location."""

    __tablename__ = "stats_demographic"

    pop_type: Mapped[str] = mapped_column(String(3), primary_key=True)
    location: Mapped[str] = mapped_column(String(200), primary_key=True)
    loc_type: Mapped[str] = mapped_column(String(1), primary_key=True)
    acc_type: Mapped[str] = mapped_column(String(1), primary_key=True)
    f_0_4: Mapped[int | None]
    f_5_11: Mapped[int | None]
    f_12_17: Mapped[int | None]
    f_18_59: Mapped[int | None]
    f_60: Mapped[int | None]
    f_other: Mapped[int | None]
    f_total: Mapped[int | None]
    m_0_4: Mapped[int | None]
    m_5_11: Mapped[int | None]
    m_12_17: Mapped[int | None]
    m_18_59: Mapped[int | None]
    m_60: Mapped[int | None]
    m_other: Mapped[int | None]
    m_total: Mapped[int | None]
    total: Mapped[int | None]


# ---------------------------------------------------------------------------------------------
# the columnar snapshot of the registered population (refugio.stats.snapshot)


class StatsPerson(Base):
    """One row per registered person: the columns statistics count over, as the full population query
    computes them (dates as YYYYMMDD integers). Kept by `refugio.stats.snapshot.refresh`; the person
    belongs to one block of its operation."""

    __tablename__ = "stats_person"
    __table_args__ = (Index("ix_stats_person_operation_id_block", "operation_id", "block"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    block: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(1))
    dob: Mapped[int] = mapped_column(Integer)
    population_type: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(3))
    site: Mapped[str] = mapped_column(String(20))
    arrival: Mapped[int | None] = mapped_column(Integer)
    entry: Mapped[int] = mapped_column(Integer)
    exit: Mapped[int | None] = mapped_column(Integer)
    household: Mapped[int | None] = mapped_column(Integer)  # `StatsHousehold.number`


class StatsHousehold(Base):
    """A household's number in the snapshot (what the packed blocks carry per person, to count
    households among any people counted): given when the snapshot first meets the household."""

    __tablename__ = "stats_household"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    household_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)


class StatsBlock(Base):
    """Up to `snapshot.BLOCK` people of an operation as packed columns (`payload`), the form the
    statistics read: rebuilt from `stats_person` whenever one of its people changes."""

    __tablename__ = "stats_block"

    operation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class StatsDirty(Base):
    """A person whose statistics columns may have changed since the snapshot was last brought up to
    date: written by the database's own triggers on individual, household, registration_event and site
    (migration 0015), whatever wrote the change, and consumed by `snapshot.refresh`."""

    __tablename__ = "stats_dirty"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class StatsState(Base):
    """The snapshot's generation: how many refreshes changed it (a cache key for what is drawn from it)."""

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(Integer)
