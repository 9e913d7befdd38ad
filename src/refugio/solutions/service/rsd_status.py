"""Where a status determination meets the registry and the person: a notice for each person at each
decision, and the person's legal status set in the registry (through registration's service, so the
registry keeps it in the person's history) once their outcome is final:

- a recognition at first instance is final at once (there is nothing to appeal): refugee;
- a complementary protection or a rejection at first instance becomes final when the appeal deadline
  passes without an appeal (`finalise_unappealed`, run by an RSD supervisor), or with the appeal's
  decision: recognised → refugee, complementary → complementary protection, rejected → rejected
  asylum-seeker (final); an appeal closed as abandoned leaves the first-instance outcome final;
- a late appeal accepted after the outcomes became final makes the people asylum-seekers again until
  the appeal is decided.

Each status change is a notice to the person too. Delivery of a notice (how, when, by whom) is
recorded by the claim's officer. Every write is audited; flushes, never commits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Exists

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.registration import queries as registry
from refugio.registration import service as registration
from refugio.registration.enums import LegalStatus
from refugio.registration.schemas import StatusChange
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.common import audited
from refugio.solutions.enums import Level, NoticeChannel, NoticeKind, Outcome, Stage
from refugio.solutions.models import RsdClaim, RsdEvent, RsdMember, RsdNotification

FINAL_STATUS = {
    Outcome.RECOGNISED.value: LegalStatus.REFUGEE,
    Outcome.COMPLEMENTARY.value: LegalStatus.COMPLEMENTARY,
    Outcome.REJECTED.value: LegalStatus.REJECTED,
}
FINAL_EVENT = "final"  # the kind of the RsdEvent written when the first-instance outcomes became final


def _members(session: Session, claim: RsdClaim) -> list[RsdMember]:
    return list(session.scalars(select(RsdMember).where(RsdMember.claim_id == claim.id)))


def _set_status(
    session: Session,
    *,
    actor: Principal,
    claim: RsdClaim,
    individual_id: uuid.UUID,
    status: LegalStatus,
    why: str,
    on: dt.date,
    permission: Permission,
) -> str | None:
    """Set the person's legal status in the registry (None when it already is that)."""
    person = registry.people_brief(session, [individual_id]).get(individual_id)
    if person is None or person.legal_status == status.value:
        return None
    registration.change_status(
        session,
        actor=actor,
        individual_id=individual_id,
        data=StatusChange(reason=f"RSD claim {claim.ref}: {why}", legal_status=status, effective_date=on),
        permission=permission,
    )
    return status.value


