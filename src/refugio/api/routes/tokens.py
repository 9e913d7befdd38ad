"""API tokens: exchange a username and password for a bearer token; revoke the calling token.

Sign-in is throttled by security.service.authenticate (per user and per keyed hash of the client
address). A failed attempt is committed before the 401 is returned, so that throttling counts it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from refugio.api.deps import API_PURPOSE, Caller, Db, container_of, current_token_id
from refugio.api.problems import responses
from refugio.api.schemas import TokenIssued, TokenRequest
from refugio.core.errors import AuthenticationFailed, TooManyAttempts
from refugio.security import service as security
from refugio.store.uow import unit_of_work

router = APIRouter(tags=["tokens"])


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
