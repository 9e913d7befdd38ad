"""Protection case writes, named with domain verbs. Keyword-only arguments; they flush, never commit:
the caller's unit of work commits. Every write leaves an entry in the case's timeline and in the audit
log; who may do what is decided by refugio.protection.policy.

    open_case / open_case_from_need     a case for a registered person (directly, or from a flag)
    update_case / link_individual       narrative and risk; another person (caregiver, family)
    assign_caseworker / assign_supervisor / unassign
    record_assessment                   an assessment (risk level, needs)
    submit_bia / approve_bia / return_bia       best-interests assessment of a child
    submit_bid / approve_bid / return_bid       best-interests determination (panel, decision, reasons)
    record_case_plan                    the (versioned) case plan; moves the case to `plan`
    move_case                           plan → implementation ⇄ follow_up
    add_note
    add_task / complete_task / cancel_task
    request_closure / close_case / reject_closure / reopen_case

Workflow rules: a child-protection case of a child needs an approved BIA before its plan; a case of an
unaccompanied or separated child (UASC) needs an approved BID before it is closed; closing needs no
open task or active referral, is requested by a worker and approved by a supervisor who did not request
it. A closed case refuses every change ("reopen it first"). Referral and directory verbs are in
refugio.protection.referrals, the best-interests ones in refugio.protection.best_interests; both are
re-exported here.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.protection import policy
from refugio.protection.best_interests import (  # re-exported: the domain's verbs in one place
    approve_bia,
    approve_bid,
    approved_exists,
    needs_bia,
    return_bia,
    return_bid,
    submit_bia,
    submit_bid,
)
from refugio.protection.common import (
    active_assignees,
    audited,
    ensure_editable,
    ensure_not_closing,
    event,
    gbv_name_errors,
    is_child,
    load_case,
    load_user,
    new_code,
    not_in_future,
    not_in_past,
    raise_if,
)
from refugio.protection.enums import (
    ACTIVE_REFERRAL,
    MOVES,
    NEED_CASE_TYPES,
    UASC_CODES,
    AssignmentRole,
    CaseStatus,
    CaseType,
    MemberRole,
    RiskLevel,
    TaskStatus,
)
from refugio.protection.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    CaseAssessment,
    CaseAssignment,
    CaseIndividual,
    CasePlan,
    CaseTask,
    ProtectionCase,
    Referral,
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
    CaseFromNeed,
    CaseOpen,
    CaseUpdate,
    MemberLink,
    PlanCreate,
    TaskCreate,
)
from refugio.registration.models import Individual, Operation, SpecificNeed
from refugio.registration.policy import can_see_need
from refugio.security import service as security
from refugio.security.permissions import Permission
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
# opening


def _visible_person(session: Session, actor: Principal, individual_id: uuid.UUID, field: str) -> Individual:
    person = session.get(Individual, individual_id)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise ValidationFailed.single(field, "no such registered person", "not_found")
    return person


def _assignable(
    session: Session, case: ProtectionCase, user_id: uuid.UUID, role: AssignmentRole, field: str
) -> uuid.UUID:
    user = load_user(session, user_id, field)
    if not policy.may_hold(security.principal_for(session, user), role, case):
        needed = "CASE_MANAGE" if role is AssignmentRole.CASEWORKER else "CASE_SUPERVISE"
        raise ValidationFailed.single(
            field,
            f"{user.username} may not be a {role.value} here ({needed} needed for the case's site)",
            "not_permitted",
        )
    return user.id


def _open(
    session: Session,
    *,
    actor: Principal,
    person: Individual,
    case_type: CaseType,
    uasc: bool,
    risk_level: RiskLevel,
    summary: str,
    caseworker_id: uuid.UUID | None,
    supervisor_id: uuid.UUID | None,
    need: SpecificNeed | None = None,
) -> ProtectionCase:
    policy.require_open(actor, operation_id=person.operation_id, site_id=person.site_id)
    errors: list[FieldError] = []
    if person.status == "deceased":
        errors.append(FieldError("individual_id", "the person is recorded as deceased", "deceased"))
    if case_type is CaseType.CHILD_PROTECTION and not is_child(person):
        errors.append(
            FieldError("case_type", "a child protection case is for a person under 18", "not_a_child")
        )
    if uasc and case_type is not CaseType.CHILD_PROTECTION:
        errors.append(
            FieldError("uasc", "only a child protection case can be for an unaccompanied or separated child")
        )
    if case_type is CaseType.GBV:
        errors += gbv_name_errors(session, None, {"summary": summary}, [person])
    supervising = actor.can(
        Permission.CASE_SUPERVISE, operation_id=person.operation_id, site_id=person.site_id
    )
    if caseworker_id is None:
        if actor.user_id is None or not actor.can(
            Permission.CASE_MANAGE, operation_id=person.operation_id, site_id=person.site_id
        ):
            errors.append(FieldError("caseworker_id", "name the caseworker of the case", "required"))
        else:
            caseworker_id = actor.user_id
    elif caseworker_id != actor.user_id and not supervising:
        errors.append(
            FieldError("caseworker_id", "only a supervisor assigns a case to someone else", "not_permitted")
        )
    raise_if(errors)
    assert caseworker_id is not None
    operation = session.get(Operation, person.operation_id)
    assert operation is not None
    case = ProtectionCase(
        code=new_code(session, operation, "PC"),
        operation_id=person.operation_id,
        site_id=person.site_id,
        case_type=case_type.value,
        uasc=uasc,
        status=CaseStatus.ASSESSMENT.value,
        risk_level=risk_level.value,
        summary=summary,
        opened_by=actor.label,
        opened_from_need_id=need.id if need else None,
    )
    session.add(case)
    session.flush()
    worker = _assignable(session, case, caseworker_id, AssignmentRole.CASEWORKER, "caseworker_id")
    supervisor = None
    if supervisor_id is not None:
        supervisor = _assignable(session, case, supervisor_id, AssignmentRole.SUPERVISOR, "supervisor_id")
    session.add(
        CaseIndividual(
            case_id=case.id, individual_id=person.id, role=MemberRole.PRIMARY.value, added_by=actor.label
        )
    )
    session.add(CaseAssignment(case_id=case.id, user_id=worker, role="caseworker", assigned_by=actor.label))
    if supervisor is not None:
        session.add(
            CaseAssignment(case_id=case.id, user_id=supervisor, role="supervisor", assigned_by=actor.label)
        )
    how = f" from specific need {need.code}" if need else ""
    event(session, case, actor, "opened", f"case opened{how}", {"case_type": case.case_type, "uasc": uasc})
    audited(
        session,
        actor,
        "case.open",
        case,
        {
            "case_type": case.case_type,
            "individual_id": str(person.id),
            "need_id": str(need.id) if need else None,
        },
    )
    return case


def open_case(session: Session, *, actor: Principal, data: CaseOpen) -> ProtectionCase:
    """Open a case for a registered person; the opener is its caseworker unless one is named."""
    person = _visible_person(session, actor, data.individual_id, "individual_id")
    return _open(
        session,
        actor=actor,
        person=person,
        case_type=data.case_type,
        uasc=data.uasc,
        risk_level=data.risk_level,
        summary=data.summary,
        caseworker_id=data.caseworker_id,
        supervisor_id=data.supervisor_id,
    )


def open_case_from_need(session: Session, *, actor: Principal, data: CaseFromNeed) -> ProtectionCase:
    """Open a case from a person's specific-needs flag: SC/CR → child protection (SC-UC/SC-SC: UASC),
    SV → GBV, ER → older person, DS → disability, any other → other protection."""
    need = session.get(SpecificNeed, data.need_id)
    person = session.get(Individual, need.individual_id) if need is not None else None
    if (
        need is None
        or person is None
        or not actor.can(Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id)
        or not can_see_need(actor, need.code, operation_id=person.operation_id, site_id=person.site_id)
    ):
        raise ValidationFailed.single("need_id", "no such specific need", "not_found")
    if not need.active:
        raise ValidationFailed.single("need_id", "the specific need was removed", "inactive")
    already = session.scalar(select(ProtectionCase.id).where(ProtectionCase.opened_from_need_id == need.id))
    if already is not None:
        raise Conflict(
            "a case was already opened from this specific need", [FieldError("need_id", "already used")]
        )
    case_type = NEED_CASE_TYPES.get(need.category, CaseType.OTHER)
    if case_type is CaseType.CHILD_PROTECTION and not is_child(person):
        case_type = CaseType.OTHER
    return _open(
        session,
        actor=actor,
        person=person,
        case_type=case_type,
        uasc=case_type is CaseType.CHILD_PROTECTION and need.code in UASC_CODES,
        risk_level=data.risk_level,
        summary=data.summary,
        caseworker_id=data.caseworker_id,
        supervisor_id=data.supervisor_id,
        need=need,
    )


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


def link_individual(
    session: Session, *, actor: Principal, case_id: uuid.UUID, data: MemberLink
) -> CaseIndividual:
    """Link another registered person (caregiver, family member) to the case."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_editable(case)
    if case.case_type == CaseType.GBV:
        raise ValidationFailed.single(
            "individual_id",
            "a GBV case is linked to the survivor only (minimum identifying data)",
            "gbv_minimum",
        )
    if data.role is MemberRole.PRIMARY:
        raise ValidationFailed.single("role", "the case already has its primary person", "invalid")
    person = _visible_person(session, actor, data.individual_id, "individual_id")
    if person.operation_id != case.operation_id:
        raise ValidationFailed.single(
            "individual_id", "the person is registered in another operation", "other_operation"
        )
    if session.get(CaseIndividual, (case.id, person.id)) is not None:
        raise Conflict(
            "the person is already linked to this case", [FieldError("individual_id", "already linked")]
        )
    link = CaseIndividual(
        case_id=case.id, individual_id=person.id, role=data.role.value, added_by=actor.label
    )
    session.add(link)
    event(
        session,
        case,
        actor,
        "linked",
        f"{person.ref} linked as {data.role.value}",
        {"individual_id": str(person.id)},
    )
    audited(session, actor, "case.link", case, {"individual_id": str(person.id), "role": data.role.value})
    return link


# ---------------------------------------------------------------------------------------------
# assignments


def _assign(
    session: Session, *, actor: Principal, case_id: uuid.UUID, user_id: uuid.UUID, role: AssignmentRole
) -> CaseAssignment:
    case = load_case(session, case_id)
    policy.require_register_for(session, actor, case)
    ensure_editable(case)
    user = _assignable(session, case, user_id, role, "user_id")
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


# ---------------------------------------------------------------------------------------------
# closure


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
