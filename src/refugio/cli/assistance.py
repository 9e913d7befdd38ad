"""`refugio assistance …`: programmes, rules, cycles (preview, freeze, activate, finish), the desk and
PDM sample sizes; payment plans, payment files, reconciliation and verification come from
refugio.cli.assistance_payments and are added here.

Commands others rely on (issue 15): `sample-size --population N --confidence C --margin E
[--design-effect D]` (the integer on the last line), `payments export PLAN --out FILE`,
`payments reconcile PLAN FILE` (exit 1 and line-numbered errors when refused), `verify PLAN`.

Thin: parses options, opens one unit of work per command, calls refugio.assistance, prints results.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from refugio.cli import common
from refugio.cli.assistance_payments import payments_app, plans_app, verify
from refugio.cli.assistance_pdm import pdm_app, report

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refugio.main import Container
    from refugio.security.principals import Principal

T = TypeVar("T")

assistance_app = typer.Typer(
    help="Assistance and cash: programmes, rules, cycles, payment plans, reconciliation, the desk.",
    no_args_is_help=True,
)
programmes_app = typer.Typer(help="Programmes of assistance.", no_args_is_help=True)
rules_app = typer.Typer(
    help="Targeting and entitlement rules (YAML or JSON, versioned).", no_args_is_help=True
)
cycles_app = typer.Typer(help="Cycles: create, preview, freeze, activate, finish.", no_args_is_help=True)
desk_app = typer.Typer(help="The point-of-service desk.", no_args_is_help=True)
complaints_app = typer.Typer(
    help="Complaints and feedback (sensitive ones restricted).", no_args_is_help=True
)
assistance_app.add_typer(programmes_app, name="programmes")
assistance_app.add_typer(rules_app, name="rules")
assistance_app.add_typer(cycles_app, name="cycles")
assistance_app.add_typer(plans_app, name="plans")
assistance_app.add_typer(payments_app, name="payments")
assistance_app.command("verify")(verify)
assistance_app.add_typer(desk_app, name="desk")
assistance_app.add_typer(complaints_app, name="complaints")
assistance_app.add_typer(pdm_app, name="pdm")
assistance_app.command("report")(report)

CycleArg = Annotated[str, typer.Argument(help="The cycle: PROGRAMME/NUMBER (e.g. WINTER/1) or its id.")]
ProgrammeArg = Annotated[str, typer.Argument(help="The programme's code or id.")]


# ---------------------------------------------------------------------------------------------
# sample size (no database)


@assistance_app.command("sample-size")
def sample_size_cmd(
    population: Annotated[int, typer.Option("--population", help="Households (or people) served.")],
    confidence: Annotated[float, typer.Option("--confidence", help="0.95 or 95.")],
    margin: Annotated[float, typer.Option("--margin", help="Margin of error: 0.05 or 5.")],
    design_effect: Annotated[float, typer.Option("--design-effect", help="Design effect.")] = 1.5,
) -> None:
    """PDM sample size: Cochran, finite-population correction, design effect; the size on the last line."""
    from refugio.assistance.sampling import sample_size

    r = common.run(
        lambda: sample_size(
            population=population, confidence=confidence, margin=margin, design_effect=design_effect
        )
    )
    typer.echo(f"Cochran n0 = z² p(1-p) / e² with z = {r.z:.4f}, p = 0.5, e = {r.margin:g}: {r.n0:.2f}")
    typer.echo(f"finite-population correction (N = {r.population}): {r.with_fpc:.2f}")
    typer.echo(f"design effect {r.design_effect:g}, rounded up (at most N):")
    typer.echo(str(r.size))


# ---------------------------------------------------------------------------------------------
# programmes and rules


def _thresholds(text: str) -> list[tuple[Decimal, int]]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        limit, _, count = part.partition(":")
        try:
            out.append((Decimal(limit), int(count)))
        except (ArithmeticError, ValueError):
            common.fail(f"--approvals: {part!r} is not UP_TO:COUNT (e.g. 10000:1,100000:2)")
    return out


@programmes_app.command("create")
@common.with_options(operation=True)
def programme_create(
    target: common.Target,
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
    kind: Annotated[str, typer.Option("--kind", help="cash, voucher, in_kind or service")],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217, e.g. JOD")],
    usd_rate: Annotated[str, typer.Option("--usd-rate", help="USD per unit of the currency")],
    start: Annotated[str, typer.Option("--start", help="YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option("--end")] = None,
    sites: Annotated[str, typer.Option("--sites", help="Site codes, comma-separated (default: all)")] = "",
    min_interval_days: Annotated[int, typer.Option("--min-interval-days")] = 0,
    approvals: Annotated[
        str, typer.Option("--approvals", help="UP_TO:COUNT,… e.g. 10000:1,100000:2")
    ] = "10000:1,100000:2",
    approvals_above: Annotated[int, typer.Option("--approvals-above")] = 3,
) -> None:
    """Create a programme."""
    from refugio.assistance.schemas import ProgrammeCreate
    from refugio.assistance.service import programmes

    container = target.open()
    data = common.build_input(
        ProgrammeCreate,
        operation_id=target.operation_id(container),
        code=code,
        name=name,
        kind=kind,
        currency=currency,
        usd_rate=usd_rate,
        site_codes=[s for s in sites.split(",") if s.strip()],
        start_date=start,
        end_date=end,
        min_interval_days=min_interval_days,
        approval_thresholds=_thresholds(approvals),
        approvals_above=approvals_above,
    )
    made = target.in_uow(lambda s, a, c: programmes.create_programme(s, actor=a, data=data).code)
    typer.echo(f"programme {made} created")


@programmes_app.command("list")
@common.with_options()
def programme_list(target: common.Target) -> None:
    """The programmes one may see."""
    from refugio.assistance import queries

    for p in target.in_uow(lambda s, a, c: queries.list_programmes(s, actor=a)):
        sites = ",".join(p.site_codes) or "all sites"
        versions = f"rules v{p.rule_versions[-1]}" if p.rule_versions else "no rules"
        typer.echo(f"{p.code:<12} {p.kind:<8} {p.currency} {p.start_date}  {sites}  {versions}  {p.name}")


@rules_app.command("load")
@common.with_options()
def rules_load(
    target: common.Target,
    programme: ProgrammeArg,
    source: Annotated[Path, typer.Argument(help="YAML or JSON rule set.")],
) -> None:
    """Load a new version of a programme's rules (refused, naming the field, when it does not validate)."""
    from refugio.assistance.service import programmes
    from refugio.assistance.service.common import load_programme

    text = common.read_file(source)

    def load(s: Session, a: Principal, c: Container) -> int:
        pid = load_programme(s, programme).id
        return programmes.load_rules(s, actor=a, programme_id=pid, text=text).version

    typer.echo(f"rules version {target.in_uow(load)} of {programme.upper()}")


