"""`refugio stats …`: import aggregate statistics, the global tables for a year, tables and the full
disaggregation from registrations, charts, the factsheet PDF and k-anonymous extracts.

Thin: parses options, opens one unit of work, calls refugio.stats, writes the file. Every output has
passed disclosure control. The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.stats.disclosure import DisclosureRule

stats_app = typer.Typer(
    help="Statistics with disclosure control: aggregate tables, disaggregation, charts, factsheets, HXL.",
    no_args_is_help=True,
)

FormatOption = Annotated[
    str, typer.Option("--format", help="table, csv, hxl (HXL-tagged CSV), xlsx or json.")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file (default: standard output; xlsx needs it).")
]
ThresholdOption = Annotated[int, typer.Option(help="Counts from 1 to THRESHOLD-1 are suppressed.")]
SensitiveOption = Annotated[int, typer.Option(help="Threshold for sensitive categories (SGBV, torture).")]
MethodOption = Annotated[str, typer.Option(help="suppress (placeholder) or round (to a multiple of 5).")]
KOption = Annotated[int, typer.Option("--k", help="k of k-anonymity for record-level extracts.")]
OperationOption = Annotated[str, typer.Option("--operation", help="Operation code, e.g. JOR.")]
DateOption = Annotated[str | None, typer.Option("--date", help="Reference date YYYY-MM-DD (default: today).")]


def _rule(threshold: int, sensitive: int, method: str, k: int) -> DisclosureRule:
    from refugio.stats.disclosure import DisclosureRule

    rule: DisclosureRule = common.run(
        lambda: DisclosureRule.build(threshold=threshold, sensitive_threshold=sensitive, method=method, k=k)
    )
    return rule


def _date(text: str | None) -> dt.date:
    from refugio.core import clock

    if not text:
        return clock.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        common.fail(f"--date {text!r} is not a date like 2026-11-01")


def _write(content: bytes, out: Path | None, *, binary: bool) -> None:

    if out is None:
        if binary:
            common.fail("this format is binary: give --out FILE")
        sys.stdout.write(content.decode("utf-8"))
        return
    out.write_bytes(content)
    typer.echo(f"written to {out}", err=True)


def _export(tables: list[Any], fmt: str, out: Path | None, session: Any, what: str) -> None:
    from refugio.security import audit
    from refugio.security.principals import SYSTEM
    from refugio.stats import export

    checked = common.run(lambda: export.check_format(fmt))
    rendered = export.render(tables, checked)
    audit.record(
        session,
        actor=SYSTEM,
        action="stats.export",
        object_type="stats",
        object_id=what,
        details={"tables": [t.name for t in tables], "format": fmt, "rule": tables[0].rule.id},
    )
    _write(rendered.content, out, binary=rendered.media_type.startswith("application/") and fmt != "json")


@stats_app.command("import")
@common.with_options(user=False)
def import_cmd(
    target: common.Target,
    paths: Annotated[list[Path], typer.Argument(help="CSV files (gzipped or not) or a folder of them.")],
    dataset: Annotated[
        str | None, typer.Option(help="Which table (default: recognised from the header and the file name).")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Load the valid rows and list the refused ones.")
    ] = False,
) -> None:
    """Import UNHCR-shaped aggregate tables (population, demographics, asylum applications and decisions,
    solutions, flows, IDMC, UNRWA, and the country list first), validated row by row."""
    from refugio.core.errors import ValidationFailed
    from refugio.security.principals import SYSTEM
    from refugio.stats import aggregates
    from refugio.store.uow import unit_of_work

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            known = {d.file: d.name for d in aggregates.DATASETS.values()}
            found = {f.name: f for f in path.iterdir() if f.name in known}
            files.extend(
                found[d.file] for name in aggregates.ORDER if (d := aggregates.DATASETS[name]).file in found
            )
        elif path.is_file():
            files.append(path)
        else:
            common.fail(f"{path}: no such file or folder")
    if not files:
        common.fail("no aggregate table found")
    container = target.open()
    failed = 0
    for f in files:
        try:
            with unit_of_work(container.sessions) as s:
                result = aggregates.import_file(
                    s,
                    actor=SYSTEM,
                    data=f.read_bytes(),
                    file_name=f.name,
                    dataset=dataset,
                    skip_invalid=skip_invalid,
                )
        except ValidationFailed as exc:
            failed += 1
            typer.secho(f"{f.name}: refused: {exc.message}", fg=typer.colors.RED, err=True)
            for e in exc.errors[:20]:
                typer.echo(f"  {e.field}: {e.message}", err=True)
            if len(exc.errors) > 20:
                typer.echo(f"  … and {len(exc.errors) - 20} more", err=True)
            continue
        if result.unchanged:
            typer.echo(f"{f.name}: {result.dataset} unchanged (same file already imported)")
            continue
        line = f"{f.name}: {result.dataset}, {result.rows_loaded:,} rows loaded"
        if result.errors:
            line += f", {result.rows_rejected:,} refused"
        typer.echo(line)
        for e in result.errors[:10]:
            typer.echo(f"  refused {e.field}: {e.message}")
    common.run(lambda: None)
    if failed:
        raise typer.Exit(1)


@stats_app.command("imports")
@common.with_options(user=False)
def imports_cmd(target: common.Target) -> None:
    """The log of aggregate imports (current ones marked *)."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import aggregates
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        for r in aggregates.list_imports(s, actor=SYSTEM):
            mark = "*" if r.current else " "
            typer.echo(
                f"{mark} {r.imported_at:%Y-%m-%d %H:%M} {r.dataset:<20} {r.rows_loaded:>9,} loaded "
                f"{r.rows_rejected:>6,} refused  {r.file_name}  by {r.imported_by}"
            )


