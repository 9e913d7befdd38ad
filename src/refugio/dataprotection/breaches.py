"""The breach register: record a personal data breach, move it open → contained → closed, find the
people it affected from the audit log (refugio.dataprotection.affected) and keep that as a snapshot,
record its notifications (the supervisory authority within `authority_hours` of discovery, 72 by
default; the DPO, partners, the people affected). Only holders of BREACH_MANAGE (the data
protection officer) read or write; every write and every read of a breach's detail is audited. Writes
flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.dataprotection import affected
from refugio.dataprotection.register_models import Breach, BreachNotification
from refugio.dataprotection.register_schemas import (
    AffectedQuery,
    AffectedSnapshot,
    BreachCreate,
    BreachRead,
    BreachStatus,
    BreachStatusChange,
    NotificationCreate,
    NotificationRead,
    RecipientKind,
)
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

DEFAULT_AUTHORITY_HOURS = 72
FORWARD = {BreachStatus.OPEN: BreachStatus.CONTAINED, BreachStatus.CONTAINED: BreachStatus.CLOSED}


class BreachNotFound(NotFound):
    pass


def require(actor: Principal) -> None:
    if not actor.can_anywhere(Permission.BREACH_MANAGE):
        raise PermissionDenied(f"{actor.label} lacks {Permission.BREACH_MANAGE.value}")


def can_manage(actor: Principal) -> bool:
    return actor.can_anywhere(Permission.BREACH_MANAGE)


def _deadline(breach: Breach) -> dt.datetime:
    return breach.discovered_at + dt.timedelta(hours=breach.authority_hours)


def _notification_read(n: BreachNotification) -> NotificationRead:
    return NotificationRead(
        id=n.id,
        recipient_kind=RecipientKind(n.recipient_kind),
        recipient=n.recipient,
        channel=n.channel,
        notified_at=n.notified_at,
        deadline_at=n.deadline_at,
        late=n.deadline_at is not None and n.notified_at > n.deadline_at,
        note=n.note,
        recorded_by=n.recorded_by,
        recorded_at=n.recorded_at,
    )


def _notifications(session: Session, breach_id: uuid.UUID) -> list[BreachNotification]:
    return list(
        session.scalars(
            select(BreachNotification)
            .where(BreachNotification.breach_id == breach_id)
            .order_by(BreachNotification.notified_at)
        )
    )


def breach_read(session: Session, breach: Breach, *, detail: bool = False) -> BreachRead:
    notes = _notifications(session, breach.id)
    to_authority = [n.notified_at for n in notes if n.recipient_kind == RecipientKind.AUTHORITY]
    deadline = _deadline(breach)
    snapshot = AffectedSnapshot.model_validate(breach.affected) if breach.affected else None
    return BreachRead(
        id=breach.id,
        code=breach.code,
        title=breach.title,
        description=breach.description,
        category=breach.category,
        discovered_at=breach.discovered_at,
        occurred_from=breach.occurred_from,
        occurred_to=breach.occurred_to,
        systems=breach.systems,
        data_categories=breach.data_categories,
        severity=breach.severity,
        risk_assessment=breach.risk_assessment,
        containment=breach.containment,
        status=BreachStatus(breach.status),
        recorded_by=breach.recorded_by,
        created_at=breach.created_at,
        contained_at=breach.contained_at,
        closed_at=breach.closed_at,
        authority_hours=breach.authority_hours,
        authority_deadline=deadline,
        authority_notified_at=min(to_authority) if to_authority else None,
        authority_overdue=not to_authority and clock.now() > deadline,
        affected_count=snapshot.count if snapshot else None,
        notifications=[_notification_read(n) for n in notes],
        affected=snapshot if detail else None,
    )


def _next_code(session: Session) -> str:
    year = clock.today().year
    prefix = f"BR-{year}-"
    count = session.scalar(select(func.count()).where(Breach.code.startswith(prefix))) or 0
    return f"{prefix}{count + 1:04d}"


def record_breach(
    session: Session, *, actor: Principal, data: BreachCreate, default_hours: int = DEFAULT_AUTHORITY_HOURS
) -> BreachRead:
    """Record a breach (status open); the authority's deadline runs from its discovery."""
    require(actor)
    now = clock.now()
    errors = []
    if data.discovered_at > now + dt.timedelta(minutes=5):
        errors.append(("discovered_at", "a breach cannot be discovered in the future"))
    if data.occurred_from and data.occurred_from > data.discovered_at:
        errors.append(("occurred_from", "a breach cannot begin after it was discovered"))
    if data.occurred_from and data.occurred_to and data.occurred_to < data.occurred_from:
        errors.append(("occurred_to", "the breach cannot end before it began"))
    if errors:
        raise ValidationFailed([FieldError(f, m, "invalid") for f, m in errors])
    breach = Breach(
        code=_next_code(session),
        title=data.title,
        description=data.description,
        category=data.category.value,
        discovered_at=data.discovered_at,
        occurred_from=data.occurred_from,
        occurred_to=data.occurred_to,
        systems=data.systems,
        data_categories=data.data_categories,
        severity=data.severity.value,
        risk_assessment=data.risk_assessment,
        containment=data.containment,
        status=BreachStatus.OPEN.value,
        authority_hours=data.authority_hours or default_hours,
        recorded_by=actor.label,
    )
    session.add(breach)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="breach.record",
        object_type="breach",
        object_id=str(breach.id),
        details={"code": breach.code, "category": breach.category, "severity": breach.severity},
    )
    return breach_read(session, breach)


