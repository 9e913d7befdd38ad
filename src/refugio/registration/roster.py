"""Set-based reads of the registry for assistance (`refugio.assistance`): the active households of an
operation with their active members, the members' active specific-need codes and the focal point's
first document, in four queries whatever the number of households (`households_for_assistance`, as
objects; `assistance_roster`, the same as plain tuples streamed in reference order, for the freeze of a
list of hundreds of thousands of households); and the household a desk's typed
key names, and where households are (their references, operations and sites) for the pages that link
to them. Re-exported by `registration.queries`, through which other domains read the registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import CTE, ColumnElement, String, Subquery, and_, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from refugio.registration.models import (
    ConsentWithdrawal,
    Household,
    IdentityDocument,
    Individual,
    Site,
    SpecificNeed,
)


@dataclass(frozen=True)
class AssistanceMember:
    ref: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: dt.date
    population_type: str
    relationship: str
    is_focal_point: bool
    needs: tuple[str, ...]


@dataclass(frozen=True)
class AssistanceHousehold:
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    site_code: str
    arrival_date: dt.date | None
    focal_document: str | None
    members: tuple[AssistanceMember, ...]


def households_for_assistance(
    session: Session,
    *,
    operation_id: uuid.UUID,
    site_ids: list[uuid.UUID] | None = None,
    household_ids: list[uuid.UUID] | None = None,
) -> list[AssistanceHousehold]:
    """Active households (of these sites, or these ids) with their active members, in reference order:
    four set-based queries whatever the number of households; people are keyed by their references
    (text), so no id is converted per person. Not audited: the caller (an assistance list being built)
    records what it read."""
    hh_filter = [Household.operation_id == operation_id, Household.status == "active"]
    if site_ids is not None:
        hh_filter.append(Household.site_id.in_(site_ids))
    if household_ids is not None:
        hh_filter.append(Household.id.in_(household_ids))
    wanted = select(Household.id).where(*hh_filter)
    active = (Individual.household_id.in_(wanted), Individual.status == "active")
    needs: dict[str, list[str]] = {}
    for ref, code in session.execute(
        select(Individual.ref, SpecificNeed.code)
        .join(SpecificNeed, SpecificNeed.individual_id == Individual.id)
        .where(SpecificNeed.active.is_(True), *active)
    ):
        needs.setdefault(ref, []).append(code)
    documents: dict[str, str] = {}
    for hh_ref, number in session.execute(
        select(Household.ref, IdentityDocument.number)
        .join(IdentityDocument, IdentityDocument.individual_id == Household.focal_point_id)
        .where(*hh_filter)
        .order_by(Household.ref, IdentityDocument.created_at)
    ):
        documents[hh_ref] = number  # the most recent, last
    members: dict[str, list[AssistanceMember]] = {}
    no_needs: tuple[str, ...] = ()
    for row in session.execute(
        select(
            Household.ref,
            Individual.ref,
            Individual.given_name,
            Individual.family_name,
            Individual.sex,
            Individual.date_of_birth,
            Individual.population_type,
            Individual.relationship_to_focal_point,
            Individual.id == Household.focal_point_id,
        )
        .join(Household, Household.id == Individual.household_id)
        .where(*active)
        .order_by(Individual.ref)
    ):
        found = needs.get(row[1])
        members.setdefault(row[0], []).append(
            AssistanceMember(*row[1:8], bool(row[8]), tuple(sorted(found)) if found else no_needs)
        )
    site_codes = {
        s.id: s.code for s in session.scalars(select(Site).where(Site.operation_id == operation_id))
    }
    return [
        AssistanceHousehold(
            hid,
            ref,
            operation_id,
            site_id,
            site_codes[site_id],
            arrival,
            documents.get(ref),
            tuple(members.get(ref, ())),
        )
        for hid, ref, site_id, arrival in session.execute(
            select(Household.id, Household.ref, Household.site_id, Household.arrival_date)
            .where(*hh_filter)
            .order_by(Household.ref)
        )
    ]


class RosterMember(NamedTuple):
    """A household's active member, as `assistance_roster` reads it (dates as ISO 8601 text)."""

    ref: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: str
    population_type: str
    relationship: str
    is_focal_point: bool
    needs: tuple[str, ...]  # active specific-need codes, sorted


