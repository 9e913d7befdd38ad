"""Placement scores from models trained on past placements, as GeoMatch does (Bansak et al., Science
2018): one model per locality predicting an outcome (e.g. employment within 90 days) from the case's
features (refugio.solutions.matching.features); a case's score for a locality is that locality's
predicted probability. Each model is a scikit-learn logistic regression on standardised features,
its quality measured on a held-out quarter of the locality's past placements (ROC AUC and Brier
score), then refitted on all of them.

A locality with too few past placements, or too few of either outcome, gets no model (named, with the
reason): its pairs get no score, so they stay incompatible unless scored otherwise.

A model is a folder: `weights.npz` (the coefficients and the standardisation, numbers only: loading it
runs no code) and `manifest.json` (format and version, the scikit-learn version it was trained with, the
features and vocabularies, each locality's quality and the refused ones, and the SHA-256 of the
weights). Loading refuses another format version, another scikit-learn version and weights whose hash
differs. Imports numpy and scikit-learn (lazily, when training)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from refugio.core.errors import ValidationFailed
from refugio.solutions.matching import features as ft
from refugio.solutions.matching.problem import FloatArray

FORMAT = "refugio-placement-scores"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
MIN_PLACEMENTS = 50
MIN_PER_OUTCOME = 8
HELD_OUT = 0.25


def sklearn_version() -> str:
    return metadata.version("scikit-learn")


@dataclass
class Quality:
    locality_id: str
    placements: int
    positives: int
    auc: float
    brier: float
    base_rate: float  # the held-out share of positive outcomes (the Brier score of a constant is
    # base_rate * (1 - base_rate): a model must do better to help)


@dataclass
class ScoresModel:
    encoder: ft.Encoder
    locality_ids: list[str]
    mean: FloatArray  # locality x feature
    scale: FloatArray
    coef: FloatArray
    intercept: FloatArray  # per locality
    quality: list[Quality]
    refused: dict[str, str]  # locality -> why it has no model
    outcome: str
    trained_at: str
    sklearn: str

    def predict(self, rows: list[ft.CaseFeatures]) -> FloatArray:
        """Probabilities, case x locality (in `locality_ids` order)."""
        x = self.encoder.matrix(rows)
        z = np.einsum("clf,lf->cl", (x[:, None, :] - self.mean[None]) / self.scale[None], self.coef)
        return np.asarray(1.0 / (1.0 + np.exp(-(z + self.intercept[None, :]))), dtype=np.float64)


def train(
    rows: list[ft.CaseFeatures],
    *,
    outcome: str = "employed within 90 days",
    min_placements: int = MIN_PLACEMENTS,
    seed: int = 0,
) -> ScoresModel:
    """One model per locality of `rows`; ValidationFailed when no locality has enough placements."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    encoder = ft.Encoder.learn(rows)
    x_all = encoder.matrix(rows)
    y_all = np.array([r.outcome for r in rows], dtype=np.int64)
    by_locality: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_locality.setdefault(r.locality_id, []).append(i)
    kept: list[str] = []
    params: list[tuple[FloatArray, FloatArray, FloatArray, float]] = []
    quality: list[Quality] = []
    refused: dict[str, str] = {}
    for lid in sorted(by_locality):
        idx = np.array(by_locality[lid])
        y = y_all[idx]
        pos = int(y.sum())
        if len(idx) < min_placements:
            refused[lid] = f"{len(idx)} past placements (at least {min_placements} needed)"
            continue
        if min(pos, len(idx) - pos) < MIN_PER_OUTCOME:
            refused[lid] = (
                f"{pos} positive and {len(idx) - pos} negative outcomes "
                f"(at least {MIN_PER_OUTCOME} of each needed)"
            )
            continue
        x = x_all[idx]
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=HELD_OUT, stratify=y, random_state=seed)
        held = _fit(x_tr, y_tr, StandardScaler, LogisticRegression)
        p = _probability(held, x_te)
        quality.append(
            Quality(
                locality_id=lid,
                placements=len(idx),
                positives=pos,
                auc=float(roc_auc_score(y_te, p)),
                brier=float(brier_score_loss(y_te, p)),
                base_rate=float(y_te.mean()),
            )
        )
        params.append(_fit(x, y, StandardScaler, LogisticRegression))
        kept.append(lid)
    if not kept:
        why = "; ".join(f"{lid}: {reason}" for lid, reason in refused.items())
        raise ValidationFailed.single("placements", f"no locality can be modelled ({why})", "too_few")
    return ScoresModel(
        encoder=encoder,
        locality_ids=kept,
        mean=np.stack([p[0] for p in params]),
        scale=np.stack([p[1] for p in params]),
        coef=np.stack([p[2] for p in params]),
        intercept=np.array([p[3] for p in params]),
        quality=quality,
        refused=refused,
        outcome=outcome,
        trained_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        sklearn=sklearn_version(),
    )


