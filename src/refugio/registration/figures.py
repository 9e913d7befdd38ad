"""Key figures of the registry: the dashboard (scoped to what the actor sees, small need counts
suppressed) and the installation-wide summary the demo prints. Reads only, like queries.py; must not
import fastapi, jinja2 or typer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.registration.models import Household, Individual, Operation, Site, SpecificNeed
from refugio.registration.queries import scope_clause
from refugio.registration.schemas import RegistrySummary
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


@dataclass(frozen=True)
class Dashboard:
    households: int
    individuals: int
    registered_today: int
    registered_last_7_days: int
    by_site: list[tuple[str, str, int]]
    by_origin: list[tuple[str, int]]
    by_sex_age: dict[str, dict[str, int]]
    needs: list[tuple[str, int]]


AGE_BRACKETS = ((0, 4, "0-4"), (5, 11, "5-11"), (12, 17, "12-17"), (18, 59, "18-59"), (60, 200, "60+"))
PeopleKey = tuple[str, str, str, str, int]  # site code, site name, origin, sex, year of birth


@dataclass(frozen=True)
class ActivePeople:
    """The active individuals the actor sees, counted by (site code, site name, country of origin —
    the person's, else the household's, else UNK —, sex, year of birth): everything the dashboard
    shows of people. Computed here from the registry (`active_people`) or by refugio.stats from its
    snapshot (the same counts, without scanning the registry)."""

    counts: dict[PeopleKey, int]


def active_people(session: Session, *, actor: Principal) -> ActivePeople:
    """The counts of `ActivePeople`, from the registry in one scan of the individuals."""
    where = and_(
        scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        Individual.status == "active",
    )
    origin = func.coalesce(Individual.country_of_origin, Household.country_of_origin, "UNK")
    year = func.extract("year", Individual.date_of_birth)
    rows = session.execute(
        select(Site.code, Site.name, origin, Individual.sex, year, func.count())
        .join(Individual, Individual.site_id == Site.id)
        .join(Household, Household.id == Individual.household_id)
        .where(where)
        .group_by(Site.code, Site.name, origin, Individual.sex, year)
    ).all()
    return ActivePeople({(code, name, o, sex, int(y)): int(n) for code, name, o, sex, y, n in rows})


def _people_figures(
    people: ActivePeople, today: dt.date
) -> tuple[int, list[tuple[str, str, int]], list[tuple[str, int]], dict[str, dict[str, int]]]:
    """Individuals, by site (code order), the ten largest origins and by sex and age (in years as of
    this year's birthday) from the counts."""
    sites: dict[tuple[str, str], int] = defaultdict(int)
    origins: dict[str, int] = defaultdict(int)
    by_sex_age: dict[str, dict[str, int]] = {b[2]: {"F": 0, "M": 0, "X": 0} for b in AGE_BRACKETS}
    for (code, name, origin, sex, year), n in people.counts.items():
        sites[(code, name)] += n
        origins[origin] += n
        age = today.year - year
        for lo, hi, label in AGE_BRACKETS:
            if lo <= age <= hi:
                by_sex_age[label][sex] = by_sex_age[label].get(sex, 0) + n
    by_site = [(code, name, n) for (code, name), n in sorted(sites.items())]
    by_origin = sorted(origins.items(), key=lambda item: (-item[1], item[0]))[:10]
    return sum(people.counts.values()), by_site, by_origin, by_sex_age


def dashboard(
    session: Session, *, actor: Principal, small_count: int = 5, people: ActivePeople | None = None
) -> Dashboard:
    """Key figures for the sites the principal sees. Need counts below `small_count` are not shown.
    `people`: the active individuals' counts for this actor when the caller has them (from the
    statistics snapshot), else they are counted here from the registry."""
    hh_scope = scope_clause(actor, Permission.HOUSEHOLD_VIEW, Household.operation_id, Household.site_id)
    today = clock.today()
    households = session.scalar(select(func.count()).select_from(Household).where(hh_scope)) or 0
    reg_today = (
        session.scalar(
            select(func.count()).select_from(Household).where(hh_scope, Household.registration_date == today)
        )
        or 0
    )
    reg_week = (
        session.scalar(
            select(func.count())
            .select_from(Household)
            .where(hh_scope, Household.registration_date > today - dt.timedelta(days=7))
        )
        or 0
    )
    counted = people if people is not None else active_people(session, actor=actor)
    individuals, by_site, by_origin, by_sex_age = _people_figures(counted, today)
    needs = _needs(session, actor, small_count)
    return Dashboard(households, individuals, reg_today, reg_week, by_site, by_origin, by_sex_age, needs)


def _needs(session: Session, actor: Principal, small_count: int) -> list[tuple[str, int]]:
    ind_scope = scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)
    needs = []
    for category, n in session.execute(
        select(SpecificNeed.category, func.count(func.distinct(SpecificNeed.individual_id)))
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(ind_scope, Individual.status == "active", SpecificNeed.active.is_(True))
        .group_by(SpecificNeed.category)
        .order_by(SpecificNeed.category)
    ).all():
        if category in {"SV", "TR"} and not actor.can_anywhere(Permission.NEEDS_SENSITIVE_VIEW):
            continue
        needs.append((category, int(n) if n >= small_count else 0))
    return needs


def registry_summary(session: Session) -> RegistrySummary:
    """Counts over the whole registry: sites, households, individuals, people with needs, origins."""
    op = session.scalar(select(Operation).order_by(Operation.code).limit(1))
    origins = session.execute(
        select(Individual.country_of_origin, func.count())
        .group_by(Individual.country_of_origin)
        .order_by(func.count().desc())
        .limit(6)
    ).all()
    with_needs = select(func.count(func.distinct(SpecificNeed.individual_id))).where(
        SpecificNeed.active.is_(True)
    )
    return RegistrySummary(
        operation=f"{op.code} {op.name}" if op else "-",
        sites=session.scalar(select(func.count()).select_from(Site)) or 0,
        households=session.scalar(select(func.count()).select_from(Household)) or 0,
        individuals=session.scalar(select(func.count()).select_from(Individual)) or 0,
        needs=session.scalar(with_needs) or 0,
        origins=[(c or "UNK", n) for c, n in origins],
    )
