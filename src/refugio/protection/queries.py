"""Protection reads. The confidentiality rule of refugio.protection.policy is applied IN the queries
(`detail_clause`, `metadata_clause`, `receiver_clause`), so no list, search, export or count can return
a case the caller may not see; every read of a case record (and every list, search and export) is
audited, naming cases by id and code only.

    my_cases            the caller's caseload (cases they are assigned to); GBV cases show their code only
    case_register       case metadata for supervisors (no person, no narrative)
    get_case            one case's record, for its assigned workers (audited `case.read`)
    search_cases        by case code, person ID or name, among the caller's cases
    cases_of_person     the caller's cases about one registered person
    overdue_tasks       open tasks past their due date, on the caller's cases
    caseload            active cases and overdue tasks per worker
    cases_csv           CSV export of the caller's cases
    caseload_counts     raw counts by case type and status: publish only through refugio.stats.caseload

The directory and the receiving side of referrals (`organisations`, `services`, `my_services`,
`referral_inbox`, `received_referral`, `referrals_breaching_sla`, `colleagues`) are in
refugio.protection.referral_queries and re-exported here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.protection import policy
from refugio.protection.common import age_on, is_child, members
from refugio.protection.enums import OPEN_STATUSES, ApprovalStatus, CaseType
from refugio.protection.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    CaseAssessment,
    CaseAssignment,
    CaseEvent,
    CaseIndividual,
    CasePlan,
    CaseTask,
    ProtectionCase,
    ProtectionService,
    Referral,
    ReferralEvent,
    ServiceOrganisation,
)
from refugio.protection.referral_queries import (  # re-exported
    Colleague,
    ServiceItem,
    colleagues,
    directory,
    directory_service,
    my_services,
    organisations,
    received_referral,
    referral_inbox,
    referrals_breaching_sla,
    services,
)
from refugio.protection.schemas import (
    AssessmentRead,
    AssignmentRead,
    BiaRead,
    BidRead,
    CaseEventRead,
    CaseItemRead,
    CasePersonRead,
    CaseRead,
    OverdueTaskRead,
    PlanRead,
    ReferralEventRead,
    ReferralRead,
    TaskRead,
    WorkerLoadRead,
)
from refugio.registration import name_index, names
from refugio.registration.models import Individual, NameSearch, Operation, Site
from refugio.security import audit
from refugio.security.models import User
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_PAGE = 200

__all__ = [
    "AssignmentView",
    "CasePerson",
    "CaseRecord",
    "Colleague",
    "ReferralView",
    "ServiceItem",
    "TaskView",
    "assignment_read",
    "case_id_of",
    "case_read",
    "case_register",
    "caseload",
    "caseload_counts",
    "cases_csv",
    "cases_of_person",
    "colleagues",
    "directory",
    "directory_service",
    "get_case",
    "my_cases",
    "my_services",
    "opened_case",
    "organisations",
    "overdue_tasks",
    "read_case",
    "received_referral",
    "referral_inbox",
    "referrals_breaching_sla",
    "search_cases",
    "services",
]


# ---------------------------------------------------------------------------------------------
# lists


def _items(session: Session, cases: list[ProtectionCase], *, with_person: bool) -> list[CaseItemRead]:
    if not cases:
        return []
    case_ids = [c.id for c in cases]
    workers: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: {"caseworker": [], "supervisor": []})
    for case_id, role, username in session.execute(
        select(CaseAssignment.case_id, CaseAssignment.role, User.username)
        .join(User, User.id == CaseAssignment.user_id)
        .where(CaseAssignment.case_id.in_(case_ids), CaseAssignment.active.is_(True))
        .order_by(User.username)
    ):
        workers[case_id][role].append(username)
    today = clock.today()
    tasks: dict[uuid.UUID, tuple[int, int]] = {}
    for case_id, n_open, n_late in session.execute(
        select(
            CaseTask.case_id,
            func.count(),
            func.sum(when((CaseTask.due_on < today, 1), else_=0)),
        )
        .where(CaseTask.case_id.in_(case_ids), CaseTask.status == "open")
        .group_by(CaseTask.case_id)
    ):
        tasks[case_id] = (int(n_open or 0), int(n_late or 0))
    sites = dict(
        session.execute(select(Site.id, Site.code).where(Site.id.in_({c.site_id for c in cases}))).all()
    )
    people: dict[uuid.UUID, Individual] = {}
    if with_person:
        for case_id, linked in session.execute(
            select(CaseIndividual.case_id, Individual)
            .join(Individual, Individual.id == CaseIndividual.individual_id)
            .where(CaseIndividual.case_id.in_(case_ids), CaseIndividual.role == "primary")
        ):
            people[case_id] = linked
    out = []
    for c in cases:
        person = people.get(c.id) if c.case_type != CaseType.GBV else None
        n_open, n_late = tasks.get(c.id, (0, 0))
        out.append(
            CaseItemRead(
                id=c.id,
                code=c.code,
                case_type=c.case_type,
                uasc=c.uasc,
                status=c.status,
                risk_level=c.risk_level,
                site_code=sites.get(c.site_id, ""),
                opened_at=c.opened_at,
                updated_at=c.updated_at,
                caseworkers=workers[c.id]["caseworker"],
                supervisors=workers[c.id]["supervisor"],
                open_tasks=n_open,
                overdue_tasks=n_late,
                person_ref=person.ref if person else None,
                person_name=f"{person.given_name} {person.family_name}" if person else None,
            )
        )
    return out


def _filtered(
    stmt: Select[ProtectionCase],
    *,
    status: str | None,
    case_type: str | None,
    include_closed: bool,
) -> Select[ProtectionCase]:
    if status:
        stmt = stmt.where(ProtectionCase.status == status)
    elif not include_closed:
        stmt = stmt.where(ProtectionCase.status != "closed")
    if case_type:
        stmt = stmt.where(ProtectionCase.case_type == case_type)
    return stmt


def _page(
    session: Session, stmt: Select[ProtectionCase], offset: int, limit: int
) -> tuple[list[ProtectionCase], int]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        session.scalars(
            stmt.order_by(ProtectionCase.updated_at.desc(), ProtectionCase.code)
            .offset(max(offset, 0))
            .limit(max(1, min(limit, MAX_PAGE)))
        )
    )
    return rows, int(total)


def my_cases(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    case_type: str | None = None,
    include_closed: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CaseItemRead], int]:
    """The cases the caller is assigned to (as caseworker or supervisor), latest activity first."""
    policy.require_caseload(actor)
    stmt = _filtered(
        select(ProtectionCase).where(policy.detail_clause(actor)),
        status=status,
        case_type=case_type,
        include_closed=include_closed,
    )
    cases, total = _page(session, stmt, offset, limit)
    audit.record(
        session,
        actor=actor,
        action="case.list",
        object_type="protection_case",
        details={"cases": [c.code for c in cases]},
    )
    return _items(session, cases, with_person=True), total


def case_register(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID | None = None,
    status: str | None = None,
    case_type: str | None = None,
    include_closed: bool = False,
    without_supervisor: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CaseItemRead], int]:
    """Case metadata for supervisors (CASE_SUPERVISE): code, type, status, site, who is assigned. Never
    the people, the narrative or any record of the case."""
    policy.require_register(actor, operation_id=operation_id)
    stmt = select(ProtectionCase).where(policy.metadata_clause(actor))
    if operation_id is not None:
        stmt = stmt.where(ProtectionCase.operation_id == operation_id)
    if without_supervisor:
        has_worker = select(CaseAssignment.id).where(
            CaseAssignment.case_id == ProtectionCase.id,
            CaseAssignment.active.is_(True),
            CaseAssignment.role == "supervisor",
        )
        stmt = stmt.where(~has_worker.exists())
    stmt = _filtered(stmt, status=status, case_type=case_type, include_closed=include_closed)
    cases, total = _page(session, stmt, offset, limit)
    audit.record(
        session,
        actor=actor,
        action="case.register",
        object_type="protection_case",
        details={"cases": [c.code for c in cases]},
    )
    return _items(session, cases, with_person=False), total


# ---------------------------------------------------------------------------------------------
# one case


@dataclass(frozen=True)
class CasePerson:
    role: str
    person: Individual
    age: int
    child: bool


@dataclass(frozen=True)
class AssignmentView:
    user_id: uuid.UUID
    username: str
    full_name: str
    role: str
    active: bool
    assigned_at: dt.datetime
    assigned_by: str
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class TaskView:
    task: CaseTask
    assignee: str
    overdue: bool


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    service_name: str
    service_type: str
    organisation: str
    overdue: bool
    events: list[ReferralEvent]


@dataclass
class CaseRecord:
    case: ProtectionCase
    access: policy.Access
    site: Site
    operation: Operation
    people: list[CasePerson]
    assignments: list[AssignmentView]
    events: list[CaseEvent]
    assessments: list[CaseAssessment]
    plans: list[CasePlan]
    bias: list[BestInterestsAssessment]
    bids: list[BestInterestsDetermination]
    tasks: list[TaskView]
    referrals: list[ReferralView]
    needs_bia: bool = False
    has_approved_bia: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def primary(self) -> CasePerson:
        return next(p for p in self.people if p.role == "primary")


def _find_case(session: Session, key: uuid.UUID | str) -> ProtectionCase | None:
    if isinstance(key, uuid.UUID):
        return session.get(ProtectionCase, key)
    try:
        return session.get(ProtectionCase, uuid.UUID(str(key)))
    except ValueError:
        return session.scalar(select(ProtectionCase).where(ProtectionCase.code == str(key).strip().upper()))


def case_id_of(session: Session, *, actor: Principal, key: uuid.UUID | str) -> uuid.UUID:
    """The id of a case named by id or code, for someone who may see it (details or register);
    NotFound for anyone else."""
    case = _find_case(session, key)
    if case is None:
        raise NotFound("no such case")
    access = policy.access_of(session, actor, case)
    if not (access.details or access.metadata):
        raise NotFound("no such case")
    return case.id


def get_case(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> CaseRecord:
    """A case's full record, for its assigned caseworkers and supervisors only; the read is audited.
    NotFound for anyone else (PermissionDenied for a supervisor who sees it in the register)."""
    case = _find_case(session, key)
    if case is None:
        raise NotFound("no such case")
    access = policy.require_details(session, actor, case)
    site = session.get(Site, case.site_id)
    operation = session.get(Operation, case.operation_id)
    assert site is not None and operation is not None
    people = [CasePerson(link.role, p, age_on(p), is_child(p)) for link, p in members(session, case)]
    assignments = [
        AssignmentView(
            a.user_id, u.username, u.full_name, a.role, a.active, a.assigned_at, a.assigned_by, a.ended_at
        )
        for a, u in session.execute(
            select(CaseAssignment, User)
            .join(User, User.id == CaseAssignment.user_id)
            .where(CaseAssignment.case_id == case.id)
            .order_by(CaseAssignment.active.desc(), CaseAssignment.assigned_at)
        )
    ]
    today, now = clock.today(), clock.now()
    tasks = [
        TaskView(t, username, t.status == "open" and t.due_on < today)
        for t, username in session.execute(
            select(CaseTask, User.username)
            .join(User, User.id == CaseTask.assignee_id)
            .where(CaseTask.case_id == case.id)
            .order_by(CaseTask.status.desc(), CaseTask.due_on)
        )
    ]
    referral_rows = session.execute(
        select(Referral, ProtectionService, ServiceOrganisation)
        .join(ProtectionService, ProtectionService.id == Referral.service_id)
        .join(ServiceOrganisation, ServiceOrganisation.id == ProtectionService.organisation_id)
        .where(Referral.case_id == case.id)
        .order_by(Referral.sent_at.desc())
    ).all()
    timeline: dict[uuid.UUID, list[ReferralEvent]] = defaultdict(list)
    if referral_rows:
        for ev in session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id.in_([r.id for r, _s, _o in referral_rows]))
            .order_by(ReferralEvent.at)
        ):
            timeline[ev.referral_id].append(ev)
    referrals = [
        ReferralView(
            r, s.name, s.service_type, o.name, r.status == "sent" and r.respond_by < now, timeline[r.id]
        )
        for r, s, o in referral_rows
    ]

    def rows(model: Any, order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.case_id == case.id).order_by(order)))

    bias = rows(BestInterestsAssessment, BestInterestsAssessment.submitted_at.desc())
    record = CaseRecord(
        case=case,
        access=access,
        site=site,
        operation=operation,
        people=people,
        assignments=assignments,
        events=rows(CaseEvent, CaseEvent.at.desc()),
        assessments=rows(CaseAssessment, CaseAssessment.recorded_at.desc()),
        plans=rows(CasePlan, CasePlan.version.desc()),
        bias=bias,
        bids=rows(BestInterestsDetermination, BestInterestsDetermination.submitted_at.desc()),
        tasks=tasks,
        referrals=referrals,
    )
    primary = record.primary
    record.needs_bia = case.case_type == CaseType.CHILD_PROTECTION and primary.child
    record.has_approved_bia = any(b.status == ApprovalStatus.APPROVED for b in bias)
    if audit_read:
        audit.record(
            session,
            actor=actor,
            action="case.read",
            object_type="protection_case",
            object_id=str(case.id),
            details={"case": case.code},
        )
    return record


def task_read(view: TaskView) -> TaskRead:
    t = view.task
    return TaskRead(
        id=t.id,
        case_id=t.case_id,
        title=t.title,
        due_on=t.due_on,
        assignee=view.assignee,
        status=t.status,
        overdue=view.overdue,
        note=t.note,
    )


def referral_read(view: ReferralView) -> ReferralRead:
    r = view.referral
    return ReferralRead(
        id=r.id,
        code=r.code,
        service_id=r.service_id,
        service_name=view.service_name,
        organisation=view.organisation,
        urgency=r.urgency,
        reason=r.reason,
        consent_by=r.consent_by,
        consent_on=r.consent_on,
        shared_fields=list(r.shared_fields),
        status=r.status,
        sent_at=r.sent_at,
        respond_by=r.respond_by,
        overdue=view.overdue,
        response_note=r.response_note,
        feedback=r.feedback,
        events=[ReferralEventRead.model_validate(e) for e in view.events],
    )


def _person_read(p: CasePerson) -> CasePersonRead:
    return CasePersonRead(
        role=p.role,
        individual_id=p.person.id,
        ref=p.person.ref,
        given_name=p.person.given_name,
        family_name=p.person.family_name,
        sex=p.person.sex,
        age=p.age,
        child=p.child,
    )


def case_read(record: CaseRecord) -> CaseRead:
    """The read model of a case record (what the API renders)."""
    c = record.case
    return CaseRead(
        id=c.id,
        code=c.code,
        case_type=c.case_type,
        uasc=c.uasc,
        status=c.status,
        risk_level=c.risk_level,
        summary=c.summary,
        version=c.version,
        operation_code=record.operation.code,
        site_code=record.site.code,
        opened_at=c.opened_at,
        opened_by=c.opened_by,
        closure_reason=c.closure_reason,
        closed_at=c.closed_at,
        people=[_person_read(p) for p in record.people],
        assignments=[AssignmentRead.model_validate(a) for a in record.assignments],
        events=[CaseEventRead.model_validate(e) for e in record.events],
        assessments=[AssessmentRead.model_validate(a) for a in record.assessments],
        plans=[PlanRead.model_validate(p) for p in record.plans],
        bias=[BiaRead.model_validate(b) for b in record.bias],
        bids=[BidRead.model_validate(b) for b in record.bids],
        tasks=[task_read(t) for t in record.tasks],
        referrals=[referral_read(r) for r in record.referrals],
        needs_bia=record.needs_bia,
    )


def read_case(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> CaseRead:
    """`get_case` as its read model."""
    return case_read(get_case(session, actor=actor, key=key, audit_read=audit_read))


def opened_case(session: Session, *, actor: Principal, case_id: uuid.UUID) -> CaseRead:
    """A case just opened, as its opener may see it: the whole record for an assigned worker, its
    metadata only for a supervisor who opened it for someone else."""
    case = session.get(ProtectionCase, case_id)
    if case is None:
        raise NotFound("no such case")
    if policy.access_of(session, actor, case).details:
        return read_case(session, actor=actor, key=case_id)
    return CaseRead(
        id=case.id,
        code=case.code,
        case_type=case.case_type,
        uasc=case.uasc,
        status=case.status,
        risk_level=case.risk_level,
        summary="",
        version=case.version,
        operation_code="",
        site_code="",
        opened_at=case.opened_at,
        opened_by=case.opened_by,
        closure_reason=None,
        closed_at=None,
        people=[],
        assignments=[],
        events=[],
        assessments=[],
        plans=[],
        bias=[],
        bids=[],
        tasks=[],
        referrals=[],
        needs_bia=False,
    )


def assignment_read(session: Session, *, assignment: CaseAssignment) -> AssignmentRead:
    """An assignment just made, with its user's name."""
    user = session.get(User, assignment.user_id)
    return AssignmentRead(
        user_id=assignment.user_id,
        username=user.username if user else "",
        role=assignment.role,
        active=assignment.active,
        assigned_at=assignment.assigned_at,
        assigned_by=assignment.assigned_by,
    )


