"""`refugio assistance pdm …`: post-distribution monitoring outcomes (received, not received, received
with issues — a problem opens a complaint) and a cycle's results. Thin: parses, one unit of work,
calls refugio.assistance, prints."""

from __future__ import annotations

from typing import Annotated

import typer

from refugio.cli import common
from refugio.cli.common import AsOption, DataDirOption, DbOption

pdm_app = typer.Typer(help="Post-distribution monitoring outcomes and results.", no_args_is_help=True)
CycleArg = Annotated[str, typer.Argument(help="The cycle: PROGRAMME/NUMBER (e.g. WINTER/1) or its id.")]


@pdm_app.command("record")
def pdm_record(
    cycle: CycleArg,
    household: Annotated[str, typer.Argument(help="The household's ID")],
    outcome: Annotated[str, typer.Option("--outcome", help="received, not_received or received_with_issues")],
    notes: Annotated[
        str | None, typer.Option("--notes", help="What the household said (needed for a problem)")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="The complaint's category")] = None,
    priority: Annotated[str, typer.Option("--priority", help="The complaint's priority")] = "normal",
    db: DbOption = None,
    data_dir: DataDirOption = None,
    as_user: AsOption = None,
) -> None:
    """Record a household's PDM outcome; a problem opens a complaint, whose reference is printed."""
    from refugio.assistance.schemas import PdmOutcomeCreate
    from refugio.assistance.service import pdm

    data = common.build_input(
        PdmOutcomeCreate,
        cycle=cycle,
        household_ref=household,
        outcome=outcome,
        notes=notes,
        category=category,
        priority=priority,
    )

    def work(s: object, a: object, c: object) -> str:
        done = pdm.record_outcome(s, actor=a, data=data)  # type: ignore[arg-type]
        return f"{household}: {done.outcome}" + (" (complaint opened)" if done.complaint_id else "")

    typer.echo(common.in_uow(db, data_dir, as_user, work))


@pdm_app.command("results")
def pdm_results(
    cycle: CycleArg, db: DbOption = None, data_dir: DataDirOption = None, as_user: AsOption = None
) -> None:
    """A cycle's PDM outcomes and their counts."""
    from refugio.assistance import pdm_queries

    res = common.in_uow(
        db, data_dir, as_user, lambda s, a, c: pdm_queries.pdm_results(s, actor=a, cycle_key=cycle)
    )
    for o in res.outcomes:
        typer.echo(
            f"{o.household_ref:<20} {o.site_code:<6} {o.outcome:<22} {o.complaint_ref or o.notes or ''}"
        )
    typer.echo(
        f"{res.cycle}: {res.sampled} asked, {res.received} received, {res.not_received} not received, "
        f"{res.received_with_issues} received with issues"
    )
