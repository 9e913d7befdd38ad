"""`refugio assistance pdm …`: post-distribution monitoring outcomes (received, not received, received
with issues — a problem opens a complaint) and a cycle's results; `refugio assistance report CYCLE`,
the cycle's report after disclosure control. Thin: parses, one unit of work,
calls refugio.assistance, prints."""

from __future__ import annotations

from typing import Annotated

import typer

from refugio.cli import common

pdm_app = typer.Typer(help="Post-distribution monitoring outcomes and results.", no_args_is_help=True)
CycleArg = Annotated[str, typer.Argument(help="The cycle: PROGRAMME/NUMBER (e.g. WINTER/1) or its id.")]


@pdm_app.command("record")
@common.with_options()
def pdm_record(
    target: common.Target,
    cycle: CycleArg,
    household: Annotated[str, typer.Argument(help="The household's ID")],
    outcome: Annotated[str, typer.Option("--outcome", help="received, not_received or received_with_issues")],
    notes: Annotated[
        str | None, typer.Option("--notes", help="What the household said (needed for a problem)")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="The complaint's category")] = None,
    priority: Annotated[str, typer.Option("--priority", help="The complaint's priority")] = "normal",
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

    typer.echo(target.in_uow(work))


@pdm_app.command("results")
@common.with_options()
def pdm_results(target: common.Target, cycle: CycleArg) -> None:
    """A cycle's PDM outcomes and their counts."""
    from refugio.assistance import pdm_queries

    res = target.in_uow(lambda s, a, c: pdm_queries.pdm_results(s, actor=a, cycle_key=cycle))
    for o in res.outcomes:
        typer.echo(
            f"{o.household_ref:<20} {o.site_code:<6} {o.outcome:<22} {o.complaint_ref or o.notes or ''}"
        )
    typer.echo(
        f"{res.cycle}: {res.sampled} asked, {res.received} received, {res.not_received} not received, "
        f"{res.received_with_issues} received with issues"
    )


@common.with_options()
def report(
    target: common.Target,
    cycle: CycleArg,
    as_json: Annotated[bool, typer.Option("--json", help="The whole report as JSON")] = False,
) -> None:
    """The cycle's report after disclosure control: coverage, amounts, PDM results, complaints."""
    from refugio.stats.assistance_report import assistance_report

    rep = target.in_uow(lambda s, a, c: assistance_report(s, actor=a, cycle_key=cycle))
    if as_json:
        typer.echo(rep.model_dump_json(indent=2))
        return
    typer.echo(f"{rep.cycle} ({rep.currency}) — {rep.rule}")
    typer.echo("site      households targeted/served   amount targeted/served")
    for s in rep.sites:
        typer.echo(
            f"{s.site:<9} {s.households_targeted!s:>8} / {s.households_served!s:<8} "
            f"{s.amount_targeted or '-'!s:>14} / {s.amount_served or '-'!s}"
        )
    typer.echo("people targeted/served by sex and age (totals):")
    for r in rep.coverage:
        if r.site == "Total":
            typer.echo(f"  {r.sex:<6} {r.age:<6} {r.targeted!s:>6} / {r.served!s}")
    for p in rep.pdm:
        typer.echo(
            f"PDM {p.site:<8} received {p.received}, not received {p.not_received}, "
            f"with issues {p.received_with_issues}"
        )
    for c in rep.complaints:
        days = f", {c.mean_days_to_close} days to close" if c.mean_days_to_close is not None else ""
        typer.echo(f"complaints {c.category:<16} {c.count} ({c.closed} closed{days})")
