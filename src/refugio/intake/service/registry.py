"""What the registry holds for a page of staged households (people re-imported, their household,
documents, needs and address, documents already held), loaded in a few batched queries.

Imports registration models; never a web framework.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from refugio.intake.households import (
    RowView,
    document_key,
)
from refugio.intake.models import ImportBatch, SourceRecord
from refugio.registration.models import Household, IdentityDocument, Individual, SpecificNeed

DocumentKey = tuple[str, str, str]  # (document type, issuing country, normalised number)


@dataclass
class Registry:
    """What the registry holds for one page of households (loaded in a few queries)."""

    households: dict[str, tuple[uuid.UUID, str]]  # household key → (household id, ref)
    people: dict[uuid.UUID, Individual]
    household_refs: dict[uuid.UUID, str]
    documents: dict[uuid.UUID, set[tuple[str, str, str]]]
    needs: dict[uuid.UUID, set[str]]
    taken: dict[tuple[str, str, str], tuple[uuid.UUID, str]]  # document key → (holder, ref)
    addresses: dict[uuid.UUID, dict[str, Any]]  # household id → address, shelter, phone


def load_registry(session: Session, batch: ImportBatch, grouped: dict[str, list[RowView]]) -> Registry:
    """The registry's side of a page of households: a few batched queries (chunks of 500 ids)."""
    households = _registered_households(session, batch, list(grouped))
    person_ids: list[uuid.UUID] = [
        r.individual_id for rows in grouped.values() for r in rows if r.individual_id
    ]
    people, documents, needs = _people(session, person_ids)
    household_refs: dict[uuid.UUID, str] = {}
    addresses: dict[uuid.UUID, dict[str, Any]] = {}
    household_ids = sorted({p.household_id for p in people.values()})
    for start in range(0, len(household_ids), 500):
        for hid, ref, address, shelter, phone in session.execute(
            select(Household.id, Household.ref, Household.address, Household.shelter, Household.phone).where(
                Household.id.in_(household_ids[start : start + 500])
            )
        ):
            household_refs[hid] = ref
            addresses[hid] = {"address": address, "shelter": shelter, "phone": phone}
    taken = _documents_taken(session, grouped)
    return Registry(households, people, household_refs, documents, needs, taken, addresses)


def _registered_households(
    session: Session, batch: ImportBatch, keys: list[str]
) -> dict[str, tuple[uuid.UUID, str]]:
    """household key → (household id, ref) of the households registered before from this source."""
    households: dict[str, tuple[uuid.UUID, str]] = {}
    for start in range(0, len(keys), 500):
        key_chunk = keys[start : start + 500]
        for key, target in session.execute(
            select(SourceRecord.record_key, SourceRecord.target_id).where(
                SourceRecord.operation_id == batch.operation_id,
                SourceRecord.source == batch.source,
                SourceRecord.kind == "household",
                SourceRecord.record_key.in_(key_chunk),
            )
        ):
            households[key] = (target, "")
    refs = (
        dict(
            session.execute(
                select(Household.id, Household.ref).where(
                    Household.id.in_([t for t, _ in households.values()])
                )
            ).all()
        )
        if households
        else {}
    )
    return {k: (t, refs.get(t, "?")) for k, (t, _) in households.items()}


def _people(
    session: Session, person_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, Individual], dict[uuid.UUID, set[DocumentKey]], dict[uuid.UUID, set[str]]]:
    """The re-imported people, their documents and their active needs' codes."""
    people: dict[uuid.UUID, Individual] = {}
    documents: dict[uuid.UUID, set[DocumentKey]] = defaultdict(set)
    needs: dict[uuid.UUID, set[str]] = defaultdict(set)
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for p in session.scalars(select(Individual).where(Individual.id.in_(chunk))):
            people[p.id] = p
        for iid, doc_type, country, norm in session.execute(
            select(
                IdentityDocument.individual_id,
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
            ).where(IdentityDocument.individual_id.in_(chunk))
        ):
            documents[iid].add((doc_type, country, norm))
        for iid, code in session.execute(
            select(SpecificNeed.individual_id, SpecificNeed.code).where(
                SpecificNeed.individual_id.in_(chunk), SpecificNeed.active.is_(True)
            )
        ):
            needs[iid].add(code)
    return people, documents, needs


def _documents_taken(
    session: Session, grouped: dict[str, list[RowView]]
) -> dict[DocumentKey, tuple[uuid.UUID, str]]:
    """document key → (holder, ref) of the page's documents already held by registered people."""
    doc_keys = {k for rows in grouped.values() for r in rows if (k := document_key(r.values)) is not None}
    taken: dict[DocumentKey, tuple[uuid.UUID, str]] = {}
    numbers = sorted({k[2] for k in doc_keys})
    for start in range(0, len(numbers), 500):
        for doc_type, country, norm, iid, ref in session.execute(
            select(
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
                Individual.id,
                Individual.ref,
            )
            .join(Individual, Individual.id == IdentityDocument.individual_id)
            .where(
                # rendered into the SQL (normalised numbers are [0-9A-Z] only): a prepared statement's
                # generic plan, made while the registry was small, scans every individual on PostgreSQL
                IdentityDocument.number_norm.in_(
                    bindparam("numbers", numbers[start : start + 500], expanding=True, literal_execute=True)
                )
            )
        ):
            if (doc_type, country, norm) in doc_keys:
                taken[(doc_type, country, norm)] = (iid, ref)
    return taken


def ctx_household(reg: Registry, household_id: uuid.UUID, views: list[RowView]) -> dict[str, Any] | None:
    """The address fields of a registered household (loaded with the page's registry)."""
    person = next((reg.people[v.individual_id] for v in views if v.individual_id in reg.people), None)
    if person is None:
        return None
    return reg.addresses.get(person.household_id)
