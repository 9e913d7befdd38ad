"""Protection case writes, named with domain verbs. Keyword-only arguments; they flush, never commit:
the caller's unit of work commits. Every write leaves an entry in the case's timeline and in the audit
log; who may do what is decided by refugio.protection.policy.

    open_case / open_case_from_need     a case for a registered person (directly, or from a flag)
    update_case / link_individual       narrative and risk; another person (caregiver, family)
    assign_caseworker / assign_supervisor / unassign
    record_assessment                   an assessment (risk level, needs)
    submit_bia / decide_bia             best-interests assessment of a child (approve_bia / return_bia)
    submit_bid / decide_bid             best-interests determination (panel, decision, reasons)
    record_case_plan                    the (versioned) case plan; moves the case to `plan`
    move_case                           plan → implementation ⇄ follow_up
    add_note
    add_task / complete_task / cancel_task
    request_closure / close_case / reject_closure / reopen_case

Workflow rules: a child-protection case of a child needs an approved BIA before its plan; a case of an
unaccompanied or separated child (UASC) needs an approved BID before it is closed; closing needs no
open task or active referral, is requested by a worker and approved by a supervisor who did not request
it. A closed case refuses every change ("reopen it first").

This module owns the case's details, assessment, plan, moves, notes and tasks; the other verbs live in
sibling modules and are re-exported here, so callers use `refugio.protection.service` alone:
- `opening`: open_case, open_case_from_need, link_individual;
- `assignments`: assign_caseworker, assign_supervisor, unassign;
- `best_interests`: the BIA and BID verbs;
- `closure`: request_closure, close_case, reject_closure, reopen_case;
- `referrals`: referrals, organisations and the service directory.

Imports protection (policy, common, models, schemas, enums, the sibling write modules), security and
core; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.protection import policy
from refugio.protection.assignments import (  # re-exported: the domain's verbs in one place
    assign_caseworker,
    assign_supervisor,
    unassign,
)
from refugio.protection.best_interests import (  # re-exported: the domain's verbs in one place
    approve_bia,
    approve_bid,
    approved_exists,
    decide_bia,
    decide_bid,
    needs_bia,
    return_bia,
    return_bid,
    submit_bia,
    submit_bid,
)
from refugio.protection.closure import (  # re-exported: the domain's verbs in one place
    close_case,
    reject_closure,
    reopen_case,
    request_closure,
)
from refugio.protection.common import (
    active_assignees,
    audited,
    ensure_editable,
    ensure_not_closing,
    event,
    gbv_name_errors,
    load_case,
    not_in_future,
    not_in_past,
    raise_if,
)
from refugio.protection.enums import (
    MOVES,
    CaseStatus,
    TaskStatus,
)
from refugio.protection.models import (
    BestInterestsAssessment,
    CaseAssessment,
    CasePlan,
    CaseTask,
    ProtectionCase,
)
from refugio.protection.opening import (  # re-exported: the domain's verbs in one place
    link_individual,
    open_case,
    open_case_from_need,
)
from refugio.protection.referrals import (  # re-exported: the domain's verbs in one place
    accept_referral,
    add_service,
    add_service_member,
    complete_referral,
    create_organisation,
    deactivate_service,
    refer,
    reject_referral,
    remove_service_member,
    revoke_referral,
)
from refugio.protection.schemas import (
    AssessmentCreate,
    CaseUpdate,
    PlanCreate,
    TaskCreate,
)
from refugio.security.principals import Principal

__all__ = [
    "accept_referral",
    "add_note",
    "add_service",
    "add_service_member",
    "add_task",
    "approve_bia",
    "approve_bid",
    "assign_caseworker",
    "assign_supervisor",
    "cancel_task",
    "close_case",
    "complete_referral",
    "complete_task",
    "create_organisation",
    "deactivate_service",
    "decide_bia",
    "decide_bid",
    "link_individual",
    "move_case",
    "open_case",
    "open_case_from_need",
    "record_assessment",
    "record_case_plan",
    "refer",
    "reject_closure",
    "reject_referral",
    "remove_service_member",
    "reopen_case",
    "request_closure",
    "return_bia",
    "return_bid",
    "revoke_referral",
    "submit_bia",
    "submit_bid",
    "unassign",
    "update_case",
]


# ---------------------------------------------------------------------------------------------
# details


def update_case(
    session: Session, *, actor: Principal, case_id: uuid.UUID, data: CaseUpdate
) -> ProtectionCase:
    """Change the narrative summary or the risk level (refused when the version read is stale)."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_editable(case)
    if data.version != case.version:
        raise Conflict(
            f"case {case.code} was changed meanwhile (version {case.version}, not {data.version}); reload it",
            [FieldError("version", "stale version", "stale")],
        )
    raise_if(gbv_name_errors(session, case, {"summary": data.summary}))
    changed: dict[str, object] = {}
    if data.summary is not None and data.summary != case.summary:
        case.summary = data.summary
        changed["summary"] = True
    if data.risk_level is not None and data.risk_level.value != case.risk_level:
        changed["risk_level"] = [case.risk_level, data.risk_level.value]
        case.risk_level = data.risk_level.value
    if changed:
        event(session, case, actor, "updated", "case details updated", changed)
        audited(session, actor, "case.update", case, {"fields": sorted(changed)})
    return case


