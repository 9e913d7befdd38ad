"""Who may be put in charge of a tracing request: the active users whose grants let them manage it
(TRACING_MANAGE at its operation and site) — the choices offered when assigning its caseworker.
Re-exported by refugio.protection.tracing.queries.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.protection.tracing.models import TracingRequest
from refugio.security.models import RoleGrant, User
from refugio.security.permissions import ROLE_PERMISSIONS, Permission, Role
from refugio.security.principals import Principal


def eligible_caseworkers(
    session: Session, *, actor: Principal, request: TracingRequest
) -> list[tuple[str, str]]:
    """(user name, full name) of the active users who may manage `request`, by user name. Only a
    caller who may manage it sees the list; global grants (administrators) are not offered."""
    if not actor.can(Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id):
        return []
    from refugio.security import service as security

    roles = [r.value for r in Role if Permission.TRACING_MANAGE in ROLE_PERMISSIONS[r]]
    users = session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.operation_id == request.operation_id,
            RoleGrant.role.in_(roles),
            User.is_active.is_(True),
        )
        .distinct()
        .order_by(User.username)
    ).all()
    return [
        (u.username, u.full_name or u.username)
        for u in users
        if security.principal_for(session, u).can(
            Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id
        )
    ]


def caseworker_choices(session: Session, *, actor: Principal, request_id: uuid.UUID) -> list[tuple[str, str]]:
    from refugio.protection.tracing.queries import find_request

    return eligible_caseworkers(session, actor=actor, request=find_request(session, actor, request_id))


__all__ = ["caseworker_choices", "eligible_caseworkers"]
