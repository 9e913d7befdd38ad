"""Who may handle data subject rights: reading the register of requests needs RIGHTS_VIEW anywhere (it
carries references, states and deadlines); handling a request reads or changes one person's whole record,
whatever the site, so RIGHTS_MANAGE (and RIGHTS_ERASE to erase) are needed everywhere."""

from __future__ import annotations

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission


def require_view(actor: Principal) -> None:
    if not actor.can_anywhere(P.RIGHTS_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {P.RIGHTS_VIEW.value}")


def _everywhere(actor: Principal, permission: Permission) -> None:
    if not actor.scope(permission).everything:
        raise PermissionDenied(f"{actor.label} lacks {permission.value} for every operation")


def require_manage(actor: Principal) -> None:
    _everywhere(actor, P.RIGHTS_MANAGE)


def require_erase(actor: Principal) -> None:
    _everywhere(actor, P.RIGHTS_ERASE)


def can_view(actor: Principal) -> bool:
    return actor.can_anywhere(P.RIGHTS_VIEW)


def can_manage(actor: Principal) -> bool:
    return actor.scope(P.RIGHTS_MANAGE).everything


def can_erase(actor: Principal) -> bool:
    return actor.scope(P.RIGHTS_ERASE).everything
