"""Browsing the registry: pages of households and of people, filtered and sorted in SQL.

Each page is one counting query and one query for the page's rows (offset/limit), on SQLite and
PostgreSQL alike; nothing is loaded into Python to be filtered there. Lists are limited to the sites
where the actor may see households (or people); a filter by specific need also needs the right to see
that need (sensitive codes: `NEEDS_SENSITIVE_VIEW`), so a filter never tells what a page would hide.
A page of people shows names: who listed whom is audited (`people.list`), as search is.

Must not import any web framework.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration.enums import IndividualStatus
from refugio.registration.models import Household, Individual, SpecificNeed
from refugio.registration.needs import CATEGORIES, CODES
from refugio.registration.schemas import (
    HOUSEHOLD_SORTS,
    HOUSEHOLD_STATUSES,
    PEOPLE_SORTS,
    BrowseFilters,
    HouseholdItem,
    HouseholdPage,
    PersonItem,
    PersonPage,
)
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_PAGE = 200
MAX_AGE = 130


def check(filters: BrowseFilters, *, people: bool, sort: str | None = None, limit: int = 50) -> None:
    """Every wrong filter at once, each named (`ValidationFailed`, a 422 in the API)."""
    errors: list[FieldError] = []
    sorts = PEOPLE_SORTS if people else HOUSEHOLD_SORTS
    if sort is not None and sort not in sorts:
        errors.append(FieldError("sort", f"one of {', '.join(sorts)}", "invalid_choice"))
    if not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError("limit", f"between 1 and {MAX_PAGE}", "out_of_range"))
    statuses = [s.value for s in IndividualStatus] if people else list(HOUSEHOLD_STATUSES)
    if filters.status is not None and filters.status not in statuses:
        errors.append(FieldError("status", f"one of {', '.join(statuses)}", "invalid_choice"))
    if filters.need is not None and filters.need not in CODES and filters.need not in CATEGORIES:
        errors.append(FieldError("need", "a specific-needs code (SC-UC) or category (SC)", "invalid_choice"))
    for name in ("age_min", "age_max"):
        value = getattr(filters, name)
        if value is not None and not 0 <= value <= MAX_AGE:
            errors.append(FieldError(name, f"between 0 and {MAX_AGE} years", "out_of_range"))
    if filters.age_min is not None and filters.age_max is not None and filters.age_min > filters.age_max:
        errors.append(FieldError("age_max", "cannot be below the minimum age", "before_min"))
    if filters.arrived_from and filters.arrived_to and filters.arrived_from > filters.arrived_to:
        errors.append(FieldError("arrived_to", "cannot be before the start of the period", "before_start"))
    if errors:
        raise ValidationFailed(errors)


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def person_clauses(filters: BrowseFilters, *, with_status: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on `Individual` for the person-level filters (site, sex, age, status, arrival,
    population type); the need filter is `need_clause`."""
    out: list[ColumnElement[bool]] = []
    if filters.site_id is not None:
        out.append(Individual.site_id == filters.site_id)
    if filters.sex is not None:
        out.append(Individual.sex == filters.sex.value)
    today = clock.today()
    if filters.age_min is not None:  # at least N years old: born on or before today N years ago
        out.append(Individual.date_of_birth <= _years_ago(today, filters.age_min))
    if filters.age_max is not None:  # at most N: born after today N+1 years ago
        out.append(Individual.date_of_birth > _years_ago(today, filters.age_max + 1))
    if with_status and filters.status is not None:
        out.append(Individual.status == filters.status)
    if filters.population_type is not None:
        out.append(Individual.population_type == filters.population_type.value)
    if filters.arrived_from is not None:
        out.append(Individual.arrival_date >= filters.arrived_from)
    if filters.arrived_to is not None:
        out.append(Individual.arrival_date <= filters.arrived_to)
    return out


def need_permission(need: str) -> Permission:
    """The right a filter by `need` (code or category) takes: sensitive codes need the sensitive view."""
    codes = [c for c in CODES.values() if c.code == need or c.category == need]
    return Permission.NEEDS_SENSITIVE_VIEW if any(c.sensitive for c in codes) else Permission.NEEDS_VIEW


def need_clause(need: str) -> ColumnElement[bool]:
    """The person has an active specific need with that code or in that category."""
    column = SpecificNeed.code if need in CODES else SpecificNeed.category
    return exists().where(
        SpecificNeed.individual_id == Individual.id, SpecificNeed.active.is_(True), column == need
    )


