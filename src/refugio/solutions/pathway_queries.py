"""Reads of complementary pathways: the offers in the reader's scope with their use, an offer with its
applications and the profiled candidates measured against its criteria (audited: it reads people's
profiles), a person's profile, and the figures per kind (departures from the country of asylum, not
arrivals)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.models import PathwayApplication, PathwayOffer, PathwayProfile
from refugio.solutions.schemas import ApplicationRead, Eligible, OfferDetail, OfferRead, ProfileRead
from refugio.solutions.service.pathways import AGAINST_PLACES, gaps_of


def _counts(session: Session, ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], int]:
    if not ids:
        return {}
    rows = session.execute(
        select(PathwayApplication.offer_id, PathwayApplication.status, func.count())
        .where(PathwayApplication.offer_id.in_(ids))
        .group_by(PathwayApplication.offer_id, PathwayApplication.status)
    )
    return {(o, s): int(n) for o, s, n in rows}


def _read(o: PathwayOffer, counts: dict[tuple[uuid.UUID, str], int]) -> OfferRead:
    mine = {s: n for (oid, s), n in counts.items() if oid == o.id}
    return OfferRead(
        id=o.id,
        ref=o.ref,
        operation_id=o.operation_id,
        kind=o.kind,
        title=o.title,
        provider=o.provider,
        destination_iso3=o.destination_iso3,
        places=o.places,
        criteria=o.criteria,
        closes_on=o.closes_on,
        accepted=sum(mine.get(s, 0) for s in AGAINST_PLACES),
        applications=sum(mine.values()),
    )


def list_offers(session: Session, *, actor: Principal) -> list[OfferRead]:
    offers = list(
        session.scalars(
            select(PathwayOffer)
            .where(policy.runs_clause(actor, PathwayOffer.operation_id))
            .order_by(PathwayOffer.created_at.desc())
        )
    )
    counts = _counts(session, [o.id for o in offers])
    return [_read(o, counts) for o in offers]


def find_offer(session: Session, key: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(key))
    except ValueError:
        found = session.scalar(select(PathwayOffer.id).where(PathwayOffer.ref == str(key).upper()))
        if found is None:
            raise NotFound("no such pathway offer") from None
        return found


def get_offer(session: Session, *, actor: Principal, offer_id: uuid.UUID) -> OfferDetail:
    offer = session.get(PathwayOffer, offer_id)
    if offer is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=offer.operation_id):
        raise NotFound("no such pathway offer")
    apps = list(
        session.scalars(
            select(PathwayApplication)
            .where(PathwayApplication.offer_id == offer.id)
            .order_by(PathwayApplication.created_at)
        )
    )
    profiles = list(
        session.scalars(select(PathwayProfile).where(PathwayProfile.operation_id == offer.operation_id))
    )
    people = registry.people_brief(
        session, [a.individual_id for a in apps] + [p.individual_id for p in profiles]
    )
    on_offer = {a.individual_id for a in apps}
    eligible: list[Eligible] = []
    if actor.can(Permission.RESETTLEMENT_MANAGE, operation_id=offer.operation_id):
        for p in profiles:
            who = people.get(p.individual_id)
            if who is None or p.individual_id in on_offer or who.status != "active":
                continue
            eligible.append(
                Eligible(
                    individual_id=p.individual_id, ref=who.ref, gaps=gaps_of(session, offer, p.individual_id)
                )
            )
        eligible.sort(key=lambda e: (bool(e.gaps), e.ref))
    audit.record(
        session,
        actor=actor,
        action="pathway.read",
        object_type="pathway_offer",
        object_id=str(offer.id),
        details={"offer": offer.ref, "candidates": len(eligible)},
    )
    counts = _counts(session, [offer.id])
    return OfferDetail(
        offer=_read(offer, counts),
        applications=[
            ApplicationRead(
                id=a.id,
                offer_id=a.offer_id,
                individual_id=a.individual_id,
                ref=people[a.individual_id].ref if a.individual_id in people else "?",
                status=a.status,
                history=a.history,
            )
            for a in apps
        ],
        eligible=eligible,
    )


def get_profile(session: Session, *, actor: Principal, individual_id: uuid.UUID) -> ProfileRead | None:
    row = session.scalar(select(PathwayProfile).where(PathwayProfile.individual_id == individual_id))
    if row is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=row.operation_id):
        return None
    person = registry.people_brief(session, [individual_id])[individual_id]
    audit.record(
        session,
        actor=actor,
        action="pathway.profile_read",
        object_type="individual",
        object_id=str(individual_id),
        details={"person": person.ref},
    )
    return ProfileRead(
        individual_id=individual_id,
        ref=person.ref,
        skills=row.skills,
        education=row.education,
        languages=row.languages,
    )


def pathway_figures(session: Session, *, actor: Principal) -> dict[str, Any]:
    """Per kind of pathway: offers, places, applications by status (people). `departed` counts
    departures from the country of asylum, not arrivals."""
    offers = list_offers(session, actor=actor)
    kinds: dict[str, dict[str, Any]] = {}
    statuses = Counter[tuple[str, str]]()
    ids = {o.id: o.kind for o in offers}
    for (oid, status), n in _counts(session, list(ids)).items():
        statuses[(ids[oid], status)] += n
    for o in offers:
        k = kinds.setdefault(o.kind, {"offers": 0, "places": 0, "applications": {}})
        k["offers"] += 1
        k["places"] += o.places
    for (kind, status), n in statuses.items():
        kinds[kind]["applications"][status] = n
    return {"by_kind": kinds, "note": "departed counts departures from the country of asylum, not arrivals"}
