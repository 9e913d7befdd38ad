"""Complementary pathways API (under /solutions/pathways): offers with criteria, candidates' profiles,
the shortlist (every criterion met; family reunification needs a family link verified by tracing),
applications through their stages (acceptance never past the places), and the figures per kind
(departures from the country of asylum, not arrivals). SOLUTIONS_VIEW reads, RESETTLEMENT_MANAGE writes;
profiles and offers' candidates are audited reads. Offers are addressed by id or reference (`CP-JOR-…`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.core.errors import NotFound
from refugio.solutions import queries
from refugio.solutions.schemas import (
    ApplicationMove,
    ApplicationRead,
    OfferCreate,
    OfferDetail,
    OfferRead,
    ProfileIn,
    ProfileRead,
)
from refugio.solutions.service import pathways

router = APIRouter(prefix="/pathways", tags=["durable solutions"], responses=responses(401, 403, 404, 422))


class ShortlistIn(BaseModel):
    individual_id: uuid.UUID


@router.get("/offers", response_model=list[OfferRead], summary="Pathway offers in your scope")
def list_offers(session: Db, principal: Caller) -> list[OfferRead]:
    return queries.list_offers(session, actor=principal)


@router.post(
    "/offers", response_model=OfferDetail, status_code=status.HTTP_201_CREATED, summary="Add an offer"
)
def create_offer(data: OfferCreate, session: Db, principal: Caller) -> OfferDetail:
    row = pathways.create_offer(session, actor=principal, data=data)
    return queries.get_offer(session, actor=principal, offer_id=row.id)


@router.get("/offers/{key}", response_model=OfferDetail, summary="An offer, its applications, its candidates")
def get_offer(key: str, session: Db, principal: Caller) -> OfferDetail:
    return queries.get_offer(session, actor=principal, offer_id=queries.find_offer(session, key))


@router.post("/offers/{key}/shortlist", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def shortlist(key: str, data: ShortlistIn, session: Db, principal: Caller) -> ApplicationRead:
    offer_id = queries.find_offer(session, key)
    row = pathways.shortlist(session, actor=principal, offer_id=offer_id, individual_id=data.individual_id)
    detail = queries.get_offer(session, actor=principal, offer_id=offer_id)
    return next(a for a in detail.applications if a.id == row.id)


@router.post("/applications/{application_id}/status", response_model=ApplicationRead)
def move(application_id: uuid.UUID, data: ApplicationMove, session: Db, principal: Caller) -> ApplicationRead:
    row = pathways.move(session, actor=principal, application_id=application_id, data=data)
    detail = queries.get_offer(session, actor=principal, offer_id=row.offer_id)
    return next(a for a in detail.applications if a.id == row.id)


@router.put("/profiles/{individual_id}", response_model=ProfileRead, summary="Set a candidate's profile")
def set_profile(individual_id: uuid.UUID, data: ProfileIn, session: Db, principal: Caller) -> ProfileRead:
    pathways.set_profile(session, actor=principal, individual_id=individual_id, data=data)
    found = queries.get_profile(session, actor=principal, individual_id=individual_id)
    assert found is not None
    return found


@router.get("/profiles/{individual_id}", response_model=ProfileRead, summary="A candidate's profile")
def get_profile(individual_id: uuid.UUID, session: Db, principal: Caller) -> ProfileRead:
    found = queries.get_profile(session, actor=principal, individual_id=individual_id)
    if found is None:
        raise NotFound("no profile for this person")
    return found


@router.get("/figures", summary="Offers, places and applications by status, per kind of pathway")
def figures(session: Db, principal: Caller) -> dict[str, Any]:
    return queries.pathway_figures(session, actor=principal)
