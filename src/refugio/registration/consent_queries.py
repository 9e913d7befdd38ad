"""Reads of consent per purpose. `consenting` is the one rule every use of a purpose goes through:
tracing matching, sharing with partners and assistance lists call it (or `has_consent`), so a withdrawal
takes effect everywhere at once. Re-exported by `registration.queries`.

The rule: a person withdrawn from a purpose is never processed for it. Otherwise, `explicit=True`
(processing that rests on consent, such as a data-sharing agreement whose legal basis is consent)
needs the purpose among those the person consented to; `explicit=False` (processing on the legal basis
recorded at registration: assistance, tracing) holds unless withdrawn.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration.enums import ConsentPurpose, EventType
from refugio.registration.models import ConsentWithdrawal, Household, Individual, RegistrationEvent
from refugio.registration.schemas import ConsentRead, EventRead, PurposeConsent
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

_CHUNK = 5000


def consenting(
    session: Session, *, purpose: str, individual_ids: Iterable[uuid.UUID], explicit: bool = False
) -> set[uuid.UUID]:
    """The people among `individual_ids` who may be processed for `purpose` (see the module's rule)."""
    ids = list(dict.fromkeys(individual_ids))
    allowed: set[uuid.UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        withdrawn = set(
            session.scalars(
                select(ConsentWithdrawal.individual_id).where(
                    ConsentWithdrawal.purpose == purpose, ConsentWithdrawal.individual_id.in_(chunk)
                )
            )
        )
        if explicit:
            rows = session.execute(
                select(Individual.id, Individual.consent_purposes).where(Individual.id.in_(chunk))
            )
            allowed.update(i for i, given in rows if purpose in (given or []) and i not in withdrawn)
        else:
            allowed.update(i for i in chunk if i not in withdrawn)
    return allowed


def has_consent(session: Session, *, purpose: str, individual_id: uuid.UUID, explicit: bool = False) -> bool:
    """Whether one person may be processed for `purpose` (the rule of `consenting`)."""
    return individual_id in consenting(
        session, purpose=purpose, individual_ids=[individual_id], explicit=explicit
    )


def households_consenting(
    session: Session, *, purpose: str, household_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The households among `household_ids` that may be processed for `purpose`: those whose focal
    point (who gave the household's consent) may be, by the rule of `consenting`."""
    focal = dict(
        session.execute(
            select(Household.id, Household.focal_point_id).where(Household.id.in_(list(household_ids)))
        ).all()
    )
    allowed = consenting(session, purpose=purpose, individual_ids=[f for f in focal.values() if f])
    return {h for h, f in focal.items() if f is None or f in allowed}


def households_withdrawn(session: Session, *, purpose: str, operation_id: uuid.UUID) -> set[uuid.UUID]:
    """The households of an operation whose focal point withdrew from `purpose`: for a purpose on the
    legal basis recorded at registration (`explicit=False`), exactly the households
    `households_consenting` leaves out, found with one join instead of a list of ids."""
    return set(
        session.scalars(
            select(Household.id)
            .join(ConsentWithdrawal, ConsentWithdrawal.individual_id == Household.focal_point_id)
            .where(Household.operation_id == operation_id, ConsentWithdrawal.purpose == purpose)
        )
    )


def consent_of(session: Session, *, actor: Principal, individual_id: uuid.UUID) -> ConsentRead:
    """A person's consent purpose by purpose and its history (INDIVIDUAL_VIEW where they are); audited."""
    person = session.get(Individual, individual_id)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise NotFound("no such individual")
    withdrawn = {
        w.purpose: w
        for w in session.scalars(
            select(ConsentWithdrawal).where(ConsentWithdrawal.individual_id == person.id)
        )
    }
    purposes = []
    for p in ConsentPurpose:
        w = withdrawn.get(p.value)
        if w is not None:
            purposes.append(
                PurposeConsent(
                    purpose=p.value,
                    state="withdrawn",
                    withdrawn_at=w.withdrawn_at,
                    withdrawn_by=w.withdrawn_by,
                )
            )
        else:
            state = "given" if p.value in (person.consent_purposes or []) else "not_recorded"
            purposes.append(PurposeConsent(purpose=p.value, state=state))
    history = session.scalars(
        select(RegistrationEvent)
        .where(
            RegistrationEvent.individual_id == person.id,
            RegistrationEvent.event_type == EventType.CONSENT_CHANGED.value,
        )
        .order_by(RegistrationEvent.recorded_at.desc())
    )
    audit.record(
        session, actor=actor, action="consent.view", object_type="individual", object_id=str(person.id)
    )
    return ConsentRead(
        individual_id=person.id,
        ref=person.ref,
        household_id=person.household_id,
        operation_id=person.operation_id,
        site_id=person.site_id,
        legal_basis=person.legal_basis,
        consent_date=person.consent_date,
        purposes=purposes,
        history=[EventRead.model_validate(e) for e in history],
    )


__all__ = ["consent_of", "consenting", "has_consent", "households_consenting", "households_withdrawn"]
