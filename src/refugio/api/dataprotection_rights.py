"""Data subject rights (/api/v1/dataprotection/requests…): record a request of access, correction or
erasure (its deadline `REFUGIO_RIGHTS_DEADLINE_DAYS` after receipt), verify the requester's identity,
decide on sensitive narratives, download the access report (JSON or PDF in the person's language, each
download audited), apply a correction, carry out an erasure (refused with the reason while the record
must be kept), refuse; the register with filters and the overdue requests; what an erased reference
resolves to. Permissions (checked by refugio.dataprotection.rights): RIGHTS_VIEW to read the register,
RIGHTS_MANAGE everywhere to handle requests, RIGHTS_ERASE everywhere to erase."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from refugio.api.deps import Caller, Db, container_of
from refugio.api.problems import responses
from refugio.core.errors import NotFound
from refugio.dataprotection.rights import queries, service
from refugio.dataprotection.rights.enums import RequestKind, RequestStatus
from refugio.dataprotection.rights.schemas import (
    IdentityVerification,
    Refusal,
    RightsRequestCreate,
    RightsRequestRead,
    SensitiveDecision,
    TombstoneRead,
)

router = APIRouter(prefix="/dataprotection", tags=["data subject rights"], responses=responses(401, 403, 422))
ONE = responses(404, 409)


@router.get("/requests", response_model=list[RightsRequestRead])
def list_requests(
    session: Db,
    actor: Caller,
    status: RequestStatus | None = None,
    kind: RequestKind | None = None,
    overdue: bool = False,
    ref: str | None = None,
) -> list[RightsRequestRead]:
    """The requests, open ones first by deadline; `overdue=true`: only the open ones past it; `ref`: a
    person's requests (their reference) or one request (its reference)."""
    return queries.requests(session, actor=actor, status=status, kind=kind, overdue=overdue, ref=ref)


@router.post("/requests", response_model=RightsRequestRead, status_code=201, responses=responses(404))
def create_request(
    request: Request, session: Db, actor: Caller, body: RightsRequestCreate
) -> RightsRequestRead:
    """Record a request as received (a correction names its fields and new values)."""
    days = container_of(request).settings.rights_deadline_days
    return service.create_request(session, actor=actor, data=body, deadline_days=days)


@router.get("/requests/{key}", response_model=RightsRequestRead, responses=responses(404))
def get_request(session: Db, actor: Caller, key: str) -> RightsRequestRead:
    """One request (by id or reference) with its steps: who did what, when."""
    return queries.request(session, actor=actor, request_id=queries.find_id(session, key))


@router.post("/requests/{key}/verify", response_model=RightsRequestRead, responses=ONE)
def verify_identity(session: Db, actor: Caller, key: str, body: IdentityVerification) -> RightsRequestRead:
    """Record how the requester's identity was verified (needed before anything is handed over)."""
    return service.verify_identity(session, actor=actor, request_id=queries.find_id(session, key), data=body)


@router.post("/requests/{key}/sensitive", response_model=RightsRequestRead, responses=ONE)
def decide_sensitive(session: Db, actor: Caller, key: str, body: SensitiveDecision) -> RightsRequestRead:
    """The DPO's decision whether sensitive narratives go into the access report (the person's own
    request only), with its legal ground."""
    return service.decide_sensitive(session, actor=actor, request_id=queries.find_id(session, key), data=body)


@router.post("/requests/{key}/refuse", response_model=RightsRequestRead, responses=ONE)
def refuse(session: Db, actor: Caller, key: str, body: Refusal) -> RightsRequestRead:
    return service.refuse(session, actor=actor, request_id=queries.find_id(session, key), data=body)


@router.get(
    "/requests/{key}/report",
    responses={
        **ONE,
        200: {
            "description": "The access report: JSON, or the PDF in the person's language.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
    },
)
def access_report(session: Db, actor: Caller, key: str, format: Literal["json", "pdf"] = "json") -> Response:
    """Everything held about the person, with who read or changed their record (audited download)."""
    name, content, media = service.access_report(
        session, actor=actor, request_id=queries.find_id(session, key), fmt=format
    )
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/requests/{key}/complete", response_model=RightsRequestRead, responses=ONE)
def complete_access(session: Db, actor: Caller, key: str) -> RightsRequestRead:
    """Close an access request once its report was handed over."""
    return service.complete_access(session, actor=actor, request_id=queries.find_id(session, key))


@router.post("/requests/{key}/correct", response_model=RightsRequestRead, responses=ONE)
def apply_correction(session: Db, actor: Caller, key: str) -> RightsRequestRead:
    """Apply a correction request through the registration service; refused fields are named."""
    return service.apply_correction(session, actor=actor, request_id=queries.find_id(session, key))


@router.post("/requests/{key}/erase", response_model=RightsRequestRead, responses=ONE)
def erase(session: Db, actor: Caller, key: str) -> RightsRequestRead:
    """Carry an erasure request out, or refuse it with the reason the record must be kept."""
    return service.erase(session, actor=actor, request_id=queries.find_id(session, key))


@router.get("/tombstones/{ref}", response_model=TombstoneRead, responses=responses(404))
def tombstone(session: Db, actor: Caller, ref: str) -> TombstoneRead:
    """What an erased person's or household's reference resolves to."""
    found = queries.tombstone(session, actor=actor, ref=ref)
    if found is None:
        raise NotFound(f"{ref} was not erased")
    return found


__all__ = ["router"]
