"""Protection reads. The confidentiality rule of refugio.protection.policy is applied IN the queries
(`detail_clause`, `metadata_clause`, `receiver_clause`), so no list, search, export or count can return
a case the caller may not see; every read of a case record (and every list, search and export) is
audited, naming cases by id and code only. What they return are the read models of
refugio.protection.schemas (`CaseItemRead`, `CaseRead`, `OverdueTaskRead`, …), which channels render.

    my_cases            the caller's caseload (cases they are assigned to); GBV cases show their code only
    case_register       case metadata for supervisors (no person, no narrative)
    get_case            one case's record, for its assigned workers (audited `case.read`)
    search_cases        by case code, person ID or name, among the caller's cases
    cases_of_person     the caller's cases about one registered person
    overdue_tasks       open tasks past their due date, on the caller's cases
    caseload            active cases and overdue tasks per worker
    cases_csv           CSV export of the caller's cases
    caseload_counts     raw counts by case type and status: publish only through refugio.stats.caseload

One case's record and its read model (`get_case`, `read_case`, `opened_case`, `case_id_of`) are in
refugio.protection.case_queries; the directory and the receiving side of referrals (`organisations`,
`services`, `directory`, `my_services`, `referral_inbox`, `received_referral`, `referrals_breaching_sla`,
`colleagues`) are in refugio.protection.referral_queries. Both are re-exported here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.protection import policy
from refugio.protection.case_queries import (  # re-exported
    AssignmentView,
    CasePerson,
    CaseRecord,
    assignment_read,
    case_id_of,
    case_read,
    get_case,
    opened_case,
    read_case,
)
from refugio.protection.enums import OPEN_STATUSES, CaseType
from refugio.protection.models import (
    CaseAssignment,
    CaseIndividual,
    CaseTask,
    ProtectionCase,
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
    CaseItemRead,
    OverdueTaskRead,
    WorkerLoadRead,
)
from refugio.registration import name_index, names
from refugio.registration.models import Individual, NameSearch, Site
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
    "ServiceItem",
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
