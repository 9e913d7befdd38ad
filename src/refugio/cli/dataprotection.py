"""Data protection commands: `refugio retention run [--dry-run]` (the retention rules, for cron; the
periods from REFUGIO_RETENTION_* and REFUGIO_STAGING_RETENTION_DAYS), `refugio retention runs`, and
`refugio retention hold|lift|holds` (legal holds). Imports typer and refugio.cli.common at import time;
the domain inside the commands. Must not import a domain's models nor sqlalchemy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.dataprotection.schemas import LegalHoldRead, RetentionRunRead

retention_app = typer.Typer(help="Retention rules, their runs and legal holds.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _print_run(run: RetentionRunRead) -> None:
    kind = "dry run (nothing changed)" if run.dry_run else "run"
    typer.echo(f"retention {kind} {run.id} by {run.run_by} at {run.started_at:%Y-%m-%d %H:%M} UTC")
    for r in run.rules:
        extra = f", {r.households} household(s)" if r.households else ""
        done = "to process" if run.dry_run else "processed"
        typer.echo(
            f"  {r.rule.value:<16} before {r.cutoff}: {r.eligible} eligible, {r.processed} {done}{extra}, "
            f"{len(r.held)} kept"
        )
        for kept in r.held:
            typer.echo(f"      kept {kept['ref']} ({kept['hold']})")


@retention_app.command("run")
@common.with_options()
def retention_run(
    target: common.Target,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be done; change nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Apply the retention rules: protection cases closed, people departed or deceased longer ago than
    their period are anonymised (statistics keep them), abandoned imports purged; records under a legal
    hold, or in a case still open, are kept and listed. Audited; the report is stored."""
    from refugio.dataprotection import service
    from refugio.dataprotection.enums import RunTrigger

    run = target.in_uow(
        lambda s, a, c: service.run_retention(
            s, actor=a, rules=c.retention, dry_run=dry_run, trigger=RunTrigger.CLI
        ),
    )
    if as_json:
        typer.echo(run.model_dump_json(indent=2))
    else:
        _print_run(run)


@retention_app.command("runs")
@common.with_options()
def retention_runs(
    target: common.Target,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many runs, newest first.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """The latest runs of the retention rules with their reports."""
    from refugio.dataprotection import queries

    runs = target.in_uow(lambda s, a, c: queries.runs(s, actor=a, limit=limit))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
        return
    if not runs:
        typer.echo("no retention run yet")
    for run in runs:
        _print_run(run)


def _print_hold(hold: LegalHoldRead) -> None:
    state = "active" if hold.active else f"lifted {hold.lifted_at:%Y-%m-%d} by {hold.lifted_by}"
    typer.echo(f"{hold.id}  {hold.object_type.value:<10} {hold.object_ref:<24} {state}  — {hold.reason}")


@retention_app.command("hold")
@common.with_options()
def retention_hold(
    target: common.Target,
    kind: Annotated[str, typer.Argument(help="individual, household or case.")],
    ref: Annotated[str, typer.Argument(help="The person's or household's reference, or the case code.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the court order).")],
) -> None:
    """Place a legal hold: no retention rule touches the record (nor a household's or case's people)."""
    from refugio.dataprotection import service
    from refugio.dataprotection.schemas import LegalHoldCreate

    data = common.build_input(LegalHoldCreate, object_type=kind, ref=ref, reason=reason)
    hold = target.in_uow(lambda s, a, c: service.place_hold(s, actor=a, data=data))
    _print_hold(hold)


@retention_app.command("lift")
@common.with_options()
def retention_lift(
    target: common.Target,
    hold_id: Annotated[str, typer.Argument(help="The hold's id (see `refugio retention holds`).")],
    reason: Annotated[str, typer.Option(help="Why the hold ends.")],
) -> None:
    """Lift a legal hold: the record is subject to the retention rules again."""
    import uuid

    from refugio.dataprotection import service

    try:
        hold_uuid = uuid.UUID(hold_id)
    except ValueError:
        common.fail(f"not a hold id: {hold_id!r}")
    hold = target.in_uow(lambda s, a, c: service.lift_hold(s, actor=a, hold_id=hold_uuid, reason=reason))
    _print_hold(hold)


@retention_app.command("holds")
@common.with_options()
def retention_holds(
    target: common.Target,
    active: Annotated[bool, typer.Option("--active", help="Only the holds in force.")] = False,
) -> None:
    """The legal holds, those in force first."""
    from refugio.dataprotection import queries

    holds = target.in_uow(lambda s, a, c: queries.holds(s, actor=a, active_only=active))
    if not holds:
        typer.echo("no legal hold")
    for hold in holds:
        _print_hold(hold)
