"""`refugio sharing funding …`: response plans, their requirements per sector, the contributions
received and the gap (by sector, by donor, over time). Added to `refugio sharing` by cli/sharing.py.
Thin: parses options, opens one unit of work, calls refugio.sharing. Helpers from refugio.cli.common.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from refugio.cli import common

funding_app = typer.Typer(help="Response plans: requirements, contributions, the gap.", no_args_is_help=True)


def _plan_id(app: Any, code: str, who: Any) -> Any:
    from refugio.sharing import queries
    from refugio.store.uow import unit_of_work

    with unit_of_work(app.sessions) as s:
        plans = common.run(lambda: queries.list_plans(s, actor=who))
    found = next((p.id for p in plans if p.code == code.upper()), None)
    if found is None:
        common.fail(f"no response plan {code!r} (see `refugio sharing funding plans`)")
    return found


@funding_app.command("plan")
@common.with_options()
def plan_cmd(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Plan code, e.g. 3RP-2024-JOR.")],
    name: Annotated[str, typer.Option("--name")],
    year: Annotated[int, typer.Option("--year")],
    currency: Annotated[str, typer.Option("--currency")] = "USD",
    operation: Annotated[
        str | None, typer.Option("--operation", help="Operation code (none: regional).")
    ] = None,
) -> None:
    """Create a response plan."""
    from refugio.sharing import service
    from refugio.sharing.schemas import PlanCreate
    from refugio.store.uow import unit_of_work

    app = target.open()
    op_id = common.operation_id(app, operation) if operation else None
    data = common.build_input(
        PlanCreate, code=code.upper(), name=name, year=year, currency=currency, operation_id=op_id
    )
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        plan = common.run(lambda: service.create_plan(s, data=data, actor=who))
        typer.echo(f"{plan.code} {plan.id}")


@funding_app.command("require")
@common.with_options()
def require_cmd(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Plan code.")],
    sector: Annotated[str, typer.Option("--sector")],
    amount: Annotated[str, typer.Option("--amount")],
) -> None:
    """Set (or revise) what a plan requires for a sector."""
    from refugio.sharing import service
    from refugio.sharing.schemas import RequirementSet
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    pid = _plan_id(app, code, who)
    data = common.build_input(RequirementSet, sector=sector, amount=amount)
    with unit_of_work(app.sessions) as s:
        common.run(lambda: service.set_requirement(s, plan_id=pid, data=data, actor=who))
    typer.echo(f"{code.upper()} {sector}: {amount}")


@funding_app.command("contribute")
@common.with_options()
def contribute_cmd(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Plan code.")],
    donor: Annotated[str, typer.Option("--donor")],
    amount: Annotated[str, typer.Option("--amount")],
    on: Annotated[str, typer.Option("--on", help="Date received, YYYY-MM-DD.")],
    sector: Annotated[str | None, typer.Option("--sector", help="None: unearmarked.")] = None,
    donor_country: Annotated[str | None, typer.Option("--donor-country")] = None,
    reference: Annotated[str, typer.Option("--reference")] = "",
) -> None:
    """Record funds received for a plan."""
    from refugio.sharing import service
    from refugio.sharing.schemas import ContributionCreate
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    pid = _plan_id(app, code, who)
    data = common.build_input(
        ContributionCreate,
        donor=donor,
        amount=amount,
        received_on=on,
        sector=sector,
        donor_country=donor_country,
        reference=reference,
    )
    with unit_of_work(app.sessions) as s:
        common.run(lambda: service.record_contribution(s, plan_id=pid, data=data, actor=who))
    typer.echo(f"{code.upper()}: {amount} from {donor}")


@funding_app.command("show")
@common.with_options()
def show_cmd(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Plan code.")],
) -> None:
    """Required, funded and the gap of a plan, by sector, by donor and over time."""
    from refugio.sharing import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    pid = _plan_id(app, code, who)
    with unit_of_work(app.sessions) as s:
        f = common.run(lambda: queries.funding_summary(s, pid, actor=who))
    cur = f.plan.currency
    typer.echo(f"{f.plan.code} {f.plan.name} ({f.plan.year}), {cur}")
    typer.echo(f"{'sector':<24}{'required':>16}{'funded':>16}{'gap':>16}{'coverage':>10}")
    for r in f.sectors:
        cov = f"{r.coverage:.0f} %" if r.coverage is not None else "-"
        typer.echo(f"{r.sector:<24}{r.required:>16,.0f}{r.funded:>16,.0f}{r.gap:>16,.0f}{cov:>10}")
    typer.echo(f"{'unearmarked':<24}{'':>16}{f.unearmarked:>16,.0f}")
    cov = f"{f.coverage:.0f} %" if f.coverage is not None else "-"
    typer.echo(f"{'total':<24}{f.required:>16,.0f}{f.funded:>16,.0f}{f.gap:>16,.0f}{cov:>10}")
    for d in f.donors:
        typer.echo(f"  {d.donor:<40}{d.amount:>16,.0f}")
    for month, running in f.by_month:
        typer.echo(f"  {month} {running:>16,.0f}")


@funding_app.command("plans")
@common.with_options()
def plans_cmd(target: common.Target) -> None:
    """The response plans one may see."""
    from refugio.sharing import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        for p in common.run(lambda: queries.list_plans(s, actor=who)):
            typer.echo(f"{p.code:<20} {p.year} {p.currency} {p.name}")
