"""Go-and-see visits: refugees considering return visit their place of origin and report back. A visit
is planned (destination, date, participants — registered, active people of the operation), then done
(its date and findings, at least 20 characters) or cancelled (with the reason, kept in the findings).
RETURN_MANAGE in the operation. Flushes, never commits; audited by reference.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, UnknownReference, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.common import audited, new_ref
from refugio.solutions.returns.enums import VisitStatus
from refugio.solutions.returns.models import GoAndSeeVisit
from refugio.solutions.returns.schemas import CancelIn, VisitDone, VisitIn

P = Permission.RETURN_MANAGE


def plan_visit(session: Session, *, actor: Principal, data: VisitIn) -> GoAndSeeVisit:
    actor.require(P, operation_id=data.operation_id)
    people = registry.people_brief(session, data.participants)
    unknown = [i for i in data.participants if i not in people or people[i].operation_id != data.operation_id]
    if unknown:
        raise UnknownReference.single(
            "participants", f"not people of this operation: {len(unknown)} of them", "unknown"
        )
    inactive = [i for i in data.participants if people[i].status != "active"]
    if inactive:
        raise ValidationFailed.single(
            "participants", f"not active people of this operation: {len(inactive)} of them", "inactive"
        )
    row = GoAndSeeVisit(
        ref=new_ref("GSV", registry.operation_code(session, data.operation_id)),
        operation_id=data.operation_id,
        destination_iso3=data.destination_iso3,
        destination_area=data.destination_area,
        planned_on=data.planned_on,
        status=VisitStatus.PLANNED.value,
        participants=[str(i) for i in dict.fromkeys(data.participants)],
        created_by=actor.label,
    )
    session.add(row)
    audited(
        session,
        actor,
        "return.visit_plan",
        "go_and_see_visit",
        str(row.id),
        visit=row.ref,
        participants=len(row.participants),
    )
    return row


def _visit(session: Session, actor: Principal, visit_id: uuid.UUID) -> GoAndSeeVisit:
    row = session.get(GoAndSeeVisit, visit_id)
    if row is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=row.operation_id):
        raise NotFound("no such go-and-see visit")
    actor.require(P, operation_id=row.operation_id)
    if row.status != VisitStatus.PLANNED.value:
        raise Conflict(f"visit {row.ref} is {row.status} already")
    return row


def record_visit(
    session: Session, *, actor: Principal, visit_id: uuid.UUID, data: VisitDone
) -> GoAndSeeVisit:
    """The visit took place: its date and what the participants found."""
    row = _visit(session, actor, visit_id)
    if data.done_on > clock.today():
        raise ValidationFailed.single("done_on", "the visit date is in the future")
    row.status, row.done_on, row.findings, row.updated_by = (
        VisitStatus.DONE.value,
        data.done_on,
        data.findings,
        actor.label,
    )
    audited(session, actor, "return.visit_done", "go_and_see_visit", str(row.id), visit=row.ref)
    return row


def cancel_visit(session: Session, *, actor: Principal, visit_id: uuid.UUID, data: CancelIn) -> GoAndSeeVisit:
    row = _visit(session, actor, visit_id)
    row.status, row.findings, row.updated_by = (
        VisitStatus.CANCELLED.value,
        f"Cancelled: {data.reason}",
        actor.label,
    )
    audited(session, actor, "return.visit_cancel", "go_and_see_visit", str(row.id), visit=row.ref)
    return row


__all__ = ["cancel_visit", "plan_visit", "record_visit"]
