"""Set-based anonymisation over the registry's and the case register's tables (listed in decision 0010
beside the other set-based joins): what identifies a person goes, what statistics count stays.

A person keeps sex, nationality, country of origin, population and legal type, status, site, household
and reference; the date of birth, arrival and death are coarsened to the first day of their month (age
brackets and arrival months stay right); names, phone, other names, identity documents, the free text
of specific needs and registration events, and the person's rows in the deduplication index are dropped.
A household whose members are all anonymised loses its address, phone, shelter and place of origin. A
closed protection case keeps its type, risk, status and dates; its narratives (summary, notes, plans,
assessments, best-interests records, tasks, referrals) are dropped. Plain UPDATEs: the statistics
snapshot's triggers (`stats_dirty`) take the coarsened dates in at the next refresh."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from refugio.dedup.models import DedupKey, DedupPerson
from refugio.protection.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    CaseAssessment,
    CaseEvent,
    CaseIndividual,
    CasePlan,
    CaseTask,
    ProtectionCase,
    Referral,
    ReferralEvent,
)
from refugio.registration.models import (
    Household,
    IdentityDocument,
    Individual,
    NameSearch,
    RegistrationEvent,
    SpecificNeed,
)

REMOVED = "(anonymised)"
_CHUNK = 500


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _month(value: dt.date | None) -> dt.date | None:
    return value.replace(day=1) if value else None


def people(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """Anonymise these people (see the module's docstring)."""
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                Individual.id,
                Individual.date_of_birth,
                Individual.dob_precision,
                Individual.arrival_date,
                Individual.date_of_death,
                Individual.version,
            ).where(Individual.id.in_(chunk))
        ).all()
        session.execute(
            update(Individual),
            [
                {
                    "id": r.id,
                    "given_name": "",
                    "middle_name": None,
                    "family_name": REMOVED,
                    "given_name_original": None,
                    "middle_name_original": None,
                    "family_name_original": None,
                    "original_script": None,
                    "other_names": None,
                    "given_norm": "",
                    "family_norm": "",
                    "phone": None,
                    "phone_index": None,
                    "date_of_birth": _month(r.date_of_birth),
                    "dob_precision": "month" if r.dob_precision == "exact" else r.dob_precision,
                    "arrival_date": _month(r.arrival_date),
                    "date_of_death": _month(r.date_of_death),
                    "version": r.version + 1,
                }
                for r in rows
            ],
        )
        session.execute(delete(IdentityDocument).where(IdentityDocument.individual_id.in_(chunk)))
        session.execute(delete(NameSearch).where(NameSearch.individual_id.in_(chunk)))
        session.execute(delete(DedupKey).where(DedupKey.individual_id.in_(chunk)))
        session.execute(delete(DedupPerson).where(DedupPerson.individual_id.in_(chunk)))
        session.execute(
            update(SpecificNeed)
            .where(SpecificNeed.individual_id.in_(chunk))
            .values(reason="", removal_reason=None)
        )
        session.execute(
            update(RegistrationEvent)
            .where(RegistrationEvent.individual_id.in_(chunk))
            .values(summary=REMOVED, details={})
        )


def emptied_households(
    session: Session, member_ids: Sequence[uuid.UUID], done: set[uuid.UUID]
) -> list[uuid.UUID]:
    """The households of these people all of whose members are now anonymised (`done`: every person
    anonymised so far, these included)."""
    households: set[uuid.UUID] = set()
    for chunk in _chunks(member_ids):
        households.update(session.scalars(select(Individual.household_id).where(Individual.id.in_(chunk))))
    kept: set[uuid.UUID] = set()
    ordered = sorted(households)
    for chunk in _chunks(ordered):
        for household_id, person_id in session.execute(
            select(Individual.household_id, Individual.id).where(Individual.household_id.in_(chunk))
        ):
            if person_id not in done:
                kept.add(household_id)
    return [h for h in ordered if h not in kept]


def households(session: Session, ids: Sequence[uuid.UUID]) -> None:
    for chunk in _chunks(ids):
        session.execute(
            update(Household)
            .where(Household.id.in_(chunk))
            .values(
                address=None, phone=None, shelter=None, place_of_origin=None, version=Household.version + 1
            )
        )
        session.execute(
            update(RegistrationEvent)
            .where(RegistrationEvent.household_id.in_(chunk), RegistrationEvent.individual_id.is_(None))
            .values(summary=REMOVED, details={})
        )


