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
    organisations, services, service_members                    the directory
    referral_inbox, received_referral   what a receiving service sees: the shared copy only
    referrals_breaching_sla             referrals not answered within their service-level time
    colleagues          users who may be assigned (caseworkers, supervisors, service members)
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
from refugio.protection.enums import OPEN_STATUSES, ApprovalStatus, CaseType, ReferralStatus
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
    ServiceMember,
    ServiceOrganisation,
)
from refugio.registration import names
from refugio.registration.models import Individual, NameToken, Operation, Site
from refugio.security import audit
from refugio.security.models import RoleGrant, User
from refugio.security.permissions import ROLE_PERMISSIONS, Permission, Role
from refugio.security.principals import Principal

MAX_PAGE = 200


# ---------------------------------------------------------------------------------------------
# lists


@dataclass(frozen=True)
class CaseItem:
    """One line of a case list. `person_*` is None in the register and for GBV cases (code only)."""

    id: uuid.UUID
    code: str
    case_type: str
    uasc: bool
    status: str
    risk_level: str
    site_code: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    caseworkers: list[str]
    supervisors: list[str]
    open_tasks: int
    overdue_tasks: int
    person_ref: str | None = None
    person_name: str | None = None


def _items(session: Session, cases: list[ProtectionCase], *, with_person: bool) -> list[CaseItem]:
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
            CaseItem(
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
) -> tuple[list[CaseItem], int]:
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
) -> tuple[list[CaseItem], int]:
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


def search_cases(session: Session, *, actor: Principal, query: str, limit: int = 50) -> list[CaseItem]:
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
        matching = [
            select(NameToken.individual_id).where(
                or_(*(and_(NameToken.token >= f, NameToken.token < f + "\U0010ffff") for f in forms))
            )
            for forms in tokens
        ]
        people = select(CaseIndividual.case_id)
        for part in matching:
            people = people.where(CaseIndividual.individual_id.in_(part))
        conditions.append(ProtectionCase.id.in_(people))
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


def cases_of_person(session: Session, *, actor: Principal, individual_id: uuid.UUID) -> list[CaseItem]:
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


@dataclass(frozen=True)
class TaskItem:
    task_id: uuid.UUID
    title: str
    due_on: dt.date
    days_overdue: int
    assignee: str
    case_id: uuid.UUID
    case_code: str


def overdue_tasks(
    session: Session, *, actor: Principal, on: dt.date | None = None, mine_only: bool = False
) -> list[TaskItem]:
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
        TaskItem(t.id, t.title, t.due_on, (today - t.due_on).days, username, t.case_id, code)
        for t, code, username in session.execute(stmt)
    ]


@dataclass(frozen=True)
class WorkerLoad:
    user_id: uuid.UUID
    username: str
    full_name: str
    role: str
    active_cases: int
    overdue_tasks: int


