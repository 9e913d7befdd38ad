"""`refugio dedup …`: standalone CSV linkage, the index, model training, runs and the review queue.

Thin: parses options, opens one unit of work per command, calls refugio.dedup, prints results.
The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common

dedup_app = typer.Typer(
    help="Deduplication: link a CSV file, index registered people, train models, find and review duplicates.",
    no_args_is_help=True,
)

EngineOption = Annotated[str, typer.Option("--engine", help="duckdb (embedded) or spark (local pyspark).")]
OperationOption = Annotated[str | None, typer.Option("--operation", help="Operation code, e.g. JOR.")]


@dedup_app.command("link")
def link(
    input: Annotated[Path, typer.Argument(help="CSV with record_id,given_name,middle_name,family_name,…")],
    out: Annotated[Path, typer.Option("--out", help="Where to write record_id,cluster_id.")],
    model: Annotated[
        Path | None, typer.Option("--model", help="Use this trained model (JSON) instead of training one.")
    ] = None,
    save_model: Annotated[
        Path | None, typer.Option("--save-model", help="Also save the model used here.")
    ] = None,
    engine: EngineOption = "duckdb",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Match weight at or above which two records are linked.")
    ] = 6.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampling in training.")] = 42,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Link the records of INPUT into people: OUTPUT has every record once with its cluster_id.

    Trains its own model on INPUT (EM on sampled pairs) unless given --model. Needs no database.
    """
    from refugio.dedup import link as linking
    from refugio.dedup.engine import ENGINES

    if engine not in ENGINES:
        common.fail(f"--engine must be one of {', '.join(ENGINES)}")
    if model is not None and not model.is_file():
        common.fail(f"--model {model} is not a file")
    say = None if quiet else (lambda msg: typer.echo(msg, err=True))
    report = common.run(
        lambda: linking.link_file(
            input,
            out,
            model_path=model,
            save_model_path=save_model,
            engine=engine,
            threshold=threshold,
            seed=seed,
            progress=say,
        )
    )
    if not quiet:
        for note in report.notes:
            typer.echo(f"note: {note}", err=True)
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
        typer.echo(f"{report.records} records, {report.clusters} clusters ({timing})", err=True)


@dedup_app.command("index")
@common.with_options()
def index_cmd(
    target: common.Target,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-index everyone from scratch.")] = False,
) -> None:
    """Bring the index of registered people up to date (the desk check and the runs use it)."""
    from refugio.dedup import index, service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        n = common.run(lambda: service.index_people(s, actor=actor, rebuild=rebuild))
        c = index.counts(s)
    typer.echo(f"indexed {n} people; the index holds {c['people']} people and {c['keys']} keys")


@dedup_app.command("train")
@common.with_options(operation=True)
def train(
    target: common.Target,
    engine: EngineOption = "duckdb",
    sample: Annotated[int, typer.Option("--sample", help="Train on at most this many people.")] = 300_000,
    review: Annotated[float | None, typer.Option("--review-weight", help="Review threshold.")] = None,
    match: Annotated[float | None, typer.Option("--match-weight", help="Likely-match threshold.")] = None,
) -> None:
    """Train a new version of the operation's model on its registered people; it becomes active."""
    from refugio.dedup import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    op_id = target.operation_id(container)
    with unit_of_work(container.sessions) as s:
        row = common.run(
            lambda: service.train_model(
                s,
                actor=actor,
                operation_id=op_id,
                engine=engine,
                sample=sample,
                review_weight=review,
                match_weight=match,
            )
        )
        typer.echo(
            f"model version {row.version}: trained on {row.records_seen} people"
            f" ({'trained' if row.trained else 'prior parameters'}); review ≥ {row.review_weight}, "
            f"likely ≥ {row.match_weight}"
        )
        for note in row.notes:
            typer.echo(f"note: {note}", err=True)


@dedup_app.command("thresholds")
@common.with_options(operation=True)
def thresholds(
    target: common.Target,
    review: Annotated[
        float, typer.Option("--review-weight", help="Pairs at or above go to the review queue.")
    ],
    match: Annotated[float, typer.Option("--match-weight", help="Pairs at or above are shown as likely.")],
) -> None:
    """Set the thresholds (match weights) of the operation's active model."""
    from refugio.dedup import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    op_id = target.operation_id(container)
    with unit_of_work(container.sessions) as s:
        row = service.active_model(s, op_id)
        if row is None:
            common.fail("the operation has no model yet: run `refugio dedup train` first")
        model_id = row.id
        common.run(
            lambda: service.set_thresholds(
                s, actor=actor, model_id=model_id, review_weight=review, match_weight=match
            )
        )
    typer.echo(f"review ≥ {review}, likely ≥ {match}")


@dedup_app.command("run")
@common.with_options(operation=True)
def run(
    target: common.Target,
    engine: EngineOption = "duckdb",
) -> None:
    """Everyone registered in the operation against everyone: new candidate pairs join the review queue."""
    from refugio.dedup import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    op_id = target.operation_id(container)
    with unit_of_work(container.sessions) as s:
        r = common.run(lambda: service.run_population(s, actor=actor, operation_id=op_id, engine=engine))
        typer.echo(
            f"{r.records} people compared: {r.pairs_found} candidate pairs, {r.pairs_new} new in the queue"
        )


@dedup_app.command("queue")
@common.with_options(operation=True)
def queue(
    target: common.Target,
    status: Annotated[str, typer.Option("--status", help="pending, same or different.")] = "pending",
    limit: Annotated[int, typer.Option("--limit")] = 20,
) -> None:
    """List candidate pairs of the review queue, strongest first, with the reasons."""
    from refugio.dedup import queries
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    op_id = target.operation_id(container) if target.operation else None
    with unit_of_work(container.sessions) as s:
        pairs, total = common.run(
            lambda: queries.review_queue(s, actor=actor, status=status, operation_id=op_id, limit=limit)
        )
    typer.echo(f"{total} {status} pair(s)")
    for p in pairs:
        why = ", ".join(f"{c.comparison}: {c.level} ({c.weight:+.1f})" for c in p.contributions[:4])
        typer.echo(
            f"{p.id}  weight {p.match_weight:+.1f} (p={p.probability:.3f})  "
            f"{p.left.ref} {p.left.given_name} {p.left.family_name}  ~  "
            f"{p.right.ref} {p.right.given_name} {p.right.family_name}  [{why}]"
        )
