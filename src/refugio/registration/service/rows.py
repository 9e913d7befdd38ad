"""Typed builders of the registration tables' rows: one function per table, taking the typed inputs
(the Pydantic schemas, ids, dates) and returning the complete row mapping of the model's columns.

The bulk path hands these rows to `store.bulk.insert_rows`; the one-at-a-time paths pass the same
mapping to the ORM model (`Individual(**individual_row(...))`), so a person born into a household and a
person registered with one are built by the same code. Every builder checks that its row names exactly
the model's columns (a column added to a model without its builder fails at once, not in a bulk insert).

Imports registration models, schemas, names and validation helpers; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from refugio.core import clock, ids
from refugio.core.names import NAME_PARTS
from refugio.registration import names
from refugio.registration.enums import EventType, NeedSource
from refugio.registration.models import (
    Household,
    IdentityDocument,
    Individual,
    RegistrationEvent,
    SpecificNeed,
)
from refugio.registration.schemas import DocumentCreate, HouseholdCreate, PersonFields
from refugio.registration.validation import detect_script, normalise_document_number, normalise_phone
from refugio.security.principals import Principal
from refugio.store.base import Base

NAME_FIELDS = (
    *NAME_PARTS,
    "other_names",
)
"""The name fields of a person, in the order the name index reads them."""


def _columns(model: type[Base]) -> frozenset[str]:
    return frozenset(c.key for c in model.__table__.columns)


_COLUMNS: dict[type[Base], frozenset[str]] = {
    model: _columns(model)
    for model in (Household, Individual, IdentityDocument, SpecificNeed, RegistrationEvent)
}


def _complete(model: type[Base], row: dict[str, Any]) -> dict[str, Any]:
    """`row`, checked to name exactly the columns of `model`."""
    if row.keys() != _COLUMNS[model]:
        wrong = sorted(row.keys() ^ _COLUMNS[model])
        raise AssertionError(f"a {model.__name__} row must name every column; wrong: {wrong}")
    return row


def name_values(person: Any) -> list[str | None]:
    """The name fields of a person (a schema or a model), in index order."""
    return [getattr(person, f) for f in NAME_FIELDS]


@dataclass(frozen=True)
class Placement:
    """Where a person is registered: their household, its operation and site, and the operation's
    country (phones without '+' are read as dialled there)."""

    household_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    country_iso3: str | None = None


@dataclass(frozen=True)
class Consent:
    """The consent recorded for a person (a household's, or the focal point's for a newborn)."""

    given: bool
    purposes: list[str]
    date: dt.date | None
    legal_basis: str | None


class Birth(NamedTuple):
    """A person's date of birth, how precise it is, and the relationship to the focal point (a tuple:
    one is made per person registered)."""

    date: dt.date
    precision: str
    relationship: str


def household_row(
    *,
    household_id: uuid.UUID,
    ref: str,
    operation_id: uuid.UUID,
    item: HouseholdCreate,
    focal_point_id: uuid.UUID,
    registration_date: dt.date,
    now: dt.datetime,
    country_iso3: str | None = None,
) -> dict[str, Any]:
    """The `household` row of a household registered in person (its phone in E.164 when valid, read as
    dialled in `country_iso3`)."""
    return _complete(
        Household,
        {
            "id": household_id,
            "ref": ref,
            "operation_id": operation_id,
            "site_id": item.site_id,
            "focal_point_id": focal_point_id,
            "registration_level": item.registration_level.value,
            "registration_date": registration_date,
            "registration_method": "in_person",
            "arrival_date": item.arrival_date,
            "country_of_origin": item.country_of_origin,
            "place_of_origin": item.place_of_origin,
            "address": item.address,
            "shelter": item.shelter,
            "phone": normalise_phone(item.phone, country_iso3),
            "size": len(item.members),
            "status": "active",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )


def individual_row(
    *,
    individual_id: uuid.UUID,
    ref: str,
    placement: Placement,
    person: PersonFields,
    birth: Birth,
    country_of_origin: str | None,
    population_type: str,
    arrival_date: dt.date | None,
    consent: Consent,
    now: dt.datetime,
) -> dict[str, Any]:
    """The `individual` row of a person (registered with a household or born into one); the caller
    gives what comes from the household (country of origin, population type and consent defaults)."""
    return _complete(
        Individual,
        {
            "id": individual_id,
            "ref": ref,
            "household_id": placement.household_id,
            "operation_id": placement.operation_id,
            "site_id": placement.site_id,
            "relationship_to_focal_point": birth.relationship,
            "given_name": person.given_name,
            "middle_name": person.middle_name or None,
            "family_name": person.family_name,
            "given_name_original": person.given_name_original or None,
            "middle_name_original": person.middle_name_original or None,
            "family_name_original": person.family_name_original or None,
            "original_script": person.original_script
            or detect_script(
                person.given_name_original, person.family_name_original, person.middle_name_original
            ),
            "other_names": person.other_names or None,
            "given_norm": names.normalise(person.given_name),
            "family_norm": names.normalise(person.family_name),
            "sex": person.sex.value,
            "date_of_birth": birth.date,
            "dob_precision": birth.precision,
            "nationality": person.nationality,
            "country_of_origin": person.country_of_origin or country_of_origin,
            "languages": [lang.lower() for lang in person.languages],
            "population_type": population_type,
            "legal_status": person.legal_status.value if person.legal_status else None,
            "marital_status": person.marital_status.value if person.marital_status else None,
            "arrival_date": arrival_date,
            "phone": normalise_phone(person.phone, placement.country_iso3),
            "phone_index": None,  # its blind index, filled in by refugio.store.encrypted.bind_rows
            "status": "active",
            "date_of_death": None,
            "consent_given": consent.given,
            "consent_purposes": consent.purposes,
            "consent_date": consent.date,
            "legal_basis": consent.legal_basis,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )


def document_row(*, individual_id: uuid.UUID, document: DocumentCreate, now: dt.datetime) -> dict[str, Any]:
    """The `identity_document` row of a document given for a person."""
    return _complete(
        IdentityDocument,
        {
            "id": ids.new_id(),
            "individual_id": individual_id,
            "doc_type": document.doc_type.value,
            "number": document.number,
            "number_norm": normalise_document_number(document.number),
            "issuing_country": document.issuing_country,
            "issue_date": document.issue_date,
            "expiry_date": document.expiry_date,
            "created_at": now,
            "updated_at": now,
        },
    )


def need_row(
    *,
    individual_id: uuid.UUID,
    code: str,
    source: NeedSource,
    reason: str,
    actor: Principal,
    rule_id: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """The `specific_need` row of an active flag, set by hand or by a rule (`rule_id`, `version`)."""
    return _complete(
        SpecificNeed,
        {
            "id": ids.new_id(),
            "individual_id": individual_id,
            "code": code,
            "category": code[:2],
            "source": source.value,
            "rule_id": rule_id,
            "ruleset_version": version,
            "reason": reason,
            "active": True,
            "flagged_at": clock.now(),
            "flagged_by": actor.label,
            "removed_at": None,
            "removed_by": None,
            "removal_reason": None,
        },
    )


# values never copied into an event's details: phones are encrypted at rest (decision 0015) and the
# history is not; the event's summary still names the field changed ("Details of … corrected (phone)")
UNRECORDED_DETAILS = frozenset({"phone"})


def event_row(
    *,
    operation_id: uuid.UUID,
    event_type: EventType,
    summary: str,
    actor: Principal,
    household_id: uuid.UUID | None = None,
    individual_id: uuid.UUID | None = None,
    occurred_on: dt.date | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `registration_event` row of one change (occurred today unless `occurred_on` says)."""
    return _complete(
        RegistrationEvent,
        {
            "id": ids.new_id(),
            "operation_id": operation_id,
            "household_id": household_id,
            "individual_id": individual_id,
            "event_type": event_type.value,
            "occurred_on": occurred_on or clock.today(),
            "recorded_at": clock.now(),
            "recorded_by": actor.label,
            "summary": summary,
            "details": {k: v for k, v in (details or {}).items() if k not in UNRECORDED_DETAILS},
        },
    )


__all__ = [
    "NAME_FIELDS",
    "Birth",
    "Consent",
    "Placement",
    "document_row",
    "event_row",
    "household_row",
    "individual_row",
    "name_values",
    "need_row",
]
