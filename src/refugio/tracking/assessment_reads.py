"""Reads of multi-sector location assessments (re-exported by queries.py): the assessments of a
country and round with the change since the location's previous round, the rounds as a time series
(people by population group), the needs by sector and the households by shelter type of a round.
Duplicates are shown but never counted. Aggregate figures: TRACKING_VIEW in any scope.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.models import LocationAssessment
from refugio.tracking.schemas import AssessmentRead, SectorNeeds

A = LocationAssessment


class AssessmentRound(BaseModel):
    """One round of a country's multi-sector location assessments, totalled (duplicates left out)."""

    country_iso3: str
    round_number: int
    last_date: dt.date
    locations: int
    households: int
    individuals: int
    idps: int
    returnees: int
    migrants: int


def _key(a: LocationAssessment) -> tuple[str, str, str]:
    return a.country_iso3, a.admin2_pcode or a.admin1_pcode or "", a.location.casefold()


def assessments(
    session: Session, *, actor: Principal, country: str | None = None, round_number: int | None = None,
    limit: int = 500,
) -> list[AssessmentRead]:  # fmt: skip
    """Assessments (latest round first), each with the change in individuals since the same
    location's previous round (None when it is first seen)."""
    policy.require_view(actor)
    stmt = select(A).order_by(A.country_iso3, A.round_number, A.line)
    if country:
        stmt = stmt.where(A.country_iso3 == country.upper())
    previous: dict[tuple[str, str, str], tuple[int, int]] = {}
    out: list[AssessmentRead] = []
    for a in session.scalars(stmt):
        change = None
        if not a.duplicate:
            before = previous.get(_key(a))
            if before is not None and before[0] < a.round_number:
                change = a.individuals - before[1]
            previous[_key(a)] = (a.round_number, a.individuals)
        if round_number is None or a.round_number == round_number:
            out.append(AssessmentRead.model_validate(a).model_copy(update={"change": change}))
    out.sort(key=lambda r: (-r.round_number, r.country_iso3, r.line))
    return out[:limit]


def assessment_rounds(
    session: Session, *, actor: Principal, country: str | None = None
) -> list[AssessmentRound]:
    """Each country's rounds in order, totalled (the time series of the assessments)."""
    policy.require_view(actor)
    stmt = select(A).where(A.duplicate.is_(False))
    if country:
        stmt = stmt.where(A.country_iso3 == country.upper())
    rounds: dict[tuple[str, int], AssessmentRound] = {}
    for a in session.scalars(stmt):
        r = rounds.setdefault(
            (a.country_iso3, a.round_number),
            AssessmentRound(country_iso3=a.country_iso3, round_number=a.round_number,
                            last_date=a.assessment_date, locations=0, households=0, individuals=0, idps=0,
                            returnees=0, migrants=0),
        )  # fmt: skip
        r.last_date = max(r.last_date, a.assessment_date)
        r.locations += 1
        r.households += a.households or 0
        r.individuals += a.individuals
        r.idps += a.idps or 0
        r.returnees += a.returnees or 0
        r.migrants += a.migrants or 0
    return [rounds[k] for k in sorted(rounds)]


def sector_needs(
    session: Session, *, actor: Principal, country: str, round_number: int
) -> tuple[list[SectorNeeds], dict[str, int]]:
    """The needs by sector over the locations of a round (most severe first), and the households by
    shelter type."""
    policy.require_view(actor)
    rows = session.scalars(
        select(A).where(
            A.country_iso3 == country.upper(), A.round_number == round_number, A.duplicate.is_(False)
        )
    ).all()
    by_sector: dict[str, list[int]] = {}
    first: dict[str, int] = {}
    shelter: dict[str, int] = {}
    for a in rows:
        for sector, severity in a.needs.items():
            by_sector.setdefault(sector, []).append(int(severity))
        if a.priority_needs:
            first[a.priority_needs[0]] = first.get(a.priority_needs[0], 0) + 1
        for kind, households in a.shelter.items():
            shelter[kind] = shelter.get(kind, 0) + int(households)
    needs = [
        SectorNeeds(sector=s, locations=len(v), mean_severity=round(sum(v) / len(v), 2),
                    severe=sum(1 for x in v if x >= 4), first_priority=first.get(s, 0))
        for s, v in by_sector.items()
    ]  # fmt: skip
    needs.sort(key=lambda n: (-n.mean_severity, n.sector))
    return needs, dict(sorted(shelter.items(), key=lambda kv: -kv[1]))


__all__ = ["AssessmentRound", "assessment_rounds", "assessments", "sector_needs"]
