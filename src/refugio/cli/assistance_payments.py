"""`refugio assistance plans|payments …` and `refugio assistance verify`: payment plans (create, lock,
submit, approve, reject, release, abort, close), payment files, reconciliation of provider reports and
verification of sealed records. Added to `refugio assistance` by refugio.cli.assistance.

`payments export PLAN --out FILE`, `payments reconcile PLAN FILE` (exit 1 and line-numbered errors
when refused) and `verify PLAN` are relied on by others (issue 15).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refugio.main import Container
    from refugio.security.principals import Principal

plans_app = typer.Typer(help="Payment plans and their approvals.", no_args_is_help=True)
payments_app = typer.Typer(help="Payment files and provider reports.", no_args_is_help=True)

PlanArg = Annotated[str, typer.Argument(help="The plan's code (e.g. WINTER-1-1) or id.")]
CycleArg = Annotated[str, typer.Argument(help="The cycle: PROGRAMME/NUMBER (e.g. WINTER/1) or its id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the plan's history).")]


# ---------------------------------------------------------------------------------------------
# plans


def _print_plan(code: str, target: common.Target) -> None:
    from refugio.assistance import queries

    p = target.in_uow(lambda s, a, _: queries.get_plan(s, actor=a, key=code))
    typer.echo(f"{p.code}  {p.status}  version {p.version}  provider {p.provider}")
    typer.echo(f"  {p.payment_count} payments, {p.total_amount:.2f} {p.currency} ({p.total_usd:.2f} USD)")
    typer.echo(
        f"  prepared by {p.prepared_by}; "
        f"approvals {len(p.approvals)}/{p.approvals_required} {', '.join(p.approvals)}"
    )
    if p.released_by:
        typer.echo(f"  released by {p.released_by} on {p.released_at:%Y-%m-%d %H:%M}")
    for status, total in sorted(p.totals_by_status.items()):
        typer.echo(f"  {status:<20} {total:.2f}")
    for e in p.events:
        typer.echo(
            f"  {e.at:%Y-%m-%d %H:%M} v{e.plan_version} {e.kind:<10} {e.by}"
            + (f": {e.reason}" if e.reason else "")
        )


@plans_app.command("create")
@common.with_options()
def plan_create(
    target: common.Target,
    cycle: CycleArg,
    provider: Annotated[str, typer.Option("--provider")],
    template: Annotated[
        str | None, typer.Option("--template", help="Export columns, comma-separated")
    ] = None,
) -> None:
    """A payment plan for the frozen cycle's entitlements (you become its preparer)."""
    from refugio.assistance.schemas import PlanCreate
    from refugio.assistance.service import plans

    data = common.build_input(
        PlanCreate, provider=provider, template=template.split(",") if template else None
    )
    code = target.in_uow(
        lambda s, a, c: (
            plans.create_plan(s, actor=a, cycle_key=cycle, data=data, key=c.keyring.payment_key()).code
        ),
    )
    _print_plan(code, target)


@plans_app.command("show")
@common.with_options()
def plan_show(target: common.Target, plan: PlanArg) -> None:
    _print_plan(plan, target)


@plans_app.command("list")
@common.with_options()
def plan_list(target: common.Target) -> None:
    from refugio.assistance import queries

    for p in target.in_uow(lambda s, a, _: queries.list_plans(s, actor=a)):
        typer.echo(
            f"{p.code:<20} {p.status:<12} {p.payment_count:>7} payments {p.total_amount:>14.2f} {p.currency}"
        )


def _step(
    plan: str,
    target: common.Target,
    fn: Callable[[Session, Principal, Container], Any],
) -> None:
    result = target.in_uow(fn)
    typer.echo(f"plan {result.code} is {result.status}")


@plans_app.command("lock")
@common.with_options()
def plan_lock(target: common.Target, plan: PlanArg) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.lock(s, actor=a, plan_key=plan))


@plans_app.command("unlock")
@common.with_options()
def plan_unlock(target: common.Target, plan: PlanArg) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.unlock(s, actor=a, plan_key=plan))


@plans_app.command("submit")
@common.with_options()
def plan_submit(target: common.Target, plan: PlanArg) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.submit(s, actor=a, plan_key=plan))


@plans_app.command("approve")
@common.with_options()
def plan_approve(
    target: common.Target,
    plan: PlanArg,
    version: Annotated[
        int, typer.Option("--version", help="The plan version you reviewed (see `plans show`).")
    ],
) -> None:
    """Approve the version you reviewed (never a plan you prepared)."""
    from refugio.assistance.service import plans

    _step(
        plan,
        target,
        lambda s, a, c: plans.approve(
            s, actor=a, plan_key=plan, version=version, key=c.keyring.payment_key()
        ),
    )


@plans_app.command("reject")
@common.with_options()
def plan_reject(target: common.Target, plan: PlanArg, reason: ReasonOption) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.reject(s, actor=a, plan_key=plan, reason=reason))


@plans_app.command("release")
@common.with_options()
def plan_release(target: common.Target, plan: PlanArg) -> None:
    """Release an authorised plan (neither its preparer nor one of its approvers)."""
    from refugio.assistance.service import plans

    _step(
        plan,
        target,
        lambda s, a, c: plans.release(s, actor=a, plan_key=plan, key=c.keyring.payment_key()),
    )


