"""Deciding on a tracing candidate: the review (confirm for verification, or reject with a reason, never
raised again) and the verification interview (both sides agree: reunification follows; otherwise the
candidate is rejected and the search goes on). Keyword-only writes that flush, never commit;
refugio.protection.tracing.service re-exports the verbs.

Imports tracing (common, models, schemas, enums), security and core; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.protection.tracing.enums import (
    CandidateKind,
    CandidateStatus,
    EventType,
    RequestStatus,
)
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingRequest,
)
from refugio.protection.tracing.schemas import (
    VerificationIn,
)
from refugio.protection.tracing.service.common import MATCHABLE, event, load_request, not_future
from refugio.security.principals import Principal


def _candidate(
    session: Session, actor: Principal, candidate_id: uuid.UUID
) -> tuple[TracingCandidate, TracingRequest]:
    candidate = session.get(TracingCandidate, candidate_id)
    if candidate is None:
        raise NotFound("no such candidate")
    request = load_request(session, actor, candidate.request_id)
    return candidate, request


def _other_side_consents(session: Session, candidate: TracingCandidate) -> bool:
    if candidate.other_request_id is None:
        return True
    other = session.get(TracingRequest, candidate.other_request_id)
    return other is not None and other.consent_given and other.consent_withdrawn_at is None


def _after_decision(session: Session, request: TracingRequest) -> None:
    """Status after a rejection: back to matching, or candidates still to review."""
    if request.status not in MATCHABLE and request.status != RequestStatus.VERIFICATION.value:
        return
    states = set(
        session.scalars(select(TracingCandidate.status).where(TracingCandidate.request_id == request.id))
    )
    if CandidateStatus.CONFIRMED.value in states:
        request.status = RequestStatus.VERIFICATION.value
    elif CandidateStatus.PENDING.value in states:
        request.status = RequestStatus.CANDIDATE_FOUND.value
    else:
        request.status = RequestStatus.MATCHING.value


def review_candidate(
    session: Session, *, actor: Principal, candidate_id: uuid.UUID, decision: str, reason: str
) -> TracingCandidate:
    """Confirm a candidate (a verification interview follows) or reject it (never raised again)."""
    candidate, request = _candidate(session, actor, candidate_id)
    if request.consent_withdrawn_at is not None:
        raise Conflict("tracing consent was withdrawn for this request")
    if candidate.status != CandidateStatus.PENDING.value:
        raise Conflict(f"this candidate was already reviewed ({candidate.status})")
    if decision not in ("confirm", "reject"):
        raise ValidationFailed.single("decision", "confirm or reject", "invalid")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason for the decision", "required")
    if decision == "confirm" and not _other_side_consents(session, candidate):
        raise Conflict("the other request's tracing consent was withdrawn")
    candidate.status = (
        CandidateStatus.CONFIRMED if decision == "confirm" else CandidateStatus.REJECTED
    ).value
    candidate.reviewed_at, candidate.reviewed_by, candidate.review_reason = (
        clock.now(),
        actor.label,
        reason.strip(),
    )
    if decision == "confirm":
        if request.status in MATCHABLE:
            request.status = RequestStatus.VERIFICATION.value
    else:
        _after_decision(session, request)
    session.flush()
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.CANDIDATE_CONFIRMED if decision == "confirm" else EventType.CANDIDATE_REJECTED,
        summary=(
            "Candidate confirmed for verification: " if decision == "confirm" else "Candidate rejected: "
        )
        + reason.strip(),
        details={"kind": candidate.kind, "weight": candidate.weight, "reason": reason.strip()},
        sought_person_id=candidate.sought_person_id,
        candidate_id=candidate.id,
    )
    return candidate


def record_verification(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: VerificationIn
) -> TracingRequest:
    """The verification interview of a confirmed candidate. Both sides agree: the person is found and
    reunification can be arranged; otherwise the candidate is rejected and the search goes on."""
    request = load_request(session, actor, request_id)
    candidate = session.get(TracingCandidate, data.candidate_id)
    if candidate is None or candidate.request_id != request.id:
        raise ValidationFailed.single("candidate_id", "not a candidate of this request", "not_found")
    if candidate.status != CandidateStatus.CONFIRMED.value:
        raise Conflict(f"only a confirmed candidate is verified (this one is {candidate.status})")
    if request.consent_withdrawn_at is not None or not _other_side_consents(session, candidate):
        raise Conflict("tracing consent was withdrawn")
    errors: list[FieldError] = []
    not_future(data.occurred_on, "occurred_on", errors, "date")
    if errors:
        raise ValidationFailed(errors)
    agreed = data.enquirer_agrees and data.sought_agrees
    person = session.get(SoughtPerson, candidate.sought_person_id)
    assert person is not None
    if agreed:
        candidate.status = CandidateStatus.VERIFIED.value
        if candidate.kind == CandidateKind.REGISTERED.value:
            person.found_individual_id = candidate.individual_id
        else:
            person.found_request_id = candidate.other_request_id
        request.status = RequestStatus.REUNIFICATION.value
    else:
        candidate.status = CandidateStatus.REJECTED.value
        candidate.review_reason = "verification: " + (data.notes or "the two sides did not agree")
        request.status = RequestStatus.MATCHING.value
        _after_decision(session, request)
    session.flush()
    details = {
        "enquirer_agrees": data.enquirer_agrees,
        "sought_agrees": data.sought_agrees,
        "documents": data.documents,
        "notes": data.notes,
        "outcome": "verified" if agreed else "not verified",
    }
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.VERIFICATION,
        occurred_on=data.occurred_on,
        summary="Verification: both sides agree" if agreed else "Verification: not the person sought",
        details=details,
        sought_person_id=person.id,
        candidate_id=candidate.id,
    )
    return request