# ---------------------------------------------------------------------------------------------
# assessment, best interests, plan


def record_assessment(
    session: Session, *, actor: Principal, case_id: uuid.UUID, data: AssessmentCreate
) -> CaseAssessment:
    """An assessment of the case (its risk level becomes the case's)."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    errors: list[FieldError] = []
    not_in_future(data.assessed_on, "assessed_on", errors)
    errors += gbv_name_errors(session, case, {"summary": data.summary})
    raise_if(errors)
    row = CaseAssessment(
        case_id=case.id,
        assessed_on=data.assessed_on,
        risk_level=data.risk_level.value,
        summary=data.summary,
        needs=list(data.needs),
        recorded_by=actor.label,
    )
    session.add(row)
    case.risk_level = data.risk_level.value
    event(session, case, actor, "assessment", f"assessment recorded (risk {data.risk_level.value})")
    audited(session, actor, "case.assess", case, {"risk_level": data.risk_level.value})
    return row


def record_case_plan(session: Session, *, actor: Principal, case_id: uuid.UUID, data: PlanCreate) -> CasePlan:
    """The case plan (a new version each time); the case moves from assessment to plan."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    assessed = session.scalar(select(CaseAssessment.id).where(CaseAssessment.case_id == case.id).limit(1))
    if assessed is None:
        raise Conflict(f"case {case.code}: record an assessment before the case plan")
    if needs_bia(session, case) and not approved_exists(session, BestInterestsAssessment, case):
        raise Conflict(
            f"case {case.code}: a best-interests assessment approved by a supervisor comes before the plan"
        )
    errors: list[FieldError] = []
    not_in_past(data.review_on, "review_on", errors)
    errors += gbv_name_errors(session, case, {"objectives": data.objectives, "actions": data.actions})
    raise_if(errors)
    version = (session.scalar(select(func.max(CasePlan.version)).where(CasePlan.case_id == case.id)) or 0) + 1
    row = CasePlan(
        case_id=case.id,
        version=version,
        objectives=data.objectives,
        actions=data.actions,
        review_on=data.review_on,
        recorded_by=actor.label,
    )
    session.add(row)
    if case.status == CaseStatus.ASSESSMENT:
        case.status = CaseStatus.PLAN.value
    event(session, case, actor, "plan", f"case plan version {version} recorded", {"version": version})
    audited(session, actor, "case.plan", case, {"version": version})
    return row


