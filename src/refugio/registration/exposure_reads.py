"""Reads for the breach register (refugio.dataprotection): who a registry record is, and who belonged
to a household or to an operation at a given time. No actor: the caller (the data protection officer's
breach register) checks its own permission; references and site codes only, never names."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.registration.models import Household, Individual, Site


@dataclass(frozen=True)
class PersonRef:
    id: uuid.UUID
    ref: str
    household_ref: str
    site_code: str
    population_type: str


def _chunks(ids: list[uuid.UUID], size: int = 500) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def people_refs(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    """The reference, household, site and population type of each person among `ids` still held."""
    found: dict[uuid.UUID, PersonRef] = {}
    for part in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(Individual.id, Individual.ref, Household.ref, Site.code, Individual.population_type)
            .join(Household, Household.id == Individual.household_id)
            .join(Site, Site.id == Individual.site_id)
            .where(Individual.id.in_(part))
        )
        for pid, ref, household_ref, site, population in rows:
            found[pid] = PersonRef(pid, ref, household_ref, site, population)
    return found


def household_members(session: Session, household_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    out: set[uuid.UUID] = set()
    for part in _chunks(sorted(set(household_ids))):
        out.update(session.scalars(select(Individual.id).where(Individual.household_id.in_(part))))
    return out


def operation_people(
    session: Session, operation_id: uuid.UUID, *, registered_before: dt.datetime
) -> set[uuid.UUID]:
    """The active people of an operation registered before a moment (an upper bound of a share made
    then: the share itself records its row count, not the people)."""
    return set(
        session.scalars(
            select(Individual.id).where(
                Individual.operation_id == operation_id,
                Individual.created_at <= registered_before,
                Individual.status == "active",
            )
        )
    )


def site_id_by_code(session: Session, code: str) -> list[uuid.UUID]:
    return list(session.scalars(select(Site.id).where(Site.code == code.strip().upper())))