@stats_app.command("global")
@common.with_options(user=False)
def global_cmd(
    target: common.Target,
    year: Annotated[int, typer.Option("--year", help="The year, e.g. 2024.")],
    fmt: FormatOption = "table",
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Only this table (repeatable); default: all.")
    ] = None,
    top: Annotated[int, typer.Option(help="Top N countries (0: all).")] = 10,
    out: OutOption = None,
    threshold: ThresholdOption = 5,
    sensitive_threshold: SensitiveOption = 10,
    method: MethodOption = "suppress",
    k: KOption = 5,
) -> None:
    """The standard global tables for YEAR: forcibly displaced by population type, refugees by origin and
    host (top N), children and women, asylum applications and decisions with recognition rates,
    solutions, trends. Tables: population-types, refugees-by-origin, refugees-by-host, demographics,
    asylum-applications, asylum-decisions, asylum-decisions-by-origin, solutions, trends."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import global_tables
    from refugio.store.uow import unit_of_work

    rule = _rule(threshold, sensitive_threshold, method, k)
    container = target.open()
    with unit_of_work(container.sessions) as s:
        tables = common.run(
            lambda: global_tables.global_tables(
                s, actor=SYSTEM, year=year, rule=rule, top=top, only=table or None
            )
        )
        _export(tables, fmt, out, s, f"global-{year}")


@stats_app.command("tables")
@common.with_options(user=False)
def tables_cmd(
    target: common.Target,
    operation: OperationOption,
    date: DateOption = None,
    site: Annotated[str | None, typer.Option(help="Only this site (code).")] = None,
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            help="pyramid, arrivals, by-site, by-origin, by-population-type, specific-needs (repeatable).",
        ),
    ] = None,
    period: Annotated[str, typer.Option(help="Arrivals by day, week, month or year.")] = "month",
    brackets: Annotated[str | None, typer.Option(help="Age brackets, e.g. 0-4,5-11,12-17,18-59,60+.")] = None,
    fmt: FormatOption = "table",
    out: OutOption = None,
    threshold: ThresholdOption = 5,
    sensitive_threshold: SensitiveOption = 10,
    method: MethodOption = "suppress",
    k: KOption = 5,
) -> None:
    """The operation's standard tables from registrations (stock on --date; arrivals by period)."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import registrations
    from refugio.stats.brackets import AgeBrackets
    from refugio.store.uow import unit_of_work

    rule = _rule(threshold, sensitive_threshold, method, k)
    ref = _date(date)
    if period not in ("day", "week", "month", "year"):
        common.fail("--period is day, week, month or year")
    ages = common.run(lambda: AgeBrackets.parse(brackets))
    wanted = table or list(registrations.TABLE_NAMES)
    unknown = [t for t in wanted if t not in registrations.TABLE_NAMES]
    if unknown:
        common.fail(f"unknown table {unknown[0]!r}; one of: {', '.join(registrations.TABLE_NAMES)}")
    container = target.open()
    with unit_of_work(container.sessions) as s:
        pop = common.run(
            lambda: registrations.load_population(s, actor=SYSTEM, operation=operation, site=site)
        )
        tables = registrations.standard_tables(
            s,
            actor=SYSTEM,
            population=pop,
            reference=ref,
            rule=rule,
            brackets=ages,
            period=period,  # type: ignore[arg-type]
        )
        _export([tables[t] for t in wanted], fmt, out, s, pop.operation.code)


