"""Family tracing reads. Every list is limited to the requests the caller may see (TRACING_VIEW for the
operation or site), and every read of requests — one request, a list, a search, an export — is audited.

Candidates reveal little until they are confirmed: a registered person shows their ID, given name and
initial, sex, year of birth, site and status; the full names, date of birth and household once a
caseworker has confirmed the candidate for verification; the phone once verified. Another request shows
its reference and the first name and initial of the person concerned. A candidate whose other side has
withdrawn consent is never shown.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.dedup import names
from refugio.protection.tracing import policy, scoring
from refugio.protection.tracing.enums import CandidateKind, CandidateStatus
from refugio.protection.tracing.list_queries import (  # re-exported
    EXPORT_COLUMNS,
    MAX_RESULTS,
    display_name,
    enquirer_label,
    export_csv,
    export_requests,
    list_requests,
    short_name,
    sought_label,
    visible_clause,
)
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingEvent,
    TracingRequest,
)
from refugio.protection.tracing.schemas import (
    CandidateRead,
    ConsentRead,
    ReasonRead,
    RequestDetailsRead,
    RequestRead,
    SoughtPersonRead,
    SoughtRead,
    TracingEventRead,
)
from refugio.protection.tracing.workers import caseworker_choices  # re-exported
from refugio.registration.models import Household, Individual, Site
from refugio.registration.queries import scope_clause
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

__all__ = [
    "EXPORT_COLUMNS",
    "MAX_RESULTS",
    "CandidateView",
    "RequestView",
    "SoughtView",
    "candidate_request_id",
    "caseworker_choices",
    "enquirer_label",
    "export_csv",
    "export_requests",
    "find_request",
    "get_request",
    "list_requests",
    "read_request",
    "request_id_of",
    "request_read",
    "sought_label",
    "visible_clause",
]

# ---------------------------------------------------------------------------------------------
# one request


@dataclass(frozen=True)
class CandidateView:
    id: uuid.UUID
    kind: str
    status: str
    weight: float
    strength: str
    reciprocal: bool
    reasons: list[dict[str, Any]]
    card: dict[str, Any]  # what may be shown of the candidate at this stage
    revealed: bool
    reviewed_by: str | None
    review_reason: str | None


@dataclass(frozen=True)
class SoughtView:
    person: SoughtPersonRead
    label: str
    candidates: list[CandidateView]
    found: str | None  # who they were found to be (ref), once verified


@dataclass(frozen=True)
class RequestView:
    """One request as its readers see it, built of read models (`request_read` makes the API's)."""

    request: RequestDetailsRead
    site_code: str
    site_name: str
    enquirer: dict[str, Any]
    sought: list[SoughtView]
    events: list[TracingEventRead]
    can_manage: bool
    consent_active: bool
    confirmed: list[CandidateView] = field(default_factory=list)


def find_request(session: Session, actor: Principal, key: uuid.UUID | str) -> TracingRequest:
    """A request by internal id or reference, if the caller may see it (NotFound otherwise)."""
    request: TracingRequest | None
    if isinstance(key, uuid.UUID):
        request = session.get(TracingRequest, key)
    else:
        try:
            request = session.get(TracingRequest, uuid.UUID(str(key)))
        except ValueError:
            request = session.scalar(
                select(TracingRequest).where(TracingRequest.ref == str(key).strip().upper())
            )
    return policy.require_view(actor, request)


def _enquirer_card(session: Session, actor: Principal, r: TracingRequest) -> dict[str, Any]:
    card: dict[str, Any] = {
        "registered": False,
        "name": enquirer_label(r, None),
        "phone": r.enquirer_phone,
        "contact": r.enquirer_contact,
        "sex": r.enquirer_sex,
        "date_of_birth": r.enquirer_date_of_birth,
        "country_of_origin": r.enquirer_country_of_origin,
    }
    if r.enquirer_individual_id:
        ind = session.get(Individual, r.enquirer_individual_id)
        if ind is not None:
            visible = actor.can(
                Permission.INDIVIDUAL_VIEW, operation_id=ind.operation_id, site_id=ind.site_id
            )
            card.update(
                registered=True,
                individual_id=ind.id if visible else None,
                ref=ind.ref,
                name=enquirer_label(r, ind) if visible else short_name(ind.given_name, ind.family_name),
                sex=ind.sex,
                date_of_birth=names.PartialDate.from_stored(ind.date_of_birth, ind.dob_precision).iso
                if visible
                else None,
                country_of_origin=ind.country_of_origin,
            )
    return card


def _registered_cards(
    session: Session, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Individual, str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Individual, Site.code, Household.ref)
        .join(Site, Site.id == Individual.site_id)
        .join(Household, Household.id == Individual.household_id)
        .where(
            Individual.id.in_(list(ids)),
            scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        )
    ).all()
    return {ind.id: (ind, code, ref) for ind, code, ref in rows}