def _fit(
    x: FloatArray, y: Any, scaler_cls: Any, model_cls: Any
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    scaler = scaler_cls().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = model_cls(C=1.0, max_iter=1000).fit((x - scaler.mean_) / scale, y)
    return (
        scaler.mean_.astype(np.float64),
        scale.astype(np.float64),
        model.coef_[0],
        float(model.intercept_[0]),
    )


def _probability(p: tuple[FloatArray, FloatArray, FloatArray, float], x: FloatArray) -> FloatArray:
    mean, scale, coef, intercept = p
    return np.asarray(1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ coef + intercept))), dtype=np.float64)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(model: ScoresModel, folder: Path) -> None:
    """The model as `folder/weights.npz` and `folder/manifest.json` (the manifest last: a folder
    without one is no model)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".weights.", suffix=".npz")
    os.close(fd)
    try:
        np.savez(
            tmp,
            locality_ids=np.array(model.locality_ids, dtype=np.str_),
            mean=model.mean,
            scale=model.scale,
            coef=model.coef,
            intercept=model.intercept,
        )
        os.replace(tmp, folder / WEIGHTS)
    finally:
        Path(tmp).unlink(missing_ok=True)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_version": model.sklearn,
        "trained_at": model.trained_at,
        "outcome": model.outcome,
        "estimator": "sklearn.linear_model.LogisticRegression(C=1.0) on standardised features",
        "features": model.encoder.names,
        "languages": model.encoder.languages,
        "skills": model.encoder.skills,
        "education_levels": list(ft.EDUCATION),
        "localities": [q.__dict__ for q in model.quality],
        "refused": model.refused,
        "weights_sha256": _sha256(folder / WEIGHTS),
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def load(folder: Path) -> ScoresModel:
    """The model in `folder`; refused (ValidationFailed naming why) when it is not one, is of another
    format version or scikit-learn version, or its weights do not match their hash."""

    def refuse(message: str, code: str = "model") -> ValidationFailed:
        return ValidationFailed.single("model", f"{folder}: {message}", code)

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise refuse(f"no readable {MANIFEST} ({exc})") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise refuse(
            f"format {manifest.get('format')!r} version {manifest.get('format_version')!r}; "
            f"this refugio reads {FORMAT} version {FORMAT_VERSION}",
            "version",
        )
    if manifest.get("sklearn_version") != sklearn_version():
        raise refuse(
            f"trained with scikit-learn {manifest.get('sklearn_version')}, this is {sklearn_version()}: "
            "train it again",
            "version",
        )
    weights = folder / WEIGHTS
    if not weights.is_file() or _sha256(weights) != manifest.get("weights_sha256"):
        raise refuse(f"{WEIGHTS} is missing or does not match the hash in {MANIFEST}", "hash")
    with np.load(weights, allow_pickle=False) as w:
        arrays = {k: w[k] for k in ("locality_ids", "mean", "scale", "coef", "intercept")}
    encoder = ft.Encoder(list(manifest["languages"]), list(manifest["skills"]))
    if manifest.get("features") != encoder.names or arrays["coef"].shape[1] != len(encoder.names):
        raise refuse("its features do not match its weights", "features")
    return ScoresModel(
        encoder=encoder,
        locality_ids=[str(x) for x in arrays["locality_ids"]],
        mean=arrays["mean"],
        scale=arrays["scale"],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        quality=[Quality(**q) for q in manifest["localities"]],
        refused=dict(manifest["refused"]),
        outcome=str(manifest["outcome"]),
        trained_at=str(manifest["trained_at"]),
        sklearn=str(manifest["sklearn_version"]),
    )


def write_scores(
    path: Path, model: ScoresModel, rows: list[ft.CaseFeatures], localities: list[str] | None = None
) -> tuple[int, list[str]]:
    """SCORES.csv (case_id,locality_id,score) for every case and modelled locality (of `localities`
    when given), written whole or not at all. Returns (pairs written, localities without a model)."""
    import csv

    wanted = model.locality_ids if localities is None else [x for x in localities if x in model.locality_ids]
    unmodelled = [] if localities is None else [x for x in localities if x not in model.locality_ids]
    column = {lid: j for j, lid in enumerate(model.locality_ids)}
    p = model.predict(rows)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["case_id", "locality_id", "score"])
            for i, r in enumerate(rows):
                for lid in wanted:
                    writer.writerow([r.case_id, lid, f"{p[i, column[lid]]:.6f}"])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows) * len(wanted), unmodelled