@plans_app.command("abort")
@common.with_options()
def plan_abort(target: common.Target, plan: PlanArg, reason: ReasonOption) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.abort(s, actor=a, plan_key=plan, reason=reason))


@plans_app.command("close")
@common.with_options()
def plan_close(target: common.Target, plan: PlanArg) -> None:
    from refugio.assistance.service import plans

    _step(plan, target, lambda s, a, c: plans.close(s, actor=a, plan_key=plan))


# ---------------------------------------------------------------------------------------------
# payment files, reconciliation, verification


@payments_app.command("export")
@common.with_options()
def payments_export(
    target: common.Target,
    plan: PlanArg,
    out: Annotated[Path, typer.Option("--out", help="The payment file: .csv or .xlsx (.zip with --encrypt)")],
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="Write an AES-256 encrypted ZIP; its generated password is printed once, on stderr",
        ),
    ] = False,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="csv or xlsx (default: from --out's suffix, else csv)"),
    ] = None,
) -> None:
    """Write the plan's payment file in its provider template (authorised plans onward); with
    --encrypt, inside an AES-256 ZIP whose password is printed on its own line on stderr."""
    from refugio.assistance.service import archive, plans

    suffixes = [x.lower() for x in out.suffixes]
    fmt = file_format or ("xlsx" if ".xlsx" in suffixes else "csv")
    if fmt not in archive.FORMATS:
        raise typer.BadParameter(f"{fmt!r}: choose csv or xlsx", param_hint="--format")
    if not encrypt:
        export = plans.export_xlsx if fmt == "xlsx" else plans.export_csv
        data = target.in_uow(lambda s, a, c: export(s, actor=a, plan_key=plan))
        out.write_bytes(data)
        typer.echo(f"wrote {out} ({len(data)} bytes)")
        return
    made = target.in_uow(lambda s, a, c: archive.encrypted_export(s, actor=a, plan_key=plan, fmt=fmt))
    out.write_bytes(made.data)
    typer.echo(f"wrote {out} ({len(made.data)} bytes, AES-256 encrypted ZIP holding {made.member})")
    typer.echo("password (shown once; send it by another channel than the file):", err=True)
    typer.echo(made.password, err=True)


@payments_app.command("reconcile")
@common.with_options()
def payments_reconcile(
    target: common.Target,
    plan: PlanArg,
    source: Annotated[Path, typer.Argument(help="The provider's report: CSV (UTF-8) or XLSX.")],
) -> None:
    """Import the provider's report: all of it, or nothing (exit 1 with line-numbered errors)."""
    from refugio.assistance.service import reconcile

    data = common.read_file(source)
    r = target.in_uow(
        lambda s, a, c: reconcile.reconcile(
            s, actor=a, plan_key=plan, data=data, key=c.keyring.payment_key()
        ),
    )
    for line in r.lines:
        if line.outcome in ("skipped", "unchanged"):
            typer.echo(f"line {line.line}: {line.payment_id} {line.message}")
    typer.echo(
        f"plan {r.plan_code} ({r.status}): {r.changed} changed, {r.unchanged} unchanged, {r.skipped} skipped"
    )


@common.with_options()
def verify(target: common.Target, plan: PlanArg) -> None:
    """Check the plan's payment records against their MACs and chain (exit 1 on any problem)."""
    from refugio.assistance import queries

    r = target.in_uow(
        lambda s, a, c: queries.verify_plan(s, actor=a, plan_key=plan, key=c.keyring.payment_key()),
    )
    for p in r.problems:
        typer.secho(f"{p.kind}: {p.message}", fg=typer.colors.RED, err=True)
    if not r.ok:
        common.fail(f"plan {r.plan_code}: {len(r.problems)} problem(s) in {r.checked} records")
    typer.echo(f"plan {r.plan_code}: {r.checked} records intact")


@plans_app.command("totals")
@common.with_options()
def plan_totals(target: common.Target, cycle: CycleArg) -> None:
    """Planned vs paid vs reported per site and provider, in the currency and in USD."""
    from refugio.assistance import queries

    rows = target.in_uow(lambda s, a, c: queries.cycle_totals(s, actor=a, cycle_key=cycle))
    typer.echo(
        f"{'site':<6} {'provider':<24} {'planned':>12} {'paid':>12} {'reported':>12} {'reported USD':>13}"
    )
    for r in rows:
        typer.echo(
            f"{r.site_code:<6} {r.provider or '-':<24} {r.planned:>12} {r.paid:>12} {r.reported:>12} "
            f"{r.reported_usd:>13}"
        )


@plans_app.command("overdue")
@common.with_options()
def plan_overdue(
    target: common.Target,
    days: Annotated[int, typer.Option("--days", help="Released more than this many days ago")] = 30,
) -> None:
    """Released plans with payments still unreported after --days."""
    from refugio.assistance import queries

    for p in target.in_uow(lambda s, a, c: queries.overdue_reconciliations(s, actor=a, days=days)):
        released = f"released {p.released_at:%Y-%m-%d} ({p.days} days)"
        typer.echo(f"{p.code:<20} {p.provider:<24} {released}, {p.pending} pending")
