"""Identity documents: which numbers the registry already holds, and recording a document for a person
(a number held by someone else is refused).

Imports registration models and validation; never a web framework.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration.enums import EventType
from refugio.registration.models import IdentityDocument, Individual
from refugio.registration.schemas import DocumentCreate, DocumentRead
from refugio.registration.service.common import add_event, load_individual
from refugio.registration.service.rows import document_row
from refugio.registration.validation import Checker, normalise_document_number
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

DocumentKey = tuple[str, str, str]
"""(document type, issuing country, normalised number)."""


def document_key(document: DocumentCreate) -> DocumentKey:
    return (document.doc_type.value, document.issuing_country, normalise_document_number(document.number))


def insert_document(session: Session, individual_id: uuid.UUID, document: DocumentCreate) -> IdentityDocument:
    """Add a document row for a person (no checks: the caller made them)."""
    doc = IdentityDocument(**document_row(individual_id=individual_id, document=document, now=clock.now()))
    session.add(doc)
    session.flush()
    return doc


def existing_documents(session: Session, keys: set[DocumentKey]) -> dict[DocumentKey, str]:
    """Which of these (type, country, normalised number) are already held, and by whom (ref).

    The numbers are rendered into the SQL (normalised, they are [0-9A-Z] only): psycopg prepares a
    statement run five times with the same text, and PostgreSQL then keeps a generic plan made while
    the registry was nearly empty (a nested loop over every individual), 80 times slower at 45,000
    people than the plan for the actual numbers."""
    found: dict[DocumentKey, str] = {}
    numbers = sorted({k[2] for k in keys})
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        rows = session.execute(
            select(
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
                Individual.ref,
            )
            .join(Individual, Individual.id == IdentityDocument.individual_id)
            .where(
                IdentityDocument.number_norm.in_(
                    bindparam("numbers", chunk, expanding=True, literal_execute=True)
                )
            )
        ).all()
        for doc_type, country, norm, ref in rows:
            if (doc_type, country, norm) in keys:
                found[(doc_type, country, norm)] = ref
    return found


def add_document(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: DocumentCreate
) -> DocumentRead:
    """Record an identity document; a number held by someone else is refused."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.DOCUMENT_CREATE
    )
    c = Checker(clock.today())
    c.document("document", data)
    key = document_key(data)
    for _key, ref in existing_documents(session, {key}).items():
        c.add(
            "number",
            f"document already held by {'this person' if ref == person.ref else ref}",
            "document_taken",
        )
    if c.errors:
        raise ValidationFailed(
            [FieldError(e.field.removeprefix("document."), e.message, e.code) for e in c.errors]
        )
    doc = insert_document(session, person.id, data)
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.DOCUMENT_ADDED,
        actor=actor,
        summary=f"{data.doc_type.value.replace('_', ' ')} ({data.issuing_country}) recorded",
        details={
            "doc_type": data.doc_type.value,
            "issuing_country": data.issuing_country,
            "number_sha256": hashlib.sha256(key[2].encode()).hexdigest()[:16],
        },
    )
    audit.record(
        session, actor=actor, action="document.add", object_type="individual", object_id=str(person.id)
    )
    return DocumentRead.model_validate(doc)


__all__ = ["DocumentKey", "add_document", "document_key", "existing_documents", "insert_document"]
