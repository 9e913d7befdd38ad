"""Route dependencies: the container, ONE unit of work per request, and the authenticated principal.

`Db` opens the request's unit of work around the route function (committed when it returns, rolled
back if it raises, and in both cases before the response is sent). `Caller` resolves the bearer
token to a principal inside that same unit of work. Permission checks stay in the services.

Imports fastapi, sqlalchemy, refugio.security and refugio.store; refugio.main only for type checking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from refugio.core.errors import AuthenticationFailed, NotFound
from refugio.security import service as security
from refugio.security.principals import Principal
from refugio.store.uow import Session, unit_of_work

if TYPE_CHECKING:
    from refugio.main import Container

API_PURPOSE = "registration"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="opaque",
    description="An API token from `POST /api/v1/tokens`, sent as `Authorization: Bearer <token>`.",
)


def container_of(request: Request) -> Container:
    return cast("Container", request.app.state.container)


def open_unit_of_work(request: Request) -> Iterator[Session]:
    """The request's unit of work, `immediate`: every API request writes (its token's last use), so on
    SQLite it takes the write lock at its first statement rather than read a snapshot that another
    request's commit would make stale (refused with a 503); PostgreSQL is not affected."""
    with unit_of_work(container_of(request).sessions, immediate=True) as session:
        yield session


Db = Annotated[Session, Depends(open_unit_of_work, scope="function")]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def bearer_secret(credentials: Credentials) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed(
            "send an API token as 'Authorization: Bearer <token>' (POST /api/v1/tokens issues one)"
        )
    return credentials.credentials


Secret = Annotated[str, Depends(bearer_secret)]


def current_principal(session: Db, secret: Secret) -> Principal:
    """The principal of the bearer token (401 if missing, unknown, expired, revoked or its user disabled)."""
    user = security.resolve_api_token(session, secret)
    return security.principal_for(session, user, purpose=API_PURPOSE)


Caller = Annotated[Principal, Depends(current_principal)]


def current_token_id(session: Db, secret: Secret) -> uuid.UUID:
    """The id of the calling token."""
    row = security.api_token_for(session, secret)
    if row is None:
        raise NotFound("no such token")
    return row.id


def location(request: Request, route_name: str, **params: str) -> str:
    """Absolute URL of an API route (for Location headers), wherever the API is mounted."""
    path = str(request.scope.get("root_path", "")).rstrip("/") + str(
        request.app.url_path_for(route_name, **params)
    )
    return str(request.url.replace(path=path, query=""))


def parse_id(value: str, what: str) -> uuid.UUID:
    """A path segment as a UUID; anything else is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"no such {what}") from None
