"""Helpers shared by the family tracing writes: loading a request the actor may manage, the history
event (with its audit entry) every write leaves, the request's blocking keys (written only while
consent holds), the enquirer's registered record, and the future-date check.

Imports tracing (policy, matching, scoring, models, enums), registration models, security and core;
never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError
from refugio.protection.tracing import matching, policy, scoring
from refugio.protection.tracing.enums import (
    CLOSED_STATUSES,
    EventType,
    RequestStatus,
)
from refugio.protection.tracing.models import (
    TracingEvent,
    TracingKey,
    TracingRequest,
)
from refugio.registration.models import Household, Individual
from refugio.security import audit
from refugio.security.principals import Principal

MATCHABLE = (RequestStatus.OPEN, RequestStatus.MATCHING, RequestStatus.CANDIDATE_FOUND)


def event(
    session: Session,
    *,
    request: TracingRequest,
    actor: Principal,
    event_type: EventType,
    summary: str,
    details: dict[str, Any] | None = None,
    occurred_on: dt.date | None = None,
    sought_person_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
) -> TracingEvent:
    """A `TracingEvent` in the request's history (the request's version goes up) and its audit entry."""
    row = TracingEvent(
        request_id=request.id,
        sought_person_id=sought_person_id,
        candidate_id=candidate_id,
        event_type=event_type.value,
        occurred_on=occurred_on or clock.today(),
        recorded_at=clock.now(),
        recorded_by=actor.label,
        summary=summary,
        details=details or {},
    )
    session.add(row)
    request.version += 1
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"tracing.{event_type.value}",
        object_type="tracing_request",
        object_id=str(request.id),
        details={"ref": request.ref, **({"candidate": str(candidate_id)} if candidate_id else {})},
    )
    return row


def not_future(value: dt.date | None, where: str, errors: list[FieldError], what: str) -> None:
    """A date that must not be in the future (`what` names it in the message)."""
    if value is not None and value > clock.today():
        errors.append(FieldError(where, f"{what} {value.isoformat()} is in the future", "future_date"))


def write_keys(session: Session, request: TracingRequest, enquirer: Individual | None) -> None:
    """The request's blocking keys, so that other requests find it (only while consent holds)."""
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    if (
        not request.consent_given
        or request.consent_withdrawn_at is not None
        or request.status in CLOSED_STATUSES
    ):
        return
    place = None
    if enquirer is not None:
        place = session.scalar(select(Household.place_of_origin).where(Household.id == enquirer.household_id))
    rows = [
        {
            "person_id": request.id,
            "kind": k,
            "value": v,
            "role": "enquirer",
            "request_id": request.id,
            "operation_id": request.operation_id,
        }
        for k, v in matching.request_keys(scoring.enquirer_profile(request, enquirer, place))
    ]
    for person in request.sought:
        rows += [
            {
                "person_id": person.id,
                "kind": k,
                "value": v,
                "role": "sought",
                "request_id": request.id,
                "operation_id": request.operation_id,
            }
            for k, v in matching.request_keys(scoring.sought_profile(person))
        ]
    if rows:
        session.connection().execute(TracingKey.__table__.insert(), rows)  # type: ignore[attr-defined]


def load_request(session: Session, actor: Principal, request_id: uuid.UUID) -> TracingRequest:
    """The request, when the actor may see it (404 otherwise) and manage it."""
    request = policy.require_view(actor, session.get(TracingRequest, request_id))
    policy.require_manage(actor, request)
    return request


def enquirer_of(session: Session, request: TracingRequest) -> Individual | None:
    """The enquirer's registered record, when the enquirer is a registered person."""
    return session.get(Individual, request.enquirer_individual_id) if request.enquirer_individual_id else None
