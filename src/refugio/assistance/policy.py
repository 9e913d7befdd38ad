"""Who may do what in assistance: the permission checks (scoped to the programme's operation, or the
household's site at the desk) and the segregation of duties on a payment plan — the preparer, the
approvers and the releaser are different people.

Imports refugio.security and core only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import ROLE_PERMISSIONS, Permission
from refugio.security.principals import Principal

P = Permission


def may_view(actor: Principal, operation_id: uuid.UUID, permission: Permission = P.ASSISTANCE_VIEW) -> bool:
    """Holds `permission` for the operation or for one of its sites."""
    return any(
        permission in ROLE_PERMISSIONS[g.role] and g.operation_id in (None, operation_id)
        for g in actor.grants
    )


def require_view(actor: Principal, operation_id: uuid.UUID) -> None:
    if not may_view(actor, operation_id):
        raise PermissionDenied(f"{actor.label} lacks {P.ASSISTANCE_VIEW.value} for this operation")


def require_approver(actor: Principal, *, operation_id: uuid.UUID, prepared_by: str, plan_code: str) -> None:
    """An approver holds ASSISTANCE_APPROVE and did not prepare the plan."""
    actor.require(P.ASSISTANCE_APPROVE, operation_id=operation_id)
    if actor.label == prepared_by:
        raise PermissionDenied(f"plan {plan_code}: {actor.label} prepared it and may not approve it")


def require_releaser(
    actor: Principal, *, operation_id: uuid.UUID, prepared_by: str, approvers: Iterable[str], plan_code: str
) -> None:
    """A releaser holds ASSISTANCE_RELEASE and neither prepared nor approved the plan."""
    actor.require(P.ASSISTANCE_RELEASE, operation_id=operation_id)
    if actor.label == prepared_by:
        raise PermissionDenied(f"plan {plan_code}: {actor.label} prepared it and may not release it")
    if actor.label in set(approvers):
        raise PermissionDenied(f"plan {plan_code}: {actor.label} approved it and may not release it")
