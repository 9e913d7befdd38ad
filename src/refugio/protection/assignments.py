"""Who works a protection case: assigning a caseworker or a supervisor and ending an assignment (a case
keeps one caseworker). Keyword-only writes that flush, never commit; refugio.protection.service
re-exports the verbs.

Imports protection (policy, common, opening, models), security and core; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, ValidationFailed
from refugio.protection import policy
from refugio.protection.common import (
    active_assignees,
    audited,
    ensure_editable,
    event,
    load_case,
    load_user,
)
from refugio.protection.enums import (
    AssignmentRole,
)
from refugio.protection.models import (
    CaseAssignment,
)
from refugio.protection.opening import assignable
from refugio.security.principals import Principal


def _assign(
    session: Session, *, actor: Principal, case_id: uuid.UUID, user_id: uuid.UUID, role: AssignmentRole
) -> CaseAssignment:
    case = load_case(session, case_id)
    policy.require_register_for(session, actor, case)
    ensure_editable(case)
    user = assignable(session, case, user_id, role, "user_id")
    if user in active_assignees(session, case, role):
        raise Conflict(f"already the case's {role.value}", [FieldError("user_id", "already assigned")])
    row = CaseAssignment(case_id=case.id, user_id=user, role=role.value, assigned_by=actor.label)
    session.add(row)
    username = load_user(session, user, "user_id").username
    event(session, case, actor, "assigned", f"{username} assigned as {role.value}", {"user": username})
    audited(session, actor, "case.assign", case, {"user_id": str(user), "role": role.value})
    return row


def assign_caseworker(
    session: Session, *, actor: Principal, case_id: uuid.UUID, user_id: uuid.UUID
) -> CaseAssignment:
    """A supervisor (CASE_SUPERVISE) assigns a caseworker, who must hold CASE_MANAGE for the case's site."""
    return _assign(session, actor=actor, case_id=case_id, user_id=user_id, role=AssignmentRole.CASEWORKER)


def assign_supervisor(
    session: Session, *, actor: Principal, case_id: uuid.UUID, user_id: uuid.UUID
) -> CaseAssignment:
    """Assign a supervisor (who must hold CASE_SUPERVISE for the case's site)."""
    return _assign(session, actor=actor, case_id=case_id, user_id=user_id, role=AssignmentRole.SUPERVISOR)


def unassign(
    session: Session,
    *,
    actor: Principal,
    case_id: uuid.UUID,
    user_id: uuid.UUID,
    role: AssignmentRole,
    reason: str,
) -> CaseAssignment:
    """End an assignment (the user loses access to the case at once); a case keeps one caseworker."""
    role = AssignmentRole(role)
    case = load_case(session, case_id)
    policy.require_register_for(session, actor, case)
    ensure_editable(case)
    row = session.scalar(
        select(CaseAssignment).where(
            CaseAssignment.case_id == case.id,
            CaseAssignment.user_id == user_id,
            CaseAssignment.role == role.value,
            CaseAssignment.active.is_(True),
        )
    )
    if row is None:
        raise ValidationFailed.single("user_id", f"not the case's {role.value}", "not_assigned")
    if role is AssignmentRole.CASEWORKER and len(active_assignees(session, case, role)) == 1:
        raise ValidationFailed.single(
            "user_id", "assign another caseworker first: a case keeps one", "last_caseworker"
        )
    row.active, row.ended_at, row.ended_by = False, clock.now(), actor.label
    username = load_user(session, user_id, "user_id").username
    event(
        session, case, actor, "unassigned", f"{username} no longer {role.value}: {reason}", {"user": username}
    )
    audited(session, actor, "case.unassign", case, {"user_id": str(user_id), "role": role.value})
    return row
