"""Consent per purpose: a person's, purpose by purpose, with its history; give or withdraw it for a
person or every active member of a household (INDIVIDUAL_UPDATE). Each change is an event and an audit
entry; a withdrawal takes effect wherever the purpose is used (tracing, sharing, assistance)."""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.registration import queries
from refugio.registration import service as registration
from refugio.registration.schemas import ConsentChange, ConsentRead

router = APIRouter(tags=["consent"], responses=responses(401, 403, 404, 422))


@router.get("/individuals/{individual_id}/consent", response_model=ConsentRead)
def person_consent(session: Db, actor: Caller, individual_id: str) -> ConsentRead:
    """Where the person stands for each purpose, and every recorded change (audited)."""
    return queries.consent_of(session, actor=actor, individual_id=parse_id(individual_id, "individual"))


@router.post("/individuals/{individual_id}/consent", response_model=ConsentRead)
def change_person_consent(session: Db, actor: Caller, individual_id: str, body: ConsentChange) -> ConsentRead:
    """Give (`given: true`) or withdraw consent for one purpose; answers the consent as it now stands."""
    pid = parse_id(individual_id, "individual")
    registration.change_consent(
        session,
        actor=actor,
        individual_id=pid,
        purpose=body.purpose.value,
        given=body.given,
        reason=body.reason,
    )
    return queries.consent_of(session, actor=actor, individual_id=pid)


class HouseholdConsentAnswer(ConsentChange):
    changed: int


@router.post("/households/{household_id}/consent", response_model=HouseholdConsentAnswer)
def change_household_consent(
    session: Db, actor: Caller, household_id: str, body: ConsentChange
) -> HouseholdConsentAnswer:
    """The same change for every active member of the household; answers how many people it changed."""
    changed = registration.change_household_consent(
        session,
        actor=actor,
        household_id=parse_id(household_id, "household"),
        purpose=body.purpose.value,
        given=body.given,
        reason=body.reason,
    )
    return HouseholdConsentAnswer(**body.model_dump(), changed=changed)
