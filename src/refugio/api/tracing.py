"""Family tracing API: tracing requests (who is looking for whom, with tracing consent), matching
against registered people and other requests with ranked candidates and their reasons, the review,
verification and reunification steps, closure, consent withdrawal, the list, search and CSV export.

Permissions (checked by refugio.protection.tracing): TRACING_VIEW for the request's operation or site
to read — a request outside the caller's scope answers 404 —, TRACING_MANAGE to write. Every read of
a request, list, search and export is audited. A request is addressed by its id or its reference
(`TR-JOR-26-000012`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.protection.tracing import queries, service
from refugio.protection.tracing.enums import RequestStatus
from refugio.protection.tracing.schemas import (
    AssignIn,
    CandidateReview,
    ClosureIn,
    ReasonIn,
    RequestCreate,
    ReunificationIn,
    VerificationIn,
)
from refugio.security.principals import Principal

router = APIRouter(prefix="/tracing", tags=["family tracing"], responses=responses(401, 403, 404, 422))


class ReasonOut(BaseModel):
    field: str
    level: str
    weight: float
    text: str = Field(
        description="The contribution in words, e.g. `family name: same name, other spelling (+4.6)`."
    )


class CandidateOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(
        description="`registered` person, `enquirer` of another request, or `sought` by another."
    )
    status: str = Field(description="pending, confirmed, verified or rejected.")
    weight: float = Field(description="Sum of the per-field weights (log2 Bayes factors).")
    strength: str = Field(description="possible, likely or strong.")
    reciprocal: bool = Field(description="The other side is looking for this request's enquirer.")
    reasons: list[ReasonOut]
    card: dict[str, Any] = Field(
        description="What may be shown of the candidate at this stage: minimal until confirmed at review."
    )
    revealed: bool
    reviewed_by: str | None
    review_reason: str | None


class SoughtOut(BaseModel):
    id: uuid.UUID
    position: int
    label: str
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    other_names: str | None
    sex: str | None
    date_of_birth: str | None
    age: int | None
    age_on: dt.date | None
    relationship: str
    country_of_origin: str | None
    place_of_origin: str | None
    place_last_seen: str | None
    date_of_separation: str | None
    separation_circumstances: str | None
    found: str | None = Field(description="Who the person was found to be (a person's or a request's ID).")
    candidates: list[CandidateOut]


class ConsentOut(BaseModel):
    given_by: str
    date: dt.date
    recorded_by: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str | None


class EventOut(BaseModel):
    event_type: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    summary: str
    details: dict[str, Any]


class RequestOut(BaseModel):
    id: uuid.UUID
    ref: str
    status: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    site_code: str
    lodged_on: dt.date
    enquirer: dict[str, Any]
    consent: ConsentOut
    assigned_to: str | None
    case_id: uuid.UUID | None
    notes: str | None
    last_matched_at: dt.datetime | None
    closure_reason: str | None
    version: int
    sought: list[SoughtOut]
    events: list[EventOut]


class RequestSummaryOut(BaseModel):
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


class RequestListOut(BaseModel):
    total: int
    items: list[RequestSummaryOut]


class MatchOut(BaseModel):
    candidates: int = Field(description="Candidates waiting for review after the run.")
    new: int
    by_kind: dict[str, int]
    index_lag: int = Field(
        description="Registration changes the dedup index had not taken in (scored anyway)."
    )
    request: RequestOut


def _out(view: queries.RequestView) -> RequestOut:
    r = view.request
    return RequestOut(
        id=r.id,
        ref=r.ref,
        status=r.status,
        operation_id=r.operation_id,
        site_id=r.site_id,
        site_code=view.site_code,
        lodged_on=r.lodged_on,
        enquirer={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in view.enquirer.items()},
        consent=ConsentOut(
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
        sought=[
            SoughtOut(
                id=s.person.id,
                position=s.person.position,
                label=s.label,
                given_name=s.person.given_name,
                middle_name=s.person.middle_name,
                family_name=s.person.family_name,
                given_name_original=s.person.given_name_original,
                middle_name_original=s.person.middle_name_original,
                family_name_original=s.person.family_name_original,
                other_names=s.person.other_names,
                sex=s.person.sex,
                date_of_birth=s.person.date_of_birth,
                age=s.person.age,
                age_on=s.person.age_on,
                relationship=s.person.relationship,
                country_of_origin=s.person.country_of_origin,
                place_of_origin=s.person.place_of_origin,
                place_last_seen=s.person.place_last_seen,
                date_of_separation=s.person.date_of_separation,
                separation_circumstances=s.person.separation_circumstances,
                found=s.found,
                candidates=[
                    CandidateOut(
                        id=c.id,
                        kind=c.kind,
                        status=c.status,
                        weight=c.weight,
                        strength=c.strength,
                        reciprocal=c.reciprocal,
                        reasons=[ReasonOut.model_validate(x) for x in c.reasons],
                        card={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in c.card.items()},
                        revealed=c.revealed,
                        reviewed_by=c.reviewed_by,
                        review_reason=c.review_reason,
                    )
                    for c in s.candidates
                ],
            )
            for s in view.sought
        ],
        events=[
            EventOut(
                event_type=e.event_type,
                occurred_on=e.occurred_on,
                recorded_at=e.recorded_at,
                recorded_by=e.recorded_by,
                summary=e.summary,
                details=e.details or {},
            )
            for e in view.events
        ],
    )


def _request_id(session: Db, principal: Principal, key: str) -> uuid.UUID:
    return queries.find_request(session, principal, key).id


def _view(session: Db, principal: Principal, request_id: uuid.UUID) -> RequestOut:
    return _out(queries.get_request(session, actor=principal, key=request_id))


@router.get(
    "/requests", response_model=RequestListOut, summary="Tracing requests in your scope, newest first"
)
def list_requests(
    session: Db,
    principal: Caller,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Reference or names, either script.")] = None,
    operation_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestListOut:
    """The search is audited like every read. Prefer `POST /tracing/requests/search` for names: query
    strings are written to access logs."""
    items, total = queries.list_requests(
        session,
        actor=principal,
        status=status_.value if status_ else None,
        q=q,
        operation_id=operation_id,
        limit=limit,
        offset=offset,
    )
    return RequestListOut(
        total=total, items=[RequestSummaryOut.model_validate(i, from_attributes=True) for i in items]
    )


class SearchIn(BaseModel):
    q: Annotated[str, Field(min_length=1, max_length=200, description="Reference or names, either script.")]
    status: RequestStatus | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


@router.post(
    "/requests/search", response_model=RequestListOut, summary="Search tracing requests by name or ID"
)
def search_requests(data: SearchIn, session: Db, principal: Caller) -> RequestListOut:
    items, total = queries.list_requests(
        session,
        actor=principal,
        status=data.status.value if data.status else None,
        q=data.q,
        limit=data.limit,
    )
    return RequestListOut(
        total=total, items=[RequestSummaryOut.model_validate(i, from_attributes=True) for i in items]
    )


@router.get(
    "/requests/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per request in your scope."}},
    summary="Export the tracing requests in your scope as CSV (audited)",
)
def export_requests(
    session: Db,
    principal: Caller,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    operation_id: uuid.UUID | None = None,
) -> Response:
    rows = queries.export_requests(
        session, actor=principal, status=status_.value if status_ else None, operation_id=operation_id
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(queries.EXPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tracing-requests.csv"'},
    )


@router.post(
    "/requests",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open a tracing request (tracing consent required)",
)
def open_request(data: RequestCreate, session: Db, principal: Caller) -> RequestOut:
    """Refused with 422 naming each wrong field; without tracing consent (`consent.given: true` and
    `consent.given_by`) there is no request."""
    request = service.open_request(session, actor=principal, data=data)
    return _view(session, principal, request.id)


@router.get(
    "/requests/{key}", response_model=RequestOut, summary="One request: sought people, candidates, history"
)
def get_request(key: str, session: Db, principal: Caller) -> RequestOut:
    return _out(queries.get_request(session, actor=principal, key=key))


@router.post(
    "/requests/{key}/match",
    response_model=MatchOut,
    responses=responses(409),
    summary="Match against registered people and other requests: ranked candidates with reasons",
)
def match(key: str, session: Db, principal: Caller) -> MatchOut:
    run = service.match_request(session, actor=principal, request_id=_request_id(session, principal, key))
    return MatchOut(
        candidates=run.candidates,
        new=run.new,
        by_kind=run.by_kind,
        index_lag=run.index_lag,
        request=_view(session, principal, run.request.id),
    )


@router.post(
    "/candidates/{candidate_id}/review",
    response_model=RequestOut,
    responses=responses(409),
    summary="Confirm a candidate for verification, or reject it (kept: never raised again)",
)
def review(candidate_id: str, data: CandidateReview, session: Db, principal: Caller) -> RequestOut:
    cid = parse_id(candidate_id, "candidate")
    request_id = queries.candidate_request_id(session, actor=principal, candidate_id=cid)
    service.review_candidate(
        session, actor=principal, candidate_id=cid, decision=data.decision, reason=data.reason
    )
    return _view(session, principal, request_id)


@router.post(
    "/requests/{key}/verification",
    response_model=RequestOut,
    responses=responses(409),
    summary="Record the verification interview of a confirmed candidate",
)
def verification(key: str, data: VerificationIn, session: Db, principal: Caller) -> RequestOut:
    request = service.record_verification(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/reunification",
    response_model=RequestOut,
    responses=responses(409),
    summary="Record the reunification (date, place, outcome); closes the request",
)
def reunification(key: str, data: ReunificationIn, session: Db, principal: Caller) -> RequestOut:
    request = service.record_reunification(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/close",
    response_model=RequestOut,
    responses=responses(409),
    summary="Close the request, or close it as not found",
)
def close(key: str, data: ClosureIn, session: Db, principal: Caller) -> RequestOut:
    request = service.close_request(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/reopen",
    response_model=RequestOut,
    responses=responses(409),
    summary="Search again for a request closed as not found",
)
def reopen(key: str, data: ReasonIn, session: Db, principal: Caller) -> RequestOut:
    request = service.reopen_request(
        session, actor=principal, request_id=_request_id(session, principal, key), reason=data.reason
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/withdraw-consent",
    response_model=RequestOut,
    responses=responses(409),
    summary="Tracing consent withdrawn: matching stops and the request leaves all matches",
)
def withdraw_consent(key: str, data: ReasonIn, session: Db, principal: Caller) -> RequestOut:
    request = service.withdraw_consent(
        session, actor=principal, request_id=_request_id(session, principal, key), reason=data.reason
    )
    return _view(session, principal, request.id)


@router.post("/requests/{key}/assign", response_model=RequestOut, summary="Assign a caseworker")
def assign(key: str, data: AssignIn, session: Db, principal: Caller) -> RequestOut:
    request = service.assign_request(
        session, actor=principal, request_id=_request_id(session, principal, key), username=data.username
    )
    return _view(session, principal, request.id)
