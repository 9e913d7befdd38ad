"""Return registration: caseworkers' sign-offs, a return registered (planned), its departure and its
cancellation, and reintegration monitoring visits.

- A person with an open protection case returns only with the sign-off of that case's assigned
  caseworker (`sign_off`, a recorded act; refused for anyone else). Without it a return is refused,
  naming the person, never the case.
- `register_return`: the household's returning members (all active ones when none are named) become
  population type `returnee` through `registration.service.change_status` (the history keeps the
  change); when only some return they split off into a household of their own
  (`registration.service.split_members`), so a return grant's list reaches them and no one else.
- `record_departure`: they leave the active registry (status `departed`, an event each), and their
  household is closed; `cancel_return` before departure restores their population types.
- `record_monitoring`: answers scored with the newest weights (or the version named), the version kept.

RETURN_MANAGE on the household's site (registration writes are made with it). Flushes, never commits;
every write audited by reference.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.protection.open_cases import open_cases_of
from refugio.registration import queries as registry
from refugio.registration import service as registration
from refugio.registration.enums import IndividualStatus, PopulationType
from refugio.registration.schemas import StatusChange
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.common import audited, new_ref
from refugio.solutions.returns import weights as weighting
from refugio.solutions.returns.enums import ReturnStatus
from refugio.solutions.returns.models import CaseworkerSignOff, ReintegrationVisit, VoluntaryReturn
from refugio.solutions.returns.schemas import CancelIn, DepartureIn, MonitoringIn, ReturnIn, SignOffIn

P = Permission.RETURN_MANAGE


def sign_off(session: Session, *, actor: Principal, data: SignOffIn) -> CaseworkerSignOff:
    """The assigned caseworker of the person's open case agrees to their return (one per case)."""
    person = registry.people_brief(session, [data.individual_id]).get(data.individual_id)
    if person is None:
        raise NotFound("no such individual")
    mine = [c for c in open_cases_of(session, [person.id]) if actor.user_id in c.caseworker_ids]
    if actor.user_id is None or not mine:
        raise PermissionDenied(
            f"{actor.username} is not the assigned caseworker of an open case about {person.ref}"
        )
    signed = set(
        session.scalars(select(CaseworkerSignOff.case_id).where(CaseworkerSignOff.individual_id == person.id))
    )
    todo = [c for c in mine if c.case_id not in signed]
    if not todo:
        raise Conflict(f"the return of {person.ref} is signed off already")
    row = CaseworkerSignOff(
        individual_id=person.id,
        case_id=todo[0].case_id,
        user_id=actor.user_id,
        signed_by=actor.label,
        note=data.note,
    )
    session.add(row)
    audited(
        session, actor, "return.sign_off", "individual", str(person.id), person=person.ref, case=todo[0].code
    )
    return row