def caseload(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[WorkerLoad]:
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
        WorkerLoad(uid, username, full_name, role, int(n), late.get(uid, 0) if role == "caseworker" else 0)
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


# ---------------------------------------------------------------------------------------------
# the directory


def _directory_operations(session: Session, actor: Principal) -> list[uuid.UUID]:
    return [op for op in session.scalars(select(Operation.id)) if policy.can_read_directory(actor, op)]


def organisations(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[ServiceOrganisation]:
    ops = _directory_operations(session, actor)
    if operation_id is not None:
        ops = [o for o in ops if o == operation_id]
    return list(
        session.scalars(
            select(ServiceOrganisation)
            .where(ServiceOrganisation.operation_id.in_(ops))
            .order_by(ServiceOrganisation.name)
        )
    )


@dataclass(frozen=True)
class ServiceItem:
    service: ProtectionService
    organisation: ServiceOrganisation
    site_code: str | None
    members: list[str]


def services(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID | None = None,
    service_type: str | None = None,
    include_inactive: bool = False,
) -> list[ServiceItem]:
    """The service directory of the operations where the caller does casework or receives referrals."""
    ops = _directory_operations(session, actor)
    if operation_id is not None:
        ops = [o for o in ops if o == operation_id]
    stmt = (
        select(ProtectionService, ServiceOrganisation)
        .join(ServiceOrganisation, ServiceOrganisation.id == ProtectionService.organisation_id)
        .where(ProtectionService.operation_id.in_(ops))
        .order_by(ProtectionService.service_type, ServiceOrganisation.name, ProtectionService.name)
    )
    if service_type:
        stmt = stmt.where(ProtectionService.service_type == service_type)
    if not include_inactive:
        stmt = stmt.where(ProtectionService.active.is_(True))
    rows = session.execute(stmt).all()
    site_codes = dict(session.execute(select(Site.id, Site.code)).all()) if rows else {}
    member_names: dict[uuid.UUID, list[str]] = defaultdict(list)
    if rows:
        for service_id, username in session.execute(
            select(ServiceMember.service_id, User.username)
            .join(User, User.id == ServiceMember.user_id)
            .where(ServiceMember.service_id.in_([s.id for s, _o in rows]))
            .order_by(User.username)
        ):
            member_names[service_id].append(username)
    return [
        ServiceItem(s, o, site_codes.get(s.site_id) if s.site_id else None, member_names[s.id])
        for s, o in rows
    ]


def my_services(session: Session, *, actor: Principal) -> list[ProtectionService]:
    """The services whose referrals the caller answers."""
    if actor.user_id is None:
        return []
    return [
        s
        for s in session.scalars(
            select(ProtectionService)
            .join(ServiceMember, ServiceMember.service_id == ProtectionService.id)
            .where(ServiceMember.user_id == actor.user_id)
            .order_by(ProtectionService.name)
        )
        if policy.is_receiver(session, actor, s)
    ]


# ---------------------------------------------------------------------------------------------
# referrals, as the receiving service sees them


@dataclass(frozen=True)
class ReceivedReferral:
    """A referral as the receiving service sees it: the shared copy, never the case."""

    id: uuid.UUID
    code: str
    service_id: uuid.UUID
    service_name: str
    urgency: str
    reason: str
    shared_fields: list[str]
    shared_data: dict[str, Any]
    consent_by: str
    consent_on: dt.date
    status: str
    sent_at: dt.datetime
    sent_by: str
    respond_by: dt.datetime
    overdue: bool
    response_note: str | None
    feedback: str | None
    events: list[ReferralEvent] = field(default_factory=list)


def _received(
    row: Referral, service: ProtectionService, now: dt.datetime, events: list[ReferralEvent] | None = None
) -> ReceivedReferral:
    return ReceivedReferral(
        id=row.id,
        code=row.code,
        service_id=service.id,
        service_name=service.name,
        urgency=row.urgency,
        reason=row.reason,
        shared_fields=list(row.shared_fields),
        shared_data=dict(row.shared_data),
        consent_by=row.consent_by,
        consent_on=row.consent_on,
        status=row.status,
        sent_at=row.sent_at,
        sent_by=row.sent_by,
        respond_by=row.respond_by,
        overdue=row.status == "sent" and row.respond_by < now,
        response_note=row.response_note,
        feedback=row.feedback,
        events=list(events or []),
    )


def referral_inbox(
    session: Session, *, actor: Principal, status: str | None = None
) -> list[ReceivedReferral]:
    """Referrals to the caller's services (revoked ones excluded), most urgent deadline first."""
    if not actor.can_anywhere(Permission.REFERRAL_RECEIVE):
        raise PermissionDenied(f"{actor.label} lacks {Permission.REFERRAL_RECEIVE.value}")
    stmt = (
        select(Referral, ProtectionService)
        .join(ProtectionService, ProtectionService.id == Referral.service_id)
        .where(policy.receiver_clause(actor), Referral.status != ReferralStatus.REVOKED.value)
        .order_by(Referral.status.desc(), Referral.respond_by)
    )
    if status:
        stmt = stmt.where(Referral.status == status)
    now = clock.now()
    rows = [_received(r, s, now) for r, s in session.execute(stmt.limit(500))]
    audit.record(
        session,
        actor=actor,
        action="referral.inbox",
        object_type="referral",
        details={"referrals": [r.code for r in rows]},
    )
    return rows


def received_referral(session: Session, *, actor: Principal, referral_id: uuid.UUID) -> ReceivedReferral:
    """One referral to one of the caller's services (NotFound once revoked); the read is audited."""
    row = session.get(Referral, referral_id)
    service = session.get(ProtectionService, row.service_id) if row is not None else None
    if (
        row is None
        or service is None
        or row.status == ReferralStatus.REVOKED
        or not policy.is_receiver(session, actor, service)
    ):
        raise NotFound("no such referral")
    events = list(
        session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == row.id).order_by(ReferralEvent.at)
        )
    )
    audit.record(
        session,
        actor=actor,
        action="referral.read",
        object_type="referral",
        object_id=str(row.id),
        details={"referral": row.code},
    )
    return _received(row, service, clock.now(), events)


