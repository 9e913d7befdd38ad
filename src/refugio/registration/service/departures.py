"""People leaving together: some members of a household split off into a household of their own (a
return, a departure for resettlement of part of a family), and a household closed once no member is
active. Called by other domains with the permission they require (e.g. RETURN_MANAGE), as
`change_status` is. Each change leaves registration events (before/after) and an audit entry; the
households' specific-needs rules are re-evaluated and their sizes kept in step.

Imports registration models and the service's helpers; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration.enums import EventType, Relationship
from refugio.registration.models import Household, Individual
from refugio.registration.service.certificates import revoke_certificates
from refugio.registration.service.common import (
    active_members,
    add_event,
    load_household,
    refresh_name_index,
    refresh_size,
)
from refugio.registration.service.household_changes import _split_household, move_event
from refugio.registration.service.specific_needs import reapply_rules
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def split_members(
    session: Session,
    *,
    actor: Principal,
    household_id: uuid.UUID,
    individual_ids: list[uuid.UUID],
    reason: str,
    new_focal_point_id: uuid.UUID | None = None,
    effective_date: dt.date | None = None,
    permission: Permission = Permission.EVENT_RECORD,
) -> Household:
    """Move these active members into a new household of their own (the household itself when they are
    all its active members). When the focal point leaves and others stay, `new_focal_point_id` (one who
    stays) becomes the staying household's focal point; the leaving focal point heads the new one,
    otherwise the eldest who leaves does. Refused as a whole, every problem named, nothing changed."""
    old = load_household(session, actor=actor, household_id=household_id, permission=permission)
    members = active_members(session, old.id)
    by_id = {m.id: m for m in members}
    leaving = [by_id[i] for i in dict.fromkeys(individual_ids) if i in by_id]
    staying = [m for m in members if m.id not in {p.id for p in leaving}]
    focal_leaves = old.focal_point_id in {p.id for p in leaving}
    errors = _split_errors(
        old,
        unknown=[i for i in individual_ids if i not in by_id],
        leaving=leaving,
        staying=staying,
        focal_leaves=focal_leaves,
        new_focal_point_id=new_focal_point_id,
        reason=reason,
        effective_date=effective_date,
    )
    if errors:
        raise ValidationFailed(errors)
    if not staying:
        return old
    if focal_leaves:
        assert old.focal_point_id is not None and new_focal_point_id is not None
        head = by_id[old.focal_point_id]
        _hand_over(session, actor, old, by_id[new_focal_point_id], reason)
    else:
        head = min(leaving, key=lambda p: (p.date_of_birth, p.ref))
    target = _split_household(session, old, head)
    for person in sorted(leaving, key=lambda p: p.id != head.id):
        _move_member(
            session,
            actor=actor,
            person=person,
            old=old,
            target=target,
            is_head=person.id == head.id,
            focal_leaves=focal_leaves,
            reason=reason,
            effective_date=effective_date,
        )
    refresh_name_index(session, individual_ids=[p.id for p in leaving])
    for hh in (old, target):
        refresh_size(session, hh)
        reapply_rules(session, actor=actor, household=hh)
    audit.record(
        session,
        actor=actor,
        action="household.split",
        object_type="household",
        object_id=str(old.id),
        details={"from": old.ref, "to": target.ref, "people": len(leaving)},
    )
    return target


def _split_errors(
    old: Household,
    *,
    unknown: list[uuid.UUID],
    leaving: list[Individual],
    staying: list[Individual],
    focal_leaves: bool,
    new_focal_point_id: uuid.UUID | None,
    reason: str,
    effective_date: dt.date | None,
) -> list[FieldError]:
    """Every problem with a split of `leaving` off `old` (none when it may go ahead)."""
    errors: list[FieldError] = []
    if unknown:
        errors.append(FieldError("individual_ids", f"not active members of {old.ref}: {len(unknown)}"))
    if not leaving:
        errors.append(FieldError("individual_ids", "choose at least one active member", "required"))
    if leaving and staying and focal_leaves:
        if new_focal_point_id is None:
            errors.append(
                FieldError(
                    "new_focal_point_id",
                    "the focal point leaves: choose who becomes focal point of those who stay",
                    "required",
                )
            )
        elif new_focal_point_id not in {m.id for m in staying}:
            errors.append(FieldError("new_focal_point_id", "choose a member who stays", "invalid"))
    if len(reason.strip()) < 3:
        errors.append(FieldError("reason", "give a reason", "required"))
    if effective_date is not None and effective_date > clock.today():
        errors.append(FieldError("effective_date", "the effective date is in the future"))
    return errors


def _move_member(
    session: Session,
    *,
    actor: Principal,
    person: Individual,
    old: Household,
    target: Household,
    is_head: bool,
    focal_leaves: bool,
    reason: str,
    effective_date: dt.date | None,
) -> None:
    """Move `person` from `old` to `target` (its focal point when `is_head`, else keeping their
    relationship when the focal point leaves with them, otherwise "other relative"): an event in each
    household, and their certificates revoked."""
    before = {"household": old.ref, "relationship": person.relationship_to_focal_point}
    relationship = (
        Relationship.FOCAL_POINT.value
        if is_head
        else (person.relationship_to_focal_point if focal_leaves else Relationship.OTHER_RELATIVE.value)
    )
    person.household_id, person.site_id = target.id, target.site_id
    person.relationship_to_focal_point = relationship
    person.version += 1
    session.flush()
    for hh in (old, target):
        move_event(
            session, actor, hh, person, old, target, effective_date, before, relationship, reason.strip()
        )
    revoke_certificates(session, actor=actor, person=person, reason=f"holder moved to {target.ref}")


def _hand_over(
    session: Session, actor: Principal, household: Household, person: Individual, reason: str
) -> None:
    """`person` becomes the focal point of `household` (the leaving focal point keeps their role in the
    new household)."""
    before = household.focal_point_id
    person.relationship_to_focal_point = Relationship.FOCAL_POINT.value
    person.version += 1
    household.focal_point_id = person.id
    household.version += 1
    session.flush()
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=person.id,
        event_type=EventType.HOUSEHOLD_CHANGE,
        actor=actor,
        summary=f"Focal point of {household.ref} changed to {person.ref}",
        details={"focal_point": [str(before) if before else None, person.ref], "reason": reason.strip()},
    )


def close_if_empty(
    session: Session,
    *,
    actor: Principal,
    household_id: uuid.UUID,
    reason: str,
    permission: Permission = Permission.EVENT_RECORD,
) -> bool:
    """Close the household when none of its members is active any more (True when closed now)."""
    household = load_household(session, actor=actor, household_id=household_id, permission=permission)
    if household.status == "closed" or active_members(session, household.id):
        return False
    household.status = "closed"
    household.version += 1
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        event_type=EventType.HOUSEHOLD_CHANGE,
        actor=actor,
        summary=f"{household.ref} closed: no active member",
        details={"status": ["active", "closed"], "reason": reason.strip()},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="household.close",
        object_type="household",
        object_id=str(household.id),
        details={"reason": "no active member"},
    )
    return True


__all__ = ["close_if_empty", "split_members"]
