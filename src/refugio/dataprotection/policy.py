"""Who may do what in the data protection domain: the rules apply to every operation, so running them
and placing holds need the permission everywhere; reading reports and holds needs RETENTION_VIEW
anywhere (they carry references and counts, never a person's data)."""

from __future__ import annotations

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission


def require_view(actor: Principal) -> None:
    if not actor.can_anywhere(P.RETENTION_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {P.RETENTION_VIEW.value}")


def _everywhere(actor: Principal, permission: Permission) -> None:
    if not actor.scope(permission).everything:
        raise PermissionDenied(f"{actor.label} lacks {permission.value} for every operation")


def require_run(actor: Principal) -> None:
    _everywhere(actor, P.RETENTION_RUN)


def require_holds(actor: Principal) -> None:
    _everywhere(actor, P.LEGAL_HOLD_MANAGE)


def can_run(actor: Principal) -> bool:
    return actor.scope(P.RETENTION_RUN).everything


def can_hold(actor: Principal) -> bool:
    return actor.scope(P.LEGAL_HOLD_MANAGE).everything
