"""Reads of the registry for partners, under a data-sharing agreement checked by `refugio.agreements`:
the fields a partner file may hold, the rows of an operation's active people limited to those fields, and
the DCI-style lookup "is this person registered, and with what status?". Permission, agreement and
consent checks are the caller's (refugio.agreements). Re-exported by `registration.queries`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.registration.enums import IndividualStatus
from refugio.registration.models import Household, IdentityDocument, Individual, Site
from refugio.registration.validation import normalise_document_number

# field name -> (column, what it is): the only fields a partner file can carry
_COLUMNS: dict[str, tuple[Any, str]] = {
    "registration_number": (Individual.ref, "the person's registration number"),
    "household_number": (Household.ref, "the household's registration number"),
    "given_name": (Individual.given_name, "given name (Latin script)"),
    "family_name": (Individual.family_name, "family name (Latin script)"),
    "sex": (Individual.sex, "sex (F, M, X)"),
    "date_of_birth": (Individual.date_of_birth, "date of birth"),
    "nationality": (Individual.nationality, "nationality (ISO 3166 alpha-3)"),
    "country_of_origin": (Individual.country_of_origin, "country of origin (ISO 3166 alpha-3)"),
    "population_type": (Individual.population_type, "population type"),
    "legal_status": (Individual.legal_status, "legal status"),
    "status": (Individual.status, "registration status (active, departed, …)"),
    "site": (Site.code, "the site's code"),
    "arrival_date": (Individual.arrival_date, "date of arrival"),
    "phone": (Individual.phone, "phone number"),
}
SHAREABLE_FIELDS: dict[str, str] = {name: what for name, (_, what) in _COLUMNS.items()}


def shareable_rows(
    session: Session, *, operation_id: uuid.UUID, fields: list[str], batch: int = 2000
) -> Iterator[tuple[uuid.UUID, uuid.UUID, dict[str, Any]]]:
    """The operation's active people, by registration number: each one's id, household id and the named
    fields only."""
    columns = [_COLUMNS[f][0].label(f) for f in fields]
    stmt = (
        select(Individual.id.label("_id"), Individual.household_id.label("_household"), *columns)
        .join(Household, Household.id == Individual.household_id)
        .join(Site, Site.id == Individual.site_id)
        .where(Individual.operation_id == operation_id, Individual.status == IndividualStatus.ACTIVE.value)
        .order_by(Individual.ref)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        values = row._mapping
        yield values["_id"], values["_household"], {f: _text(values[f]) for f in fields}


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class RegistryAnswer:
    """Who a partner's identifier points at: the person, their registration number and status."""

    individual_id: uuid.UUID
    registration_number: str
    status: str


def find_registered(
    session: Session,
    *,
    operation_id: uuid.UUID,
    id_type: str,
    id_value: str,
    date_of_birth: dt.date | None = None,
) -> RegistryAnswer | None:
    """The person of the operation whose registration number (`id_type` registration_number) or
    identity document number (`document_number`) is `id_value`, and born on `date_of_birth` if given."""
    value = id_value.strip().upper()
    stmt = select(Individual.id, Individual.ref, Individual.status, Individual.date_of_birth).where(
        Individual.operation_id == operation_id
    )
    if id_type == "registration_number":
        stmt = stmt.where(Individual.ref == value)
    else:
        norm = normalise_document_number(value)
        stmt = stmt.join(IdentityDocument, IdentityDocument.individual_id == Individual.id).where(
            IdentityDocument.number_norm == norm
        )
    for pid, ref, status, dob in session.execute(stmt.limit(2)):
        if date_of_birth is None or dob == date_of_birth:
            return RegistryAnswer(pid, ref, status)
    return None


__all__ = ["SHAREABLE_FIELDS", "RegistryAnswer", "find_registered", "shareable_rows"]
