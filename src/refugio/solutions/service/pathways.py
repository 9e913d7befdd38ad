"""Complementary pathways: offers with their criteria, candidates' profiles (skills, education,
languages), the shortlist (only a candidate who meets every criterion; for family reunification a
family link verified by tracing), applications moving through their stages, and acceptance never past
the offer's places. RESETTLEMENT_MANAGE in the operation; every write audited by reference. Flushes,
never commits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, ValidationFailed
from refugio.protection.tracing import queries as tracing
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.common import audited, new_ref
from refugio.solutions.enums import APPLICATION_MOVES, ApplicationStatus, Education, PathwayKind
from refugio.solutions.models import PathwayApplication, PathwayOffer, PathwayProfile
from refugio.solutions.schemas import ApplicationMove, OfferCreate, ProfileIn

AGAINST_PLACES = (ApplicationStatus.ACCEPTED.value, ApplicationStatus.DEPARTED.value)
LEVELS = [e.value for e in Education]


def create_offer(session: Session, *, actor: Principal, data: OfferCreate) -> PathwayOffer:
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=data.operation_id)
    c = data.criteria
    if c.min_age is not None and c.max_age is not None and c.min_age > c.max_age:
        raise ValidationFailed.single("criteria.max_age", "the maximum age is below the minimum", "range")
    if data.closes_on is not None and data.closes_on < clock.today():
        raise ValidationFailed.single("closes_on", "an offer closes today or later", "in_past")
    criteria = c.model_dump(mode="json")
    if data.kind is PathwayKind.FAMILY_REUNIFICATION:
        criteria["family_link"] = True
    row = PathwayOffer(
        ref=new_ref("CP", registry.operation_code(session, data.operation_id)),
        operation_id=data.operation_id,
        kind=data.kind.value,
        title=data.title,
        provider=data.provider,
        destination_iso3=data.destination_iso3,
        places=data.places,
        criteria=criteria,
        closes_on=data.closes_on,
        created_by=actor.label,
    )
    session.add(row)
    audited(session, actor, "pathway.offer", "pathway_offer", str(row.id), offer=row.ref, places=row.places)
    return row


def set_profile(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: ProfileIn
) -> PathwayProfile:
    person = registry.people_brief(session, [individual_id]).get(individual_id)
    if person is None:
        raise NotFound("no such individual")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=person.operation_id, site_id=person.site_id)
    row = session.scalar(select(PathwayProfile).where(PathwayProfile.individual_id == individual_id))
    if row is None:
        row = PathwayProfile(individual_id=individual_id, operation_id=person.operation_id)
        session.add(row)
    row.skills = sorted(set(data.skills))
    row.education, row.languages, row.updated_by = (
        data.education.value,
        sorted(set(data.languages)),
        actor.label,
    )
    audited(session, actor, "pathway.profile", "individual", str(individual_id), person=person.ref)
    return row


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def criteria_gaps(
    criteria: dict[str, Any], *, age: int, languages: list[str], profile: PathwayProfile | None, linked: bool
) -> list[str]:
    """What a candidate lacks for an offer (empty: eligible), in plain words."""
    gaps: list[str] = []
    if criteria.get("min_age") is not None and age < criteria["min_age"]:
        gaps.append(f"aged {age}, the minimum is {criteria['min_age']}")
    if criteria.get("max_age") is not None and age > criteria["max_age"]:
        gaps.append(f"aged {age}, the maximum is {criteria['max_age']}")
    spoken = set(languages) | set(profile.languages if profile else [])
    if criteria.get("languages") and not spoken & set(criteria["languages"]):
        gaps.append(f"speaks none of {', '.join(criteria['languages'])}")
    wanted = criteria.get("education")
    if wanted and (profile is None or LEVELS.index(profile.education) < LEVELS.index(wanted)):
        gaps.append(f"education below {wanted}" if profile else "no profile (education unknown)")
    if criteria.get("skills") and not set(profile.skills if profile else []) & set(criteria["skills"]):
        gaps.append(f"none of the skills {', '.join(criteria['skills'])}")
    if criteria.get("family_link") and not linked:
        gaps.append("no family link verified by tracing")
    return gaps


def gaps_of(session: Session, offer: PathwayOffer, individual_id: uuid.UUID) -> list[str]:
    person = registry.people_brief(session, [individual_id]).get(individual_id)
    if person is None:
        raise NotFound("no such individual")
    profile = session.scalar(select(PathwayProfile).where(PathwayProfile.individual_id == individual_id))
    linked = bool(offer.criteria.get("family_link")) and bool(
        tracing.verified_relatives(session, individual_id=individual_id)
    )
    return criteria_gaps(
        offer.criteria,
        age=age_on(person.date_of_birth, clock.today()),
        languages=person.languages,
        profile=profile,
        linked=linked,
    )


def _offer(session: Session, actor: Principal, offer_id: uuid.UUID) -> PathwayOffer:
    offer = session.get(PathwayOffer, offer_id)
    if offer is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=offer.operation_id):
        raise NotFound("no such pathway offer")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=offer.operation_id)
    return offer


def shortlist(
    session: Session, *, actor: Principal, offer_id: uuid.UUID, individual_id: uuid.UUID
) -> PathwayApplication:
    """Put a candidate who meets every criterion on an open offer's shortlist."""
    offer = _offer(session, actor, offer_id)
    if offer.closes_on is not None and offer.closes_on < clock.today():
        raise Conflict(f"offer {offer.ref} closed on {offer.closes_on.isoformat()}")
    person = registry.people_brief(session, [individual_id]).get(individual_id)
    if person is None or person.operation_id != offer.operation_id or person.status != "active":
        raise ValidationFailed.single("individual_id", "no active person of this operation", "unknown")
    gaps = gaps_of(session, offer, individual_id)
    if gaps:
        raise ValidationFailed.single(
            "individual_id", f"{person.ref} does not meet the criteria: {'; '.join(gaps)}"
        )
    if session.scalar(
        select(PathwayApplication.id).where(
            PathwayApplication.offer_id == offer.id, PathwayApplication.individual_id == individual_id
        )
    ):
        raise Conflict(f"{person.ref} is already on offer {offer.ref}")
    row = PathwayApplication(
        offer_id=offer.id,
        individual_id=individual_id,
        status=ApplicationStatus.SHORTLISTED.value,
        history=[{"status": "shortlisted", "on": clock.today().isoformat(), "by": actor.label, "note": ""}],
    )
    session.add(row)
    audited(session, actor, "pathway.shortlist", "pathway_application", str(row.id), offer=offer.ref)
    return row