def _notice(
    session: Session,
    *,
    actor: Principal,
    claim: RsdClaim,
    individual_id: uuid.UUID,
    kind: NoticeKind,
    level: Level,
    outcome: str | None,
    legal_status: str | None,
) -> RsdNotification:
    row = RsdNotification(
        claim_id=claim.id,
        individual_id=individual_id,
        kind=kind.value,
        level=level.value,
        outcome=outcome,
        legal_status=legal_status,
        language=claim.language,
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    audited(session, actor, f"rsd.notice_{kind.value}", "rsd_notification", str(row.id), claim=claim.ref)
    return row


def _status_and_notice(
    session: Session,
    *,
    actor: Principal,
    claim: RsdClaim,
    member: RsdMember,
    status: LegalStatus | None,
    why: str,
    on: dt.date,
    permission: Permission,
    kind: NoticeKind,
    level: Level,
    outcome: str | None,
) -> bool:
    """One person's part of a step: their legal status set in the registry (when `status` is given),
    then the notice to them. A status notice names the status even when the person already had it;
    a decision notice names it only when the decision set it. True when the registry changed."""
    changed = None
    if status is not None:
        changed = _set_status(
            session,
            actor=actor,
            claim=claim,
            individual_id=member.individual_id,
            status=status,
            why=why,
            on=on,
            permission=permission,
        )
    named = changed or (status.value if status is not None and kind is NoticeKind.STATUS else None)
    _notice(
        session,
        actor=actor,
        claim=claim,
        individual_id=member.individual_id,
        kind=kind,
        level=level,
        outcome=outcome,
        legal_status=named,
    )
    return changed is not None


def on_decided(session: Session, *, actor: Principal, claim: RsdClaim, level: Level, on: dt.date) -> int:
    """After a decision: a decision notice for each person; the outcomes final now (every outcome of an
    appeal, a recognition at first instance) set in the registry. Returns the statuses changed."""
    changed = 0
    for member in _members(session, claim):
        outcome = member.appeal_outcome if level is Level.APPEAL else member.first_outcome
        if level is Level.APPEAL and outcome is None:
            outcome = member.first_outcome  # not on the appeal: the first instance stands
        final = level is Level.APPEAL or outcome == Outcome.RECOGNISED.value
        changed += _status_and_notice(
            session,
            actor=actor,
            claim=claim,
            member=member,
            status=FINAL_STATUS[outcome] if final and outcome in FINAL_STATUS else None,
            why=f"{outcome} ({level.value.replace('_', ' ')}), final",
            on=on,
            permission=Permission.RSD_DECIDE,
            kind=NoticeKind.DECISION,
            level=level,
            outcome=outcome,
        )
    return changed


def _finalised(claim_id: Any) -> Exists:
    return exists().where(RsdEvent.claim_id == claim_id, RsdEvent.kind == FINAL_EVENT)


def finalise_unappealed(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[str]:
    """The claims decided at first instance whose appeal deadline has passed without an appeal: their
    people's outcomes become final and reach the registry. Returns the references finalised."""
    from refugio.solutions.service.rsd import record_step

    actor.require(policy.P.RSD_REVIEW, operation_id=operation_id)
    today = clock.today()
    claims = list(
        session.scalars(
            select(RsdClaim)
            .where(
                RsdClaim.operation_id == operation_id,
                RsdClaim.stage == Stage.DECIDED.value,
                RsdClaim.appeal_deadline < today,
                ~_finalised(RsdClaim.id),
            )
            .order_by(RsdClaim.ref)
        )
    )
    for claim in claims:
        assert claim.appeal_deadline is not None
        on = claim.appeal_deadline + dt.timedelta(days=1)
        changed = 0
        for member in _members(session, claim):
            outcome = member.first_outcome
            if outcome not in FINAL_STATUS or outcome == Outcome.RECOGNISED.value:
                continue  # a recognition was final at its decision
            changed += _status_and_notice(
                session,
                actor=actor,
                claim=claim,
                member=member,
                status=FINAL_STATUS[outcome],
                why=f"{outcome} (first instance), final: no appeal by {claim.appeal_deadline.isoformat()}",
                on=on,
                permission=Permission.RSD_REVIEW,
                kind=NoticeKind.STATUS,
                level=Level.FIRST_INSTANCE,
                outcome=outcome,
            )
        record_step(
            session, claim, actor, FINAL_EVENT, deadline=claim.appeal_deadline.isoformat(), changed=changed
        )
    return [c.ref for c in claims]


def on_appeal_lodged(session: Session, *, actor: Principal, claim: RsdClaim) -> int:
    """A (late) appeal lodged after the first-instance outcomes became final: the people it concerns
    are asylum-seekers again until it is decided. Returns the statuses changed."""
    final = session.scalar(select(_finalised(claim.id)))
    if not final:
        return 0
    changed = 0
    for member in _members(session, claim):
        if member.first_outcome == Outcome.RECOGNISED.value or member.first_outcome not in FINAL_STATUS:
            continue
        changed += _status_and_notice(
            session,
            actor=actor,
            claim=claim,
            member=member,
            status=LegalStatus.ASYLUM_SEEKER,
            why="late appeal accepted, the decision is no longer final",
            on=clock.today(),
            permission=Permission.RSD_PROCESS,
            kind=NoticeKind.STATUS,
            level=Level.APPEAL,
            outcome=None,
        )
    return changed


def deliver(
    session: Session,
    *,
    actor: Principal,
    notification_id: uuid.UUID,
    channel: NoticeChannel,
    delivered_on: dt.date | None = None,
) -> RsdNotification:
    """Record that a notice reached the person (the claim's officer or appeal officer)."""
    row = session.get(RsdNotification, notification_id)
    claim = session.get(RsdClaim, row.claim_id) if row is not None else None
    if row is None or claim is None:
        raise NotFound("no such notice")
    access = policy.require_file(session, actor, claim)
    if not access.roles & {"officer", "appeal_officer"}:
        raise PermissionDenied(f"claim {claim.ref}: a notice's delivery is recorded by its officer")
    if row.delivered_on is not None:
        raise Conflict(f"this notice was delivered on {row.delivered_on.isoformat()}")
    on = delivered_on or clock.today()
    if on > clock.today():
        raise ValidationFailed.single("delivered_on", "a delivery is recorded once it happened", "in_future")
    if on < row.created_at.date():
        raise ValidationFailed.single("delivered_on", "before the notice was written", "too_early")
    row.delivered_on, row.channel, row.delivered_by = on, channel.value, actor.label
    audited(session, actor, "rsd.notice_delivered", "rsd_notification", str(row.id), claim=claim.ref)
    return row