@stats_app.command("disaggregate")
@common.with_options(user=False)
def disaggregate_cmd(
    target: common.Target,
    operation: OperationOption,
    by: Annotated[
        str,
        typer.Option(help="Dimensions, comma-separated: sex, age, population_type, origin, site, period."),
    ] = "sex,age,population_type,origin,site,period",
    date: DateOption = None,
    basis: Annotated[str, typer.Option(help="stock (on --date), arrivals or registrations.")] = "stock",
    period: Annotated[str, typer.Option(help="day, week, month or year.")] = "month",
    brackets: Annotated[str | None, typer.Option(help="Age brackets, e.g. 0-4,5-11,12-17,18-59,60+.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site (code).")] = None,
    fmt: FormatOption = "csv",
    out: OutOption = None,
    threshold: ThresholdOption = 5,
    sensitive_threshold: SensitiveOption = 10,
    method: MethodOption = "suppress",
    k: KOption = 5,
) -> None:
    """The full disaggregation of registered people (one row per non-empty combination)."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import registrations
    from refugio.stats.brackets import AgeBrackets
    from refugio.store.uow import unit_of_work

    rule = _rule(threshold, sensitive_threshold, method, k)
    ref = _date(date)
    if basis not in ("stock", "arrivals", "registrations") or period not in ("day", "week", "month", "year"):
        common.fail("--basis is stock, arrivals or registrations; --period day, week, month or year")
    ages = common.run(lambda: AgeBrackets.parse(brackets))
    dims = [d.strip() for d in by.split(",") if d.strip()]
    container = target.open()
    with unit_of_work(container.sessions) as s:
        pop = common.run(
            lambda: registrations.load_population(s, actor=SYSTEM, operation=operation, site=site)
        )
        table = common.run(
            lambda: registrations.disaggregation(
                pop,
                dims=dims,
                reference=ref,
                rule=rule,
                brackets=ages,
                basis=basis,  # type: ignore[arg-type]
                period=period,  # type: ignore[arg-type]
            )
        )
        _export([table], fmt, out, s, pop.operation.code)


@stats_app.command("chart")
@common.with_options(user=False)
def chart_cmd(
    target: common.Target,
    name: Annotated[str, typer.Argument(help="pyramid, arrivals, by-site or by-origin.")],
    operation: OperationOption,
    out: Annotated[Path, typer.Option("--out", help="FILE.png or FILE.svg.")],
    date: DateOption = None,
    period: Annotated[str, typer.Option(help="Arrivals by day, week, month or year.")] = "month",
) -> None:
    """Draw a chart (PNG or SVG, from the file name) of the operation's published figures."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import charts, registrations
    from refugio.stats.disclosure import DEFAULT_RULE
    from refugio.store.uow import unit_of_work

    fmt = out.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg"):
        common.fail("--out must end in .png or .svg")
    if name not in charts.CHARTS:
        common.fail(f"unknown chart {name!r}; one of: {', '.join(charts.CHARTS)}")
    container = target.open()
    with unit_of_work(container.sessions) as s:
        pop = common.run(lambda: registrations.load_population(s, actor=SYSTEM, operation=operation))
        tables = registrations.standard_tables(
            s,
            actor=SYSTEM,
            population=pop,
            reference=_date(date),
            rule=DEFAULT_RULE,
            period=period,  # type: ignore[arg-type]
        )
        out.write_bytes(charts.render(tables[name], name, fmt))  # type: ignore[arg-type]
    typer.echo(f"written to {out}")