def search_cases(session: Session, *, actor: Principal, query: str, limit: int = 50) -> list[CaseItemRead]:
    """The caller's cases matching a case code, a person's registration ID, or their names."""
    policy.require_caseload(actor)
    q = (query or "").strip()
    if len(q) < 2:
        raise ValidationFailed.single("q", "type at least two characters", "too_short")
    if len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    upper = q.upper()
    base = select(ProtectionCase).where(policy.detail_clause(actor))
    conditions: list[ColumnElement[bool]] = [ProtectionCase.code.startswith(upper, autoescape=True)]
    linked = select(CaseIndividual.case_id).join(Individual, Individual.id == CaseIndividual.individual_id)
    if ids.looks_like_ref(upper):
        conditions.append(ProtectionCase.id.in_(linked.where(Individual.ref == upper)))
    tokens = names.query_tokens(q)
    if tokens:
        # names of the people of the caller's own cases only (a caseload, not the registry), read from
        # the search index's documents and matched word by word as prefixes, in either script
        visible = select(ProtectionCase.id).where(policy.detail_clause(actor))
        rows = session.execute(
            select(CaseIndividual.case_id, NameSearch.names)
            .join(NameSearch, NameSearch.individual_id == CaseIndividual.individual_id)
            .where(CaseIndividual.case_id.in_(visible))
        ).all()
        named = {
            case_id
            for case_id, doc in rows
            if all(
                any(t.startswith(f) for t in name_index.name_tokens(doc) for f in forms) for forms in tokens
            )
        }
        if named:
            conditions.append(ProtectionCase.id.in_(sorted(named)))
    cases = list(
        session.scalars(
            base.where(or_(*conditions)).order_by(ProtectionCase.code).limit(max(1, min(limit, 50)))
        )
    )
    audit.record(
        session,
        actor=actor,
        action="case.search",
        object_type="protection_case",
        details={"cases": [c.code for c in cases]},
    )
    return _items(session, cases, with_person=True)


