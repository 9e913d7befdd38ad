"""Protection reads of one case: its full record for its assigned caseworkers and supervisors
(`get_case`, audited `case.read`), its read model (`read_case`, `case_read`), what the opener of a case
sees (`opened_case`), and a case's id by id or code (`case_id_of`). Re-exported by
refugio.protection.queries (channels import that).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import NotFound, PermissionDenied
from refugio.protection import policy
from refugio.protection.common import age_on, is_child, members
from refugio.protection.enums import ApprovalStatus, CaseType
from refugio.protection.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    CaseAssessment,
    CaseAssignment,
    CaseEvent,
    CasePlan,
    CaseTask,
    ProtectionCase,
    ProtectionService,
    Referral,
    ReferralEvent,
    ServiceOrganisation,
)
from refugio.protection.schemas import (
    AssessmentRead,
    AssignmentRead,
    BiaRead,
    BidRead,
    CaseDetailsRead,
    CaseEventRead,
    CasePersonRead,
    CaseRead,
    PersonBriefRead,
    PlaceRead,
    PlanRead,
    ReferralEventRead,
    ReferralRead,
    TaskRead,
)
from refugio.registration.models import Operation, Site
from refugio.security import audit
from refugio.security.models import User
from refugio.security.principals import Principal

ReadT = TypeVar("ReadT", bound=BaseModel)


@dataclass(frozen=True)
class CasePerson:
    role: str
    person: PersonBriefRead
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


@dataclass
class CaseRecord:
    """A case's full record, built of read models (`case_read` turns it into the API's `CaseRead`)."""

    case: CaseDetailsRead
    access: policy.Access
    site: PlaceRead
    operation: PlaceRead
    people: list[CasePerson]
    assignments: list[AssignmentView]
    events: list[CaseEventRead]
    assessments: list[AssessmentRead]
    plans: list[PlanRead]
    bias: list[BiaRead]
    bids: list[BidRead]
    tasks: list[TaskRead]
    referrals: list[ReferralRead]
    needs_bia: bool = False
    has_approved_bia: bool = False

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


def _assignments(session: Session, case: ProtectionCase) -> list[AssignmentView]:
    return [
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


def _tasks(session: Session, case: ProtectionCase) -> list[TaskRead]:
    today = clock.today()
    return [
        TaskRead(
            id=t.id,
            case_id=t.case_id,
            title=t.title,
            due_on=t.due_on,
            assignee=username,
            status=t.status,
            overdue=t.status == "open" and t.due_on < today,
            note=t.note,
        )
        for t, username in session.execute(
            select(CaseTask, User.username)
            .join(User, User.id == CaseTask.assignee_id)
            .where(CaseTask.case_id == case.id)
            .order_by(CaseTask.status.desc(), CaseTask.due_on)
        )
    ]


def _referral_read(
    r: Referral, service_name: str, organisation: str, overdue: bool, events: list[ReferralEvent]
) -> ReferralRead:
    return ReferralRead(
        id=r.id,
        code=r.code,
        service_id=r.service_id,
        service_name=service_name,
        organisation=organisation,
        urgency=r.urgency,
        reason=r.reason,
        consent_by=r.consent_by,
        consent_on=r.consent_on,
        shared_fields=list(r.shared_fields),
        status=r.status,
        sent_at=r.sent_at,
        respond_by=r.respond_by,
        overdue=overdue,
        response_note=r.response_note,
        feedback=r.feedback,
        events=[ReferralEventRead.model_validate(e) for e in events],
    )


def _referrals(session: Session, case: ProtectionCase) -> list[ReferralRead]:
    now = clock.now()
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
    return [
        _referral_read(r, s.name, o.name, r.status == "sent" and r.respond_by < now, timeline[r.id])
        for r, s, o in referral_rows
    ]


def get_case(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> CaseRecord:
    """A case's full record, for its assigned caseworkers and supervisors only; the read is audited.
    NotFound for anyone else (PermissionDenied for a supervisor who sees it in the register)."""
    case = _find_case(session, key)
    if case is None:
        raise NotFound("no such case")
    try:
        access = policy.require_details(session, actor, case)
    except (NotFound, PermissionDenied):
        audit.record_refusal(
            session,
            actor=actor,
            action="case.read_refused",
            object_type="protection_case",
            object_id=str(case.id),
        )
        raise
    site = session.get(Site, case.site_id)
    operation = session.get(Operation, case.operation_id)
    assert site is not None and operation is not None
    people = [
        CasePerson(link.role, PersonBriefRead.model_validate(p), age_on(p), is_child(p))
        for link, p in members(session, case)
    ]

    def rows(model: Any, order: Any, read: type[ReadT]) -> list[ReadT]:
        found = session.scalars(select(model).where(model.case_id == case.id).order_by(order))
        return [read.model_validate(row) for row in found]

    bias = rows(BestInterestsAssessment, BestInterestsAssessment.submitted_at.desc(), BiaRead)
    record = CaseRecord(
        case=CaseDetailsRead.model_validate(case),
        access=access,
        site=PlaceRead.model_validate(site),
        operation=PlaceRead.model_validate(operation),
        people=people,
        assignments=_assignments(session, case),
        events=rows(CaseEvent, CaseEvent.at.desc(), CaseEventRead),
        assessments=rows(CaseAssessment, CaseAssessment.recorded_at.desc(), AssessmentRead),
        plans=rows(CasePlan, CasePlan.version.desc(), PlanRead),
        bias=bias,
        bids=rows(BestInterestsDetermination, BestInterestsDetermination.submitted_at.desc(), BidRead),
        tasks=_tasks(session, case),
        referrals=_referrals(session, case),
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
        events=record.events,
        assessments=record.assessments,
        plans=record.plans,
        bias=record.bias,
        bids=record.bids,
        tasks=record.tasks,
        referrals=record.referrals,
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
