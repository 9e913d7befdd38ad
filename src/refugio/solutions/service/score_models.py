"""Placement-score models kept by refugio for an operation (the web and API side of `refugio solutions
scores`): train one from past placements sent as CSV text, list and read them, and predict the scores
of cases for a matching run.

A model lives in the data folder, `<data>/scores-models/<operation id>/<model id>/`: the two files of
`matching.scores_model.save` (numbers and a manifest; loading runs no code and checks the weights' hash)
plus `about.json` (name, who trained it and when, how many past placements). The database holds no
copy: the folder is the model, like the export archives. SOLUTIONS_VIEW in the operation reads them,
MATCHING_RUN trains and predicts; training and predicting are audited (counts, never the rows).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import NotFound, ValidationFailed
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.common import audited
from refugio.solutions.matching import features, scores_model
from refugio.solutions.score_schemas import (
    LocalityQuality,
    PredictedScore,
    ScoresModelRead,
    ScoresPrediction,
    ScoresTraining,
)

FOLDER = "scores-models"
ABOUT = "about.json"
MAX_CSV_CHARS = 1_500_000  # the API's body limit is 2 MB; the web form's the same


def _operation_folder(data_dir: Path, operation_id: uuid.UUID) -> Path:
    return data_dir / FOLDER / str(operation_id)


def _checked_text(field: str, text: str) -> str:
    if not text.strip():
        raise ValidationFailed.single(field, "the CSV is empty", "required")
    if len(text) > MAX_CSV_CHARS:
        raise ValidationFailed.single(field, f"the CSV is over {MAX_CSV_CHARS:,} characters", "too_long")
    return text


def _read_csv(field: str, text: str, *, past: bool) -> list[features.CaseFeatures]:
    """The rows of CSV text sent in a request, with the file reader's line-numbered errors (named after
    the request field instead of a file)."""
    with tempfile.TemporaryDirectory(prefix="refugio-scores-") as tmp:
        path = Path(tmp) / field
        path.write_text(_checked_text(field, text), encoding="utf-8")
        return features.read(path, past=past)


def _read(folder: Path, model_id: uuid.UUID, operation_id: uuid.UUID) -> ScoresModelRead:
    about = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
    manifest = json.loads((folder / scores_model.MANIFEST).read_text(encoding="utf-8"))
    return ScoresModelRead(
        id=model_id,
        operation_id=operation_id,
        name=about["name"],
        outcome=manifest["outcome"],
        trained_at=manifest["trained_at"],
        trained_by=about["trained_by"],
        placements=about["placements"],
        sklearn=manifest["sklearn_version"],
        features=list(manifest["features"]),
        localities=[LocalityQuality(**q) for q in manifest["localities"]],
        refused=dict(manifest["refused"]),
    )


def train(
    session: Session,
    *,
    actor: Principal,
    data_dir: Path,
    operation_id: uuid.UUID,
    data: ScoresTraining,
) -> ScoresModelRead:
    """Train a model from `data.placements_csv` (PAST.csv's columns) and keep it; nothing is kept when
    the CSV or the training is refused."""
    policy.require_run(actor, operation_id)
    rows = _read_csv("placements_csv", data.placements_csv, past=True)
    model = scores_model.train(rows, outcome=data.outcome, min_placements=data.min_placements, seed=data.seed)
    model_id = uuid.uuid4()
    parent = _operation_folder(data_dir, operation_id)
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=parent))
    try:
        scores_model.save(model, building)
        about = {"name": data.name, "trained_by": actor.label, "placements": len(rows)}
        (building / ABOUT).write_text(json.dumps(about, ensure_ascii=False) + "\n", encoding="utf-8")
        audited(
            session,
            actor,
            "matching.scores_model.train",
            "scores_model",
            str(model_id),
            operation_id=str(operation_id),
            placements=len(rows),
            localities=len(model.locality_ids),
            refused=len(model.refused),
        )
        building.rename(parent / str(model_id))
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return _read(parent / str(model_id), model_id, operation_id)


def list_models(
    session: Session, *, actor: Principal, data_dir: Path, operation_id: uuid.UUID
) -> list[ScoresModelRead]:
    """The operation's models, newest first (a folder without its files is skipped: not a model)."""
    policy.require_view(actor, operation_id)
    parent = _operation_folder(data_dir, operation_id)
    found: list[ScoresModelRead] = []
    for folder in parent.iterdir() if parent.is_dir() else ():
        try:
            model_id = uuid.UUID(folder.name)
        except ValueError:
            continue
        if (folder / ABOUT).is_file() and (folder / scores_model.MANIFEST).is_file():
            found.append(_read(folder, model_id, operation_id))
    return sorted(found, key=lambda m: m.trained_at, reverse=True)


def _folder(data_dir: Path, operation_id: uuid.UUID, model_id: uuid.UUID) -> Path:
    folder = _operation_folder(data_dir, operation_id) / str(model_id)
    if not (folder / ABOUT).is_file():
        raise NotFound(f"no placement-score model {model_id} in this operation")
    return folder


def get_model(
    session: Session, *, actor: Principal, data_dir: Path, operation_id: uuid.UUID, model_id: uuid.UUID
) -> ScoresModelRead:
    policy.require_view(actor, operation_id)
    return _read(_folder(data_dir, operation_id, model_id), model_id, operation_id)


@dataclass(frozen=True)
class _Wanted:
    localities: list[str] | None


def _wanted_localities(text: str | None) -> _Wanted:
    """The locality ids of LOCALITIES.csv's first column (`locality_id`), when sent."""
    if text is None or not text.strip():
        return _Wanted(None)
    lines = [line.split(",")[0].strip() for line in _checked_text("localities_csv", text).splitlines()]
    if not lines or lines[0] != "locality_id":
        raise ValidationFailed.single(
            "localities_csv", "localities_csv line 1: the first column must be locality_id", "header"
        )
    ids = [x for x in lines[1:] if x]
    if not ids:
        raise ValidationFailed.single("localities_csv", "localities_csv has no rows", "empty")
    return _Wanted(ids)


def predict(
    session: Session,
    *,
    actor: Principal,
    data_dir: Path,
    operation_id: uuid.UUID,
    model_id: uuid.UUID,
    cases_csv: str,
    localities_csv: str | None = None,
) -> ScoresPrediction:
    """Every case's score for every modelled locality (of `localities_csv` when sent): the rows a
    matching run's `scores` take. Localities without a model are named (their pairs stay incompatible)."""
    policy.require_run(actor, operation_id)
    folder = _folder(data_dir, operation_id, model_id)
    model = scores_model.load(folder)
    rows = _read_csv("cases_csv", cases_csv, past=False)
    wanted = _wanted_localities(localities_csv).localities
    scored = model.locality_ids if wanted is None else [x for x in wanted if x in model.locality_ids]
    unmodelled = [] if wanted is None else [x for x in wanted if x not in model.locality_ids]
    column = {lid: j for j, lid in enumerate(model.locality_ids)}
    p = model.predict(rows)
    scores = [
        PredictedScore(case_ref=r.case_id, locality_ref=lid, score=round(float(p[i, column[lid]]), 6))
        for i, r in enumerate(rows)
        for lid in scored
    ]
    audited(
        session,
        actor,
        "matching.scores_model.predict",
        "scores_model",
        str(model_id),
        operation_id=str(operation_id),
        cases=len(rows),
        localities=len(scored),
    )
    return ScoresPrediction(
        model_id=model_id,
        outcome=model.outcome,
        cases=len(rows),
        localities=len(scored),
        unmodelled={lid: model.refused.get(lid, "not in the past placements") for lid in unmodelled},
        scores=scores,
        predicted_at=clock.now(),
    )
