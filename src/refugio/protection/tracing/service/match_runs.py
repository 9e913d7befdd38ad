"""Matching a family tracing request: for each sought person not yet found, candidates among registered
people and other requests, stored with their weight and reasons (earlier decisions kept, stale undecided
candidates dropped). Keyword-only writes that flush, never commit; refugio.protection.tracing.service
re-exports the verb.

Imports tracing (matching, scoring, common, models, enums), registration models, security and core;
never a web framework.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict
from refugio.protection.tracing import matching, scoring
from refugio.protection.tracing.enums import (
    CLOSED_STATUSES,
    CandidateStatus,
    EventType,
    RequestStatus,
)
from refugio.protection.tracing.models import (
    TracingCandidate,
    TracingRequest,
)
from refugio.protection.tracing.service.common import MATCHABLE, enquirer_of, event, load_request
from refugio.registration.models import Household
from refugio.security.principals import Principal

# ---------------------------------------------------------------------------------------------
# matching


@dataclass(frozen=True)
class MatchRun:
    request: TracingRequest
    candidates: int  # pending candidates after the run
    new: int
    by_kind: dict[str, int]
    index_lag: int


def _registered_exclusions(session: Session, request: TracingRequest) -> set[uuid.UUID]:
    """Registered people never proposed for this request: the enquirer themself."""
    out: set[uuid.UUID] = set()
    if request.enquirer_individual_id:
        out.add(request.enquirer_individual_id)
    return out


def match_request(session: Session, *, actor: Principal, request_id: uuid.UUID) -> MatchRun:
    """Candidates for every sought person of the request (registered people and other requests), stored
    with their weight and reasons; earlier decisions are kept, stale undecided candidates dropped."""
    request = load_request(session, actor, request_id)
    if not request.consent_given or request.consent_withdrawn_at is not None:
        raise Conflict("tracing consent was withdrawn: this request takes no part in matching")
    if request.status in CLOSED_STATUSES:
        raise Conflict(f"the request is {request.status}: reopen it to search again")
    lag = matching.ensure_index(session)
    enquirer_ind = enquirer_of(session, request)
    place = None
    if enquirer_ind is not None:
        place = session.scalar(
            select(Household.place_of_origin).where(Household.id == enquirer_ind.household_id)
        )
    enquirer = scoring.enquirer_profile(request, enquirer_ind, place)
    exclude = _registered_exclusions(session, request)
    found_by_person: dict[uuid.UUID, list[matching.Found]] = {}
    for person in request.sought:
        if person.found_individual_id or person.found_request_id:
            continue  # already found
        profile = scoring.sought_profile(person)
        registered = matching.registered_candidates(
            session, actor=actor, sought=profile, enquirer=enquirer, exclude=exclude, lag=lag
        )
        enquirers = matching.enquirers_among(
            session,
            actor=actor,
            individual_ids=[f.individual_id for f in registered if f.individual_id],
            exclude_request=request.id,
        )
        registered = [
            matching.reciprocal_boost(f, enquirers[f.individual_id], enquirer, person.relationship)
            if f.individual_id in enquirers
            else f
            for f in registered
        ]
        requests = matching.request_candidates(
            session, actor=actor, request=request, sought=profile, enquirer=enquirer
        )
        found_by_person[person.id] = sorted([*registered, *requests], key=lambda f: (-f.weight, f.target))
    new, kinds = _store(session, request, found_by_person)
    pending = session.scalars(
        select(TracingCandidate.id).where(
            TracingCandidate.request_id == request.id,
            TracingCandidate.status == CandidateStatus.PENDING.value,
        )
    ).all()
    request.last_matched_at = clock.now()
    if request.status in MATCHABLE:
        request.status = (RequestStatus.CANDIDATE_FOUND if pending else RequestStatus.MATCHING).value
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.MATCHED,
        summary=f"Matched: {len(pending)} candidate(s) to review, {new} new",
        details={"pending": len(pending), "new": new, "by_kind": dict(kinds), "index_lag": lag},
    )
    return MatchRun(request, len(pending), new, dict(kinds), lag)


def _store(
    session: Session, request: TracingRequest, found: dict[uuid.UUID, list[matching.Found]]
) -> tuple[int, Counter[str]]:
    existing = {
        (c.sought_person_id, c.target): c
        for c in session.scalars(select(TracingCandidate).where(TracingCandidate.request_id == request.id))
    }
    now = clock.now()
    seen: set[tuple[uuid.UUID, str]] = set()
    new = 0
    kinds: Counter[str] = Counter()
    for person_id, items in found.items():
        for f in items:
            key = (person_id, f.target)
            seen.add(key)
            kinds[f.kind.value] += 1
            row = existing.get(key)
            if row is None:
                session.add(
                    TracingCandidate(
                        request_id=request.id,
                        sought_person_id=person_id,
                        kind=f.kind.value,
                        target=f.target,
                        operation_id=f.operation_id,
                        individual_id=f.individual_id,
                        other_request_id=f.other_request_id,
                        other_person_id=f.other_person_id,
                        weight=f.weight,
                        strength=f.strength,
                        reciprocal=f.reciprocal,
                        reasons=[r.as_dict() for r in f.reasons],
                        status=CandidateStatus.PENDING.value,
                        found_at=now,
                        scored_at=now,
                    )
                )
                new += 1
            elif row.status == CandidateStatus.PENDING.value:
                row.weight, row.strength, row.reciprocal = f.weight, f.strength, f.reciprocal
                row.other_request_id = f.other_request_id
                row.reasons = [r.as_dict() for r in f.reasons]
                row.scored_at = now
    stale = [
        c.id
        for key, c in existing.items()
        if key not in seen and key[0] in found and c.status == CandidateStatus.PENDING.value
    ]
    if stale:
        session.execute(delete(TracingCandidate).where(TracingCandidate.id.in_(stale)))
    session.flush()
    return new, kinds
