"""Changes to households: where a household lives, a member moving to another household (or splitting
into a new one), and a new focal point. Each leaves registration events with before/after values and
an audit entry; the households' specific-needs rules are re-evaluated.

Imports registration models and validation; never a web framework.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import NotFound, ValidationFailed
from refugio.registration.enums import EventType, IndividualStatus, Relationship
from refugio.registration.models import Household, Individual, Operation, Site
from refugio.registration.schemas import AddressChange, HouseholdMove
from refugio.registration.service.certificates import revoke_certificates
from refugio.registration.service.common import (
    add_event,
    allocate,
    load_household,
    load_individual,
    refresh_name_index,
    refresh_size,
)
from refugio.registration.service.specific_needs import reapply_rules
from refugio.registration.validation import Checker, normalise_phone
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def change_address(
    session: Session, *, actor: Principal, household_id: uuid.UUID, data: AddressChange
) -> Household:
    """Change where a household lives (address, shelter, phone, site); members move with it."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    operation = session.get(Operation, household.operation_id)
    country = operation.country_iso3 if operation else None
    c = Checker(clock.today(), country_iso3=country)
    c.phone("phone", data.phone)
    c.date_not_future("effective_date", data.effective_date, "effective date")
    new_site = None
    if data.site_id is not None and data.site_id != household.site_id:
        new_site = session.get(Site, data.site_id)
        if new_site is None or new_site.operation_id != household.operation_id:
            c.add("site_id", "unknown site in this operation", "unknown_site")
        elif not actor.can(
            Permission.HOUSEHOLD_UPDATE, operation_id=new_site.operation_id, site_id=new_site.id
        ):
            c.add("site_id", f"you may not move households to site {new_site.code}", "forbidden")
    if c.errors:
        raise ValidationFailed(c.errors)
    changes: dict[str, list[Any]] = {}
    for field in ("address", "shelter", "phone"):
        value = normalise_phone(data.phone, country) if field == "phone" else getattr(data, field)
        if value is not None and value != getattr(household, field):
            changes[field] = [getattr(household, field), value]
            setattr(household, field, value)
    if new_site is not None:
        changes["site"] = [str(household.site_id), str(new_site.id)]
        household.site_id = new_site.id
        session.execute(
            update(Individual).where(Individual.household_id == household.id).values(site_id=new_site.id)
        )
        members = session.scalars(select(Individual.id).where(Individual.household_id == household.id))
        refresh_name_index(session, individual_ids=list(members))
    if not changes:
        raise ValidationFailed.single(
            "address", "nothing to change: give a new address, shelter, phone or site"
        )
    household.version += 1
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        event_type=EventType.ADDRESS_CHANGE,
        actor=actor,
        occurred_on=data.effective_date,
        summary=f"Address of {household.ref} changed ({', '.join(changes)})",
        details=changes,
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="household.address_change",
        object_type="household",
        object_id=str(household.id),
        details={"fields": sorted(changes)},
    )
    return household


def move_event(
    session: Session,
    actor: Principal,
    hh: Household,
    person: Individual,
    old: Household,
    target: Household,
    on: Any,
    before: dict[str, Any],
    relationship: str,
    reason: str,
) -> None:
    """The household-change event of a person moved from `old` to `target`, in household `hh`."""
    add_event(
        session,
        operation_id=hh.operation_id,
        household_id=hh.id,
        individual_id=person.id,
        event_type=EventType.HOUSEHOLD_CHANGE,
        actor=actor,
        occurred_on=on,
        summary=f"{person.ref} moved from {old.ref} to {target.ref}",
        details={
            "from": before,
            "to": {"household": target.ref, "relationship": relationship},
            "reason": reason,
        },
    )


