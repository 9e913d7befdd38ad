"""Resettlement: quotas pledged by resettlement States, a household's case identified with its needs
(a primary and a secondary UNHCR submission category, a priority), its submission to a State against
a quota (never past the quota's places), the State's decision and the departure (a departure from the
country of asylum; arrivals are the State's figure). Every step audited. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, UnknownReference, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.common import audited, new_ref
from refugio.solutions.enums import ResettlementStatus as St
from refugio.solutions.models import ResettlementCase, ResettlementQuota
from refugio.solutions.schemas import QuotaCreate, ResettlementIdentify

OPEN = (St.IDENTIFIED.value, St.SUBMITTED.value, St.ACCEPTED.value)
COUNTED = (St.SUBMITTED.value, St.ACCEPTED.value, St.DEPARTED.value)  # against a quota's places


def create_quota(session: Session, *, actor: Principal, data: QuotaCreate) -> ResettlementQuota:
    if data.operation_id is not None:
        actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=data.operation_id)
    elif not actor.can(Permission.RESETTLEMENT_MANAGE):
        raise PermissionDenied(f"{actor.label} lacks {Permission.RESETTLEMENT_MANAGE.value} everywhere")
    row = ResettlementQuota(**data.model_dump(), created_by=actor.label)
    session.add(row)
    audited(
        session,
        actor,
        "resettlement.quota",
        "resettlement_quota",
        str(row.id),
        state=data.state_iso3,
        places=data.places,
    )
    return row


def identify(session: Session, *, actor: Principal, data: ResettlementIdentify) -> ResettlementCase:
    """A household's resettlement case with its needs."""
    scope = registry.household_scope(session, data.household_id)
    if scope is None:
        raise UnknownReference.single("household_id", "no such household", "unknown")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=scope[0], site_id=scope[1])
    if data.secondary_category is not None and data.secondary_category == data.primary_category:
        raise ValidationFailed.single(
            "secondary_category", "the secondary category differs from the primary one"
        )
    busy = session.scalar(
        select(ResettlementCase.ref).where(
            ResettlementCase.household_id == data.household_id, ResettlementCase.status.in_(OPEN)
        )
    )
    if busy:
        raise Conflict(f"the household already has an open resettlement case {busy}")
    persons = len(registry.household_member_ids(session, data.household_id))
    row = ResettlementCase(
        ref=new_ref("RST", registry.operation_code(session, scope[0])),
        operation_id=scope[0],
        household_id=data.household_id,
        persons=persons,
        primary_category=data.primary_category.value,
        secondary_category=data.secondary_category.value if data.secondary_category else None,
        priority=data.priority.value,
        needs_summary=data.needs_summary,
        status=St.IDENTIFIED.value,
        created_by=actor.label,
    )
    session.add(row)
    audited(session, actor, "resettlement.identify", "resettlement_case", str(row.id), case=row.ref)
    return row


def _load(session: Session, actor: Principal, case_id: uuid.UUID) -> ResettlementCase:
    row = session.get(ResettlementCase, case_id)
    if row is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=row.operation_id):
        raise NotFound("no such resettlement case")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=row.operation_id)
    return row


def _status(row: ResettlementCase, *allowed: St, doing: str) -> None:
    if row.status not in {s.value for s in allowed}:
        raise Conflict(f"resettlement case {row.ref} is {row.status}: cannot {doing}")


def quota_use(session: Session, quota_id: uuid.UUID) -> int:
    used = session.scalar(
        select(func.coalesce(func.sum(ResettlementCase.persons), 0)).where(
            ResettlementCase.quota_id == quota_id, ResettlementCase.status.in_(COUNTED)
        )
    )
    return int(used or 0)


def submit(
    session: Session, *, actor: Principal, case_id: uuid.UUID, quota_id: uuid.UUID, on: dt.date | None = None
) -> ResettlementCase:
    """Submit to the State of a quota; refused when its persons exceed the places left."""
    row = _load(session, actor, case_id)
    _status(row, St.IDENTIFIED, doing="submit")
    quota = session.get(ResettlementQuota, quota_id)
    if quota is None or quota.operation_id not in (None, row.operation_id):
        raise ValidationFailed.single("quota_id", "no such quota for this operation", "unknown")
    left = quota.places - quota_use(session, quota.id)
    if row.persons > left:
        raise ValidationFailed.single(
            "quota_id",
            f"quota {quota.label} ({quota.state_iso3} {quota.year}) has {left} place(s) left "
            f"for {row.persons} person(s)",
            "quota_full",
        )
    row.quota_id, row.status, row.submitted_on = quota.id, St.SUBMITTED.value, on or clock.today()
    audited(
        session,
        actor,
        "resettlement.submit",
        "resettlement_case",
        str(row.id),
        case=row.ref,
        state=quota.state_iso3,
    )
    return row


def record_decision(
    session: Session,
    *,
    actor: Principal,
    case_id: uuid.UUID,
    accepted: bool,
    note: str,
    on: dt.date | None = None,
) -> ResettlementCase:
    """The resettlement State's decision on a submitted case."""
    row = _load(session, actor, case_id)
    _status(row, St.SUBMITTED, doing="record a State decision")
    if len(note.strip()) < 3:
        raise ValidationFailed.single("note", "say what the State decided and why")
    row.status = St.ACCEPTED.value if accepted else St.REJECTED.value
    row.decided_on, row.decision_note = on or clock.today(), note.strip()
    audited(
        session,
        actor,
        "resettlement.decision",
        "resettlement_case",
        str(row.id),
        case=row.ref,
        accepted=accepted,
    )
    return row


def record_departure(
    session: Session, *, actor: Principal, case_id: uuid.UUID, on: dt.date | None = None
) -> ResettlementCase:
    """The family left the country of asylum (a departure; its arrival is the State's to report)."""
    row = _load(session, actor, case_id)
    _status(row, St.ACCEPTED, doing="record a departure (the State accepts first)")
    row.status, row.departed_on = St.DEPARTED.value, on or clock.today()
    audited(session, actor, "resettlement.departure", "resettlement_case", str(row.id), case=row.ref)
    return row


def withdraw(session: Session, *, actor: Principal, case_id: uuid.UUID, reason: str) -> ResettlementCase:
    row = _load(session, actor, case_id)
    _status(row, St.IDENTIFIED, St.SUBMITTED, St.ACCEPTED, doing="withdraw")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason")
    row.status, row.decision_note = St.WITHDRAWN.value, reason.strip()
    audited(session, actor, "resettlement.withdraw", "resettlement_case", str(row.id), case=row.ref)
    return row
