"""Reads of RSD notices: those of a claim (in its file) and those of a person (on the person's page,
only from the claims whose file the reader may read: a notice reveals an outcome). Every read of a
person's notices is audited by the person's reference only."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.models import RsdClaim, RsdNotification
from refugio.solutions.schemas import NotificationRead


def _read(rows: list[tuple[RsdNotification, RsdClaim]], session: Session) -> list[NotificationRead]:
    people = registry.people_brief(session, [n.individual_id for n, _ in rows])
    return [
        NotificationRead(
            id=n.id,
            claim_id=c.id,
            claim_ref=c.ref,
            individual_id=n.individual_id,
            person_ref=people[n.individual_id].ref if n.individual_id in people else "?",
            kind=n.kind,
            level=n.level,
            outcome=n.outcome,
            legal_status=n.legal_status,
            language=n.language,
            created_at=n.created_at,
            created_by=n.created_by,
            delivered_on=n.delivered_on,
            channel=n.channel,
            delivered_by=n.delivered_by,
        )
        for n, c in rows
    ]


def _rows(session: Session, *where: object) -> list[tuple[RsdNotification, RsdClaim]]:
    stmt = (
        select(RsdNotification, RsdClaim)
        .join(RsdClaim, RsdClaim.id == RsdNotification.claim_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(RsdNotification.created_at, RsdNotification.id)
    )
    return [(n, c) for n, c in session.execute(stmt)]


def claim_notices(session: Session, claim_id: uuid.UUID) -> list[NotificationRead]:
    """The notices of a claim (the caller has checked the file may be read)."""
    return _read(_rows(session, RsdNotification.claim_id == claim_id), session)


def get_notice(session: Session, *, actor: Principal, notification_id: uuid.UUID) -> NotificationRead:
    """One notice, for the staff who may read its claim's file."""
    rows = _rows(session, RsdNotification.id == notification_id)
    if not rows:
        raise NotFound("no such notice")
    policy.require_file(session, actor, rows[0][1])
    return _read(rows, session)[0]


def person_notices(session: Session, *, actor: Principal, individual_id: uuid.UUID) -> list[NotificationRead]:
    """A person's notices from the claims whose file `actor` may read (others: none shown)."""
    rows = _rows(session, RsdNotification.individual_id == individual_id)
    readable: dict[uuid.UUID, bool] = {}
    for _, claim in rows:
        if claim.id not in readable:
            readable[claim.id] = policy.access_of(session, actor, claim).file
    shown = [(n, c) for n, c in rows if readable[c.id]]
    if shown:
        audit.record(
            session,
            actor=actor,
            action="rsd.notices_read",
            object_type="individual",
            object_id=str(individual_id),
            details={"notices": len(shown)},
        )
    return _read(shown, session)
