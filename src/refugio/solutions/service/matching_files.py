"""`refugio solutions match` as a domain call: read the three CSV files (line-numbered errors), solve,
write OUT.csv only when all went well; and the placement-score models (train from PAST.csv, predict
SCORES.csv). No database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from refugio.solutions.matching import features, files, scores_model, solve


@dataclass(frozen=True)
class FileMatch:
    cases: int
    placed: int
    localities: int
    dimensions: tuple[str, ...]
    method: str
    seconds: float
    summary: str  # objective=… bound=… gap=…


def match_files(*, cases: Path, localities: Path, scores: Path, out: Path, time_limit: float) -> FileMatch:
    problem = files.read(cases, localities, scores)
    result = solve.match(problem, time_limit=time_limit)
    files.write(out, problem, result.assignment)
    return FileMatch(
        cases=problem.n_cases,
        placed=int((result.assignment >= 0).sum()),
        localities=problem.n_localities,
        dimensions=problem.dimensions,
        method=result.method,
        seconds=result.seconds,
        summary=result.summary(),
    )


def read_proposal_rows(cases: Path, localities: Path, scores: Path) -> files.Rows:
    """The checked rows of the three files, for a run stored in the database."""
    return files.read_rows(cases, localities, scores)


@dataclass(frozen=True)
class TrainedScores:
    placements: int
    quality: list[scores_model.Quality]
    refused: dict[str, str]
    features: list[str]
    sklearn: str


def train_scores(
    *, placements: Path, out: Path, outcome: str, min_placements: int, seed: int = 0
) -> TrainedScores:
    """Train one model per locality from PAST.csv and save it in the folder `out`."""
    rows = features.read(placements, past=True)
    model = scores_model.train(rows, outcome=outcome, min_placements=min_placements, seed=seed)
    scores_model.save(model, out)
    return TrainedScores(len(rows), model.quality, model.refused, model.encoder.names, model.sklearn)


@dataclass(frozen=True)
class PredictedScores:
    cases: int
    localities: int
    pairs: int
    unmodelled: list[str]  # localities of the LOCALITIES file that have no model
    refused: dict[str, str]  # localities refused at training, with why
    outcome: str


def predict_scores(*, model: Path, cases: Path, out: Path, localities: Path | None = None) -> PredictedScores:
    """SCORES.csv for `refugio solutions match` from a trained model and CASES.csv (with features)."""
    loaded = scores_model.load(model)
    rows = features.read(cases, past=False)
    wanted = files.locality_ids(localities) if localities is not None else None
    pairs, unmodelled = scores_model.write_scores(out, loaded, rows, wanted)
    return PredictedScores(
        cases=len(rows),
        localities=len(loaded.locality_ids) if wanted is None else len(wanted) - len(unmodelled),
        pairs=pairs,
        unmodelled=unmodelled,
        refused=loaded.refused,
        outcome=loaded.outcome,
    )