def move_case(
    session: Session, *, actor: Principal, case_id: uuid.UUID, to: CaseStatus, note: str = ""
) -> ProtectionCase:
    """Plan → implementation (services and referrals) → follow-up, and back to implementation."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    current = CaseStatus(case.status)
    if to not in MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(MOVES.get(current, frozenset()))) or "none (see the workflow)"
        raise Conflict(
            f"case {case.code} cannot move from {current.value} to {to.value} (from here: {allowed})",
            [FieldError("to", "not a next step of the workflow", "invalid_transition")],
        )
    raise_if(gbv_name_errors(session, case, {"note": note}))
    case.status = to.value
    event(session, case, actor, "moved", f"{current.value} → {to.value}{': ' + note if note else ''}")
    audited(session, actor, "case.move", case, {"from": current.value, "to": to.value})
    return case


def add_note(session: Session, *, actor: Principal, case_id: uuid.UUID, text: str) -> ProtectionCase:
    """A follow-up note in the case's timeline."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_editable(case)
    text = text.strip()
    errors: list[FieldError] = []
    if len(text) < 3:
        errors.append(FieldError("text", "write at least 3 characters", "too_short"))
    elif len(text) > 10_000:
        errors.append(FieldError("text", "at most 10000 characters", "too_long"))
    errors += gbv_name_errors(session, case, {"text": text})
    raise_if(errors)
    event(session, case, actor, "note", text)
    audited(session, actor, "case.note", case)
    return case


# ---------------------------------------------------------------------------------------------
# tasks


def add_task(session: Session, *, actor: Principal, case_id: uuid.UUID, data: TaskCreate) -> CaseTask:
    """A task with a due date (today or later), for someone assigned to the case."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_editable(case)
    errors: list[FieldError] = []
    not_in_past(data.due_on, "due_on", errors)
    assignee = data.assignee_id or actor.user_id
    if assignee not in active_assignees(session, case):
        errors.append(FieldError("assignee_id", "not assigned to this case", "not_assigned"))
    errors += gbv_name_errors(session, case, {"title": data.title})
    raise_if(errors)
    assert assignee is not None
    row = CaseTask(
        case_id=case.id, title=data.title, due_on=data.due_on, assignee_id=assignee, created_by=actor.label
    )
    session.add(row)
    session.flush()
    event(session, case, actor, "task", f"task added: {data.title} (due {data.due_on.isoformat()})")
    audited(
        session, actor, "case.task_add", case, {"task_id": str(row.id), "due_on": data.due_on.isoformat()}
    )
    return row


def _finish_task(
    session: Session, *, actor: Principal, task_id: uuid.UUID, status: TaskStatus, note: str
) -> CaseTask:
    task = session.get(CaseTask, task_id)
    if task is None:
        raise NotFound("no such task")
    case = load_case(session, task.case_id)
    try:
        policy.require_work(session, actor, case)
    except PermissionDenied:
        raise NotFound("no such task") from None
    ensure_editable(case)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"the task is already {task.status}")
    if status is TaskStatus.CANCELLED and len(note.strip()) < 3:
        raise ValidationFailed.single("note", "say why the task is cancelled", "required")
    raise_if(gbv_name_errors(session, case, {"note": note}))
    task.status, task.finished_at, task.finished_by = status.value, clock.now(), actor.label
    task.note = note.strip() or None
    event(session, case, actor, f"task_{status.value}", f"task {status.value}: {task.title}")
    audited(session, actor, f"case.task_{status.value}", case, {"task_id": str(task.id)})
    return task


def complete_task(session: Session, *, actor: Principal, task_id: uuid.UUID, note: str = "") -> CaseTask:
    return _finish_task(session, actor=actor, task_id=task_id, status=TaskStatus.DONE, note=note)


def cancel_task(session: Session, *, actor: Principal, task_id: uuid.UUID, note: str) -> CaseTask:
    return _finish_task(session, actor=actor, task_id=task_id, status=TaskStatus.CANCELLED, note=note)
