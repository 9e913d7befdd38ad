"""Reads of the imported aggregate statistics for other domains (refugio.sharing): the country list with
UNHCR and ISO3 codes, asylum applications by country of asylum and year (persons and cases apart, never
added together), refugees hosted and resettlement arrivals by country of asylum.

These are the published UNHCR aggregates as imported by `refugio stats import`; what a caller exports
from them passes disclosure control (`refugio.stats.tables.measure_table`). Imports SQLAlchemy, the
stats models and refugio.core only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.stats.models import StatsAsylumApplication, StatsCountry, StatsPopulation, StatsSolution


@dataclass(frozen=True)
class CountryCode:
    unhcr_code: str
    iso3: str | None
    name: str


@dataclass(frozen=True)
class AsylumCount:
    coa: str  # UNHCR code of the country of asylum
    year: int
    app_pc: str  # P persons, C cases
    applied: int


def countries(session: Session) -> list[CountryCode]:
    return [
        CountryCode(code, iso, name)
        for code, iso, name in session.execute(
            select(StatsCountry.unhcr_code, StatsCountry.iso3, StatsCountry.name).order_by(
                StatsCountry.unhcr_code
            )
        )
    ]


def asylum_applications(session: Session, *, years: Sequence[int]) -> list[AsylumCount]:
    """Applications lodged by country of asylum, year and unit (persons or cases), all origins,
    procedures and application types together. Countries that reported nothing have no row."""
    A = StatsAsylumApplication
    rows = session.execute(
        select(A.coa, A.year, A.app_pc, func.sum(A.applied))
        .where(A.year.in_(list(years)), A.applied.is_not(None))
        .group_by(A.coa, A.year, A.app_pc)
        .order_by(A.coa, A.year, A.app_pc)
    )
    return [AsylumCount(coa, int(year), pc, int(n or 0)) for coa, year, pc, n in rows]


def refugees_hosted(session: Session, *, year: int) -> dict[str, int]:
    """Refugees under UNHCR's mandate at the end of `year`, by country of asylum (UNHCR code);
    countries with no reported figure are absent (not zero)."""
    P = StatsPopulation
    rows = session.execute(
        select(P.coa, func.sum(P.refugees)).where(P.year == year, P.refugees.is_not(None)).group_by(P.coa)
    )
    return {coa: int(n or 0) for coa, n in rows}


def resettlement_arrivals(session: Session, *, years: Sequence[int]) -> dict[str, int]:
    """Refugees resettled to each country (UNHCR code of the country of asylum) over `years`."""
    S = StatsSolution
    rows = session.execute(
        select(S.coa, func.sum(S.resettlement))
        .where(S.year.in_(list(years)), S.resettlement.is_not(None))
        .group_by(S.coa)
    )
    return {coa: int(n or 0) for coa, n in rows}


def years_with_population(session: Session) -> list[int]:
    return [
        int(y)
        for y in session.scalars(select(StatsPopulation.year).distinct().order_by(StatsPopulation.year))
    ]
