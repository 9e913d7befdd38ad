"""Who may see and do what with protection cases: the confidentiality rule, in one place.

**Case details** (narrative, people, assessments, plan, BIA/BID, tasks, referrals, history) are readable
only by a user *assigned* to the case, as
* a **caseworker** — an active assignment with role `caseworker`, while the user holds `CASE_MANAGE`
  for the case's site; or
* a **supervisor** — an active assignment with role `supervisor`, while the user holds
  `CASE_SUPERVISE` for the case's site.
A supervisor therefore sees the cases they are assigned to supervise, not every case of the workers
they oversee: supervision is explicit, per case, audited and visible in the case's history. Losing the
role (or the assignment) loses the access at once.

**Case metadata** (code, type, status, risk, site, dates, who is assigned; never the people, the
narrative or any record) is visible to holders of `CASE_SUPERVISE` for the case's site, so that cases
can be assigned and caseloads balanced. Administrators hold every permission, hence this metadata
view, but **not** the details unless assigned; an administrator who assigns themselves leaves that in
the case's history and the audit log. The system principal (the CLI without `--as`, the demo seeding)
is never assigned and never reads details.

**Approvals** (BIA, BID, closure) are given by an assigned supervisor who did not submit the record.

**Referral recipients** (`REFERRAL_RECEIVE`, and a member of the receiving service) see only what the
referral carries, never the case; a revoked referral disappears from their view.

Enforced here for loaded rows (`access_of`, `require_*`) and as SQL conditions for lists
(`detail_clause`, `metadata_clause`, `receiver_clause`), which refugio.protection.queries puts IN the
queries. Imports refugio.registration.queries (scope_clause), security, store and core.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session, aliased

from refugio.core.errors import NotFound, PermissionDenied
from refugio.protection.enums import AssignmentRole
from refugio.protection.models import (
    CaseAssignment,
    ProtectionCase,
    ProtectionService,
    Referral,
    ServiceMember,
)
from refugio.registration.queries import scope_clause
from refugio.security.permissions import ROLE_PERMISSIONS, Permission
from refugio.security.principals import Principal

P = Permission


@dataclass(frozen=True)
class Access:
    """What `actor` may do with one case."""

    caseworker: bool = False
    supervisor: bool = False
    metadata: bool = False  # the case register (CASE_SUPERVISE in scope)

    @property
    def details(self) -> bool:
        return self.caseworker or self.supervisor


def _scope(case: ProtectionCase) -> dict[str, uuid.UUID]:
    return {"operation_id": case.operation_id, "site_id": case.site_id}


def access_of(session: Session, actor: Principal, case: ProtectionCase) -> Access:
    """The actor's access to a loaded case (assignments read from the database)."""
    roles: set[str] = set()
    if actor.user_id is not None:
        roles = set(
            session.scalars(
                select(CaseAssignment.role).where(
                    CaseAssignment.case_id == case.id,
                    CaseAssignment.user_id == actor.user_id,
                    CaseAssignment.active.is_(True),
                )
            )
        )
    scope = _scope(case)
    return Access(
        caseworker=AssignmentRole.CASEWORKER in roles and actor.can(P.CASE_MANAGE, **scope),
        supervisor=AssignmentRole.SUPERVISOR in roles and actor.can(P.CASE_SUPERVISE, **scope),
        metadata=actor.can(P.CASE_SUPERVISE, **scope),
    )


def require_details(session: Session, actor: Principal, case: ProtectionCase) -> Access:
    """The actor may read the case's details; else NotFound (or PermissionDenied for the metadata view)."""
    access = access_of(session, actor, case)
    if access.details:
        return access
    if access.metadata:
        raise PermissionDenied(
            f"case {case.code}: details are visible only to its assigned caseworkers and supervisors"
        )
    raise NotFound("no such case")


def require_work(session: Session, actor: Principal, case: ProtectionCase) -> Access:
    """Assigned (caseworker or supervisor): may record on the case."""
    return require_details(session, actor, case)


def require_supervisor(
    session: Session, actor: Principal, case: ProtectionCase, *, submitted_by: str | None = None
) -> Access:
    """An assigned supervisor (CASE_SUPERVISE) other than the one who submitted what is approved."""
    access = require_details(session, actor, case)
    if not access.supervisor:
        raise PermissionDenied(f"case {case.code}: only an assigned supervisor may approve (CASE_SUPERVISE)")
    if submitted_by is not None and submitted_by == actor.label:
        raise PermissionDenied(f"case {case.code}: a record is approved by someone other than its author")
    return access


def require_register(
    actor: Principal, *, operation_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None
) -> None:
    """May see the case register (metadata) and assign workers: CASE_SUPERVISE."""
    if operation_id is None and site_id is None:
        if not actor.can_anywhere(P.CASE_SUPERVISE):
            raise PermissionDenied(f"{actor.label} lacks {P.CASE_SUPERVISE.value}")
        return
    actor.require(P.CASE_SUPERVISE, operation_id=operation_id, site_id=site_id)


