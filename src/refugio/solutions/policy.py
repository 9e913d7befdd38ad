"""Who may see and do what in durable solutions, in one place.

**Matching runs** belong to an operation: SOLUTIONS_VIEW there to read them, MATCHING_RUN to propose a
run and change proposed placements, MATCHING_CONFIRM to review and confirm. Confirmation is a person's
act: the system principal never confirms.

**An RSD file** (members, interviews, assessments, decisions, appeal, history) is read only by a user
*assigned* to the claim while holding the permission of their assignment for the claim's site: an
`officer` (RSD_PROCESS), a `reviewer` (RSD_REVIEW), an `appeal_officer` (RSD_DECIDE). Holders of
RSD_REVIEW for the site see the register (reference, stage, dates, who is assigned; never names) and
assign staff. Administrators therefore see the register, not the file, unless assigned, as for
protection cases. A second-officer review is by a reviewer other than the assessment's author; an
appeal is decided by an appeal officer other than the first-instance decision maker.

Enforced here for loaded rows (`access_of`, `require_*`) and as SQL conditions for lists
(`detail_clause`, `register_clause`). Imports registration.queries (scope_clause), security, store, core.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session, aliased

from refugio.core.errors import NotFound, PermissionDenied
from refugio.registration.queries import scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.models import RsdAssignment, RsdClaim

P = Permission

ROLE_PERMISSION = {"officer": P.RSD_PROCESS, "reviewer": P.RSD_REVIEW, "appeal_officer": P.RSD_DECIDE}


# --- matching ----------------------------------------------------------------------------------------


def require_view(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(P.SOLUTIONS_VIEW, operation_id=operation_id)


def require_run(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(P.MATCHING_RUN, operation_id=operation_id)


def require_confirm(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(P.MATCHING_CONFIRM, operation_id=operation_id)
    if actor.user_id is None:
        raise PermissionDenied("placements are confirmed by a person, not by the system account")


def require_change(actor: Principal, operation_id: uuid.UUID) -> None:
    if not (
        actor.can(P.MATCHING_RUN, operation_id=operation_id)
        or actor.can(P.MATCHING_CONFIRM, operation_id=operation_id)
    ):
        raise PermissionDenied(f"{actor.label} lacks {P.MATCHING_RUN.value}")


def runs_clause(actor: Principal, operation_col: object) -> ColumnElement[bool]:
    return scope_clause(actor, P.SOLUTIONS_VIEW, operation_col, operation_col)


# --- status determination ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = frozenset()
    register: bool = False

    @property
    def file(self) -> bool:
        return bool(self.roles)


def access_of(session: Session, actor: Principal, claim: RsdClaim) -> Access:
    roles: set[str] = set()
    if actor.user_id is not None:
        roles = set(
            session.scalars(
                select(RsdAssignment.role).where(
                    RsdAssignment.claim_id == claim.id,
                    RsdAssignment.user_id == actor.user_id,
                    RsdAssignment.active.is_(True),
                )
            )
        )
    scope = {"operation_id": claim.operation_id, "site_id": claim.site_id}
    held = frozenset(r for r in roles if actor.can(ROLE_PERMISSION[r], **scope))
    return Access(roles=held, register=actor.can(P.RSD_REVIEW, **scope))


def require_file(session: Session, actor: Principal, claim: RsdClaim) -> Access:
    """The actor may read the claim's file; else PermissionDenied (register view) or NotFound."""
    access = access_of(session, actor, claim)
    if access.file:
        return access
    if access.register:
        raise PermissionDenied(f"claim {claim.ref}: the file is read only by the staff assigned to it")
    raise NotFound("no such claim")


def require_role(session: Session, actor: Principal, claim: RsdClaim, role: str, what: str) -> Access:
    access = require_file(session, actor, claim)
    if role not in access.roles:
        raise PermissionDenied(
            f"claim {claim.ref}: only its assigned {role.replace('_', ' ')} may {what} "
            f"({ROLE_PERMISSION[role].value})"
        )
    return access


def require_register(session: Session, actor: Principal, claim: RsdClaim) -> None:
    """May assign staff to this claim (RSD_REVIEW for its site)."""
    if actor.can(P.RSD_REVIEW, operation_id=claim.operation_id, site_id=claim.site_id):
        return
    require_file(session, actor, claim)
    raise PermissionDenied(f"claim {claim.ref}: staff are assigned by an RSD supervisor (RSD_REVIEW)")


def require_open(actor: Principal, *, operation_id: uuid.UUID, site_id: uuid.UUID) -> None:
    if not (
        actor.can(P.RSD_PROCESS, operation_id=operation_id, site_id=site_id)
        or actor.can(P.RSD_REVIEW, operation_id=operation_id, site_id=site_id)
    ):
        raise PermissionDenied(f"{actor.label} may not open claims here (RSD_PROCESS needed)")


def may_hold(principal: Principal, role: str, claim: RsdClaim) -> bool:
    return principal.user_id is not None and principal.can(
        ROLE_PERMISSION[role], operation_id=claim.operation_id, site_id=claim.site_id
    )


def detail_clause(actor: Principal) -> ColumnElement[bool]:
    """Claims whose file `actor` may read."""
    if actor.user_id is None:
        return false()
    mine = aliased(RsdAssignment)
    return exists(
        select(mine.id).where(
            mine.claim_id == RsdClaim.id,
            mine.user_id == actor.user_id,
            mine.active.is_(True),
            or_(
                *(
                    and_(
                        mine.role == role, scope_clause(actor, perm, RsdClaim.operation_id, RsdClaim.site_id)
                    )
                    for role, perm in ROLE_PERMISSION.items()
                )
            ),
        )
    )


def register_clause(actor: Principal) -> ColumnElement[bool]:
    return scope_clause(actor, P.RSD_REVIEW, RsdClaim.operation_id, RsdClaim.site_id)


def figures_clause(actor: Principal) -> ColumnElement[bool]:
    """Claims counted in the figures `actor` may see (aggregates only): SOLUTIONS_VIEW scope."""
    return scope_clause(actor, P.SOLUTIONS_VIEW, RsdClaim.operation_id, RsdClaim.site_id)
