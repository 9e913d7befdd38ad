"""Request and read models of the placement-score models kept for an operation (Pydantic)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from pydantic import BaseModel, ConfigDict, Field


class ScoresTraining(BaseModel):
    """Train a model: the past placements as CSV text (case_id,locality_id,children,adults,seniors,
    head_age,education,languages,skills,outcome), what outcome=1 means, and the training's settings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=3, max_length=120, description="What the model is, for the people who pick it."
    )
    placements_csv: str = Field(min_length=1, description="PAST.csv as text (UTF-8).")
    outcome: str = Field(default="employed within 90 days", min_length=3, max_length=200)
    min_placements: int = Field(default=50, ge=10, le=100_000)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class ScoresPredict(BaseModel):
    """Score cases: CASES.csv as text (case_id,children,adults,seniors,head_age,education,languages,
    skills) and optionally LOCALITIES.csv (only its localities are scored)."""

    model_config = ConfigDict(extra="forbid")

    cases_csv: str = Field(min_length=1)
    localities_csv: str | None = None


class LocalityQuality(BaseModel):
    """A locality's model measured on its held-out quarter: ROC AUC, and the Brier score beside a
    constant forecast's (base_rate × (1 − base_rate))."""

    locality_id: str
    placements: int
    positives: int
    auc: float
    brier: float
    base_rate: float


class ScoresModelRead(BaseModel):
    id: uuid.UUID
    operation_id: uuid.UUID
    name: str
    outcome: str
    trained_at: str
    trained_by: str
    placements: int
    sklearn: str
    features: list[str]
    localities: list[LocalityQuality]
    refused: dict[str, str]  # locality → why it has no model


class PredictedScore(BaseModel):
    case_ref: str
    locality_ref: str
    score: float


class ScoresPrediction(BaseModel):
    """The scores, as a matching run's `scores` take them; `unmodelled`: localities asked for that have
    no model, with why (their pairs stay incompatible unless scored otherwise)."""

    model_id: uuid.UUID
    outcome: str
    cases: int
    localities: int
    unmodelled: dict[str, str]
    scores: list[PredictedScore]
    predicted_at: dt.datetime

    def as_csv(self) -> str:
        """SCORES.csv (`case_id,locality_id,score`), the file `refugio solutions match --scores` takes."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["case_id", "locality_id", "score"])
        writer.writerows((s.case_ref, s.locality_ref, f"{s.score:.6f}") for s in self.scores)
        return out.getvalue()


class RunSettings(BaseModel):
    """A matching run's title and the solver's time limit, checked on their own before its files."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    time_limit: float = Field(default=10.0, gt=0, le=600)
