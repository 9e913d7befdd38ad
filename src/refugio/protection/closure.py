"""Closing a protection case: a worker requests the closure (no open task, no active referral, an
approved BID for an unaccompanied or separated child), a supervisor who did not request it approves or
rejects it; a closed case is reopened with a reason. Keyword-only writes that flush, never commit;
refugio.protection.service re-exports the verbs.

Imports protection (policy, common, best_interests, models), core; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, ValidationFailed
from refugio.protection import policy
from refugio.protection.best_interests import (
    approved_exists,
)
from refugio.protection.common import (
    audited,
    ensure_editable,
    ensure_not_closing,
    event,
    gbv_name_errors,
    load_case,
    raise_if,
)
from refugio.protection.enums import (
    ACTIVE_REFERRAL,
    CaseStatus,
)
from refugio.protection.models import (
    BestInterestsDetermination,
    CaseTask,
    ProtectionCase,
    Referral,
)
from refugio.security.principals import Principal


def request_closure(session: Session, *, actor: Principal, case_id: uuid.UUID, reason: str) -> ProtectionCase:
    """A worker asks to close the case; a supervisor approves (`close_case`) or rejects."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    reason = reason.strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed.single(
            "reason", "give the reason for closing (3 to 2000 characters)", "required"
        )
    raise_if(gbv_name_errors(session, case, {"reason": reason}))
    open_tasks = session.scalar(
        select(func.count())
        .select_from(CaseTask)
        .where(CaseTask.case_id == case.id, CaseTask.status == "open")
    )
    if open_tasks:
        raise Conflict(f"case {case.code}: {open_tasks} open task(s); complete or cancel them first")
    active = session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.case_id == case.id, Referral.status.in_([s.value for s in ACTIVE_REFERRAL]))
    )
    if active:
        raise Conflict(
            f"case {case.code}: {active} referral(s) still active; wait for the outcome or revoke them"
        )
    if case.uasc and not approved_exists(session, BestInterestsDetermination, case):
        raise Conflict(
            f"case {case.code}: an unaccompanied or separated child's case is closed only after an approved "
            "best-interests determination"
        )
    case.status_before_closure = case.status
    case.status = CaseStatus.CLOSURE_REQUESTED.value
    case.closure_requested_at, case.closure_requested_by, case.closure_reason = (
        clock.now(),
        actor.label,
        reason,
    )
    event(session, case, actor, "closure_requested", f"closure requested: {reason}")
    audited(session, actor, "case.closure_request", case)
    return case


def _pending_closure(session: Session, actor: Principal, case_id: uuid.UUID) -> ProtectionCase:
    case = load_case(session, case_id)
    policy.require_supervisor(session, actor, case, submitted_by=case.closure_requested_by)
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        ensure_editable(case)
        raise Conflict(f"case {case.code}: no closure was requested")
    return case


def close_case(session: Session, *, actor: Principal, case_id: uuid.UUID, note: str = "") -> ProtectionCase:
    """The supervisor approves the requested closure: the case is closed (and frozen until reopened)."""
    case = _pending_closure(session, actor, case_id)
    case.status, case.closed_at, case.closed_by = CaseStatus.CLOSED.value, clock.now(), actor.label
    event(session, case, actor, "closed", f"closure approved{': ' + note.strip() if note.strip() else ''}")
    audited(session, actor, "case.close", case)
    return case


def reject_closure(session: Session, *, actor: Principal, case_id: uuid.UUID, note: str) -> ProtectionCase:
    """The supervisor refuses the closure: the case goes back where it was."""
    case = _pending_closure(session, actor, case_id)
    if len(note.strip()) < 3:
        raise ValidationFailed.single("note", "say why the case stays open", "required")
    case.status = case.status_before_closure or CaseStatus.FOLLOW_UP.value
    case.status_before_closure = None
    event(session, case, actor, "closure_rejected", f"closure rejected: {note.strip()}")
    audited(session, actor, "case.closure_reject", case)
    return case


def reopen_case(session: Session, *, actor: Principal, case_id: uuid.UUID, reason: str) -> ProtectionCase:
    """Reopen a closed case (back to assessment), by a worker or supervisor assigned to it."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    if case.status != CaseStatus.CLOSED:
        raise Conflict(f"case {case.code} is not closed")
    reason = reason.strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed.single(
            "reason", "give the reason for reopening (3 to 2000 characters)", "required"
        )
    raise_if(gbv_name_errors(session, case, {"reason": reason}))
    case.status = CaseStatus.ASSESSMENT.value
    case.closed_at = case.closed_by = None
    case.closure_requested_at = case.closure_requested_by = case.closure_reason = None
    case.status_before_closure = None
    event(session, case, actor, "reopened", f"case reopened: {reason}")
    audited(session, actor, "case.reopen", case)
    return case
