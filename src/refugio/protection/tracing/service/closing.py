"""Ending a family tracing request: the reunification (date, place, outcome; the request is closed),
closing it (closed, or closed as not found) and reopening one closed as not found. Keyword-only writes
that flush, never commit; refugio.protection.tracing.service re-exports the verbs.

Imports tracing (common, models, schemas, enums), security and core; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, ValidationFailed
from refugio.protection.tracing.enums import (
    CLOSED_STATUSES,
    EventType,
    RequestStatus,
    ReunificationOutcome,
)
from refugio.protection.tracing.models import (
    TracingKey,
    TracingRequest,
)
from refugio.protection.tracing.schemas import (
    ClosureIn,
    ReunificationIn,
)
from refugio.protection.tracing.service.common import enquirer_of, event, load_request, not_future, write_keys
from refugio.security.principals import Principal


def record_reunification(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: ReunificationIn
) -> TracingRequest:
    """Reunification (or contact restored, or declined): date, place, outcome; the request is closed."""
    request = load_request(session, actor, request_id)
    if request.status != RequestStatus.REUNIFICATION.value:
        raise Conflict("reunification follows a verification in which both sides agreed")
    errors: list[FieldError] = []
    not_future(data.occurred_on, "occurred_on", errors, "date")
    if errors:
        raise ValidationFailed(errors)
    request.status = RequestStatus.CLOSED.value
    request.closed_at = clock.now()
    request.closure_reason = f"reunification: {data.outcome.value}"
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.REUNIFICATION,
        occurred_on=data.occurred_on,
        summary=f"Reunification on {data.occurred_on.isoformat()} at {data.place}: "
        f"{data.outcome.value.replace('_', ' ')}",
        details={
            "place": data.place,
            "outcome": data.outcome.value,
            "notes": data.notes,
            "reunified": data.outcome == ReunificationOutcome.REUNIFIED,
        },
    )
    return request


def close_request(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: ClosureIn
) -> TracingRequest:
    """Close a request (`closed`, or `closed_not_found` after the search), with the reason."""
    request = load_request(session, actor, request_id)
    if request.status in CLOSED_STATUSES:
        raise Conflict(f"the request is already {request.status}")
    not_found = data.outcome == "not_found"
    request.status = (RequestStatus.CLOSED_NOT_FOUND if not_found else RequestStatus.CLOSED).value
    request.closed_at = clock.now()
    request.closure_reason = data.reason
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.CLOSED_NOT_FOUND if not_found else EventType.CLOSED,
        summary=("Closed, not found: " if not_found else "Closed: ") + data.reason,
        details={"reason": data.reason},
    )
    return request


def reopen_request(
    session: Session, *, actor: Principal, request_id: uuid.UUID, reason: str
) -> TracingRequest:
    """Search again for a request closed as not found (new information)."""
    request = load_request(session, actor, request_id)
    if request.status != RequestStatus.CLOSED_NOT_FOUND.value:
        raise Conflict("only a request closed as not found is reopened")
    if request.consent_withdrawn_at is not None:
        raise Conflict("tracing consent was withdrawn: open a new request with new consent")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason", "required")
    request.status = RequestStatus.MATCHING.value
    request.closed_at, request.closure_reason = None, None
    write_keys(session, request, enquirer_of(session, request))
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.REOPENED,
        summary=f"Reopened: {reason.strip()}",
        details={"reason": reason.strip()},
    )
    return request