def _scope(actor: Principal, permission: Permission, op_col: Any, site_col: Any) -> ColumnElement[bool]:
    from refugio.registration.queries import scope_clause  # queries re-exports this module's pages

    return scope_clause(actor, permission, op_col, site_col)


def _page_of(session: Session, stmt: Any, offset: int, limit: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.offset(max(offset, 0)).limit(limit)).all())
    return rows, int(total)


_HOUSEHOLD_ORDER: dict[str, tuple[Any, ...]] = {
    "newest": (Household.registration_date.desc(), Household.ref.desc()),
    "oldest": (Household.registration_date, Household.ref),
    "ref": (Household.ref,),
    "size": (Household.size.desc(), Household.ref),
    "arrival": (Household.arrival_date.is_(None), Household.arrival_date.desc(), Household.ref.desc()),
}


def households(
    session: Session,
    *,
    actor: Principal,
    filters: BrowseFilters | None = None,
    sort: str = "newest",
    offset: int = 0,
    limit: int = 50,
) -> HouseholdPage:
    """A page of the households the actor may see, filtered and sorted, with how many there are.
    Site, status and arrival period are the household's; population type and specific need match a
    household having such a member (active or not)."""
    f = filters or BrowseFilters()
    check(f, people=False, sort=sort, limit=limit)
    where = [_scope(actor, Permission.HOUSEHOLD_VIEW, Household.operation_id, Household.site_id)]
    if f.site_id is not None:
        where.append(Household.site_id == f.site_id)
    if f.status is not None:
        where.append(Household.status == f.status)
    if f.arrived_from is not None:
        where.append(Household.arrival_date >= f.arrived_from)
    if f.arrived_to is not None:
        where.append(Household.arrival_date <= f.arrived_to)
    member = person_clauses(
        BrowseFilters(population_type=f.population_type, sex=f.sex, age_min=f.age_min, age_max=f.age_max)
    )
    if f.need is not None:
        member.append(need_clause(f.need))
        where.append(_scope(actor, need_permission(f.need), Household.operation_id, Household.site_id))
    if member:
        where.append(exists().where(Individual.household_id == Household.id, *member))
    stmt = select(Household).where(and_(*where)).order_by(*_HOUSEHOLD_ORDER[sort])
    rows, total = _page_of(session, stmt, offset, limit)
    items = [HouseholdItem.model_validate(r[0]) for r in rows]
    return HouseholdPage(items=items, total=total, offset=max(offset, 0), limit=limit)


_PEOPLE_ORDER: dict[str, tuple[Any, ...]] = {
    "name": (Individual.family_norm, Individual.given_norm, Individual.ref),
    "ref": (Individual.ref,),
    "youngest": (Individual.date_of_birth.desc(), Individual.ref),
    "eldest": (Individual.date_of_birth, Individual.ref),
    "arrival": (Individual.arrival_date.is_(None), Individual.arrival_date.desc(), Individual.ref),
}


def people(
    session: Session,
    *,
    actor: Principal,
    filters: BrowseFilters | None = None,
    sort: str = "name",
    offset: int = 0,
    limit: int = 50,
) -> PersonPage:
    """A page of the people the actor may see, filtered and sorted, with how many there are; audited."""
    f = filters or BrowseFilters()
    check(f, people=True, sort=sort, limit=limit)
    where = [_scope(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)]
    where += person_clauses(f)
    if f.need is not None:
        where.append(need_clause(f.need))
        where.append(_scope(actor, need_permission(f.need), Individual.operation_id, Individual.site_id))
    stmt = (
        select(Individual, Household.ref)
        .join(Household, Household.id == Individual.household_id)
        .where(and_(*where))
        .order_by(*_PEOPLE_ORDER[sort])
    )
    rows, total = _page_of(session, stmt, offset, limit)
    items = [PersonItem.model_validate({**_columns(p), "household_ref": ref}) for p, ref in rows]
    audit.record(
        session,
        actor=actor,
        action="people.list",
        object_type="individual",
        object_id=None,
        details={"results": [str(i.id) for i in items]},
    )
    return PersonPage(items=items, total=total, offset=max(offset, 0), limit=limit)


def _columns(person: Individual) -> dict[str, Any]:
    return {name: getattr(person, name) for name in PersonItem.model_fields if name != "household_ref"}
