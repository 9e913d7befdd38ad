"""Protection reads of the service directory and of referrals as the receiving service sees them,
with the same rule as refugio.protection.queries (which re-exports them): the receiving side is limited
by `policy.receiver_clause` IN the query and sees a referral's shared copy only, never the case.

    organisations, services, my_services    the directory (for those who do casework or receive referrals)
    referral_inbox, received_referral       a service's referrals (audited)
    referrals_breaching_sla                 referrals not answered within their service-level time
    colleagues                              users who may be assigned (caseworkers, supervisors, members)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import NotFound, PermissionDenied
from refugio.protection import policy
from refugio.protection.enums import ReferralStatus
from refugio.protection.models import (
    ProtectionCase,
    ProtectionService,
    Referral,
    ReferralEvent,
    ServiceMember,
    ServiceOrganisation,
)
from refugio.protection.schemas import (
    OrganisationRead,
    ReceivedReferralRead,
    ReferralEventRead,
    ServiceRead,
    SlaBreachRead,
)
from refugio.registration.models import Operation, Site
from refugio.security import audit
from refugio.security.models import RoleGrant, User
from refugio.security.permissions import ROLE_PERMISSIONS, Permission, Role
from refugio.security.principals import Principal

# ---------------------------------------------------------------------------------------------
# the directory


def _directory_operations(session: Session, actor: Principal) -> list[uuid.UUID]:
    return [op for op in session.scalars(select(Operation.id)) if policy.can_read_directory(actor, op)]


def organisations(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[OrganisationRead]:
    """The organisations of the directory of the operations where the caller does casework or receives
    referrals."""
    ops = _directory_operations(session, actor)
    if operation_id is not None:
        ops = [o for o in ops if o == operation_id]
    return [
        OrganisationRead.model_validate(o)
        for o in session.scalars(
            select(ServiceOrganisation)
            .where(ServiceOrganisation.operation_id.in_(ops))
            .order_by(ServiceOrganisation.name)
        )
    ]


@dataclass(frozen=True)
class ServiceItem:
    """A service of the directory with its organisation (what the directory page shows)."""

    service: ServiceRead
    organisation: OrganisationRead
    site_code: str | None
    members: list[str]


def _service_items(
    session: Session, rows: Sequence[tuple[ProtectionService, ServiceOrganisation]]
) -> list[ServiceItem]:
    if not rows:
        return []
    site_codes = dict(session.execute(select(Site.id, Site.code)).all())
    member_names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for service_id, username in session.execute(
        select(ServiceMember.service_id, User.username)
        .join(User, User.id == ServiceMember.user_id)
        .where(ServiceMember.service_id.in_([s.id for s, _o in rows]))
        .order_by(User.username)
    ):
        member_names[service_id].append(username)
    items = []
    for s, o in rows:
        site_code = site_codes.get(s.site_id) if s.site_id else None
        read = ServiceRead(
            id=s.id,
            operation_id=s.operation_id,
            organisation_id=s.organisation_id,
            organisation=o.name,
            name=s.name,
            service_type=s.service_type,
            site_code=site_code,
            location=s.location,
            contact_name=s.contact_name,
            phone=s.phone,
            email=s.email,
            hours=s.hours,
            active=s.active,
            members=member_names[s.id],
        )
        items.append(ServiceItem(read, OrganisationRead.model_validate(o), site_code, member_names[s.id]))
    return items


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
    return _service_items(session, [(s, o) for s, o in session.execute(stmt)])


def directory(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID | None = None,
    service_type: str | None = None,
    include_inactive: bool = False,
) -> list[ServiceRead]:
    """`services` as read models."""
    items = services(
        session,
        actor=actor,
        operation_id=operation_id,
        service_type=service_type,
        include_inactive=include_inactive,
    )
    return [i.service for i in items]


def directory_service(session: Session, *, actor: Principal, service_id: uuid.UUID) -> ServiceRead:
    """One service of the directory (active or not) as its read model; NotFound if the caller may not
    read it."""
    for item in services(session, actor=actor, include_inactive=True):
        if item.service.id == service_id:
            return item.service
    raise NotFound("no such service")


def my_services(session: Session, *, actor: Principal) -> list[ServiceRead]:
    """The services whose referrals the caller answers."""
    if actor.user_id is None:
        return []
    rows = [
        (s, o)
        for s, o in session.execute(
            select(ProtectionService, ServiceOrganisation)
            .join(ServiceOrganisation, ServiceOrganisation.id == ProtectionService.organisation_id)
            .join(ServiceMember, ServiceMember.service_id == ProtectionService.id)
            .where(ServiceMember.user_id == actor.user_id)
            .order_by(ProtectionService.name)
        )
        if policy.is_receiver(session, actor, s)
    ]
    return [i.service for i in _service_items(session, rows)]


# ---------------------------------------------------------------------------------------------
# referrals, as the receiving service sees them


def _received(
    row: Referral, service: ProtectionService, now: dt.datetime, events: list[ReferralEvent] | None = None
) -> ReceivedReferralRead:
    return ReceivedReferralRead(
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
        events=[ReferralEventRead.model_validate(e) for e in events or []],
    )


def referral_inbox(
    session: Session, *, actor: Principal, status: str | None = None
) -> list[ReceivedReferralRead]:
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


def received_referral(session: Session, *, actor: Principal, referral_id: uuid.UUID) -> ReceivedReferralRead:
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


def _breach(
    r: Referral,
    s: ProtectionService,
    hours_late: int,
    side: str,
    case_id: uuid.UUID | None,
    case_code: str | None,
) -> SlaBreachRead:
    return SlaBreachRead(
        referral_id=r.id,
        code=r.code,
        service_name=s.name,
        urgency=r.urgency,
        sent_at=r.sent_at,
        respond_by=r.respond_by,
        hours_late=hours_late,
        side=side,
        case_id=case_id,
        case_code=case_code,
    )


def referrals_breaching_sla(
    session: Session, *, actor: Principal, now: dt.datetime | None = None
) -> list[SlaBreachRead]:
    """Referrals still unanswered after their service-level time, that the caller sent (on their cases)
    or must answer (for their services)."""
    now = now or clock.now()
    out: dict[uuid.UUID, SlaBreachRead] = {}
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
            out[r.id] = _breach(r, s, hours(r), "referrer", r.case_id, code)
    if actor.can_anywhere(Permission.REFERRAL_RECEIVE):
        for r, s in session.execute(
            select(Referral, ProtectionService)
            .join(ProtectionService, ProtectionService.id == Referral.service_id)
            .where(late, policy.receiver_clause(actor))
        ):
            out.setdefault(r.id, _breach(r, s, hours(r), "receiver", None, None))
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
