"""Key figures of the registry: the dashboard (scoped to what the actor sees, small need counts
suppressed) and the installation-wide summary the demo prints. Reads only, like queries.py; must not
import fastapi, jinja2 or typer.
"""

from __future__ import annotations

import datetime as dt
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


def dashboard(session: Session, *, actor: Principal, small_count: int = 5) -> Dashboard:
    """Key figures for the sites the principal sees. Need counts below `small_count` are not shown."""
    ind_scope = scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)
    hh_scope = scope_clause(actor, Permission.HOUSEHOLD_VIEW, Household.operation_id, Household.site_id)
    active = and_(ind_scope, Individual.status == "active")
    today = clock.today()
    households = session.scalar(select(func.count()).select_from(Household).where(hh_scope)) or 0
    individuals = session.scalar(select(func.count()).select_from(Individual).where(active)) or 0
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
    by_site = [
        (code, name, n)
        for code, name, n in session.execute(
            select(Site.code, Site.name, func.count(Individual.id))
            .join(Individual, Individual.site_id == Site.id)
            .where(active)
            .group_by(Site.code, Site.name)
            .order_by(Site.code)
        ).all()
    ]
    by_origin = [
        (c or "UNK", n)
        for c, n in session.execute(
            select(Individual.country_of_origin, func.count())
            .where(active)
            .group_by(Individual.country_of_origin)
            .order_by(func.count().desc())
            .limit(10)
        ).all()
    ]
    by_sex_age: dict[str, dict[str, int]] = {b[2]: {"F": 0, "M": 0, "X": 0} for b in AGE_BRACKETS}
    for year, sex, n in session.execute(
        select(func.extract("year", Individual.date_of_birth), Individual.sex, func.count())
        .where(active)
        .group_by(func.extract("year", Individual.date_of_birth), Individual.sex)
    ).all():
        age = today.year - int(year)
        for lo, hi, label in AGE_BRACKETS:
            if lo <= age <= hi:
                by_sex_age[label][sex] = by_sex_age[label].get(sex, 0) + int(n)
    needs = []
    for category, n in session.execute(
        select(SpecificNeed.category, func.count(func.distinct(SpecificNeed.individual_id)))
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(active, SpecificNeed.active.is_(True))
        .group_by(SpecificNeed.category)
        .order_by(SpecificNeed.category)
    ).all():
        if category in {"SV", "TR"} and not actor.can_anywhere(Permission.NEEDS_SENSITIVE_VIEW):
            continue
        needs.append((category, int(n) if n >= small_count else 0))
    return Dashboard(households, individuals, reg_today, reg_week, by_site, by_origin, by_sex_age, needs)


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
