"""The security channel of the API: tokens (exchange a username and password for a bearer token; revoke
the calling token) and the audit log (verify its hash chain, an administrator's function: AUDIT_VERIFY).

Sign-in is throttled by security.service.authenticate (per user and per keyed hash of the client
address). A failed attempt is committed before the 401 is returned, so that throttling counts it.
Imports fastapi, refugio.api and refugio.security; never a domain's models nor sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.api.deps import API_PURPOSE, Caller, Db, container_of, current_token_id
from refugio.api.problems import responses
from refugio.core.errors import AuthenticationFailed, TooManyAttempts
from refugio.security import audit
from refugio.security import service as security
from refugio.security.permissions import Permission
from refugio.store.uow import unit_of_work

router = APIRouter(tags=["tokens"])
audit_router = APIRouter(tags=["audit"], responses=responses(401, 403))


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024, strip_whitespace=False)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(
        default="api", description="A label for the token, shown in the user's token list."
    )
    valid_days: int = Field(default=90, ge=1, le=365)


class TokenIssued(BaseModel):
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`. Shown once; only a hash is kept."
    )
    token_type: str = "bearer"  # noqa: S105 (the token scheme, not a secret)
    prefix: str
    expires_at: dt.datetime | None


class ChainReportOut(BaseModel):
    ok: bool
    entries: int
    problems: list[str]
    last_hash: str


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenIssued,
    responses=responses(401, 413, 415, 422, 429),
    summary="Exchange a username and password for an API token",
)
def issue_token(data: TokenRequest, request: Request) -> TokenIssued:
    container = container_of(request)
    client = security.client_hash(
        request.client.host if request.client else "unknown", container.keyring.session_key()
    )
    failure: AuthenticationFailed | None = None
    issued: TokenIssued | None = None
    with unit_of_work(container.sessions) as session:  # the request's one unit of work
        try:
            user = security.authenticate(
                session, username=data.username, password=data.password, client=client
            )
        except TooManyAttempts:
            raise
        except AuthenticationFailed as exc:
            failure = exc  # leave the block normally: the failed attempt is committed
        else:
            actor = security.principal_for(session, user, purpose=API_PURPOSE)
            secret, row = security.issue_api_token(
                session, actor=actor, user=user, name=data.name, valid_days=data.valid_days
            )
            issued = TokenIssued(token=secret, prefix=row.prefix, expires_at=row.expires_at)
    if failure is not None:
        raise failure
    assert issued is not None
    return issued


@router.delete(
    "/tokens/current",
    status_code=204,
    responses=responses(401),
    summary="Revoke the token used for this request",
)
def revoke_current_token(
    session: Db, principal: Caller, token_id: Annotated[uuid.UUID, Depends(current_token_id)]
) -> Response:
    security.revoke_api_token(session, actor=principal, token_id=token_id)
    return Response(status_code=204)


@audit_router.get(
    "/audit/verify",
    response_model=ChainReportOut,
    summary="Recompute the audit log's hash chain and report altered or deleted entries",
)
def verify_audit_chain(session: Db, principal: Caller) -> ChainReportOut:
    principal.require(Permission.AUDIT_VERIFY)
    report = audit.verify_chain(session)
    return ChainReportOut(
        ok=report.ok, entries=report.entries, problems=report.problems, last_hash=report.last_hash
    )