@dataclass(frozen=True)
class SlaBreach:
    referral_id: uuid.UUID
    code: str
    service_name: str
    urgency: str
    sent_at: dt.datetime
    respond_by: dt.datetime
    hours_late: int
    side: str  # referrer (the caller works on the case) | receiver (the caller answers for the service)
    case_id: uuid.UUID | None  # for the referring side only
    case_code: str | None


def referrals_breaching_sla(
    session: Session, *, actor: Principal, now: dt.datetime | None = None
) -> list[SlaBreach]:
    """Referrals still unanswered after their service-level time, that the caller sent (on their cases)
    or must answer (for their services)."""
    now = now or clock.now()
    out: dict[uuid.UUID, SlaBreach] = {}
    late = and_(Referral.status == ReferralStatus.SENT.value, Referral.respond_by < now)

    def hours(r: Referral) -> int:
        return int((now - r.respond_by).total_seconds() // 3600)

    if actor.can_anywhere(Permission.CASE_VIEW) or actor.can_anywhere(Permission.CASE_SUPERVISE):
        for r, s, code in session.execute(
            select(Referral, ProtectionService, ProtectionCase.code)
            .join(ProtectionService, ProtectionService.id == Referral.service_id)
            .join(ProtectionCase, ProtectionCase.id == Referral.case_id)
            .where(late, policy.detail_clause(actor))
        ):
            out[r.id] = SlaBreach(
                r.id,
                r.code,
                s.name,
                r.urgency,
                r.sent_at,
                r.respond_by,
                hours(r),
                "referrer",
                r.case_id,
                code,
            )
    if actor.can_anywhere(Permission.REFERRAL_RECEIVE):
        for r, s in session.execute(
            select(Referral, ProtectionService)
            .join(ProtectionService, ProtectionService.id == Referral.service_id)
            .where(late, policy.receiver_clause(actor))
        ):
            out.setdefault(
                r.id,
                SlaBreach(
                    r.id, r.code, s.name, r.urgency, r.sent_at, r.respond_by, hours(r), "receiver", None, None
                ),
            )
    return sorted(out.values(), key=lambda b: b.respond_by)


# ---------------------------------------------------------------------------------------------
# people to choose from


@dataclass(frozen=True)
class Colleague:
    user_id: uuid.UUID
    username: str
    full_name: str


def colleagues(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, permission: Permission
) -> list[Colleague]:
    """Active users holding `permission` through a grant for this operation (or one of its sites):
    the choices when assigning workers or service members. Global grants (administrators) are not
    offered. For those who do casework or manage the directory in the operation."""
    if not any(
        actor.can(p, operation_id=operation_id)
        for p in (Permission.CASE_MANAGE, Permission.CASE_SUPERVISE, Permission.SERVICE_DIRECTORY_MANAGE)
    ):
        return []
    roles = [r.value for r in Role if permission in ROLE_PERMISSIONS[r]]
    rows = session.execute(
        select(User.id, User.username, User.full_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.operation_id == operation_id, RoleGrant.role.in_(roles), User.is_active.is_(True))
        .distinct()
        .order_by(User.username)
    )
    return [Colleague(uid, username, full_name) for uid, username, full_name in rows]