def cases_of_person(session: Session, *, actor: Principal, individual_id: uuid.UUID) -> list[CaseItemRead]:
    """The caller's cases about one person (nothing about anyone else's cases, not even that they exist)."""
    if actor.user_id is None or not (
        actor.can_anywhere(Permission.CASE_VIEW) or actor.can_anywhere(Permission.CASE_SUPERVISE)
    ):
        return []
    cases = list(
        session.scalars(
            select(ProtectionCase)
            .where(
                policy.detail_clause(actor),
                ProtectionCase.id.in_(
                    select(CaseIndividual.case_id).where(CaseIndividual.individual_id == individual_id)
                ),
            )
            .order_by(ProtectionCase.opened_at.desc())
        )
    )
    return _items(session, cases, with_person=True)


# ---------------------------------------------------------------------------------------------
# tasks and caseloads


def overdue_tasks(
    session: Session, *, actor: Principal, on: dt.date | None = None, mine_only: bool = False
) -> list[OverdueTaskRead]:
    """Open tasks past their due date on the caller's cases (or only those assigned to the caller)."""
    policy.require_caseload(actor)
    today = on or clock.today()
    stmt = (
        select(CaseTask, ProtectionCase.code, User.username)
        .join(ProtectionCase, ProtectionCase.id == CaseTask.case_id)
        .join(User, User.id == CaseTask.assignee_id)
        .where(policy.detail_clause(actor), CaseTask.status == "open", CaseTask.due_on < today)
        .order_by(CaseTask.due_on, ProtectionCase.code)
    )
    if mine_only:
        stmt = stmt.where(CaseTask.assignee_id == actor.user_id)
    return [
        OverdueTaskRead(
            task_id=t.id,
            title=t.title,
            due_on=t.due_on,
            days_overdue=(today - t.due_on).days,
            assignee=username,
            case_id=t.case_id,
            case_code=code,
        )
        for t, code, username in session.execute(stmt)
    ]


