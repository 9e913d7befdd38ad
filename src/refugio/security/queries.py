"""Reads of the security layer that the channels need, as read models (security/schemas.py).

Must not import fastapi, jinja2 or typer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.security.models import RoleGrant, User
from refugio.security.schemas import UserRead


def list_users(session: Session) -> list[UserRead]:
    """Every user by username, with the roles granted (an installation-wide list: for the CLI)."""
    users = list(session.scalars(select(User).order_by(User.username)))
    roles: dict[object, list[str]] = {}
    for grant in session.scalars(select(RoleGrant)):
        roles.setdefault(grant.user_id, []).append(grant.role)
    return [
        UserRead(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            is_active=u.is_active,
            roles=roles.get(u.id, []),
        )
        for u in users
    ]
