"""Deduplication API: the desk check, the review queue with each pair side by side and the reasons,
decisions (same person → merge, different people → remembered), unmerge, models and thresholds, runs.

Permissions: the desk check needs SEARCH_RUN (or DEDUP_VIEW) for the operation and shows only people the
caller may see; reading the queue needs DEDUP_VIEW; decisions, runs, training and thresholds need
DEDUP_DECIDE (checked by refugio.dedup). Every decision is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.core.errors import NotFound
from refugio.dedup import policy, queries, service
from refugio.dedup.schemas import (
    Decision,
    DeskCheck,
    DeskResult,
    ImportLinkage,
    MergeRead,
    ModelRead,
    PairRead,
    RunRead,
    Thresholds,
)

router = APIRouter(prefix="/dedup", tags=["deduplication"], responses=responses(401, 403, 404, 422))


class QueueOut(BaseModel):
    total: int
    items: list[PairRead]


class RunIn(BaseModel):
    operation_id: uuid.UUID
    scope: Literal["population", "batch"] = "population"
    household_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100_000)


class TrainIn(BaseModel):
    operation_id: uuid.UUID
    sample: Annotated[int, Field(ge=100, le=5_000_000)] = service.TRAIN_SAMPLE


@router.post(
    "/desk-check",
    response_model=DeskResult,
    summary="Is this person already registered? Likely existing matches with their probability",
)
def desk_check(data: DeskCheck, session: Db, principal: Caller) -> DeskResult:
    """Takes the person fields of a household member being registered (as typed so far), the site, and
    optionally the other members; nothing about the person is saved."""
    return service.desk_check(session, actor=principal, query=data)


@router.get("/pairs", response_model=QueueOut, summary="The review queue (strongest pairs first)")
def list_pairs(
    session: Db,
    principal: Caller,
    status: Literal["pending", "same", "different"] = "pending",
    operation_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QueueOut:
    policy.require_view(principal, operation_id)
    items, total = queries.review_queue(
        session, actor=principal, status=status, operation_id=operation_id, limit=limit, offset=offset
    )
    return QueueOut(total=total, items=items)


@router.get(
    "/pairs/{pair_id}", response_model=PairRead, summary="One candidate pair side by side, with the reasons"
)
def get_pair(pair_id: str, session: Db, principal: Caller) -> PairRead:
    return queries.pair(session, actor=principal, pair_id=parse_id(pair_id, "pair"))


@router.post(
    "/pairs/{pair_id}/same",
    response_model=MergeRead,
    responses=responses(409),
    summary="Same person: merge (both records and histories are kept; reversible)",
)
def same_person(pair_id: str, data: Decision, session: Db, principal: Caller) -> MergeRead:
    return service.confirm_duplicate(
        session,
        actor=principal,
        pair_id=parse_id(pair_id, "pair"),
        reason=data.reason,
        survivor_id=data.survivor_id,
    )


@router.post(
    "/pairs/{pair_id}/different",
    response_model=PairRead,
    responses=responses(409),
    summary="Different people: remembered, the pair is not raised again",
)
def different_people(pair_id: str, data: Decision, session: Db, principal: Caller) -> PairRead:
    pair = service.reject_duplicate(
        session, actor=principal, pair_id=parse_id(pair_id, "pair"), reason=data.reason
    )
    return queries.pair(session, actor=principal, pair_id=pair.id)


@router.post(
    "/merges/{merge_id}/undo", response_model=MergeRead, responses=responses(409), summary="Undo a merge"
)
def undo_merge(merge_id: str, data: Decision, session: Db, principal: Caller) -> MergeRead:
    return service.unmerge(session, actor=principal, merge_id=parse_id(merge_id, "merge"), reason=data.reason)


@router.get("/merges", response_model=list[MergeRead], summary="Merges, latest first")
def list_merges(session: Db, principal: Caller, individual_id: uuid.UUID | None = None) -> list[MergeRead]:
    policy.require_view(principal)
    return queries.merges(session, actor=principal, individual_id=individual_id)


@router.get("/models", response_model=list[ModelRead], summary="Stored models per operation (versions)")
def list_models(session: Db, principal: Caller, operation_id: uuid.UUID | None = None) -> list[ModelRead]:
    policy.require_view(principal, operation_id)
    return queries.models(session, actor=principal, operation_id=operation_id)


@router.post("/models", response_model=ModelRead, status_code=201, summary="Train a new model version")
def train(data: TrainIn, session: Db, principal: Caller) -> ModelRead:
    row = service.train_model(session, actor=principal, operation_id=data.operation_id, sample=data.sample)
    return queries.model(session, actor=principal, model_id=row.id)


@router.put(
    "/models/{model_id}/thresholds", response_model=ModelRead, summary="Set the thresholds (match weights)"
)
def thresholds(model_id: str, data: Thresholds, session: Db, principal: Caller) -> ModelRead:
    row = service.set_thresholds(
        session,
        actor=principal,
        model_id=parse_id(model_id, "model"),
        review_weight=data.review_weight,
        match_weight=data.match_weight,
    )
    return queries.model(session, actor=principal, model_id=row.id)


@router.post(
    "/runs", response_model=RunRead, status_code=201, summary="Find duplicates (population or batch)"
)
def run(data: RunIn, session: Db, principal: Caller) -> RunRead:
    if data.scope == "batch":
        r = service.run_batch(
            session, actor=principal, operation_id=data.operation_id, household_ids=data.household_ids
        )
    else:
        r = service.run_population(session, actor=principal, operation_id=data.operation_id)
    return queries.run(session, actor=principal, run_id=r.id)


@router.get(
    "/imports/{batch_id}/linkage",
    response_model=ImportLinkage,
    summary="How far the background linkage of a committed import has gone (pairs to the review queue)",
)
def import_linkage(batch_id: str, session: Db, principal: Caller) -> ImportLinkage:
    """Started by the commit of the import, in the background; 404 until it has started."""
    found = service.import_linkage(session, actor=principal, batch_id=parse_id(batch_id, "import"))
    if found is None:
        raise NotFound("no linkage for this import (not committed yet, or just starting)")
    return found