def missing_sign_offs(session: Session, individual_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The people with an open protection case whose caseworker has not signed off their return."""
    signed = {
        (row[0], row[1])
        for row in session.execute(
            select(CaseworkerSignOff.individual_id, CaseworkerSignOff.case_id).where(
                CaseworkerSignOff.individual_id.in_(individual_ids)
            )
        )
    }
    return list(
        dict.fromkeys(
            c.individual_id
            for c in open_cases_of(session, individual_ids)
            if (c.individual_id, c.case_id) not in signed
        )
    )


def _refuse_unsigned(session: Session, individual_ids: list[uuid.UUID], refs: dict[uuid.UUID, str]) -> None:
    missing = missing_sign_offs(session, individual_ids)
    if missing:
        names = ", ".join(refs.get(i, str(i)) for i in missing)
        raise ValidationFailed.single(
            "individual_ids",
            f"{names}: an open protection case needs its caseworker's sign-off before the return",
            "sign_off_missing",
        )


def register_return(session: Session, *, actor: Principal, data: ReturnIn) -> VoluntaryReturn:
    """Register the return of a household or of some of its members (planned)."""
    household = registry.households_brief(session, [data.household_id]).get(data.household_id)
    if household is None or not actor.can(
        Permission.HOUSEHOLD_VIEW, operation_id=household.operation_id, site_id=household.site_id
    ):
        raise NotFound("no such household")
    actor.require(P, operation_id=household.operation_id, site_id=household.site_id)
    active = registry.household_member_ids(session, household.id)
    chosen = list(dict.fromkeys(data.individual_ids)) or active
    people = registry.people_brief(session, chosen)
    _refuse_return(session, household, data, chosen=chosen, active=active, people=people)
    whole = set(chosen) == set(active)
    reason = f"voluntary return to {data.destination_iso3} ({data.kind.value})"
    target = household.id
    if not whole:
        target = registration.split_members(
            session,
            actor=actor,
            household_id=household.id,
            individual_ids=chosen,
            reason=reason,
            new_focal_point_id=data.new_focal_point_id,
            permission=P,
        ).id
    before = _make_returnees(session, actor=actor, chosen=chosen, reason=reason)
    row = VoluntaryReturn(
        ref=new_ref("RET", registry.operation_code(session, household.operation_id)),
        operation_id=household.operation_id,
        household_id=household.id,
        returning_household_id=target,
        whole_household=whole,
        members=[{"id": str(i), "ref": people[i].ref, "population_type": before[i]} for i in chosen],
        kind=data.kind.value,
        status=ReturnStatus.PLANNED.value,
        return_date=data.return_date,
        destination_iso3=data.destination_iso3,
        destination_area=data.destination_area,
        assisted=data.assisted,
        note=data.note,
        registered_by=actor.label,
    )
    session.add(row)
    audited(
        session,
        actor,
        "return.register",
        "voluntary_return",
        str(row.id),
        ret=row.ref,
        household=household.ref,
        people=len(chosen),
        whole=whole,
    )
    return row


def _refuse_return(
    session: Session,
    household: registry.HouseholdBrief,
    data: ReturnIn,
    *,
    chosen: list[uuid.UUID],
    active: list[uuid.UUID],
    people: dict[uuid.UUID, registry.PersonBrief],
) -> None:
    """Refuse a return of `chosen` that cannot be registered: people who are not active members, a date
    over a year ago, no one to return, a member without the caseworker's sign-off, or a return already
    planned for the household."""
    errors: list[FieldError] = []
    outsiders = [i for i in chosen if i not in active]
    if outsiders:
        errors.append(
            FieldError(
                "individual_ids", f"{len(outsiders)} of them are not active members of {household.ref}"
            )
        )
    if data.return_date < clock.today() - dt.timedelta(days=366):
        errors.append(FieldError("return_date", "the return date is more than a year ago"))
    if errors:
        raise ValidationFailed(errors)
    if not chosen:
        raise ValidationFailed.single("individual_ids", f"{household.ref} has no active member", "required")
    _refuse_unsigned(session, chosen, {i: p.ref for i, p in people.items()})
    pending = session.scalar(
        select(VoluntaryReturn.ref).where(
            VoluntaryReturn.household_id == household.id, VoluntaryReturn.status == ReturnStatus.PLANNED.value
        )
    )
    if pending:
        raise Conflict(f"{household.ref} already has a planned return ({pending}): record it or cancel it")


def _make_returnees(
    session: Session, *, actor: Principal, chosen: list[uuid.UUID], reason: str
) -> dict[uuid.UUID, str]:
    """Change the population type of those of `chosen` who are not yet returnees; returns what each one's
    was before."""
    before = {i: _population_type(session, i) for i in chosen}
    for i in chosen:
        if before[i] != PopulationType.RETURNEE.value:
            registration.change_status(
                session,
                actor=actor,
                individual_id=i,
                permission=P,
                data=StatusChange(reason=reason, population_type=PopulationType.RETURNEE),
            )
    return before


def _population_type(session: Session, individual_id: uuid.UUID) -> str:
    found = registry.people_brief(session, [individual_id]).get(individual_id)
    return (found.population_type or "") if found else ""


def load_return(session: Session, *, actor: Principal, return_id: uuid.UUID) -> VoluntaryReturn:
    """The return, if the actor may see it (NotFound otherwise) and manage returns of its household."""
    row = session.get(VoluntaryReturn, return_id)
    if row is None:
        raise NotFound("no such return")
    scope = registry.households_brief(session, [row.returning_household_id]).get(row.returning_household_id)
    assert scope is not None
    if not actor.can(Permission.SOLUTIONS_VIEW, operation_id=row.operation_id, site_id=scope.site_id):
        raise NotFound("no such return")
    actor.require(P, operation_id=row.operation_id, site_id=scope.site_id)
    return row


def _expect_planned(row: VoluntaryReturn) -> None:
    if row.status != ReturnStatus.PLANNED.value:
        raise Conflict(f"return {row.ref} is {row.status}: only a planned return can change")


def record_departure(
    session: Session, *, actor: Principal, return_id: uuid.UUID, data: DepartureIn
) -> VoluntaryReturn:
    """The returnees left: out of the active registry, their household closed."""
    row = load_return(session, actor=actor, return_id=return_id)
    _expect_planned(row)
    on = data.departed_on or clock.today()
    if on > clock.today():
        raise ValidationFailed.single("departed_on", "the departure date is in the future")
    ids = [uuid.UUID(m["id"]) for m in row.members]
    _refuse_unsigned(session, ids, {uuid.UUID(m["id"]): m["ref"] for m in row.members})
    reason = f"returned to {row.destination_iso3} ({row.ref})"
    people = registry.people_brief(session, ids)
    for i in ids:
        if people[i].status == IndividualStatus.ACTIVE.value:
            registration.change_status(
                session,
                actor=actor,
                individual_id=i,
                permission=P,
                data=StatusChange(reason=reason, status=IndividualStatus.DEPARTED, effective_date=on),
            )
    registration.close_if_empty(
        session, actor=actor, household_id=row.returning_household_id, reason=reason, permission=P
    )
    row.status, row.departed_on, row.departed_by = ReturnStatus.DEPARTED.value, on, actor.label
    audited(session, actor, "return.depart", "voluntary_return", str(row.id), ret=row.ref, people=len(ids))
    return row


def cancel_return(
    session: Session, *, actor: Principal, return_id: uuid.UUID, data: CancelIn
) -> VoluntaryReturn:
    """A planned return called off: the population types given back (a split household stays split)."""
    row = load_return(session, actor=actor, return_id=return_id)
    _expect_planned(row)
    for m in row.members:
        if m["population_type"] and m["population_type"] != PopulationType.RETURNEE.value:
            registration.change_status(
                session,
                actor=actor,
                individual_id=uuid.UUID(m["id"]),
                permission=P,
                data=StatusChange(
                    reason=f"return {row.ref} cancelled: {data.reason}",
                    population_type=PopulationType(m["population_type"]),
                ),
            )
    row.status, row.cancelled_reason = ReturnStatus.CANCELLED.value, data.reason
    audited(session, actor, "return.cancel", "voluntary_return", str(row.id), ret=row.ref)
    return row


def record_monitoring(
    session: Session, *, actor: Principal, return_id: uuid.UUID, data: MonitoringIn
) -> ReintegrationVisit:
    """A reintegration monitoring visit after departure, scored with the weights (version kept)."""
    row = load_return(session, actor=actor, return_id=return_id)
    if row.status != ReturnStatus.DEPARTED.value:
        raise Conflict(f"return {row.ref} is {row.status}: reintegration is monitored after departure")
    if data.visited_on > clock.today():
        raise ValidationFailed.single("visited_on", "the visit date is in the future")
    if row.departed_on and data.visited_on < row.departed_on:
        raise ValidationFailed.single("visited_on", "the visit is before the departure")
    w = weighting.weights(data.weights_version)
    scores = weighting.score(w, data.answers)
    visit = ReintegrationVisit(
        return_id=row.id,
        operation_id=row.operation_id,
        visited_on=data.visited_on,
        answers=dict(data.answers),
        economic=scores.economic,
        social=scores.social,
        psychosocial=scores.psychosocial,
        overall=scores.overall,
        weights_version=scores.version,
        recorded_by=actor.label,
    )
    session.add(visit)
    audited(
        session,
        actor,
        "return.monitoring",
        "voluntary_return",
        str(row.id),
        ret=row.ref,
        weights=scores.version,
        overall=scores.overall,
    )
    return visit


__all__ = [
    "cancel_return",
    "load_return",
    "missing_sign_offs",
    "record_departure",
    "record_monitoring",
    "register_return",
    "sign_off",
]
