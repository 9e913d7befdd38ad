"""Family tracing API: tracing requests (who is looking for whom, with tracing consent), matching
against registered people and other requests with ranked candidates and their reasons, the review,
verification and reunification steps, closure, consent withdrawal, the list, search and CSV export.

Permissions (checked by refugio.protection.tracing): TRACING_VIEW for the request's operation or site
to read — a request outside the caller's scope answers 404 —, TRACING_MANAGE to write. Every read of
a request, list, search and export is audited. A request is addressed by its id or its reference
(`TR-JOR-26-000012`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.protection.tracing import queries, service
from refugio.protection.tracing.enums import RequestStatus
from refugio.protection.tracing.schemas import (
    AssignIn,
    CandidateReview,
    ClosureIn,
    MatchRead,
    ReasonIn,
    RequestCreate,
    RequestListRead,
    RequestRead,
    ReunificationIn,
    SearchIn,
    VerificationIn,
)
from refugio.security.principals import Principal

router = APIRouter(prefix="/tracing", tags=["family tracing"], responses=responses(401, 403, 404, 422))


def _request_id(session: Db, principal: Principal, key: str) -> uuid.UUID:
    return queries.request_id_of(session, actor=principal, key=key)


def _view(session: Db, principal: Principal, request_id: uuid.UUID) -> RequestRead:
    return queries.read_request(session, actor=principal, key=request_id)


@router.get(
    "/requests", response_model=RequestListRead, summary="Tracing requests in your scope, newest first"
)
def list_requests(
    session: Db,
    principal: Caller,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Reference or names, either script.")] = None,
    operation_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestListRead:
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
    return RequestListRead(total=total, items=items)


@router.post(
    "/requests/search", response_model=RequestListRead, summary="Search tracing requests by name or ID"
)
def search_requests(data: SearchIn, session: Db, principal: Caller) -> RequestListRead:
    items, total = queries.list_requests(
        session,
        actor=principal,
        status=data.status.value if data.status else None,
        q=data.q,
        limit=data.limit,
    )
    return RequestListRead(total=total, items=items)


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
    return Response(
        queries.export_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tracing-requests.csv"'},
    )


@router.post(
    "/requests",
    response_model=RequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open a tracing request (tracing consent required)",
)
def open_request(data: RequestCreate, session: Db, principal: Caller) -> RequestRead:
    """Refused with 422 naming each wrong field; without tracing consent (`consent.given: true` and
    `consent.given_by`) there is no request."""
    request = service.open_request(session, actor=principal, data=data)
    return _view(session, principal, request.id)


@router.get(
    "/requests/{key}", response_model=RequestRead, summary="One request: sought people, candidates, history"
)
def get_request(key: str, session: Db, principal: Caller) -> RequestRead:
    return queries.read_request(session, actor=principal, key=key)


@router.post(
    "/requests/{key}/match",
    response_model=MatchRead,
    responses=responses(409),
    summary="Match against registered people and other requests: ranked candidates with reasons",
)
def match(key: str, session: Db, principal: Caller) -> MatchRead:
    run = service.match_request(session, actor=principal, request_id=_request_id(session, principal, key))
    return MatchRead(
        candidates=run.candidates,
        new=run.new,
        by_kind=run.by_kind,
        index_lag=run.index_lag,
        request=_view(session, principal, run.request.id),
    )


@router.post(
    "/candidates/{candidate_id}/review",
    response_model=RequestRead,
    responses=responses(409),
    summary="Confirm a candidate for verification, or reject it (kept: never raised again)",
)
def review(candidate_id: str, data: CandidateReview, session: Db, principal: Caller) -> RequestRead:
    cid = parse_id(candidate_id, "candidate")
    request_id = queries.candidate_request_id(session, actor=principal, candidate_id=cid)
    service.review_candidate(
        session, actor=principal, candidate_id=cid, decision=data.decision, reason=data.reason
    )
    return _view(session, principal, request_id)


@router.post(
    "/requests/{key}/verification",
    response_model=RequestRead,
    responses=responses(409),
    summary="Record the verification interview of a confirmed candidate",
)
def verification(key: str, data: VerificationIn, session: Db, principal: Caller) -> RequestRead:
    request = service.record_verification(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/reunification",
    response_model=RequestRead,
    responses=responses(409),
    summary="Record the reunification (date, place, outcome); closes the request",
)
def reunification(key: str, data: ReunificationIn, session: Db, principal: Caller) -> RequestRead:
    request = service.record_reunification(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/close",
    response_model=RequestRead,
    responses=responses(409),
    summary="Close the request, or close it as not found",
)
def close(key: str, data: ClosureIn, session: Db, principal: Caller) -> RequestRead:
    request = service.close_request(
        session, actor=principal, request_id=_request_id(session, principal, key), data=data
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/reopen",
    response_model=RequestRead,
    responses=responses(409),
    summary="Search again for a request closed as not found",
)
def reopen(key: str, data: ReasonIn, session: Db, principal: Caller) -> RequestRead:
    request = service.reopen_request(
        session, actor=principal, request_id=_request_id(session, principal, key), reason=data.reason
    )
    return _view(session, principal, request.id)


@router.post(
    "/requests/{key}/withdraw-consent",
    response_model=RequestRead,
    responses=responses(409),
    summary="Tracing consent withdrawn: matching stops and the request leaves all matches",
)
def withdraw_consent(key: str, data: ReasonIn, session: Db, principal: Caller) -> RequestRead:
    request = service.withdraw_consent(
        session, actor=principal, request_id=_request_id(session, principal, key), reason=data.reason
    )
    return _view(session, principal, request.id)


@router.post("/requests/{key}/assign", response_model=RequestRead, summary="Assign a caseworker")
def assign(key: str, data: AssignIn, session: Db, principal: Caller) -> RequestRead:
    request = service.assign_request(
        session, actor=principal, request_id=_request_id(session, principal, key), username=data.username
    )
    return _view(session, principal, request.id)
