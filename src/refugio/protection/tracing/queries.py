"""Family tracing reads. Every list is limited to the requests the caller may see (TRACING_VIEW for the
operation or site), and every read of requests — one request, a list, a search, an export — is audited.

Candidates reveal little until they are confirmed: a registered person shows their ID, given name and
initial, sex, year of birth, site and status; the full names, date of birth and household once a
caseworker has confirmed the candidate for verification; the phone once verified. Another request shows
its reference and the first name and initial of the person concerned. A candidate whose other side has
withdrawn consent is never shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.dedup import names
from refugio.protection.tracing import policy, scoring
from refugio.protection.tracing.enums import CandidateKind, CandidateStatus
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingEvent,
    TracingRequest,
)
from refugio.registration.models import Household, Individual, Site
from refugio.registration.queries import scope_clause
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_RESULTS = 200


def visible_clause(actor: Principal) -> Any:
    return scope_clause(actor, Permission.TRACING_VIEW, TracingRequest.operation_id, TracingRequest.site_id)


def _initial(name: str | None) -> str:
    return f"{name.strip()[0]}." if name and name.strip() else ""


def _display(given: str | None, middle: str | None, family: str | None, *originals: str | None) -> str:
    latin = " ".join(x for x in (given, middle, family) if x)
    original = " ".join(x for x in originals if x)
    if latin and original:
        return f"{latin} ({original})"
    return latin or original or "—"


def _short(
    given: str | None, family: str | None, given_o: str | None = None, family_o: str | None = None
) -> str:
    first = given or given_o or ""
    last = family or family_o
    return " ".join(x for x in (first, _initial(last)) if x) or "—"


def sought_label(p: SoughtPerson) -> str:
    return _display(
        p.given_name,
        p.middle_name,
        p.family_name,
        p.given_name_original,
        p.middle_name_original,
        p.family_name_original,
    )


def enquirer_label(r: TracingRequest, registered: Individual | None) -> str:
    if registered is not None:
        return _display(registered.given_name, registered.middle_name, registered.family_name)
    return _display(
        r.enquirer_given_name,
        r.enquirer_middle_name,
        r.enquirer_family_name,
        r.enquirer_given_name_original,
        r.enquirer_middle_name_original,
        r.enquirer_family_name_original,
    )


# ---------------------------------------------------------------------------------------------
# lists and search


@dataclass(frozen=True)
class RequestSummary:
    id: uuid.UUID
    ref: str
    status: str
    lodged_on: dt.date
    site_code: str
    enquirer: str
    sought: list[str]
    pending_candidates: int
    assigned_to: str | None
    consent_withdrawn: bool


def _words(q: str) -> list[list[str]]:
    out = []
    for word in q.split():
        forms = {word.casefold()}
        folded = names.fold_latin(word)
        if folded:
            forms.add(folded)
        out.append(sorted(forms))
    return out


def _filtered(
    actor: Principal, *, status: str | None, q: str | None, operation_id: uuid.UUID | None
) -> Select[TracingRequest]:
    stmt = select(TracingRequest).where(visible_clause(actor))
    if status:
        stmt = stmt.where(TracingRequest.status == status)
    if operation_id is not None:
        stmt = stmt.where(TracingRequest.operation_id == operation_id)
    if q:
        for forms in _words(q):
            stmt = stmt.where(or_(*(TracingRequest.search_text.contains(f, autoescape=True) for f in forms)))
    return stmt


def list_requests(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    q: str | None = None,
    operation_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RequestSummary], int]:
    """Requests the caller may see, newest first; `q` searches the reference and names (either script)."""
    policy.require_any_view(actor)
    q = (q or "").strip() or None
    if q is not None and len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    stmt = _filtered(actor, status=status, q=q, operation_id=operation_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    limit = max(1, min(limit, MAX_RESULTS))
    rows = list(
        session.scalars(
            stmt.order_by(TracingRequest.lodged_on.desc(), TracingRequest.ref.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    items = _summaries(session, rows)
    audit.record(
        session,
        actor=actor,
        action="tracing.search" if q else "tracing.list",
        object_type="tracing_request",
        details={"results": [i.ref for i in items], "total": total},
    )
    return items, total


def _summaries(session: Session, rows: Sequence[TracingRequest]) -> list[RequestSummary]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    sites = dict(
        session.execute(select(Site.id, Site.code).where(Site.id.in_({r.site_id for r in rows}))).all()
    )
    enq_ids = [r.enquirer_individual_id for r in rows if r.enquirer_individual_id]
    enquirers = (
        {i.id: i for i in session.scalars(select(Individual).where(Individual.id.in_(enq_ids)))}
        if enq_ids
        else {}
    )
    pending: dict[uuid.UUID, int] = defaultdict(int)
    for rid, n in session.execute(
        select(TracingCandidate.request_id, func.count())
        .where(TracingCandidate.request_id.in_(ids), TracingCandidate.status == CandidateStatus.PENDING.value)
        .group_by(TracingCandidate.request_id)
    ).all():
        pending[rid] = int(n)
    return [
        RequestSummary(
            id=r.id,
            ref=r.ref,
            status=r.status,
            lodged_on=r.lodged_on,
            site_code=sites.get(r.site_id, ""),
            enquirer=enquirer_label(
                r, enquirers.get(r.enquirer_individual_id) if r.enquirer_individual_id else None
            ),
            sought=[sought_label(p) for p in r.sought],
            pending_candidates=pending[r.id],
            assigned_to=r.assigned_to,
            consent_withdrawn=r.consent_withdrawn_at is not None,
        )
        for r in rows
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
    person: SoughtPerson
    label: str
    candidates: list[CandidateView]
    found: str | None  # who they were found to be (ref), once verified


@dataclass(frozen=True)
class RequestView:
    request: TracingRequest
    site_code: str
    site_name: str
    enquirer: dict[str, Any]
    sought: list[SoughtView]
    events: list[TracingEvent]
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
                name=enquirer_label(r, ind) if visible else _short(ind.given_name, ind.family_name),
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
        "name": _short(ind.given_name, ind.family_name),
        "sex": ind.sex,
        "year_of_birth": ind.date_of_birth.year,
        "site_code": site_code,
        "status": ind.status,
        "tracing_consent": "tracing" in (ind.consent_purposes or []),
    }
    if stage in ("confirmed", "verified"):
        card.update(
            individual_id=ind.id,
            name=_display(
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
            card["name"] = _short(registered.given_name, registered.family_name)
            card["registered_ref"] = registered.ref
        else:
            card["name"] = _short(
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
        card["name"] = _short(
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
            person=p,
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
    events = list(
        session.scalars(
            select(TracingEvent)
            .where(TracingEvent.request_id == request.id)
            .order_by(TracingEvent.recorded_at, TracingEvent.id)
        )
    )
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
        request=request,
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


# ---------------------------------------------------------------------------------------------
# export

EXPORT_COLUMNS = (
    "ref",
    "status",
    "lodged_on",
    "site",
    "enquirer",
    "enquirer_registered_ref",
    "consent_given_by",
    "consent_date",
    "consent_withdrawn",
    "sought",
    "pending_candidates",
    "assigned_to",
    "closed_at",
    "closure_reason",
)


def export_requests(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    operation_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Every request the caller may see, one row each (the columns of `EXPORT_COLUMNS`); audited."""
    policy.require_any_view(actor)
    stmt = _filtered(actor, status=status, q=None, operation_id=operation_id).order_by(TracingRequest.ref)
    requests = list(session.scalars(stmt))
    summaries = {s.id: s for s in _summaries(session, requests)}
    enq_ids = [r.enquirer_individual_id for r in requests if r.enquirer_individual_id]
    refs = (
        dict(session.execute(select(Individual.id, Individual.ref).where(Individual.id.in_(enq_ids))).all())
        if enq_ids
        else {}
    )
    rows = []
    for r in requests:
        s = summaries[r.id]
        rows.append(
            {
                "ref": r.ref,
                "status": r.status,
                "lodged_on": r.lodged_on.isoformat(),
                "site": s.site_code,
                "enquirer": s.enquirer,
                "enquirer_registered_ref": refs.get(r.enquirer_individual_id, "")
                if r.enquirer_individual_id
                else "",
                "consent_given_by": r.consent_given_by,
                "consent_date": r.consent_date.isoformat(),
                "consent_withdrawn": "yes" if r.consent_withdrawn_at else "no",
                "sought": "; ".join(s.sought),
                "pending_candidates": s.pending_candidates,
                "assigned_to": r.assigned_to or "",
                "closed_at": r.closed_at.isoformat(timespec="seconds") if r.closed_at else "",
                "closure_reason": r.closure_reason or "",
            }
        )
    audit.record(
        session,
        actor=actor,
        action="tracing.export",
        object_type="tracing_request",
        details={"rows": len(rows), "refs": [r["ref"] for r in rows][:1000]},
    )
    return rows


def candidate_request_id(session: Session, *, actor: Principal, candidate_id: uuid.UUID) -> uuid.UUID:
    """The request a candidate belongs to (NotFound outside the caller's scope)."""
    c = session.get(TracingCandidate, candidate_id)
    if c is None:
        policy.require_view(actor, None)
        raise AssertionError("unreachable")
    policy.require_view(actor, session.get(TracingRequest, c.request_id))
    return c.request_id
