"""Placement-score models API (under /solutions/matching/models): train a model from past placements
(one logistic regression per locality, GeoMatch style), list and read the operation's models with each
locality's held-out quality, and score cases for a matching run — the JSON rows a run's `scores` take,
or `format=csv` for the SCORES.csv of `refugio solutions match`. CSV files travel as text in the JSON
body. SOLUTIONS_VIEW reads, MATCHING_RUN trains and scores; both are audited.
"""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response, status

from refugio.api.deps import Caller, Db, container_of
from refugio.api.problems import responses
from refugio.solutions.score_schemas import ScoresModelRead, ScoresPredict, ScoresPrediction, ScoresTraining
from refugio.solutions.service import score_models

router = APIRouter(
    prefix="/matching/models", tags=["durable solutions"], responses=responses(401, 403, 404, 422)
)


@router.get("", response_model=list[ScoresModelRead], summary="The operation's placement-score models")
def list_models(
    operation_id: uuid.UUID, request: Request, session: Db, principal: Caller
) -> list[ScoresModelRead]:
    data_dir = container_of(request).settings.data_dir
    return score_models.list_models(session, actor=principal, data_dir=data_dir, operation_id=operation_id)


@router.post(
    "",
    response_model=ScoresModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Train a model from past placements (line-numbered errors; nothing kept when refused)",
)
def train_model(
    operation_id: uuid.UUID, data: ScoresTraining, request: Request, session: Db, principal: Caller
) -> ScoresModelRead:
    data_dir = container_of(request).settings.data_dir
    return score_models.train(
        session, actor=principal, data_dir=data_dir, operation_id=operation_id, data=data
    )


@router.get("/{model_id}", response_model=ScoresModelRead, summary="A model and its localities' quality")
def get_model(
    model_id: uuid.UUID, operation_id: uuid.UUID, request: Request, session: Db, principal: Caller
) -> ScoresModelRead:
    data_dir = container_of(request).settings.data_dir
    return score_models.get_model(
        session, actor=principal, data_dir=data_dir, operation_id=operation_id, model_id=model_id
    )


@router.post(
    "/{model_id}/scores",
    response_model=ScoresPrediction,
    summary="Score cases for every modelled locality (format=csv: case_id,locality_id,score)",
    responses={200: {"content": {"text/csv": {}}}},
)
def predict_scores(
    model_id: uuid.UUID,
    operation_id: uuid.UUID,
    data: ScoresPredict,
    request: Request,
    session: Db,
    principal: Caller,
    format: Literal["json", "csv"] = "json",
) -> ScoresPrediction | Response:
    done = score_models.predict(
        session,
        actor=principal,
        data_dir=container_of(request).settings.data_dir,
        operation_id=operation_id,
        model_id=model_id,
        cases_csv=data.cases_csv,
        localities_csv=data.localities_csv,
    )
    if format == "json":
        return done
    return Response(done.as_csv(), media_type="text/csv; charset=utf-8")