def require_register_for(session: Session, actor: Principal, case: ProtectionCase) -> None:
    """May assign workers to this case (CASE_SUPERVISE for its site); NotFound for those who may not
    even know it exists."""
    if actor.can(P.CASE_SUPERVISE, **_scope(case)):
        return
    require_details(session, actor, case)
    raise PermissionDenied(f"case {case.code}: only a supervisor assigns workers (CASE_SUPERVISE)")


def require_open(actor: Principal, *, operation_id: uuid.UUID, site_id: uuid.UUID) -> None:
    """May open a case for a person of this site: CASE_MANAGE or CASE_SUPERVISE there."""
    if actor.can(P.CASE_MANAGE, operation_id=operation_id, site_id=site_id) or actor.can(
        P.CASE_SUPERVISE, operation_id=operation_id, site_id=site_id
    ):
        return
    raise PermissionDenied(f"{actor.label} may not open protection cases here (CASE_MANAGE needed)")


def require_caseload(actor: Principal) -> None:
    if not (actor.can_anywhere(P.CASE_VIEW) or actor.can_anywhere(P.CASE_SUPERVISE)):
        raise PermissionDenied(f"{actor.label} lacks {P.CASE_VIEW.value}")


def may_hold(principal: Principal, role: AssignmentRole, case: ProtectionCase) -> bool:
    """Whether a user (as a principal) may be assigned to a case in that role."""
    permission = P.CASE_MANAGE if role is AssignmentRole.CASEWORKER else P.CASE_SUPERVISE
    return principal.user_id is not None and principal.can(permission, **_scope(case))


def require_directory(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(P.SERVICE_DIRECTORY_MANAGE, operation_id=operation_id)


_DIRECTORY_READERS = frozenset({P.CASE_VIEW, P.CASE_MANAGE, P.REFERRAL_RECEIVE, P.SERVICE_DIRECTORY_MANAGE})


def can_read_directory(actor: Principal, operation_id: uuid.UUID) -> bool:
    """The service directory of an operation: anyone doing casework or receiving referrals in it
    (a grant for the operation, for one of its sites, or everywhere)."""
    return any(
        g.operation_id in (None, operation_id) and ROLE_PERMISSIONS[g.role] & _DIRECTORY_READERS
        for g in actor.grants
    )


# ---------------------------------------------------------------------------------------------
# SQL conditions, for the queries


def detail_clause(actor: Principal) -> ColumnElement[bool]:
    """Cases whose details `actor` may read (an active assignment with the matching permission)."""
    if actor.user_id is None:
        return false()
    manage = scope_clause(actor, P.CASE_MANAGE, ProtectionCase.operation_id, ProtectionCase.site_id)
    supervise = scope_clause(actor, P.CASE_SUPERVISE, ProtectionCase.operation_id, ProtectionCase.site_id)
    mine = aliased(CaseAssignment)  # aliased: queries that also select CaseAssignment stay correct
    return exists(
        select(mine.id).where(
            mine.case_id == ProtectionCase.id,
            mine.user_id == actor.user_id,
            mine.active.is_(True),
            or_(
                and_(mine.role == AssignmentRole.CASEWORKER.value, manage),
                and_(mine.role == AssignmentRole.SUPERVISOR.value, supervise),
            ),
        )
    )


def metadata_clause(actor: Principal) -> ColumnElement[bool]:
    """Cases in the register `actor` may see (CASE_SUPERVISE scope)."""
    return scope_clause(actor, P.CASE_SUPERVISE, ProtectionCase.operation_id, ProtectionCase.site_id)


def receiver_clause(actor: Principal) -> ColumnElement[bool]:
    """Referrals `actor` may read as a member of the receiving service holding REFERRAL_RECEIVE there.
    The caller joins ProtectionService on Referral.service_id."""
    if actor.user_id is None:
        return false()
    member = exists(
        select(ServiceMember.user_id).where(
            ServiceMember.service_id == Referral.service_id, ServiceMember.user_id == actor.user_id
        )
    )
    scope = actor.scope(P.REFERRAL_RECEIVE)
    if scope.everything:
        in_scope: ColumnElement[bool] = and_(True)
    else:
        parts: list[ColumnElement[bool]] = []
        if scope.operation_ids:
            parts.append(Referral.operation_id.in_(scope.operation_ids))
        if scope.site_ids:
            parts.append(ProtectionService.site_id.in_(scope.site_ids))
        in_scope = or_(*parts) if parts else false()
    return and_(member, in_scope)


def is_receiver(session: Session, actor: Principal, service: ProtectionService) -> bool:
    if actor.user_id is None:
        return False
    if not actor.can(P.REFERRAL_RECEIVE, operation_id=service.operation_id, site_id=service.site_id):
        return False
    return (
        session.scalar(
            select(ServiceMember.user_id).where(
                ServiceMember.service_id == service.id, ServiceMember.user_id == actor.user_id
            )
        )
        is not None
    )
