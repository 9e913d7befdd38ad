"""`refugio solutions scores …`: placement scores from models trained on past placements (one model per
locality, GeoMatch style). `train` reads PAST.csv and writes a model folder, printing each locality's
held-out quality (ROC AUC, Brier score) and the localities refused for too few placements; `predict`
writes the SCORES.csv that `refugio solutions match` and matching runs take. No database.

Thin: parses options, calls refugio.solutions.service.matching_files, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common

scores_app = typer.Typer(
    help="Placement scores from models trained on past placements (one per locality).", no_args_is_help=True
)


@scores_app.command("train")
def train(
    placements: Annotated[
        Path,
        typer.Option(
            "--placements",
            help="CSV: case_id,locality_id,children,adults,seniors,head_age,education,languages,skills,"
            "outcome (outcome 0 or 1).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder written: manifest.json and weights.npz.")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="What outcome=1 means, kept in the manifest.")
    ] = "employed within 90 days",
    min_placements: Annotated[
        int,
        typer.Option("--min-placements", min=10, help="Fewer past placements: no model for the locality."),
    ] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
) -> None:
    """Train one model per locality; print each one's quality on its held-out quarter."""
    from refugio.solutions.service.matching_files import train_scores

    done = common.run(
        lambda: train_scores(
            placements=placements, out=out, outcome=outcome, min_placements=min_placements, seed=seed
        )
    )
    typer.echo(
        f"{done.placements} past placements; {len(done.features)} features; scikit-learn {done.sklearn}"
    )
    typer.echo(f"{'locality':<16}{'placements':>11}{'positive':>9}{'AUC':>8}{'Brier':>8}{'base Brier':>11}")
    for q in done.quality:
        typer.echo(
            f"{q.locality_id:<16}{q.placements:>11}{q.positives:>9}{q.auc:>8.3f}{q.brier:>8.3f}"
            f"{q.base_rate * (1 - q.base_rate):>11.3f}"
        )
    for lid, why in done.refused.items():
        typer.secho(f"refused: locality {lid}: {why}; no model, so no score", fg=typer.colors.YELLOW)
    typer.echo(f"wrote {out} ({len(done.quality)} locality model(s), {len(done.refused)} refused)")


@scores_app.command("predict")
def predict(
    model: Annotated[Path, typer.Option("--model", help="Folder written by `scores train`.")],
    cases: Annotated[
        Path,
        typer.Option(
            "--cases",
            help="CSV: case_id,children,adults,seniors,head_age,education,languages,skills "
            "(other columns ignored).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV written: case_id,locality_id,score.")],
    localities: Annotated[
        Path | None,
        typer.Option("--localities", help="LOCALITIES.csv of the match: only these localities are scored."),
    ] = None,
) -> None:
    """Score every case for every modelled locality (the predicted probability of the outcome)."""
    from refugio.solutions.service.matching_files import predict_scores

    done = common.run(lambda: predict_scores(model=model, cases=cases, out=out, localities=localities))
    for lid in done.unmodelled:
        why = done.refused.get(lid, "not in the past placements")
        typer.secho(
            f"no model for locality {lid} ({why}): its pairs are left out (incompatible)",
            fg=typer.colors.YELLOW,
        )
    typer.echo(
        f"wrote {out}: {done.pairs} score(s) for {done.cases} case(s) x {done.localities} locality(ies) "
        f"(probability of: {done.outcome})"
    )