def move(
    session: Session, *, actor: Principal, application_id: uuid.UUID, data: ApplicationMove
) -> PathwayApplication:
    """An application's next stage; acceptance never past the offer's places; a rejection or a
    withdrawal says why."""
    row = session.get(PathwayApplication, application_id)
    if row is None:
        raise NotFound("no such application")
    offer = _offer(session, actor, row.offer_id)
    allowed = APPLICATION_MOVES[row.status]
    if data.status.value not in allowed:
        raise Conflict(
            f"the application is {row.status}: it can become {', '.join(allowed) or 'nothing else'}"
        )
    if data.status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN) and len(data.note) < 3:
        raise ValidationFailed.single("note", f"say why it is {data.status.value}", "required")
    if data.status is ApplicationStatus.ACCEPTED:
        taken = session.scalar(
            select(func.count()).where(
                PathwayApplication.offer_id == offer.id, PathwayApplication.status.in_(AGAINST_PLACES)
            )
        )
        if (taken or 0) >= offer.places:
            raise ValidationFailed.single(
                "status", f"offer {offer.ref} has its {offer.places} place(s) taken", "places_full"
            )
    row.status = data.status.value
    step = {"status": row.status, "on": clock.today().isoformat(), "by": actor.label, "note": data.note}
    row.history = [*row.history, step]
    audited(session, actor, f"pathway.{row.status}", "pathway_application", str(row.id), offer=offer.ref)
    return row
