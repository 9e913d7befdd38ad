"""Who may see and do what in the sharing domain.

* Indicators, keys and their sensitivity are public figures: reading them needs SHARING_VIEW anywhere;
  importing indicators needs SHARING_MANAGE everywhere (they are global data).
* A pledge that supports an operation is read with SHARING_VIEW and written with SHARING_MANAGE for that
  operation; a global pledge (no operation) needs the permission everywhere. `pledge_clause` puts the
  same rule in the SQL of lists.
Imports refugio.registration.queries (scope_clause), security and core.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement

from refugio.core.errors import PermissionDenied
from refugio.registration.queries import scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission


def require_view(actor: Principal) -> None:
    if not actor.can_anywhere(P.SHARING_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {P.SHARING_VIEW.value}")


def require_manage(actor: Principal) -> None:
    """Global data (indicators): SHARING_MANAGE everywhere."""
    actor.require(P.SHARING_MANAGE)


def require_pledge(actor: Principal, permission: Permission, operation_id: uuid.UUID | None) -> None:
    actor.require(permission, operation_id=operation_id)


def can_manage_pledge(actor: Principal, operation_id: uuid.UUID | None) -> bool:
    return actor.can(P.SHARING_MANAGE, operation_id=operation_id)


def pledge_clause(actor: Principal, operation_col: object) -> ColumnElement[bool]:
    """Pledges visible to `actor`: those of the operations where it holds SHARING_VIEW; global pledges
    (operation NULL) only with a global grant."""
    return scope_clause(actor, P.SHARING_VIEW, operation_col, operation_col)