@stats_app.command("factsheet")
@common.with_options(user=False)
def factsheet_cmd(
    target: common.Target,
    operation: OperationOption,
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    date: DateOption = None,
) -> None:
    """The printable population factsheet (PDF) of an operation on a date."""
    from refugio.security import audit
    from refugio.security.principals import SYSTEM
    from refugio.stats import factsheet, registrations
    from refugio.stats.disclosure import DEFAULT_RULE
    from refugio.store.uow import unit_of_work

    ref = _date(date)
    container = target.open()
    with unit_of_work(container.sessions) as s:
        pop = common.run(lambda: registrations.load_population(s, actor=SYSTEM, operation=operation))
        tables = registrations.standard_tables(
            s, actor=SYSTEM, population=pop, reference=ref, rule=DEFAULT_RULE
        )
        figures = registrations.key_figures(s, actor=SYSTEM, population=pop, reference=ref, rule=DEFAULT_RULE)
        pdf = factsheet.render(
            operation=f"{pop.operation.code} {pop.operation.name}",
            reference=ref,
            figures=figures,
            tables=tables,
        )
        audit.record(
            s,
            actor=SYSTEM,
            action="stats.export",
            object_type="stats",
            object_id=pop.operation.code,
            details={"tables": ["factsheet"], "format": "pdf", "rule": DEFAULT_RULE.id},
        )
    out.write_bytes(pdf)
    typer.echo(f"written to {out}")


@stats_app.command("microdata")
@common.with_options(user=False)
def microdata_cmd(
    target: common.Target,
    operation: OperationOption,
    fields: Annotated[
        str,
        typer.Option(
            help="Comma-separated: sex, age_bracket, population_type, country_of_origin, site, arrival_year, "
            "arrival_month."
        ),
    ],
    out: OutOption = None,
    date: DateOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, hxl or xlsx.")] = "hxl",
    k: KOption = 5,
) -> None:
    """A k-anonymous record-level extract; refused, with the reason, when a combination is rarer than k."""
    from refugio.core.errors import ValidationFailed
    from refugio.security.principals import SYSTEM
    from refugio.stats import export, microdata, registrations
    from refugio.store.uow import unit_of_work

    rule = _rule(5, 10, "suppress", k)
    if fmt not in ("csv", "hxl", "xlsx"):
        common.fail("--format is csv, hxl or xlsx")
    container = target.open()
    table = None
    try:
        with unit_of_work(container.sessions) as s:
            pop = common.run(lambda: registrations.load_population(s, actor=SYSTEM, operation=operation))
            table = microdata.extract(
                s, actor=SYSTEM, population=pop, fields=fields.split(","), reference=_date(date), rule=rule
            )
    except ValidationFailed as exc:
        common.fail(exc.message)
    assert table is not None
    rendered = export.render([table], export.check_format(fmt))
    _write(rendered.content, out, binary=fmt == "xlsx")