def _card_registered(found: tuple[Individual, str, str], stage: str) -> dict[str, Any]:
    ind, site_code, household_ref = found
    card: dict[str, Any] = {
        "ref": ind.ref,
        "name": short_name(ind.given_name, ind.family_name),
        "sex": ind.sex,
        "year_of_birth": ind.date_of_birth.year,
        "site_code": site_code,
        "status": ind.status,
        "tracing_consent": "tracing" in (ind.consent_purposes or []),
    }
    if stage in ("confirmed", "verified"):
        card.update(
            individual_id=ind.id,
            name=display_name(
                ind.given_name,
                ind.middle_name,
                ind.family_name,
                ind.given_name_original,
                ind.middle_name_original,
                ind.family_name_original,
            ),
            date_of_birth=names.PartialDate.from_stored(ind.date_of_birth, ind.dob_precision).iso,
            household_ref=household_ref,
        )
    if stage == "verified":
        card["phone"] = ind.phone
    return card


def _card_request(
    other: TracingRequest,
    person: SoughtPerson | None,
    registered: Individual | None,
    stage: str,
    site_code: str,
) -> dict[str, Any]:
    card: dict[str, Any] = {"request_ref": other.ref, "request_id": other.id, "site_code": site_code}
    if person is None:  # the other request's enquirer
        if registered is not None:
            card["name"] = short_name(registered.given_name, registered.family_name)
            card["registered_ref"] = registered.ref
        else:
            card["name"] = short_name(
                other.enquirer_given_name,
                other.enquirer_family_name,
                other.enquirer_given_name_original,
                other.enquirer_family_name_original,
            )
        card["looking_for"] = len(other.sought)
        if stage in ("confirmed", "verified"):
            card["name"] = enquirer_label(other, registered)
            card["contact"] = " · ".join(x for x in (other.enquirer_phone, other.enquirer_contact) if x)
    else:
        card["name"] = short_name(
            person.given_name, person.family_name, person.given_name_original, person.family_name_original
        )
        card["relationship_to_their_enquirer"] = person.relationship
        if stage in ("confirmed", "verified"):
            card["name"] = sought_label(person)
    return card