class RosterHousehold(NamedTuple):
    """An active household with its active members in reference order. `id` and `site_id` are in the
    database driver's own form (hex text on SQLite, UUID on PostgreSQL): what `store.bulk.insert_columns`
    writes back unchanged, without a conversion per household."""

    id: Any
    ref: str
    site_id: Any
    site_code: str
    arrival_date: str | None
    focal_document: str | None
    members: list[RosterMember]


def _iso(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value.isoformat())


def assistance_roster(
    session: Session,
    *,
    operation_id: uuid.UUID,
    site_ids: list[uuid.UUID] | None = None,
    withdrawn_from: str | None = None,
) -> Iterator[RosterHousehold]:
    """What `households_for_assistance` reads (the same households, members, needs and documents, in
    the same order), as tuples streamed from one ordered join, without a type conversion per value;
    without the households whose focal point withdrew consent for the purpose `withdrawn_from` (the
    rule of `households_withdrawn`). Not audited: the caller records what it read."""
    hh_filter = [Household.operation_id == operation_id, Household.status == "active"]
    if site_ids is not None:
        hh_filter.append(Household.site_id.in_(site_ids))
    if withdrawn_from is not None:
        hh_filter.append(
            ~exists().where(
                ConsentWithdrawal.individual_id == Household.focal_point_id,
                ConsentWithdrawal.purpose == withdrawn_from,
            )
        )
    conn = session.connection()
    needs: dict[str, list[str]] = {}
    for ref, code in conn.execute(
        select(Individual.ref, SpecificNeed.code)
        .join(SpecificNeed, SpecificNeed.individual_id == Individual.id)
        .join(Household, Household.id == Individual.household_id)
        .where(SpecificNeed.active.is_(True), Individual.status == "active", *hh_filter)
    ):
        needs.setdefault(ref, []).append(code)
    sorted_needs = {ref: tuple(sorted(codes)) for ref, codes in needs.items()}
    documents: dict[str, str] = {}
    for hh_ref, number in conn.execute(
        select(Household.ref, IdentityDocument.number)
        .join(IdentityDocument, IdentityDocument.individual_id == Household.focal_point_id)
        .where(*hh_filter)
        .order_by(Household.ref, IdentityDocument.created_at)
    ):
        documents[hh_ref] = number  # the most recent, last
    codes = {sid: code for sid, code in conn.execute(select(type_coerce(Site.id, String), Site.code))}
    raw = String()  # no result processing: ids and dates as the driver gives them

    def iso(column: Any) -> ColumnElement[Any]:
        """A date as ISO 8601 text: SQLite stores it so; PostgreSQL formats it (no date object made)."""
        if conn.dialect.name == "postgresql":
            return func.to_char(column, "YYYY-MM-DD")
        return type_coerce(column, raw)

    if conn.dialect.name == "postgresql":
        # streamed through a server-side cursor, which PostgreSQL plans for its first tenth of rows
        # (nested index lookups per household: 3 to 4 times slower for the whole); all are read
        conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    rows = conn.execute(
        select(
            type_coerce(Household.id, raw),
            Household.ref,
            type_coerce(Household.site_id, raw),
            iso(Household.arrival_date),
            Individual.ref,
            Individual.given_name,
            Individual.family_name,
            Individual.sex,
            iso(Individual.date_of_birth),
            Individual.population_type,
            Individual.relationship_to_focal_point,
            Individual.id == Household.focal_point_id,
        )
        .select_from(Household)
        .outerjoin(Individual, and_(Individual.household_id == Household.id, Individual.status == "active"))
        .where(*hh_filter)
        .order_by(Household.ref, Individual.ref)
        .execution_options(yield_per=20_000)
    )
    yield from _grouped(rows, sorted_needs, documents, codes)


