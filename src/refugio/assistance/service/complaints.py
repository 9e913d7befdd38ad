"""Complaints and feedback (accountability to affected people): lodged from any channel, anonymous or
not, linked to a site, programme, household or payment; a service-level deadline by priority; a status
flow open → in progress → resolved → closed (a resolved complaint may be reopened to in progress) with
the response to the complainant.

Sensitive categories (sexual exploitation and abuse, fraud by staff) may be lodged by anyone who takes
complaints, but are read and handled only with ASSISTANCE_COMPLAINT_SENSITIVE; every read of one is
audited (refugio.assistance.complaint_queries).

Imports refugio.assistance (models, enums, schemas, service.common), refugio.registration.queries,
security, store and core.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance.enums import SENSITIVE_CATEGORIES, SLA_HOURS, ComplaintStatus
from refugio.assistance.models import Complaint, Payment
from refugio.assistance.schemas import ComplaintCreate, ComplaintProgress
from refugio.assistance.service.common import audited, load_programme
from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.registration.queries import household_id_for_key, visible_operations, visible_sites
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal

P = Permission
S = ComplaintStatus
_NEXT = {
    S.OPEN: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
    S.IN_PROGRESS: (S.RESOLVED, S.CLOSED),
    S.RESOLVED: (S.IN_PROGRESS, S.CLOSED),
    S.CLOSED: (),
}


def _next_ref(session: Session, operation_id: uuid.UUID) -> str:
    """`JOR-CF-000012`: the operation's code and the count of its complaints (the unique constraint on
    the reference refuses the rare clash of two desks lodging at the same instant)."""
    code = next(o.code for o in visible_operations(session, actor=SYSTEM) if o.id == operation_id)
    count = session.scalar(
        select(func.count()).select_from(Complaint).where(Complaint.operation_id == operation_id)
    )
    return f"{code}-CF-{(count or 0) + 1:06d}"


def lodge_complaint(session: Session, *, actor: Principal, data: ComplaintCreate) -> Complaint:
    sites = {s.code: s for s in visible_sites(session, actor=SYSTEM) if s.operation_id == data.operation_id}
    if not sites:
        raise NotFound("no such operation")
    site = None
    if data.site_code:
        site = sites.get(data.site_code.strip().upper())
        if site is None:
            raise ValidationFailed.single("site_code", f"no site {data.site_code} in this operation")
    actor.require(P.ASSISTANCE_COMPLAINT, operation_id=data.operation_id, site_id=site.id if site else None)
    household_id, payment_ref = _household_and_payment(session, data)
    programme_id = load_programme(session, data.programme).id if data.programme else None
    now = clock.now()
    complaint = Complaint(
        ref=_next_ref(session, data.operation_id),
        operation_id=data.operation_id,
        site_id=site.id if site else None,
        programme_id=programme_id,
        household_id=household_id,
        payment_ref=payment_ref,
        channel=data.channel.value,
        category=data.category.value,
        sensitive=data.category in SENSITIVE_CATEGORIES,
        priority=data.priority.value,
        status=S.OPEN.value,
        anonymous=data.anonymous,
        complainant_name=data.complainant_name,
        complainant_contact=data.complainant_contact,
        description=data.description,
        received_at=now,
        due_at=now + dt.timedelta(hours=SLA_HOURS[data.priority.value]),
        recorded_by=actor.label,
    )
    session.add(complaint)
    # the audit entry names no category of a sensitive complaint
    details = {"ref": complaint.ref, "sensitive": complaint.sensitive}
    audited(session, actor, "assistance.complaint.lodge", "assistance_complaint", complaint.id, details)
    return complaint


def _household_and_payment(session: Session, data: ComplaintCreate) -> tuple[uuid.UUID | None, str | None]:
    """The household and payment a complaint is about: each must exist, the payment must be the
    household's when both are given, and a payment alone links its household too."""
    household_id = None
    errors: dict[str, str] = {}
    if data.household_ref:
        household_id = household_id_for_key(session, key=data.household_ref)
        if household_id is None:
            errors["household_ref"] = f"no household {data.household_ref}"
    payment_ref = None
    if data.payment_ref:
        wanted = data.payment_ref.strip().upper()  # plan codes are upper case
        found = session.execute(
            select(Payment.payment_ref, Payment.household_ref).where(Payment.payment_ref == wanted)
        ).first()
        if found is None:
            errors["payment_ref"] = f"no payment {wanted}"
        else:
            payment_ref, payment_household = found
            paid_to = household_id_for_key(session, key=payment_household)
            if household_id is None and "household_ref" not in errors:
                household_id = paid_to
            elif household_id is not None and paid_to != household_id:
                errors["payment_ref"] = (
                    f"payment {payment_ref} is to household {payment_household}, not {data.household_ref}"
                )
    if errors:
        raise ValidationFailed([FieldError(k, v) for k, v in errors.items()])
    return household_id, payment_ref


def load_complaint(session: Session, actor: Principal, complaint_id: uuid.UUID | str) -> Complaint:
    """A complaint the actor may handle; a sensitive one is not found without the restricted permission."""
    found = None
    try:
        found = session.get(Complaint, uuid.UUID(str(complaint_id)))
    except ValueError:
        found = session.scalar(select(Complaint).where(Complaint.ref == str(complaint_id).strip().upper()))
    if found is None or not actor.can(
        P.ASSISTANCE_COMPLAINT, operation_id=found.operation_id, site_id=found.site_id
    ):
        raise NotFound("no such complaint")
    if found.sensitive and not actor.can(P.ASSISTANCE_COMPLAINT_SENSITIVE, operation_id=found.operation_id):
        raise NotFound("no such complaint")
    return found


def progress_complaint(
    session: Session, *, actor: Principal, complaint_id: uuid.UUID | str, data: ComplaintProgress
) -> Complaint:
    complaint = load_complaint(session, actor, complaint_id)
    if data.status not in _NEXT[ComplaintStatus(complaint.status)]:
        raise Conflict(
            f"complaint {complaint.ref} is {complaint.status}; it cannot become {data.status.value}"
        )
    if data.status in (S.RESOLVED, S.CLOSED) and not (data.response or complaint.response):
        raise ValidationFailed.single("response", "say what was answered to the complainant")
    if data.response:
        complaint.response = data.response
    complaint.status = data.status.value
    complaint.closed_at = clock.now() if data.status == S.CLOSED else None
    audited(
        session,
        actor,
        "assistance.complaint.progress",
        "assistance_complaint",
        complaint.id,
        {"ref": complaint.ref, "status": complaint.status},
    )
    return complaint


def next_statuses(status: str) -> list[str]:
    """The statuses a complaint in `status` may move to (for the forms)."""
    return [s.value for s in _NEXT[ComplaintStatus(status)]]
