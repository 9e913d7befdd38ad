"""Family tracing writes, named with domain verbs. Keyword-only arguments; they flush, never commit: the
caller's unit of work commits. Every write is a `TracingEvent` in the request's history and an entry of
the audit log.

    open_request          a tracing request: enquirer, tracing consent (required), sought people
    assign_request        the caseworker in charge
    withdraw_consent      matching stops; the request disappears from everyone's matches
    match_request         candidates for each sought person among registered people and other requests
    review_candidate      confirm (→ verification) or reject (kept: never raised again), with a reason
    record_verification   the interview: both sides agree (→ reunification) or not (candidate rejected)
    record_reunification  date, place and outcome; the request is closed
    close_request         closed, or closed as not found, with the reason
    reopen_request        a request closed as not found searched again (new information)

Status: open → matching (searched, nothing to review) ⇄ candidate_found → verification →
reunification → closed; closed_not_found from any open status.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.dedup import names
from refugio.protection.tracing import matching, policy, scoring
from refugio.protection.tracing.enums import (
    CLOSED_STATUSES,
    CandidateKind,
    CandidateStatus,
    EventType,
    RequestStatus,
    ReunificationOutcome,
)
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingEvent,
    TracingKey,
    TracingRequest,
)
from refugio.protection.tracing.schemas import (
    ClosureIn,
    EnquirerIn,
    RequestCreate,
    ReunificationIn,
    SoughtPersonIn,
    VerificationIn,
)
from refugio.registration.models import Household, Individual, Operation, Site
from refugio.registration.models import Sequence as RefSequence
from refugio.registration.reference import countries
from refugio.security import audit
from refugio.security.models import User
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store import counters

_MATCHABLE = (RequestStatus.OPEN, RequestStatus.MATCHING, RequestStatus.CANDIDATE_FOUND)


# ---------------------------------------------------------------------------------------------
# helpers


def _allocate(session: Session, name: str) -> int:
    return counters.reserve(session, RefSequence.__table__, name=name)  # type: ignore[arg-type]


def request_ref(operation_code: str, year: int, seq: int) -> str:
    """`TR-JOR-26-000012`: operation, two-digit year, sequence (never a household or person ID)."""
    return f"TR-{operation_code.upper()}-{year % 100:02d}-{seq:06d}"


def _event(
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
    event = TracingEvent(
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
    session.add(event)
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
    return event


def _partial(value: str | None, where: str, errors: list[FieldError], *, what: str = "date") -> None:
    """A partial ISO date (YYYY, YYYY-MM, YYYY-MM-DD), not in the future."""
    if not value:
        return
    try:
        parsed = names.parse_partial_date(value)
    except ValueError as exc:
        errors.append(FieldError(where, str(exc).replace("date of birth", what), "bad_date"))
        return
    if parsed is None:
        return
    today = clock.today()
    if (parsed.year, parsed.month or 1, parsed.day or 1) > (today.year, today.month, today.day):
        errors.append(FieldError(where, f"{what} {value} is in the future", "future_date"))
    elif parsed.year < today.year - 130:
        errors.append(FieldError(where, f"{what} {value} is too far in the past", "implausible_date"))


def _not_future(value: dt.date | None, where: str, errors: list[FieldError], what: str) -> None:
    if value is not None and value > clock.today():
        errors.append(FieldError(where, f"{what} {value.isoformat()} is in the future", "future_date"))


def _country(value: str | None, where: str, errors: list[FieldError]) -> None:
    if value and value not in countries():
        errors.append(
            FieldError(where, f"unknown country code {value!r} (ISO 3166-1 alpha-3)", "unknown_code")
        )


def _has_name(p: Any) -> bool:
    return any(
        getattr(p, f, None)
        for f in (
            "given_name",
            "family_name",
            "given_name_original",
            "family_name_original",
            "middle_name",
            "middle_name_original",
        )
    )


def _find_individual(session: Session, data: EnquirerIn) -> Individual | None:
    if data.individual_id is not None:
        return session.get(Individual, data.individual_id)
    if data.individual_ref:
        return session.scalar(select(Individual).where(Individual.ref == data.individual_ref.upper()))
    return None


def _check_enquirer(
    session: Session, actor: Principal, data: EnquirerIn, errors: list[FieldError]
) -> Individual | None:
    if data.individual_id is not None or data.individual_ref:
        person = _find_individual(session, data)
        field = "enquirer.individual_id" if data.individual_id is not None else "enquirer.individual_ref"
        if person is None or not actor.can(
            Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
        ):
            errors.append(
                FieldError(
                    field, "no registered person with this ID among the sites you can see", "not_found"
                )
            )
            return None
        return person
    if not _has_name(data):
        errors.append(
            FieldError(
                "enquirer.given_name", "give the enquirer's name, or their registration ID", "required"
            )
        )
    if not (data.phone or data.contact):
        errors.append(
            FieldError(
                "enquirer.contact", "give a phone number or another way to reach the enquirer", "required"
            )
        )
    _partial(data.date_of_birth, "enquirer.date_of_birth", errors, what="date of birth")
    _country(data.country_of_origin, "enquirer.country_of_origin", errors)
    return None


def _check_sought(i: int, p: SoughtPersonIn, errors: list[FieldError]) -> None:
    where = f"sought.{i}"
    if not _has_name(p) and not p.other_names:
        errors.append(
            FieldError(
                f"{where}.given_name", "give at least a given or a family name (any script)", "required"
            )
        )
    _partial(p.date_of_birth, f"{where}.date_of_birth", errors, what="date of birth")
    _partial(p.date_of_separation, f"{where}.date_of_separation", errors, what="date of separation")
    _not_future(p.age_on, f"{where}.age_on", errors, "date")
    _country(p.country_of_origin, f"{where}.country_of_origin", errors)


def _search_text(request: TracingRequest, people: Sequence[SoughtPerson], enquirer: Individual | None) -> str:
    parts: list[str] = [request.ref.lower()]
    sources: list[Any] = [enquirer or request, *people]
    for src in sources:
        for f in ("given_name", "middle_name", "family_name"):
            value = getattr(src, f, None) if src is not request else getattr(request, f"enquirer_{f}")
            if value:
                parts.append(names.fold_latin(value))
                parts.append(value.casefold())
        for f in ("given_name_original", "middle_name_original", "family_name_original"):
            base = f"enquirer_{f}" if src is request else f
            value = getattr(src, base, None)
            if value:
                parts.append(value.casefold())
    return " ".join(dict.fromkeys(p for p in parts if p))[:4000]


def _write_keys(session: Session, request: TracingRequest, enquirer: Individual | None) -> None:
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


def _load(session: Session, actor: Principal, request_id: uuid.UUID) -> TracingRequest:
    request = policy.require_view(actor, session.get(TracingRequest, request_id))
    policy.require_manage(actor, request)
    return request


def _enquirer_of(session: Session, request: TracingRequest) -> Individual | None:
    return session.get(Individual, request.enquirer_individual_id) if request.enquirer_individual_id else None


# ---------------------------------------------------------------------------------------------
# opening and assigning


def open_request(session: Session, *, actor: Principal, data: RequestCreate) -> TracingRequest:
    """A new tracing request. Refused, every wrong field named, without tracing consent."""
    errors: list[FieldError] = []
    site = session.get(Site, data.site_id)
    if site is None:
        raise ValidationFailed.single("site_id", "unknown site", "unknown_site")
    actor.require(Permission.TRACING_MANAGE, operation_id=site.operation_id, site_id=site.id)
    if not data.consent.given:
        errors.append(
            FieldError(
                "consent.given",
                "tracing needs consent: record that it was given, by whom and when (no consent, no request)",
                "tracing_consent_required",
            )
        )
    if not data.consent.given_by:
        errors.append(
            FieldError(
                "consent.given_by",
                "say who gave the consent (the enquirer, a parent, a guardian …)",
                "required",
            )
        )
    _not_future(data.consent.date, "consent.date", errors, "consent date")
    _not_future(data.lodged_on, "lodged_on", errors, "date")
    enquirer = _check_enquirer(session, actor, data.enquirer, errors)
    for i, p in enumerate(data.sought):
        _check_sought(i, p, errors)
    if data.assigned_to and session.scalar(select(User.id).where(User.username == data.assigned_to)) is None:
        errors.append(FieldError("assigned_to", f"no user {data.assigned_to!r}", "unknown_user"))
    if errors:
        raise ValidationFailed(errors)

    op = session.get(Operation, site.operation_id)
    assert op is not None
    lodged = data.lodged_on or clock.today()
    e = data.enquirer
    request = TracingRequest(
        ref=request_ref(op.code, lodged.year, _allocate(session, f"TR-{op.code}-{lodged.year % 100:02d}")),
        operation_id=op.id,
        site_id=site.id,
        status=RequestStatus.OPEN.value,
        lodged_on=lodged,
        enquirer_individual_id=enquirer.id if enquirer else None,
        enquirer_given_name=None if enquirer else e.given_name,
        enquirer_middle_name=None if enquirer else e.middle_name,
        enquirer_family_name=None if enquirer else e.family_name,
        enquirer_given_name_original=None if enquirer else e.given_name_original,
        enquirer_middle_name_original=None if enquirer else e.middle_name_original,
        enquirer_family_name_original=None if enquirer else e.family_name_original,
        enquirer_sex=None if enquirer else e.sex,
        enquirer_date_of_birth=None if enquirer else e.date_of_birth,
        enquirer_country_of_origin=None if enquirer else e.country_of_origin,
        enquirer_phone=e.phone,
        enquirer_contact=e.contact,
        consent_given=True,
        consent_given_by=data.consent.given_by,
        consent_date=data.consent.date or clock.today(),
        consent_recorded_by=actor.label,
        assigned_to=data.assigned_to,
        case_id=data.case_id,
        notes=data.notes,
        created_by=actor.label,
        version=0,
    )
    session.add(request)
    session.flush()
    people = []
    for i, p in enumerate(data.sought):
        person = SoughtPerson(
            request_id=request.id,
            position=i,
            **p.model_dump(exclude={"age_on", "relationship"}),
            relationship=p.relationship.value,
            age_on=(p.age_on or lodged) if p.age is not None else None,
        )
        session.add(person)
        people.append(person)
    session.flush()
    session.refresh(request, ["sought"])
    request.search_text = _search_text(request, people, enquirer)
    _write_keys(session, request, enquirer)
    _event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.OPENED,
        occurred_on=lodged,
        summary=f"Tracing request opened: {len(people)} person(s) sought; "
        f"consent given by {request.consent_given_by}",
        details={
            "sought": len(people),
            "consent_given_by": request.consent_given_by,
            "consent_date": request.consent_date.isoformat(),
            "registered_enquirer": enquirer is not None,
        },
    )
    return request


def assign_request(
    session: Session, *, actor: Principal, request_id: uuid.UUID, username: str
) -> TracingRequest:
    """Put a caseworker in charge (a user holding TRACING_MANAGE for the request)."""
    request = _load(session, actor, request_id)
    from refugio.security import service as security

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationFailed.single("username", f"no user {username!r}", "unknown_user")
    worker = security.principal_for(session, user)
    if not worker.can(Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id):
        raise ValidationFailed.single(
            "username", f"{username} may not manage tracing requests here", "forbidden"
        )
    before = request.assigned_to
    request.assigned_to = username
    _event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.ASSIGNED,
        summary=f"Assigned to {username}",
        details={"assigned_to": [before, username]},
    )
    return request


def withdraw_consent(
    session: Session, *, actor: Principal, request_id: uuid.UUID, reason: str
) -> TracingRequest:
    """Tracing consent withdrawn: matching stops, the request leaves everyone's candidate lists."""
    request = _load(session, actor, request_id)
    if request.consent_withdrawn_at is not None:
        raise Conflict("consent was already withdrawn")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason", "required")
    request.consent_withdrawn_at = clock.now()
    request.consent_withdrawal_reason = reason.strip()
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    touched = session.execute(
        update(TracingCandidate)
        .where(
            (TracingCandidate.request_id == request.id) | (TracingCandidate.other_request_id == request.id),
            TracingCandidate.status.in_([CandidateStatus.PENDING.value, CandidateStatus.CONFIRMED.value]),
        )
        .values(status=CandidateStatus.WITHDRAWN.value)
    )
    _event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.CONSENT_WITHDRAWN,
        summary=f"Tracing consent withdrawn: {reason.strip()}",
        details={"candidates_withdrawn": int(getattr(touched, "rowcount", 0) or 0)},
    )
    return request


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
    request = _load(session, actor, request_id)
    if not request.consent_given or request.consent_withdrawn_at is not None:
        raise Conflict("tracing consent was withdrawn: this request takes no part in matching")
    if request.status in CLOSED_STATUSES:
        raise Conflict(f"the request is {request.status}: reopen it to search again")
    lag = matching.ensure_index(session)
    enquirer_ind = _enquirer_of(session, request)
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
    if request.status in _MATCHABLE:
        request.status = (RequestStatus.CANDIDATE_FOUND if pending else RequestStatus.MATCHING).value
    _event(
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


# ---------------------------------------------------------------------------------------------
# review, verification, reunification, closure


def _candidate(
    session: Session, actor: Principal, candidate_id: uuid.UUID
) -> tuple[TracingCandidate, TracingRequest]:
    candidate = session.get(TracingCandidate, candidate_id)
    if candidate is None:
        raise NotFound("no such candidate")
    request = _load(session, actor, candidate.request_id)
    return candidate, request


def _other_side_consents(session: Session, candidate: TracingCandidate) -> bool:
    if candidate.other_request_id is None:
        return True
    other = session.get(TracingRequest, candidate.other_request_id)
    return other is not None and other.consent_given and other.consent_withdrawn_at is None


def _after_decision(session: Session, request: TracingRequest) -> None:
    """Status after a rejection: back to matching, or candidates still to review."""
    if request.status not in _MATCHABLE and request.status != RequestStatus.VERIFICATION.value:
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
        if request.status in _MATCHABLE:
            request.status = RequestStatus.VERIFICATION.value
    else:
        _after_decision(session, request)
    session.flush()
    _event(
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
    request = _load(session, actor, request_id)
    candidate = session.get(TracingCandidate, data.candidate_id)
    if candidate is None or candidate.request_id != request.id:
        raise ValidationFailed.single("candidate_id", "not a candidate of this request", "not_found")
    if candidate.status != CandidateStatus.CONFIRMED.value:
        raise Conflict(f"only a confirmed candidate is verified (this one is {candidate.status})")
    if request.consent_withdrawn_at is not None or not _other_side_consents(session, candidate):
        raise Conflict("tracing consent was withdrawn")
    errors: list[FieldError] = []
    _not_future(data.occurred_on, "occurred_on", errors, "date")
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
    _event(
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


def record_reunification(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: ReunificationIn
) -> TracingRequest:
    """Reunification (or contact restored, or declined): date, place, outcome; the request is closed."""
    request = _load(session, actor, request_id)
    if request.status != RequestStatus.REUNIFICATION.value:
        raise Conflict("reunification follows a verification in which both sides agreed")
    errors: list[FieldError] = []
    _not_future(data.occurred_on, "occurred_on", errors, "date")
    if errors:
        raise ValidationFailed(errors)
    request.status = RequestStatus.CLOSED.value
    request.closed_at = clock.now()
    request.closure_reason = f"reunification: {data.outcome.value}"
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    _event(
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
    request = _load(session, actor, request_id)
    if request.status in CLOSED_STATUSES:
        raise Conflict(f"the request is already {request.status}")
    not_found = data.outcome == "not_found"
    request.status = (RequestStatus.CLOSED_NOT_FOUND if not_found else RequestStatus.CLOSED).value
    request.closed_at = clock.now()
    request.closure_reason = data.reason
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    _event(
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
    request = _load(session, actor, request_id)
    if request.status != RequestStatus.CLOSED_NOT_FOUND.value:
        raise Conflict("only a request closed as not found is reopened")
    if request.consent_withdrawn_at is not None:
        raise Conflict("tracing consent was withdrawn: open a new request with new consent")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason", "required")
    request.status = RequestStatus.MATCHING.value
    request.closed_at, request.closure_reason = None, None
    _write_keys(session, request, _enquirer_of(session, request))
    _event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.REOPENED,
        summary=f"Reopened: {reason.strip()}",
        details={"reason": reason.strip()},
    )
    return request
