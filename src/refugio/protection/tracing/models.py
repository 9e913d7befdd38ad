"""Family tracing ORM models (SQLAlchemy 2, typed). No behaviour here: see service.py and queries.py.

* `TracingRequest` — who is looking (a registered individual, or a described person with a contact),
  the tracing consent (who gave it, when, and its withdrawal), operation and site, status, caseworker,
  and an optional protection case id (a plain UUID: no foreign key across the protection packages).
* `SoughtPerson` — one person looked for, with what the enquirer knows: names in any script, sex,
  a partial date of birth or an age stated on a day, relationship to the enquirer, country and places
  of origin and last seen, date and circumstances of separation, a last known phone.
* `TracingCandidate` — a possible match of a sought person: a registered individual, the enquirer of
  another request, or a person sought by another request; its match weight, the reasons (per-field
  contributions) and the review decision. Unique per (sought person, target), so a rejection is kept
  and the same candidate is never raised again.
* `TracingEvent` — the history: every step (opened, matched, reviewed, verification, reunification,
  closure, consent withdrawn) with its details.
* `TracingKey` — blocking keys of the people in requests (sought people and enquirers), so a request
  finds other requests with indexed look-ups. Only requests with tracing consent have keys.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import relationship as relation  # `relationship` is a column of SoughtPerson

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.encrypted import EncryptedText
from refugio.store.types import PortableJSON


class TracingRequest(UUIDPk, Timestamped, Base):
    __tablename__ = "tracing_request"
    __table_args__ = (Index("ix_tracing_request_operation_id_status", "operation_id", "status"),)

    ref: Mapped[str] = mapped_column(String(24), unique=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    lodged_on: Mapped[dt.date] = mapped_column(Date)

    enquirer_individual_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("individual.id"), index=True)
    enquirer_given_name: Mapped[str | None] = mapped_column(String(100))
    enquirer_middle_name: Mapped[str | None] = mapped_column(String(100))
    enquirer_family_name: Mapped[str | None] = mapped_column(String(100))
    enquirer_given_name_original: Mapped[str | None] = mapped_column(String(100))
    enquirer_middle_name_original: Mapped[str | None] = mapped_column(String(100))
    enquirer_family_name_original: Mapped[str | None] = mapped_column(String(100))
    enquirer_sex: Mapped[str | None] = mapped_column(String(1))
    enquirer_date_of_birth: Mapped[str | None] = mapped_column(String(10))  # partial ISO 8601
    enquirer_country_of_origin: Mapped[str | None] = mapped_column(String(3))
    enquirer_phone: Mapped[str | None] = mapped_column(EncryptedText("tracing_request", "enquirer_phone"))
    enquirer_contact: Mapped[str | None] = mapped_column(EncryptedText("tracing_request", "enquirer_contact"))

    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_given_by: Mapped[str] = mapped_column(String(200))
    consent_date: Mapped[dt.date] = mapped_column(Date)
    consent_recorded_by: Mapped[str] = mapped_column(String(80))
    consent_withdrawn_at: Mapped[dt.datetime | None]
    consent_withdrawal_reason: Mapped[str | None] = mapped_column(
        EncryptedText("tracing_request", "consent_withdrawal_reason")
    )

    assigned_to: Mapped[str | None] = mapped_column(String(80))
    case_id: Mapped[uuid.UUID | None]  # a protection case, if any (no foreign key on purpose)
    notes: Mapped[str | None] = mapped_column(EncryptedText("tracing_request", "notes"))
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded names, for the request search
    created_by: Mapped[str] = mapped_column(String(80))
    last_matched_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closure_reason: Mapped[str | None] = mapped_column(EncryptedText("tracing_request", "closure_reason"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    sought: Mapped[list[SoughtPerson]] = relation(
        back_populates="request", order_by="SoughtPerson.position", foreign_keys="SoughtPerson.request_id"
    )


class SoughtPerson(UUIDPk, Base):
    __tablename__ = "tracing_sought_person"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracing_request.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    given_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name_original: Mapped[str | None] = mapped_column(String(100))
    middle_name_original: Mapped[str | None] = mapped_column(String(100))
    family_name_original: Mapped[str | None] = mapped_column(String(100))
    other_names: Mapped[str | None] = mapped_column(String(300))
    sex: Mapped[str | None] = mapped_column(String(1))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))  # partial ISO 8601
    age: Mapped[int | None] = mapped_column(Integer)  # as stated on `age_on`
    age_on: Mapped[dt.date | None] = mapped_column(Date)
    relationship: Mapped[str] = mapped_column(String(20))  # to the enquirer
    country_of_origin: Mapped[str | None] = mapped_column(String(3))
    place_of_origin: Mapped[str | None] = mapped_column(String(200))
    place_last_seen: Mapped[str | None] = mapped_column(String(200))
    date_of_separation: Mapped[str | None] = mapped_column(String(10))  # partial ISO 8601
    separation_circumstances: Mapped[str | None] = mapped_column(
        EncryptedText("tracing_sought_person", "separation_circumstances")
    )
    phone: Mapped[str | None] = mapped_column(EncryptedText("tracing_sought_person", "phone"))
    description: Mapped[str | None] = mapped_column(EncryptedText("tracing_sought_person", "description"))
    found_individual_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("individual.id"))
    found_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tracing_request.id"))

    request: Mapped[TracingRequest] = relation(back_populates="sought", foreign_keys=[request_id])


class TracingCandidate(UUIDPk, Base):
    __tablename__ = "tracing_candidate"
    __table_args__ = (
        UniqueConstraint("sought_person_id", "target"),
        Index("ix_tracing_candidate_request_id_status", "request_id", "status"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracing_request.id"))
    sought_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracing_sought_person.id"))
    kind: Mapped[str] = mapped_column(String(12))
    target: Mapped[str] = mapped_column(String(80))  # individual id, or other request id[:person id]
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))  # of the target
    individual_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("individual.id"), index=True)
    other_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tracing_request.id"), index=True)
    other_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tracing_sought_person.id"))
    weight: Mapped[float] = mapped_column(Float)
    strength: Mapped[str] = mapped_column(String(10))
    reciprocal: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    found_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    scored_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    review_reason: Mapped[str | None] = mapped_column(Text)


class TracingEvent(UUIDPk, Base):
    __tablename__ = "tracing_event"
    __table_args__ = (Index("ix_tracing_event_request_id_recorded_at", "request_id", "recorded_at"),)

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracing_request.id"))
    sought_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tracing_sought_person.id"))
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tracing_candidate.id"))
    event_type: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class TracingKey(Base):
    """A blocking key of a person in a request (`role` enquirer or sought; `person_id` the request id
    for the enquirer, the sought person's id otherwise)."""

    __tablename__ = "tracing_key"
    __table_args__ = (Index("ix_tracing_key_operation_id_kind_value", "operation_id", "kind", "value"),)

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[str] = mapped_column(String(120), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracing_request.id"), index=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
