"""Complaint reads. Ordinary lists and counts never show a sensitive complaint (SEA, fraud by staff):
those are listed only with ASSISTANCE_COMPLAINT_SENSITIVE, and every read of one is audited. Counts by
category for everyone else merge the sensitive categories into one `restricted` line, shown only when
it reaches the disclosure threshold. A complaint's read names its household and its payment (plan,
status, amount); the household's id (the page's link) only for a reader holding HOUSEHOLD_VIEW where
the household lives, the payment's plan only for a reader of the programme's operation.

Imports refugio.assistance (models, schemas, service), refugio.registration.queries, security, core.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.models import Complaint, Payment, PaymentPlan
from refugio.assistance.schemas import ComplaintCount, ComplaintRead
from refugio.assistance.service.common import audited
from refugio.assistance.service.complaints import load_complaint
from refugio.core import clock
from refugio.registration.queries import household_places, scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission
THRESHOLD = 5


def _reads(session: Session, actor: Principal, rows: list[Complaint]) -> list[ComplaintRead]:
    """The reads of these complaints with their household and payment (two queries for the lot)."""
    places = household_places(session, [c.household_id for c in rows if c.household_id])
    refs = {c.payment_ref for c in rows if c.payment_ref}
    payments = (
        {
            ref: (plan, status, amount, currency)
            for ref, plan, status, amount, currency in session.execute(
                select(
                    Payment.payment_ref, PaymentPlan.code, Payment.status, Payment.amount, Payment.currency
                )
                .join(PaymentPlan, PaymentPlan.id == Payment.plan_id)
                .where(Payment.payment_ref.in_(refs))
            )
        }
        if refs
        else {}
    )
    now = clock.now()
    out = []
    for c in rows:
        read = ComplaintRead.model_validate(c)
        read.overdue = c.closed_at is None and c.status != "resolved" and c.due_at < now
        place = places.get(c.household_id) if c.household_id else None
        read.household_id = None  # the model's column: kept only for a reader who may open the household
        if place is not None:
            read.household_ref = place.ref
            if actor.can(P.HOUSEHOLD_VIEW, operation_id=place.operation_id, site_id=place.site_id):
                read.household_id = place.id
        if c.payment_ref in payments:
            plan, status, amount, currency = payments[c.payment_ref]
            if policy.may_view(actor, c.operation_id):
                read.payment_plan = plan
            read.payment_status, read.payment_amount, read.payment_currency = status, amount, currency
        out.append(read)
    return out


def _sensitive_clause(actor: Principal) -> object:
    return scope_clause(actor, P.ASSISTANCE_COMPLAINT_SENSITIVE, Complaint.operation_id, Complaint.site_id)


def list_complaints(
    session: Session,
    *,
    actor: Principal,
    sensitive: bool = False,
    status: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    channel: str | None = None,
    overdue: bool = False,
    limit: int = 200,
) -> list[ComplaintRead]:
    """Ordinary complaints in the actor's scope; with `sensitive`, only the sensitive ones (restricted
    permission needed, the read audited). Filters: status, category, priority, channel, and `overdue`
    (still open past the service-level deadline)."""
    stmt = select(Complaint).where(
        scope_clause(actor, P.ASSISTANCE_COMPLAINT, Complaint.operation_id, Complaint.site_id),
        Complaint.sensitive.is_(sensitive),
    )
    if sensitive:
        stmt = stmt.where(_sensitive_clause(actor))  # type: ignore[arg-type]
    for column, value in (
        (Complaint.status, status),
        (Complaint.category, category),
        (Complaint.priority, priority),
        (Complaint.channel, channel),
    ):
        if value:
            stmt = stmt.where(column == value)
    if overdue:
        stmt = stmt.where(Complaint.status.in_(("open", "in_progress")), Complaint.due_at < clock.now())
    rows = list(session.scalars(stmt.order_by(Complaint.due_at).limit(limit)))
    if sensitive and rows:
        audited(
            session,
            actor,
            "assistance.complaint.list_sensitive",
            "assistance_complaint",
            "-",
            {"rows": len(rows)},
        )
    return _reads(session, actor, rows)


def get_complaint(session: Session, *, actor: Principal, key: uuid.UUID | str) -> ComplaintRead:
    c = load_complaint(session, actor, key)
    if c.sensitive:
        audited(
            session,
            actor,
            "assistance.complaint.read_sensitive",
            "assistance_complaint",
            c.id,
            {"ref": c.ref},
        )
    return _reads(session, actor, [c])[0]


def counts_by_category(session: Session, *, actor: Principal) -> list[ComplaintCount]:
    """Complaints by category in the actor's scope. Without the restricted permission the sensitive
    categories are one `restricted` line, None (shown `<5`) below the threshold."""
    rows = session.execute(
        select(Complaint.category, Complaint.sensitive, func.count())
        .where(scope_clause(actor, P.ASSISTANCE_COMPLAINT, Complaint.operation_id, Complaint.site_id))
        .group_by(Complaint.category, Complaint.sensitive)
        .order_by(Complaint.category)
    ).all()
    may_see = actor.can_anywhere(P.ASSISTANCE_COMPLAINT_SENSITIVE)
    out = [ComplaintCount(category=cat, count=n) for cat, sens, n in rows if not sens or may_see]
    if not may_see:
        restricted = sum(n for _, sens, n in rows if sens)
        if restricted:
            out.append(
                ComplaintCount(category="restricted", count=restricted if restricted >= THRESHOLD else None)
            )
    return out