def _candidate_views(
    session: Session, actor: Principal, candidates: Sequence[TracingCandidate]
) -> dict[uuid.UUID, list[CandidateView]]:
    reg_ids = [c.individual_id for c in candidates if c.individual_id]
    registered = _registered_cards(session, actor, reg_ids)
    other_ids = {c.other_request_id for c in candidates if c.other_request_id}
    others = (
        {
            r.id: r
            for r in session.scalars(
                select(TracingRequest).where(TracingRequest.id.in_(other_ids), visible_clause(actor))
            )
        }
        if other_ids
        else {}
    )
    persons = {p.id: p for r in others.values() for p in r.sought}
    enq_ids = [r.enquirer_individual_id for r in others.values() if r.enquirer_individual_id]
    enquirers = (
        {i.id: i for i in session.scalars(select(Individual).where(Individual.id.in_(enq_ids)))}
        if enq_ids
        else {}
    )
    site_codes = (
        dict(
            session.execute(
                select(Site.id, Site.code).where(Site.id.in_({r.site_id for r in others.values()}))
            ).all()
        )
        if others
        else {}
    )
    out: dict[uuid.UUID, list[CandidateView]] = defaultdict(list)
    for c in candidates:
        if c.status == CandidateStatus.WITHDRAWN.value:
            continue
        stage = c.status if c.status in ("confirmed", "verified") else "minimal"
        card: dict[str, Any] | None = None
        if c.kind == CandidateKind.REGISTERED.value:
            if c.individual_id in registered:
                card = _card_registered(registered[c.individual_id], stage)
                if c.other_request_id in others:
                    card["also_enquirer_of"] = others[c.other_request_id].ref
        else:
            other = others.get(c.other_request_id) if c.other_request_id else None
            if other is not None and other.consent_given and other.consent_withdrawn_at is None:
                person = persons.get(c.other_person_id) if c.other_person_id else None
                reg = enquirers.get(other.enquirer_individual_id) if other.enquirer_individual_id else None
                card = _card_request(other, person, reg, stage, site_codes.get(other.site_id, ""))
        if card is None:
            continue  # outside the caller's scope now, or the other side withdrew
        reasons = [
            {**r, "text": scoring.Reason(r["field"], r["level"], float(r["weight"])).text}
            for r in c.reasons or []
        ]
        out[c.sought_person_id].append(
            CandidateView(
                id=c.id,
                kind=c.kind,
                status=c.status,
                weight=c.weight,
                strength=c.strength,
                reciprocal=c.reciprocal,
                reasons=reasons,
                card=card,
                revealed=stage != "minimal",
                reviewed_by=c.reviewed_by,
                review_reason=c.review_reason,
            )
        )
    for views in out.values():
        views.sort(
            key=lambda v: (v.status != "verified", v.status != "confirmed", v.status != "pending", -v.weight)
        )
    return out


def _event_read(e: TracingEvent) -> TracingEventRead:
    return TracingEventRead(
        event_type=e.event_type,
        occurred_on=e.occurred_on,
        recorded_at=e.recorded_at,
        recorded_by=e.recorded_by,
        summary=e.summary,
        details=e.details or {},
    )


def get_request(session: Session, *, actor: Principal, key: uuid.UUID | str) -> RequestView:
    """One request with its sought people, their ranked candidates with reasons, and its history (audited)."""
    request = find_request(session, actor, key)
    site = session.get(Site, request.site_id)
    assert site is not None
    candidates = list(
        session.scalars(
            select(TracingCandidate)
            .where(TracingCandidate.request_id == request.id)
            .order_by(TracingCandidate.weight.desc())
        )
    )
    views = _candidate_views(session, actor, candidates)
    found_ids = [p.found_individual_id for p in request.sought if p.found_individual_id]
    found_refs = (
        dict(session.execute(select(Individual.id, Individual.ref).where(Individual.id.in_(found_ids))).all())
        if found_ids
        else {}
    )
    found_req_ids = [p.found_request_id for p in request.sought if p.found_request_id]
    found_req_refs = (
        dict(
            session.execute(
                select(TracingRequest.id, TracingRequest.ref).where(TracingRequest.id.in_(found_req_ids))
            ).all()
        )
        if found_req_ids
        else {}
    )
    sought = [
        SoughtView(
            person=SoughtPersonRead.model_validate(p),
            label=sought_label(p),
            candidates=views.get(p.id, []),
            found=found_refs.get(p.found_individual_id)
            if p.found_individual_id
            else found_req_refs.get(p.found_request_id)
            if p.found_request_id
            else None,
        )
        for p in request.sought
    ]
    events = [
        _event_read(e)
        for e in session.scalars(
            select(TracingEvent)
            .where(TracingEvent.request_id == request.id)
            .order_by(TracingEvent.recorded_at, TracingEvent.id)
        )
    ]
    audit.record(
        session,
        actor=actor,
        action="tracing.request_read",
        object_type="tracing_request",
        object_id=str(request.id),
        details={"ref": request.ref},
    )
    confirmed = [c for s in sought for c in s.candidates if c.status == CandidateStatus.CONFIRMED.value]
    return RequestView(
        request=RequestDetailsRead.model_validate(request),
        site_code=site.code,
        site_name=site.name,
        enquirer=_enquirer_card(session, actor, request),
        sought=sought,
        events=events,
        can_manage=actor.can(
            Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id
        ),
        consent_active=request.consent_given and request.consent_withdrawn_at is None,
        confirmed=confirmed,
    )


