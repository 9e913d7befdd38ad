"""Brief reads of registered people and households for other domains (`refugio.solutions`): names,
sex, dates of birth and languages of a set of people, a household's operation and site, its members.
Re-exported by `registration.queries`, through which other domains read the registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration.models import Household, Individual, Operation, SpecificNeed


@dataclass(frozen=True)
class PersonBrief:
    """What another domain needs of a registered person to put them on a file (not audited here: the
    caller audits its own read)."""

    id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    name: str
    sex: str
    date_of_birth: dt.date
    languages: list[str]
    status: str
    legal_status: str | None = None
    population_type: str | None = None


def people_brief(session: Session, individual_ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonBrief]:
    """The people of `ids` that exist, by id."""
    wanted = list(dict.fromkeys(individual_ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Individual).where(Individual.id.in_(wanted)))
    return {
        p.id: PersonBrief(
            p.id,
            p.ref,
            p.household_id,
            p.operation_id,
            p.site_id,
            " ".join(x for x in (p.given_name, p.middle_name, p.family_name) if x),
            p.sex,
            p.date_of_birth,
            list(p.languages or []),
            p.status,
            p.legal_status,
            p.population_type,
        )
        for p in rows
    }


def household_scope(session: Session, household_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(operation id, site id) of a household, or None when there is none."""
    row = session.execute(
        select(Household.operation_id, Household.site_id).where(Household.id == household_id)
    ).first()
    return (row[0], row[1]) if row else None


def operation_code(session: Session, operation_id: uuid.UUID) -> str:
    code = session.scalar(select(Operation.code).where(Operation.id == operation_id))
    if code is None:
        raise NotFound("no such operation")
    return str(code)


def household_ref(session: Session, household_id: uuid.UUID) -> str:
    ref = session.scalar(select(Household.ref).where(Household.id == household_id))
    if ref is None:
        raise NotFound("no such household")
    return str(ref)


def household_member_ids(session: Session, household_id: uuid.UUID) -> list[uuid.UUID]:
    """The active members of a household (ids), for another domain's file."""
    return list(
        session.scalars(
            select(Individual.id).where(
                Individual.household_id == household_id, Individual.status == "active"
            )
        )
    )


@dataclass(frozen=True)
class MemberBrief:
    """A registered person as a household member: for composing families elsewhere (the demo)."""

    household_id: uuid.UUID
    individual_id: uuid.UUID
    date_of_birth: dt.date
    relationship: str


def active_members(session: Session, *, operation_id: uuid.UUID, limit: int) -> list[MemberBrief]:
    """Up to `limit` active people of an operation, household by household, in reference order."""
    rows = session.execute(
        select(
            Individual.household_id,
            Individual.id,
            Individual.date_of_birth,
            Individual.relationship_to_focal_point,
        )
        .join(Household, Household.id == Individual.household_id)
        .where(Individual.operation_id == operation_id, Individual.status == "active")
        .order_by(Household.ref, Individual.ref)
        .limit(limit)
    )
    return [MemberBrief(h, i, d, r) for h, i, d, r in rows]


@dataclass(frozen=True)
class NeedHolder:
    """An active specific need of an active person, with where the person is (for another domain to
    turn needs into its own cases; the caller filters by its own permission and audits its read)."""

    household_id: uuid.UUID
    household_ref: str
    individual_id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    code: str


def needs_by_household(
    session: Session,
    *,
    codes: list[str],
    operation_ids: list[uuid.UUID],
    limit: int = 5000,
    household_id: uuid.UUID | None = None,
) -> list[NeedHolder]:
    """The active needs with one of `codes` of the active people of `operation_ids` (of one household
    when `household_id` is given), by household."""
    if not codes or not operation_ids:
        return []
    stmt = (
        select(
            Individual.household_id,
            Household.ref,
            Individual.id,
            Individual.ref,
            Individual.operation_id,
            Individual.site_id,
            SpecificNeed.code,
        )
        .join(SpecificNeed, SpecificNeed.individual_id == Individual.id)
        .join(Household, Household.id == Individual.household_id)
        .where(
            SpecificNeed.code.in_(codes),
            SpecificNeed.active.is_(True),
            Individual.status == "active",
            Individual.operation_id.in_(operation_ids),
            *([Individual.household_id == household_id] if household_id is not None else []),
        )
        .order_by(Household.ref, Individual.ref, SpecificNeed.code)
        .limit(limit)
    )
    return [NeedHolder(*row) for row in session.execute(stmt)]


@dataclass(frozen=True)
class HouseholdBrief:
    """Where a household is and comes from, for another domain's file or figure (not audited here)."""

    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    status: str
    country_of_origin: str | None
    place_of_origin: str | None
    focal_point_id: uuid.UUID | None = None


def households_brief(session: Session, household_ids: list[uuid.UUID]) -> dict[uuid.UUID, HouseholdBrief]:
    """The households of `household_ids` that exist, by id."""
    wanted = list(dict.fromkeys(household_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Household.id,
            Household.ref,
            Household.operation_id,
            Household.site_id,
            Household.status,
            Household.country_of_origin,
            Household.place_of_origin,
            Household.focal_point_id,
        ).where(Household.id.in_(wanted))
    )
    return {r[0]: HouseholdBrief(*r) for r in rows}