@rules_app.command("show")
@common.with_options()
def rules_show(target: common.Target, programme: ProgrammeArg) -> None:
    """Every version of the programme's rules, newest first."""
    import yaml

    from refugio.assistance import queries

    for r in target.in_uow(lambda s, a, c: queries.list_rulesets(s, actor=a, programme_key=programme)):
        typer.echo(
            f"# version {r.version}, loaded {r.loaded_at:%Y-%m-%d %H:%M} by {r.loaded_by}, "
            f"sha256 {r.sha256[:12]}"
        )
        typer.echo(yaml.safe_dump(r.content, sort_keys=False, allow_unicode=True))


# ---------------------------------------------------------------------------------------------
# cycles


@cycles_app.command("create")
@common.with_options()
def cycle_create(
    target: common.Target,
    programme: ProgrammeArg,
    name: Annotated[str, typer.Option("--name")],
    start: Annotated[str, typer.Option("--start", help="YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option("--end")] = None,
) -> None:
    """Create a draft cycle."""
    from refugio.assistance.schemas import CycleCreate
    from refugio.assistance.service import programmes
    from refugio.assistance.service.common import load_programme

    data = common.build_input(CycleCreate, name=name, start_date=start, end_date=end)

    def make(s: Session, a: Principal, c: Container) -> str:
        p = load_programme(s, programme)
        return f"{p.code}/{programmes.create_cycle(s, actor=a, programme_id=p.id, data=data).number}"

    typer.echo(f"cycle {target.in_uow(make)} created (draft)")


@cycles_app.command("list")
@common.with_options()
def cycle_list(target: common.Target, programme: ProgrammeArg) -> None:
    from refugio.assistance import queries

    for c in target.in_uow(lambda s, a, _: queries.list_cycles(s, actor=a, programme_key=programme)):
        frozen = (
            f"frozen v{c.rule_version}: {c.household_count} households, {c.total_amount} {c.currency}"
            if c.frozen_at
            else "not frozen"
        )
        typer.echo(f"{c.programme_code}/{c.number:<3} {c.status:<9} {c.start_date}  {frozen}  {c.name}")


@cycles_app.command("preview")
@common.with_options()
def cycle_preview(
    target: common.Target,
    cycle: CycleArg,
    version: Annotated[int | None, typer.Option("--version", help="Rules version (default: latest)")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    eligible_only: Annotated[bool, typer.Option("--eligible-only")] = False,
) -> None:
    """Who would get what, and why, household by household."""
    from refugio.assistance.service import lists

    p = target.in_uow(
        lambda s, a, c: lists.preview(
            s, actor=a, cycle_key=cycle, version=version, limit=limit, eligible_only=eligible_only
        ),
    )
    for r in p.rows:
        mark = f"{r.amount:>10} {p.currency}" if r.eligible else "  not eligible"
        typer.echo(f"{r.household_ref:<20} {r.site_code:<6} size {r.size:<3} {mark}")
        for why in r.reasons:
            typer.echo(f"    {why}")
    typer.echo(
        f"rules v{p.rule_version}: {p.eligible} of {p.households} households eligible, "
        f"{p.total_amount:.2f} {p.currency} (+ fees {p.total_fees:.2f})"
    )


@cycles_app.command("freeze")
@common.with_options()
def cycle_freeze(
    target: common.Target,
    cycle: CycleArg,
    version: Annotated[int | None, typer.Option("--version")] = None,
) -> None:
    """Freeze the cycle's list (each household's snapshot with the rule version)."""
    from refugio.assistance.service import lists

    c = target.in_uow(lambda s, a, _: lists.freeze(s, actor=a, cycle_key=cycle, version=version))
    typer.echo(f"frozen with rules v{c.rule_version}: {c.household_count} households, {c.total_amount:.2f}")


def _move(cycle: str, to: str, target: common.Target) -> None:
    from refugio.assistance.service import programmes

    c = target.in_uow(lambda s, a, _: programmes.move_cycle(s, actor=a, cycle_key=cycle, to=to))
    typer.echo(f"cycle {cycle} is {c.status}")


@cycles_app.command("activate")
@common.with_options()
def cycle_activate(target: common.Target, cycle: CycleArg) -> None:
    _move(cycle, "active", target)


@cycles_app.command("finish")
@common.with_options()
def cycle_finish(target: common.Target, cycle: CycleArg) -> None:
    _move(cycle, "finished", target)


# ---------------------------------------------------------------------------------------------
# desk


@desk_app.command("collect")
@common.with_options()
def desk_collect(
    target: common.Target,
    programme: ProgrammeArg,
    key: Annotated[str, typer.Argument(help="Household or person reference")],
    desk: Annotated[str, typer.Option("--desk")],
    alternate: Annotated[
        str | None, typer.Option("--alternate", help="Name of the alternate collector")
    ] = None,
    alternate_document: Annotated[str | None, typer.Option("--alternate-document")] = None,
) -> None:
    """Record the collection of the household's entitlement in the programme's active cycle."""
    from refugio.assistance.schemas import CollectionCreate
    from refugio.assistance.service import desk as desk_service

    def collect(s: Session, a: Principal, c: Container) -> str:
        view = desk_service.lookup(s, actor=a, programme_key=programme, key=key)
        open_ = [e for e in view.entitlements if e.collected is None]
        target = open_[0] if open_ else view.entitlements[-1]
        data = CollectionCreate(
            entitlement_id=target.id,
            desk=desk,
            collector_role="alternate" if alternate else "focal_point",
            alternate_name=alternate,
            alternate_document=alternate_document,
        )
        done = desk_service.collect(s, actor=a, data=data)
        return f"{view.household_ref}: collected by {done.collector_name} at desk {done.desk}"

    typer.echo(target.in_uow(collect))


# ---------------------------------------------------------------------------------------------
# complaints


@complaints_app.command("lodge")
@common.with_options(operation=True)
def complaint_lodge(
    target: common.Target,
    channel: Annotated[str, typer.Option("--channel", help="desk, phone, hotline, web_form or pdm")],
    category: Annotated[str, typer.Option("--category", help="e.g. amount, delay, sea, staff_fraud")],
    description: Annotated[str, typer.Option("--description")],
    priority: Annotated[str, typer.Option("--priority", help="low, normal, high, urgent")] = "normal",
    anonymous: Annotated[bool, typer.Option("--anonymous")] = False,
    name: Annotated[str | None, typer.Option("--name")] = None,
    contact: Annotated[str | None, typer.Option("--contact")] = None,
    site: Annotated[str | None, typer.Option("--site")] = None,
    programme: Annotated[str | None, typer.Option("--programme")] = None,
    household: Annotated[str | None, typer.Option("--household")] = None,
    payment: Annotated[str | None, typer.Option("--payment")] = None,
) -> None:
    """Lodge a complaint (anonymous allowed); its reference and deadline are printed."""
    from refugio.assistance.schemas import ComplaintCreate
    from refugio.assistance.service import complaints

    container = target.open()
    data = common.build_input(
        ComplaintCreate,
        operation_id=target.operation_id(container),
        channel=channel,
        category=category,
        priority=priority,
        description=description,
        anonymous=anonymous,
        complainant_name=name,
        complainant_contact=contact,
        site_code=site,
        programme=programme,
        household_ref=household,
        payment_ref=payment,
    )
    made = target.in_uow(lambda s, a, c: complaints.lodge_complaint(s, actor=a, data=data))
    typer.echo(f"complaint {made.ref} lodged; due {made.due_at:%Y-%m-%d %H:%M}")


@complaints_app.command("list")
@common.with_options()
def complaint_list(
    target: common.Target,
    sensitive: Annotated[
        bool, typer.Option("--sensitive", help="Only the sensitive ones (restricted)")
    ] = False,
    status: Annotated[str | None, typer.Option("--status")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    priority: Annotated[str | None, typer.Option("--priority")] = None,
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past their deadline")] = False,
) -> None:
    """Complaints in your scope, soonest deadline first, with the filters given."""
    from refugio.assistance import complaint_queries

    rows = target.in_uow(
        lambda s, a, c: complaint_queries.list_complaints(
            s,
            actor=a,
            sensitive=sensitive,
            overdue=overdue,
            status=status,
            category=category,
            priority=priority,
            channel=channel,
        ),
    )
    for r in rows:
        late = " OVERDUE" if r.overdue else ""
        typer.echo(
            f"{r.ref:<16} {r.status:<12} {r.priority:<7} {r.category:<16} due {r.due_at:%Y-%m-%d}{late}"
        )


@complaints_app.command("progress")
@common.with_options()
def complaint_progress(
    target: common.Target,
    ref: Annotated[str, typer.Argument(help="The complaint's reference")],
    status: Annotated[str, typer.Option("--status", help="in_progress, resolved or closed")],
    response: Annotated[str | None, typer.Option("--response", help="What was answered")] = None,
) -> None:
    from refugio.assistance.schemas import ComplaintProgress
    from refugio.assistance.service import complaints

    data = common.build_input(ComplaintProgress, status=status, response=response)
    done = target.in_uow(
        lambda s, a, c: complaints.progress_complaint(s, actor=a, complaint_id=ref, data=data),
    )
    typer.echo(f"complaint {done.ref} is {done.status}")


@complaints_app.command("counts")
@common.with_options()
def complaint_counts(target: common.Target) -> None:
    """Complaints by category (sensitive ones merged and suppressed below 5 for ordinary users)."""
    from refugio.assistance import complaint_queries

    for row in target.in_uow(lambda s, a, c: complaint_queries.counts_by_category(s, actor=a)):
        typer.echo(f"{row.category:<16} {row.count if row.count is not None else '<5'}")