def candidate_request_id(session: Session, *, actor: Principal, candidate_id: uuid.UUID) -> uuid.UUID:
    """The request a candidate belongs to (NotFound outside the caller's scope)."""
    c = session.get(TracingCandidate, candidate_id)
    if c is None:
        policy.require_view(actor, None)
        raise AssertionError("unreachable")
    policy.require_view(actor, session.get(TracingRequest, c.request_id))
    return c.request_id


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in values.items()}


def _candidate_read(c: CandidateView) -> CandidateRead:
    return CandidateRead(
        id=c.id,
        kind=c.kind,
        status=c.status,
        weight=c.weight,
        strength=c.strength,
        reciprocal=c.reciprocal,
        reasons=[ReasonRead.model_validate(x) for x in c.reasons],
        card=_plain(c.card),
        revealed=c.revealed,
        reviewed_by=c.reviewed_by,
        review_reason=c.review_reason,
    )


def _sought_read(s: SoughtView) -> SoughtRead:
    p = s.person
    return SoughtRead(
        id=p.id,
        position=p.position,
        label=s.label,
        given_name=p.given_name,
        middle_name=p.middle_name,
        family_name=p.family_name,
        given_name_original=p.given_name_original,
        middle_name_original=p.middle_name_original,
        family_name_original=p.family_name_original,
        other_names=p.other_names,
        sex=p.sex,
        date_of_birth=p.date_of_birth,
        age=p.age,
        age_on=p.age_on,
        relationship=p.relationship,
        country_of_origin=p.country_of_origin,
        place_of_origin=p.place_of_origin,
        place_last_seen=p.place_last_seen,
        date_of_separation=p.date_of_separation,
        separation_circumstances=p.separation_circumstances,
        found=s.found,
        candidates=[_candidate_read(c) for c in s.candidates],
    )


def request_read(view: RequestView) -> RequestRead:
    """The read model of a request's view (what the API renders)."""
    r = view.request
    return RequestRead(
        id=r.id,
        ref=r.ref,
        status=r.status,
        operation_id=r.operation_id,
        site_id=r.site_id,
        site_code=view.site_code,
        lodged_on=r.lodged_on,
        enquirer=_plain(view.enquirer),
        consent=ConsentRead(
            given_by=r.consent_given_by,
            date=r.consent_date,
            recorded_by=r.consent_recorded_by,
            withdrawn_at=r.consent_withdrawn_at,
            withdrawal_reason=r.consent_withdrawal_reason,
        ),
        assigned_to=r.assigned_to,
        case_id=r.case_id,
        notes=r.notes,
        last_matched_at=r.last_matched_at,
        closure_reason=r.closure_reason,
        version=r.version,
        sought=[_sought_read(s) for s in view.sought],
        events=view.events,
    )


def read_request(session: Session, *, actor: Principal, key: uuid.UUID | str) -> RequestRead:
    """`get_request` as its read model (audited the same way)."""
    return request_read(get_request(session, actor=actor, key=key))


def request_id_of(session: Session, *, actor: Principal, key: uuid.UUID | str) -> uuid.UUID:
    """The id of a request named by id or reference, if the caller may see it (NotFound otherwise)."""
    return find_request(session, actor, key).id


def verified_relatives(session: Session, *, individual_id: uuid.UUID) -> set[uuid.UUID]:
    """The registered people that tracing verified as family of `individual_id`, on either side of a
    request (the enquirer and the person found). For another domain's checks; the caller audits."""
    rows = session.execute(
        select(TracingRequest.enquirer_individual_id, SoughtPerson.found_individual_id)
        .join(SoughtPerson, SoughtPerson.request_id == TracingRequest.id)
        .where(
            SoughtPerson.found_individual_id.is_not(None),
            (TracingRequest.enquirer_individual_id == individual_id)
            | (SoughtPerson.found_individual_id == individual_id),
        )
    )
    return {b if a == individual_id else a for a, b in rows if a is not None and b is not None} - {
        individual_id
    }