def cases(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """Drop the narratives of these protection cases."""
    for chunk in _chunks(ids):
        session.execute(
            update(ProtectionCase)
            .where(ProtectionCase.id.in_(chunk))
            .values(summary="", closure_reason=None, version=ProtectionCase.version + 1)
        )
        session.execute(
            update(CaseEvent).where(CaseEvent.case_id.in_(chunk)).values(summary=REMOVED, details={})
        )
        session.execute(update(CaseAssessment).where(CaseAssessment.case_id.in_(chunk)).values(summary=""))
        session.execute(update(CasePlan).where(CasePlan.case_id.in_(chunk)).values(objectives="", actions=""))
        session.execute(
            update(BestInterestsAssessment)
            .where(BestInterestsAssessment.case_id.in_(chunk))
            .values(findings="", child_views="", recommendation="", decision_note=None)
        )
        session.execute(
            update(BestInterestsDetermination)
            .where(BestInterestsDetermination.case_id.in_(chunk))
            .values(reasons="", panel=[], decision_note=None)
        )
        session.execute(update(CaseTask).where(CaseTask.case_id.in_(chunk)).values(title=REMOVED, note=None))
        referrals = select(Referral.id).where(Referral.case_id.in_(chunk))
        session.execute(
            update(ReferralEvent).where(ReferralEvent.referral_id.in_(referrals)).values(note=None)
        )
        session.execute(
            update(Referral)
            .where(Referral.case_id.in_(chunk))
            .values(reason="", consent_note=None, response_note=None, feedback=None, revocation_reason=None)
        )


def departures(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    """When each of these people left the registry: the date of death, else the last status change or
    death event, else the last change of their record."""
    left: dict[uuid.UUID, dt.date] = {}
    for chunk in _chunks(ids):
        events = dict(
            session.execute(
                select(RegistrationEvent.individual_id, func.max(RegistrationEvent.occurred_on))
                .where(
                    RegistrationEvent.individual_id.in_(chunk),
                    RegistrationEvent.event_type.in_(("status_change", "death")),
                )
                .group_by(RegistrationEvent.individual_id)
            ).all()
        )
        for row in session.execute(
            select(Individual.id, Individual.date_of_death, Individual.updated_at).where(
                Individual.id.in_(chunk)
            )
        ):
            left[row.id] = row.date_of_death or events.get(row.id) or row.updated_at.date()
    return left


def resolve(session: Session, object_type: str, ref: str) -> uuid.UUID | None:
    """The id of the person (reference), household (reference) or protection case (code) named `ref`."""
    column = {
        "individual": (Individual.id, Individual.ref),
        "household": (Household.id, Household.ref),
        "case": (ProtectionCase.id, ProtectionCase.code),
    }[object_type]
    found: uuid.UUID | None = session.scalar(select(column[0]).where(column[1] == ref.strip().upper()))
    return found


def refs(session: Session, object_type: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The references of these people or households, the codes of these cases."""
    id_col, ref_col = {
        "individual": (Individual.id, Individual.ref),
        "household": (Household.id, Household.ref),
        "case": (ProtectionCase.id, ProtectionCase.code),
    }[object_type]
    found: dict[uuid.UUID, str] = {}
    for chunk in _chunks(ids):
        found.update({r[0]: r[1] for r in session.execute(select(id_col, ref_col).where(id_col.in_(chunk)))})
    return found


def held_people(
    session: Session, ids: Sequence[uuid.UUID], holds: dict[str, dict[uuid.UUID, str]]
) -> dict[uuid.UUID, str]:
    """Which of these people are kept: under a legal hold (held themselves, their household, or a case
    they are part of) or part of a protection case still open; with the reference of what keeps them."""
    held: dict[uuid.UUID, str] = {}
    on_households = holds.get("household", {})
    on_cases = holds.get("case", {})
    for chunk in _chunks(ids):
        for person_id, household_id in session.execute(
            select(Individual.id, Individual.household_id).where(Individual.id.in_(chunk))
        ):
            if person_id in holds.get("individual", {}):
                held[person_id] = holds["individual"][person_id]
            elif household_id in on_households:
                held[person_id] = on_households[household_id]
        if on_cases:
            for person_id, case_id in session.execute(
                select(CaseIndividual.individual_id, CaseIndividual.case_id).where(
                    CaseIndividual.individual_id.in_(chunk), CaseIndividual.case_id.in_(list(on_cases))
                )
            ):
                held.setdefault(person_id, on_cases[case_id])
        for person_id, code in session.execute(
            select(CaseIndividual.individual_id, ProtectionCase.code)
            .join(ProtectionCase, ProtectionCase.id == CaseIndividual.case_id)
            .where(CaseIndividual.individual_id.in_(chunk), ProtectionCase.status != "closed")
        ):
            held.setdefault(person_id, f"open case {code}")
    return held


def closed_cases(session: Session, before: dt.datetime) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ProtectionCase.id)
            .where(ProtectionCase.status == "closed", ProtectionCase.closed_at < before)
            .order_by(ProtectionCase.closed_at)
        )
    )


def people_with_status(session: Session, status: str) -> list[uuid.UUID]:
    return list(
        session.scalars(select(Individual.id).where(Individual.status == status).order_by(Individual.ref))
    )
