"""Consent per purpose: give, withdraw or change a person's consent for one purpose, or a whole household's
(INDIVIDUAL_UPDATE or EVENT_RECORD where they are registered).

Each change leaves a `consent_changed` event (who recorded it, when, the purposes before and after) and an
audit entry. A withdrawal is kept as a `consent_withdrawal` row, which `queries.consenting` reads
everywhere the purpose is used (tracing matching, sharing with partners, assistance lists).

Imports registration models and the security layer; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.registration.enums import ConsentPurpose, EventType, IndividualStatus
from refugio.registration.models import ConsentWithdrawal, Individual
from refugio.registration.service.common import add_event, load_household, load_individual
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_REASON = 500


def _check(purpose: str, reason: str) -> ConsentPurpose:
    errors: list[FieldError] = []
    try:
        chosen = ConsentPurpose(purpose)
    except ValueError:
        names = ", ".join(p.value for p in ConsentPurpose)
        errors.append(FieldError("purpose", f"unknown purpose {purpose!r}; one of {names}", "unknown_code"))
        chosen = ConsentPurpose.REGISTRATION
    if len(reason) > MAX_REASON:
        errors.append(FieldError("reason", f"at most {MAX_REASON} characters", "too_long"))
    if errors:
        raise ValidationFailed(errors)
    return chosen


def _apply(
    session: Session, actor: Principal, person: Individual, purpose: ConsentPurpose, given: bool, reason: str
) -> bool:
    """Record one person's change; False when nothing changes (already so)."""
    before = sorted(person.consent_purposes or [])
    withdrawn = session.get(ConsentWithdrawal, (person.id, purpose.value))
    if given:
        if purpose.value in before and withdrawn is None:
            return False
        after = sorted({*before, purpose.value})
        if withdrawn is not None:
            session.execute(
                delete(ConsentWithdrawal).where(
                    ConsentWithdrawal.individual_id == person.id, ConsentWithdrawal.purpose == purpose.value
                )
            )
        person.consent_given = True
        person.consent_date = clock.today()
    else:
        if withdrawn is not None:
            return False
        after = [p for p in before if p != purpose.value]
        session.add(
            ConsentWithdrawal(individual_id=person.id, purpose=purpose.value, withdrawn_by=actor.label)
        )
    person.consent_purposes = after
    person.version += 1
    verb = "given" if given else "withdrawn"
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.CONSENT_CHANGED,
        actor=actor,
        summary=f"consent for {purpose.value} {verb}" + (f": {reason}" if reason else ""),
        details={"purpose": purpose.value, "given": given, "purposes": [before, after], "reason": reason},
    )
    audit.record(
        session,
        actor=actor,
        action=f"consent.{'give' if given else 'withdraw'}",
        object_type="individual",
        object_id=str(person.id),
        details={"purpose": purpose.value},
    )
    return True


def _may_record(actor: Principal, operation_id: uuid.UUID, site_id: uuid.UUID) -> None:
    """Whoever may correct a person's details or record their civil events may record their consent."""
    if not any(
        actor.can(p, operation_id=operation_id, site_id=site_id)
        for p in (Permission.INDIVIDUAL_UPDATE, Permission.EVENT_RECORD)
    ):
        raise PermissionDenied(f"{actor.label} lacks INDIVIDUAL_UPDATE or EVENT_RECORD for this site")


def change_consent(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    purpose: str,
    given: bool,
    reason: str = "",
) -> bool:
    """Give (`given`) or withdraw a person's consent for one purpose; True if it changed anything."""
    chosen = _check(purpose, reason)
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.INDIVIDUAL_VIEW
    )
    _may_record(actor, person.operation_id, person.site_id)
    changed = _apply(session, actor, person, chosen, given, reason.strip())
    session.flush()
    return changed


def change_household_consent(
    session: Session,
    *,
    actor: Principal,
    household_id: uuid.UUID,
    purpose: str,
    given: bool,
    reason: str = "",
) -> int:
    """The same change for every active member of a household; returns how many people it changed."""
    chosen = _check(purpose, reason)
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.HOUSEHOLD_VIEW
    )
    _may_record(actor, household.operation_id, household.site_id)
    members = session.scalars(
        select(Individual)
        .where(Individual.household_id == household.id, Individual.status == IndividualStatus.ACTIVE.value)
        .order_by(Individual.ref)
    )
    changed = sum(_apply(session, actor, m, chosen, given, reason.strip()) for m in members)
    session.flush()
    return changed


__all__ = ["change_consent", "change_household_consent"]