def move_individual(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: HouseholdMove
) -> Individual:
    """Move a person to another household, or split them into a new household as its focal point."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    old = session.get(Household, person.household_id)
    assert old is not None
    target = _check_move(session, actor, person, old, data)
    if target is None:  # a new household split from the old one
        target = _split_household(session, old, person)
        relationship = Relationship.FOCAL_POINT.value
    else:
        relationship = data.relationship.value
    before = {"household": old.ref, "relationship": person.relationship_to_focal_point}
    person.household_id = target.id
    person.site_id = target.site_id
    person.relationship_to_focal_point = relationship
    person.version += 1
    if old.focal_point_id == person.id:
        old.focal_point_id = None
        old.status = "closed"
    session.flush()
    refresh_name_index(session, individual_ids=[person.id])
    for hh in (old, target):
        move_event(
            session, actor, hh, person, old, target, data.effective_date, before, relationship, data.reason
        )
        refresh_size(session, hh)
        reapply_rules(session, actor=actor, household=hh)
    revoke_certificates(session, actor=actor, person=person, reason=f"holder moved to {target.ref}")
    audit.record(
        session,
        actor=actor,
        action="individual.move",
        object_type="individual",
        object_id=str(person.id),
        details={"from": old.ref, "to": target.ref},
    )
    return person


def _check_move(
    session: Session, actor: Principal, person: Individual, old: Household, data: HouseholdMove
) -> Household | None:
    """The household the person moves to (None: a new one), once every field is checked."""
    c = Checker(clock.today())
    c.date_not_future("effective_date", data.effective_date, "effective date")
    if person.status != IndividualStatus.ACTIVE.value:
        c.add("individual", f"{person.ref} is {person.status} and cannot move")
    if old.focal_point_id == person.id and old.size > 1:
        c.add(
            "individual",
            "this person is the focal point: choose a new focal point for the household first",
            "focal_point",
        )
    target: Household | None = None
    if data.to_household_id is not None:
        if data.to_household_id == old.id:
            c.add("to_household_id", "the person is already in this household")
        else:
            try:
                target = load_household(
                    session,
                    actor=actor,
                    household_id=data.to_household_id,
                    permission=Permission.HOUSEHOLD_UPDATE,
                )
            except NotFound:
                c.add("to_household_id", "no such household", "not_found")
            if target is not None and target.operation_id != person.operation_id:
                c.add(
                    "to_household_id",
                    "that household belongs to another operation: a transfer is not a household change",
                    "other_operation",
                )
        if data.relationship == Relationship.FOCAL_POINT:
            c.add("relationship", "the target household already has a focal point")
    if c.errors:
        raise ValidationFailed(c.errors)
    return target


def _split_household(session: Session, old: Household, person: Individual) -> Household:
    """A new household (registered today, method `split`) with `person` as its focal point."""
    op = session.get(Operation, old.operation_id)
    assert op is not None
    year = clock.today().year
    seq = allocate(session, f"hh:{op.code}:{year}", 1)
    target = Household(
        id=ids.new_id(),
        ref=ids.household_ref(op.code, year, seq),
        operation_id=old.operation_id,
        site_id=old.site_id,
        focal_point_id=person.id,
        registration_level=old.registration_level,
        registration_date=clock.today(),
        registration_method="split",
        arrival_date=old.arrival_date,
        country_of_origin=old.country_of_origin,
        place_of_origin=old.place_of_origin,
        address=old.address,
        shelter=None,
        phone=person.phone,
        size=0,
    )
    session.add(target)
    return target


def change_focal_point(
    session: Session, *, actor: Principal, household_id: uuid.UUID, individual_id: uuid.UUID, reason: str
) -> Household:
    """Make another active member the focal point; the former focal point becomes `other_relative`
    unless a relationship is recorded later."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    person = session.get(Individual, individual_id)
    if (
        person is None
        or person.household_id != household.id
        or person.status != IndividualStatus.ACTIVE.value
    ):
        raise ValidationFailed.single("individual_id", "choose an active member of this household")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason", "required")
    old = session.get(Individual, household.focal_point_id) if household.focal_point_id else None
    if old is not None and old.id == person.id:
        raise ValidationFailed.single("individual_id", "this person is already the focal point")
    before = old.ref if old else None
    if old is not None:
        old.relationship_to_focal_point = Relationship.OTHER_RELATIVE.value
        old.version += 1
    person.relationship_to_focal_point = Relationship.FOCAL_POINT.value
    person.version += 1
    household.focal_point_id = person.id
    household.status = "active"
    household.version += 1
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=person.id,
        event_type=EventType.HOUSEHOLD_CHANGE,
        actor=actor,
        summary=f"Focal point of {household.ref} changed from {before} to {person.ref}",
        details={"focal_point": [before, person.ref], "reason": reason.strip()},
    )
    session.flush()
    reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="household.focal_point",
        object_type="household",
        object_id=str(household.id),
    )
    return household


__all__ = ["change_address", "change_focal_point", "move_individual"]
