"""Erasure of a person where the law allows it (decision 0017).

Refused, with the reason named, while a legal hold applies (on the person, their household or a case
they are part of), a protection case they are part of is open, or an asylum claim they are part of is
still open (its file is kept until the claim is decided: a rule requiring keep). Otherwise the person's
personal data are removed with the anonymisation of the retention rules (`dataprotection.anonymise`),
and more: languages, marital status; their valid certificates are revoked; the narratives of the closed
protection cases they alone are part of are dropped; their household, once no member is left
unerased, loses its address, phone, shelter and place of origin. A **tombstone** is kept per erased
record (reference, when, by whom, which request; no personal data), so that references elsewhere
resolve to "erased". The audit log is never changed: its entries name records by id and reference and
hold field names, never values (decision 0017), so `refugio audit verify` passes afterwards.

Reads registration's and protection's tables directly (a set-based write listed in decision 0010, like
dataprotection.anonymise)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.dataprotection import anonymise
from refugio.dataprotection.models import Anonymised, LegalHold
from refugio.dataprotection.rights.models import RightsRequest, Tombstone
from refugio.protection.models import CaseIndividual, ProtectionCase
from refugio.registration.models import Certificate, Individual
from refugio.solutions.enums import OPEN_STAGES
from refugio.store.base import Base

RULE = "erasure"


def _holds(session: Session) -> dict[str, dict[uuid.UUID, str]]:
    holds: dict[str, dict[uuid.UUID, str]] = {"individual": {}, "household": {}, "case": {}}
    for hold in session.scalars(select(LegalHold).where(LegalHold.active.is_(True))):
        holds.setdefault(hold.object_type, {})[hold.object_id] = (
            f"legal hold on {hold.object_ref}: {hold.reason}"
        )
    return holds


def _open_claims(session: Session, person_id: uuid.UUID) -> list[str]:
    """The references of the asylum claims still open that the person is part of."""
    members, claims = Base.metadata.tables.get("rsd_member"), Base.metadata.tables.get("rsd_claim")
    if members is None or claims is None:
        return []
    return list(
        session.scalars(
            select(claims.c.ref)
            .join(members, members.c.claim_id == claims.c.id)
            .where(members.c.individual_id == person_id, claims.c.stage.in_(OPEN_STAGES))
            .order_by(claims.c.ref)
        )
    )


def blockers(session: Session, person: Individual) -> list[str]:
    """Why the person may not be erased now (empty: they may)."""
    found: list[str] = []
    held = anonymise.held_people(session, [person.id], _holds(session))
    if person.id in held:
        reason = held[person.id]
        found.append(reason if reason.startswith(("legal hold", "open case")) else f"legal hold on {reason}")
    for claim in _open_claims(session, person.id):
        found.append(f"asylum claim {claim} is open (its file is kept until it is decided)")
    return found


def _solely_theirs_closed_cases(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    cases = list(
        session.scalars(
            select(CaseIndividual.case_id)
            .join(ProtectionCase, ProtectionCase.id == CaseIndividual.case_id)
            .where(CaseIndividual.individual_id == person_id, ProtectionCase.status == "closed")
        )
    )
    if not cases:
        return []
    others = set(
        session.scalars(
            select(CaseIndividual.case_id).where(
                CaseIndividual.case_id.in_(cases), CaseIndividual.individual_id != person_id
            )
        )
    )
    return [c for c in cases if c not in others]


def erase(session: Session, *, person: Individual, request: RightsRequest, by: str) -> dict[str, Any]:
    """Erase the person (the caller checked `blockers`); returns what was done (counts, references)."""
    now = clock.now()
    person_id, household_id, ref = person.id, person.household_id, person.ref
    anonymise.people(session, [person_id])
    session.execute(
        update(Individual).where(Individual.id == person_id).values(languages=[], marital_status=None)
    )
    valid = (Certificate.individual_id == person_id, Certificate.revoked_at.is_(None))
    revoked = session.scalar(select(func.count()).select_from(Certificate).where(*valid))
    session.execute(
        update(Certificate)
        .where(*valid)
        .values(revoked_at=now, revoked_by=by, revocation_reason=f"holder erased (request {request.ref})")
    )
    cases = _solely_theirs_closed_cases(session, person_id)
    anonymise.cases(session, cases)
    session.add(Anonymised(object_type="individual", object_id=person_id, run_id=request.id, rule=RULE))
    session.add(
        Tombstone(
            object_type="individual",
            object_id=person_id,
            ref=ref,
            erased_at=now,
            erased_by=by,
            request_id=request.id,
        )
    )
    session.flush()
    gone = set(session.scalars(select(Tombstone.object_id).where(Tombstone.object_type == "individual")))
    households = anonymise.emptied_households(session, [person_id], gone)
    anonymise.households(session, households)
    for emptied in households:
        household_ref = anonymise.refs(session, "household", [emptied])[emptied]
        session.add(
            Tombstone(
                object_type="household",
                object_id=emptied,
                ref=household_ref,
                erased_at=now,
                erased_by=by,
                request_id=request.id,
            )
        )
    # the new values a correction request asked for are personal data too
    for other in session.scalars(select(RightsRequest).where(RightsRequest.individual_id == person_id)):
        if other.changes:
            other.changes = {field: "(erased)" for field in other.changes}
    session.flush()
    referring = _referring(session, person_id, household_id)
    return {
        "erased": ref,
        "households_erased": len(households),
        "certificates_revoked": int(revoked or 0),
        "closed_cases_emptied": len(cases),
        "references_kept": referring,
    }


def _referring(session: Session, person_id: uuid.UUID, household_id: uuid.UUID) -> dict[str, int]:
    """How many rows of the other domains still refer to the person or the household (they now resolve
    to the tombstone)."""
    keys = {"individual": person_id, "household": household_id}
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("individual", "household") or table.name.startswith("dp_"):
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if target in keys and fk.column.name == "id":
                    n = session.scalar(select(func.count()).select_from(table).where(column == keys[target]))
                    if n:
                        counts[table.name] = counts.get(table.name, 0) + int(n)
    return dict(sorted(counts.items()))
