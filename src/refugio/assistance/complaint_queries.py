"""Complaint reads. Ordinary lists and counts never show a sensitive complaint (SEA, fraud by staff):
those are listed only with ASSISTANCE_COMPLAINT_SENSITIVE, and every read of one is audited. Counts by
category for everyone else merge the sensitive categories into one `restricted` line, shown only when
it reaches the disclosure threshold.

Imports refugio.assistance (models, schemas, service), refugio.registration.queries, security, core.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance.models import Complaint
from refugio.assistance.schemas import ComplaintCount, ComplaintRead
from refugio.assistance.service.common import audited
from refugio.assistance.service.complaints import load_complaint
from refugio.core import clock
from refugio.registration.queries import scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission
THRESHOLD = 5


def _read(c: Complaint) -> ComplaintRead:
    read = ComplaintRead.model_validate(c)
    read.overdue = c.closed_at is None and c.status != "resolved" and c.due_at < clock.now()
    return read


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
    return [_read(c) for c in rows]


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
    return _read(c)


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