def _load(session: Session, breach_id: uuid.UUID, *, lock: bool = False) -> Breach:
    found = session.get(Breach, breach_id, with_for_update=lock)
    if found is None:
        raise BreachNotFound(f"no breach {breach_id}")
    return found


def resolve(session: Session, *, actor: Principal, key: str) -> uuid.UUID:
    """A breach's id from its id or its code (BR-2026-0001)."""
    require(actor)
    try:
        return uuid.UUID(key)
    except ValueError:
        found = session.scalar(select(Breach.id).where(Breach.code == key.strip().upper()))
        if found is None:
            raise BreachNotFound(f"no breach {key}") from None
        return found


def change_status(
    session: Session, *, actor: Principal, breach_id: uuid.UUID, data: BreachStatusChange
) -> BreachRead:
    """open → contained (saying what was done) → closed; never back."""
    require(actor)
    breach = _load(session, breach_id, lock=True)
    current = BreachStatus(breach.status)
    if FORWARD.get(current) != data.status:
        raise Conflict(f"breach {breach.code} is {current.value}: it cannot become {data.status.value}")
    if data.status == BreachStatus.CONTAINED:
        if len(data.note) < 3 and len(breach.containment) < 3:
            raise ValidationFailed.single("note", "say what was done to contain the breach")
        breach.contained_at = clock.now()
    else:
        breach.closed_at = clock.now()
    if data.note:
        breach.containment = (breach.containment + "\n" if breach.containment else "") + data.note
    breach.status = data.status.value
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="breach.status",
        object_type="breach",
        object_id=str(breach.id),
        details={"from": current.value, "to": data.status.value},
    )
    return breach_read(session, breach)


def find_affected(
    session: Session, *, actor: Principal, breach_id: uuid.UUID, query: AffectedQuery
) -> BreachRead:
    """Find the people affected from the audit log and keep the result with the breach (replacing an
    earlier snapshot); audited with the query and the counts (not the people)."""
    require(actor)
    breach = _load(session, breach_id, lock=True)
    snapshot = affected.find(session, actor=actor, query=query)
    breach.affected = snapshot.model_dump(mode="json")
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="breach.affected",
        object_type="breach",
        object_id=str(breach.id),
        details={
            "query": snapshot.query,
            "people": snapshot.count,
            "entries": snapshot.entries,
            "by_site": snapshot.by_site,
            "estimated": snapshot.estimated,
        },
    )
    return breach_read(session, breach, detail=True)


def notify(
    session: Session, *, actor: Principal, breach_id: uuid.UUID, data: NotificationCreate
) -> BreachRead:
    """Record a notification (to the authority it carries the breach's deadline, and is late after)."""
    require(actor)
    breach = _load(session, breach_id, lock=True)
    if data.notified_at > clock.now() + dt.timedelta(minutes=5):
        raise ValidationFailed.single("notified_at", "record a notification once it is made, not before")
    if data.notified_at < breach.discovered_at - dt.timedelta(minutes=5):
        raise ValidationFailed.single("notified_at", "a notification cannot precede the breach's discovery")
    deadline = _deadline(breach) if data.recipient_kind == RecipientKind.AUTHORITY else None
    row = BreachNotification(
        breach_id=breach.id,
        recipient_kind=data.recipient_kind.value,
        recipient=data.recipient,
        channel=data.channel.value,
        notified_at=data.notified_at,
        deadline_at=deadline,
        note=data.note,
        recorded_by=actor.label,
        recorded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="breach.notify",
        object_type="breach",
        object_id=str(breach.id),
        details={
            "to": data.recipient_kind.value,
            "recipient": data.recipient,
            "channel": data.channel.value,
            "late": deadline is not None and data.notified_at > deadline,
        },
    )
    return breach_read(session, breach)


def breaches(session: Session, *, actor: Principal, status: BreachStatus | None = None) -> list[BreachRead]:
    """The register, newest discovery first (no people: counts only)."""
    require(actor)
    stmt = select(Breach).order_by(Breach.discovered_at.desc())
    if status is not None:
        stmt = stmt.where(Breach.status == status.value)
    return [breach_read(session, b) for b in session.scalars(stmt)]


def breach(session: Session, *, actor: Principal, breach_id: uuid.UUID) -> BreachRead:
    """One breach with the people affected (references): a sensitive read, audited."""
    require(actor)
    found = _load(session, breach_id)
    audit.record(session, actor=actor, action="breach.read", object_type="breach", object_id=str(found.id))
    return breach_read(session, found, detail=True)