def caseload(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[WorkerLoadRead]:
    """Active (not closed) cases and overdue tasks per assigned worker: every worker of the cases in the
    caller's register for a supervisor (CASE_SUPERVISE), the caller's own figures for anyone else."""
    policy.require_caseload(actor)
    if actor.can_anywhere(Permission.CASE_SUPERVISE):
        visible = policy.metadata_clause(actor)
    else:
        visible = and_(policy.detail_clause(actor), CaseAssignment.user_id == actor.user_id)
    stmt = (
        select(CaseAssignment.user_id, User.username, User.full_name, CaseAssignment.role, func.count())
        .join(ProtectionCase, ProtectionCase.id == CaseAssignment.case_id)
        .join(User, User.id == CaseAssignment.user_id)
        .where(
            visible,
            CaseAssignment.active.is_(True),
            ProtectionCase.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .group_by(CaseAssignment.user_id, User.username, User.full_name, CaseAssignment.role)
        .order_by(User.username, CaseAssignment.role)
    )
    if operation_id is not None:
        stmt = stmt.where(ProtectionCase.operation_id == operation_id)
    late_stmt = (
        select(CaseTask.assignee_id, func.count())
        .join(ProtectionCase, ProtectionCase.id == CaseTask.case_id)
        .where(
            policy.metadata_clause(actor)
            if actor.can_anywhere(Permission.CASE_SUPERVISE)
            else policy.detail_clause(actor),
            CaseTask.status == "open",
            CaseTask.due_on < clock.today(),
        )
        .group_by(CaseTask.assignee_id)
    )
    if operation_id is not None:
        late_stmt = late_stmt.where(ProtectionCase.operation_id == operation_id)
    late = {uid: int(n) for uid, n in session.execute(late_stmt)}
    return [
        WorkerLoadRead(
            user_id=uid,
            username=username,
            full_name=full_name,
            role=role,
            active_cases=int(n),
            overdue_tasks=late.get(uid, 0) if role == "caseworker" else 0,
        )
        for uid, username, full_name, role, n in session.execute(stmt)
    ]


CSV_COLUMNS = (
    "case",
    "type",
    "uasc",
    "status",
    "risk",
    "site",
    "opened",
    "person_ref",
    "caseworkers",
    "supervisors",
)


def cases_csv(session: Session, *, actor: Principal, include_closed: bool = True) -> str:
    """The caller's cases as CSV (the same filter as `my_cases`; GBV cases without the person); audited."""
    policy.require_caseload(actor)
    stmt = _filtered(
        select(ProtectionCase).where(policy.detail_clause(actor)),
        status=None,
        case_type=None,
        include_closed=include_closed,
    )
    cases = list(session.scalars(stmt.order_by(ProtectionCase.code)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in _items(session, cases, with_person=True):
        writer.writerow(
            [
                item.code,
                item.case_type,
                "yes" if item.uasc else "",
                item.status,
                item.risk_level,
                item.site_code,
                item.opened_at.date().isoformat(),
                item.person_ref or "",
                " ".join(item.caseworkers),
                " ".join(item.supervisors),
            ]
        )
    audit.record(
        session,
        actor=actor,
        action="case.export",
        object_type="protection_case",
        details={"cases": len(cases)},
    )
    return out.getvalue()


def caseload_counts(
    session: Session, *, actor: Principal, operation_id: uuid.UUID
) -> dict[tuple[str, str], int]:
    """Cases by (case type, status) in an operation. UNPROTECTED counts: anything shown or exported
    goes through refugio.stats.caseload, which applies disclosure control (GBV and trafficking at the
    sensitive threshold). For CASE_SUPERVISE or STATS_VIEW holders of the operation."""
    if not (
        actor.can(Permission.CASE_SUPERVISE, operation_id=operation_id)
        or actor.can(Permission.STATS_VIEW, operation_id=operation_id)
    ):
        raise PermissionDenied(f"{actor.label} may not count the cases of this operation")
    rows = session.execute(
        select(ProtectionCase.case_type, ProtectionCase.status, func.count())
        .where(ProtectionCase.operation_id == operation_id)
        .group_by(ProtectionCase.case_type, ProtectionCase.status)
    )
    return {(t, s): int(n) for t, s, n in rows}