def _grouped(
    rows: Any, needs: dict[str, tuple[str, ...]], documents: dict[str, str], codes: dict[Any, str]
) -> Iterator[RosterHousehold]:
    """Consecutive rows of one household (ordered by household reference) as one RosterHousehold."""
    current: RosterHousehold | None = None
    for hid, href, site, arrival, ref, given, family, sex, dob, population, rel, focal in rows:
        if current is None or current.ref != href:
            if current is not None:
                yield current
            current = RosterHousehold(hid, href, site, codes[site], _iso(arrival), documents.get(href), [])
        if ref is not None:
            current.members.append(
                RosterMember(
                    ref,
                    given,
                    family,
                    sex,
                    _iso(dob) or "",
                    population,
                    rel,
                    bool(focal),
                    needs.get(ref, ()),
                )
            )
    if current is not None:
        yield current


@dataclass(frozen=True)
class RosterSelects:
    """What `assistance_roster` reads, as selectables a caller composes into one set-based statement
    (the PostgreSQL freeze renders its rows in SQL): the same households, members, needs and documents.

    `households` (a CTE): id, ref, site_id, site_code, arrival_date, focal_point_id, document (the
    focal point's most recent document number, NULL when none); `members` (active members of those
    households): household_id, id, ref, given_name, family_name, sex, date_of_birth, population_type,
    relationship, is_focal; `needs` (the active need codes of those members): individual_id, code."""

    households: CTE
    members: Subquery
    needs: Subquery


def assistance_roster_selects(
    *, operation_id: uuid.UUID, site_ids: list[uuid.UUID] | None = None, withdrawn_from: str | None = None
) -> RosterSelects:
    """The selectables of `assistance_roster` (same filters: operation, sites, withdrawn consent)."""
    hh_filter = [Household.operation_id == operation_id, Household.status == "active"]
    if site_ids is not None:
        hh_filter.append(Household.site_id.in_(site_ids))
    if withdrawn_from is not None:
        hh_filter.append(
            ~exists().where(
                ConsentWithdrawal.individual_id == Household.focal_point_id,
                ConsentWithdrawal.purpose == withdrawn_from,
            )
        )
    document = (
        select(IdentityDocument.number)
        .where(IdentityDocument.individual_id == Household.focal_point_id)
        .order_by(IdentityDocument.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    households = (
        select(
            Household.id,
            Household.ref,
            Household.site_id,
            Site.code.label("site_code"),
            Household.arrival_date,
            Household.focal_point_id,
            document.label("document"),
        )
        .join(Site, Site.id == Household.site_id)
        .where(*hh_filter)
        .cte("roster_households")
    )
    members = (
        select(
            Individual.household_id,
            Individual.id,
            Individual.ref,
            Individual.given_name,
            Individual.family_name,
            Individual.sex,
            Individual.date_of_birth,
            Individual.population_type,
            Individual.relationship_to_focal_point.label("relationship"),
            (Individual.id == households.c.focal_point_id).label("is_focal"),
        )
        .join(households, households.c.id == Individual.household_id)
        .where(Individual.status == "active")
        .subquery("roster_members")
    )
    needs = (
        select(SpecificNeed.individual_id, SpecificNeed.code)
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .join(households, households.c.id == Individual.household_id)
        .where(SpecificNeed.active.is_(True), Individual.status == "active")
        .subquery("roster_needs")
    )
    return RosterSelects(households, members, needs)


@dataclass(frozen=True)
class HouseholdPlace:
    """A household's reference and where it is registered: enough to decide whether a reader may open it."""

    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID


def household_places(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, HouseholdPlace]:
    """The households of these ids (one query); an id with no household is left out."""
    if not ids:
        return {}
    rows = session.execute(
        select(Household.id, Household.ref, Household.operation_id, Household.site_id).where(
            Household.id.in_(set(ids))
        )
    )
    return {hid: HouseholdPlace(hid, ref, op, site) for hid, ref, op, site in rows}


def household_id_for_key(session: Session, *, key: str) -> uuid.UUID | None:
    """The household of a household reference, a person's reference or id (as typed at a desk)."""
    text = key.strip().upper()
    found = session.scalar(select(Household.id).where(Household.ref == text))
    if found is not None:
        return found
    found = session.scalar(select(Individual.household_id).where(Individual.ref == text))
    if found is not None:
        return found
    try:
        as_id = uuid.UUID(key.strip())
    except ValueError:
        return None
    return session.scalar(
        select(Household.id).where(
            or_(
                Household.id == as_id,
                Household.id.in_(select(Individual.household_id).where(Individual.id == as_id)),
            )
        )
    )
