"""`refugio sharing …`: distribution keys (named or YAML) over an indicator CSV or imported data, their
sensitivity, indicator imports, pledges and the key-vs-pledge-vs-fulfilment ledger.

`refugio sharing key --key eu-2015-05|eu-2015-09|FILE.yaml --total N [--cap M]
[--indicators FILE.csv | --year Y --participants CODES] --format csv|json` is relied on by others: its
output columns are `country,share,allocation`, allocations summing exactly to N; with --year the
provenance of the table goes to standard error (csv) or into the document (json).
Thin: parses options, opens one unit of work, calls refugio.sharing. Helpers from refugio.cli.common.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common
from refugio.cli.sharing_funding import funding_app

if TYPE_CHECKING:
    from refugio.sharing.schemas import ImportReport, IndicatorTable, KeyResult, KeySpec

sharing_app = typer.Typer(
    help="Responsibility sharing: distribution keys, indicators, pledges and their follow-up.",
    no_args_is_help=True,
)
indicators_app = typer.Typer(help="Indicators from the World Bank and UNHCR data.", no_args_is_help=True)
pledges_app = typer.Typer(help="Pledges and contributions, with dated updates.", no_args_is_help=True)
sharing_app.add_typer(indicators_app, name="indicators")
sharing_app.add_typer(pledges_app, name="pledges")
sharing_app.add_typer(funding_app, name="funding")

KeyOption = Annotated[str, typer.Option("--key", help="eu-2015-05, eu-2015-09 or a FILE.yaml.")]
TotalOption = Annotated[int, typer.Option("--total", help="How many to distribute (persons, places).")]
CapOption = Annotated[
    float | None, typer.Option("--cap", help="Capped effects ≤ MULTIPLIER × the base effect (overrides).")
]
IndicatorsOption = Annotated[
    Path | None,
    typer.Option("--indicators", help="CSV country,population,gdp,unemployment_rate,asylum_per_million."),
]
YearOption = Annotated[int | None, typer.Option("--year", help="Year of the imported indicators.")]
ParticipantsOption = Annotated[
    str | None, typer.Option("--participants", help="ISO3 codes, comma-separated (with --year).")
]
FormatOption = Annotated[str, typer.Option("--format", help="csv or json.")]


def _spec(key: str, cap: float | None) -> KeySpec:
    from refugio.sharing import queries

    spec: KeySpec = common.run(lambda: queries.resolve_key(key))
    if cap is not None:
        if cap <= 0:
            common.fail("--cap: the multiplier must be > 0")
        spec = spec.with_cap(cap)
    return spec


def _table(
    indicators: Path | None, year: int | None, participants: str | None, target: common.Target
) -> IndicatorTable:
    from refugio.sharing import queries

    if indicators is not None:
        if year is not None:
            common.fail("give either --indicators FILE (optionally --participants) or --year Y, not both")
        if not indicators.is_file():
            common.fail(f"{indicators}: no such file")
        data = indicators.read_bytes()
        table: IndicatorTable = common.run(lambda: queries.read_indicators_csv(data, indicators.name))
        if participants:
            table = common.run(lambda: table.subset(participants.split(",")))
        return table
    if year is None or not participants:
        common.fail("give --indicators FILE, or --year Y and --participants CODES")
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    app = target.open()
    with unit_of_work(app.sessions) as s:
        found: IndicatorTable = common.run(
            lambda: queries.indicator_table(s, year=year, participants=participants.split(","), actor=SYSTEM)
        )
    return found


def _provenance_lines(table: IndicatorTable) -> list[dict[str, Any]]:
    return [
        {
            "country": c,
            "indicator": i,
            "source": p.source,
            "year": p.year,
            "retrieved": p.retrieved,
            "transformation": p.transformation,
        }
        for (c, i), p in sorted(table.provenance.items())
    ]


def _emit(result: KeyResult, fmt: str, provenance: list[dict[str, Any]] | None) -> None:
    if fmt == "json":
        doc: dict[str, Any] = {
            "key": result.key.label,
            "title": result.key.title,
            "source": result.key.source,
            "cap": result.key.cap,
            "total": result.total,
            "rows": [{"country": c, "share": s, "allocation": a} for c, s, a in result.rows()],
        }
        if provenance is not None:
            doc["provenance"] = provenance
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["country", "share", "allocation"])
    for c, s, a in result.rows():
        writer.writerow([c, f"{s:.10f}", a])
    sys.stdout.write(out.getvalue())
    if provenance is not None:
        typer.echo(f"# provenance of the indicator table ({len(provenance)} values):", err=True)
        for p in provenance:
            typer.echo(
                f"#  {p['country']} {p['indicator']} {p['year']}: {p['source']}; {p['retrieved']}; "
                f"{p['transformation']}",
                err=True,
            )


@sharing_app.command("key")
@common.with_options(user=False)
def key_cmd(
    target: common.Target,
    key: KeyOption,
    total: TotalOption,
    cap: CapOption = None,
    indicators: IndicatorsOption = None,
    year: YearOption = None,
    participants: ParticipantsOption = None,
    fmt: FormatOption = "csv",
) -> None:
    """Shares and whole allocations of TOTAL by a distribution key (largest remainder; ties to the
    larger share, then the code first alphabetically)."""
    from refugio.sharing import queries

    if fmt not in ("csv", "json"):
        common.fail("--format: csv or json")
    spec = _spec(key, cap)
    table = _table(indicators, year, participants, target)
    result: KeyResult = common.run(lambda: queries.compute_key(table, spec, total))
    _emit(result, fmt, _provenance_lines(table) if indicators is None else None)


@sharing_app.command("sensitivity")
@common.with_options(user=False)
def sensitivity_cmd(
    target: common.Target,
    key: KeyOption,
    total: TotalOption,
    vary: Annotated[str, typer.Option("--vary", help="weight, cap or drop.")],
    criterion: Annotated[str, typer.Option("--criterion", help="With --vary weight: the indicator.")] = "",
    values: Annotated[str, typer.Option("--values", help="Comma-separated weights or caps.")] = "",
    cap: CapOption = None,
    indicators: IndicatorsOption = None,
    year: YearOption = None,
    participants: ParticipantsOption = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Also draw the chart (PNG or SVG).")] = None,
) -> None:
    """Who gains or loses how much (CSV: country, base, then the change in each scenario)."""
    from refugio.sharing import queries

    spec = _spec(key, cap)
    table = _table(indicators, year, participants, target)
    try:
        numbers = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        common.fail(f"--values {values!r}: comma-separated numbers")
    result = common.run(
        lambda: queries.analyse_sensitivity(
            table, spec, total, vary=vary, criterion=criterion, values=numbers
        )
    )
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["country", "base", *(s.label for s in result.scenarios)])
    for i, country in enumerate(result.countries):
        writer.writerow([country, result.base[i], *(s.deltas[i] for s in result.scenarios)])
    if chart is not None:
        fmt = "svg" if chart.suffix.lower() == ".svg" else "png"
        chart.write_bytes(queries.sensitivity_chart(result, fmt))
        typer.echo(f"chart written to {chart}", err=True)


@indicators_app.command("import")
@common.with_options()
def indicators_import_cmd(
    target: common.Target,
    paths: Annotated[list[Path], typer.Argument(help="A folder of World Bank files, or files.")],
) -> None:
    """Import World Bank population.csv, gdp.csv, unemployment.csv[.gz]; report what did not match."""
    from refugio.sharing import service
    from refugio.store.uow import unit_of_work

    app = target.open()
    who = target.actor(app)
    for path in paths:
        if not path.exists():
            common.fail(f"{path}: no such file or folder")

    def load(s: Any) -> list[ImportReport]:
        out: list[ImportReport] = []
        for path in paths:
            if path.is_dir():
                out += service.import_worldbank_dir(s, directory=path, actor=who)
            else:
                out.append(
                    service.import_worldbank(s, data=path.read_bytes(), file_name=path.name, actor=who)
                )
        return out

    with unit_of_work(app.sessions) as s:
        reports = common.run(lambda: load(s))
    for r in reports:
        _print_report(r.as_dict())


def _print_report(r: dict[str, Any]) -> None:
    years = f"{r['years'][0]}-{r['years'][1]}" if r["years"] else "no year"
    typer.echo(f"{r['file_name']}: {r['rows_loaded']:,} values loaded ({years}) of {r['rows_read']:,} rows")
    if r["skipped_codes"]:
        codes = ", ".join(sorted(r["skipped_codes"]))
        typer.echo(f"  skipped (aggregates or not ISO 3166-1 countries): {codes}")
    for code, why in sorted(r["unmatched"].items()):
        typer.echo(f"  not matched: {code}: {why}")
    if r["missing_count"]:
        typer.echo(f"  missing values: {r['missing_count']:,} (first: {'; '.join(r['missing'][:5])})")


@indicators_app.command("derive")
@common.with_options()
def indicators_derive_cmd(
    target: common.Target,
    year: Annotated[int, typer.Option("--year", help="End year.")],
    window: Annotated[int, typer.Option("--window", help="Years of asylum applications averaged.")] = 5,
) -> None:
    """Asylum applications per million (mean over the window), refugees per 1,000 and per US$ 1 bn,
    from the UNHCR tables (`refugio stats import`) and the World Bank values."""
    from refugio.sharing import service

    report = target.in_uow(lambda s, a, c: service.derive_from_unhcr(s, year=year, window=window, actor=a))
    _print_report(report.as_dict())


@indicators_app.command("list")
@common.with_options(user=False)
def indicators_list_cmd(
    target: common.Target,
    year: Annotated[int, typer.Option("--year")],
    indicator: Annotated[str | None, typer.Option("--indicator")] = None,
) -> None:
    """Indicator values of a year with their provenance (CSV)."""
    from refugio.security.principals import SYSTEM
    from refugio.sharing import queries
    from refugio.store.uow import unit_of_work

    app = target.open()
    with unit_of_work(app.sessions) as s:
        rows = queries.indicator_values(s, actor=SYSTEM, indicator=indicator, year=year)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["indicator", "country", "year", "value", "source", "retrieved", "transformation"])
    for v in rows:
        writer.writerow([v.indicator, v.country, v.year, v.value, v.source, v.retrieved, v.transformation])


@pledges_app.command("add")
@common.with_options()
def pledge_add_cmd(
    target: common.Target,
    pledger: Annotated[str, typer.Option("--pledger")],
    pledge_type: Annotated[
        str, typer.Option("--type", help="financial, material, technical, places, policy")
    ],
    title: Annotated[str, typer.Option("--title")],
    country: Annotated[str | None, typer.Option("--country", help="ISO3 of a State pledger")] = None,
    kind: Annotated[str, typer.Option("--kind", help="state or organisation")] = "state",
    amount: Annotated[str | None, typer.Option("--amount")] = None,
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    places: Annotated[int | None, typer.Option("--places")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Date pledged, YYYY-MM-DD (default today).")] = None,
) -> None:
    """Record a pledge."""
    from refugio.core import clock
    from refugio.sharing import service
    from refugio.sharing.schemas import PledgeCreate
    from refugio.store.uow import unit_of_work

    data = common.build_input(
        PledgeCreate,
        pledger=pledger,
        pledger_kind=kind,
        country=country,
        pledge_type=pledge_type,
        title=title,
        amount=amount,
        currency=currency,
        places=places,
        pledged_on=on or clock.today().isoformat(),
    )
    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        pledge = common.run(lambda: service.record_pledge(s, data=data, actor=who))
        typer.echo(f"{pledge.ref} {pledge.id}")


@pledges_app.command("update")
@common.with_options()
def pledge_update_cmd(
    target: common.Target,
    pledge_id: Annotated[str, typer.Argument(help="The pledge's id.")],
    status: Annotated[str, typer.Option("--status", help="planning, in_progress, fulfilled")],
    places_delivered: Annotated[int | None, typer.Option("--places-delivered")] = None,
    amount_delivered: Annotated[str | None, typer.Option("--amount-delivered")] = None,
    evidence: Annotated[str, typer.Option("--evidence")] = "",
    on: Annotated[str | None, typer.Option("--on")] = None,
) -> None:
    """Record a dated update of a pledge (status, delivered so far, evidence)."""
    import uuid

    from refugio.core import clock
    from refugio.sharing import service
    from refugio.sharing.schemas import PledgeUpdateCreate

    try:
        pid = uuid.UUID(pledge_id)
    except ValueError:
        common.fail(f"{pledge_id!r} is not a pledge id")
    data = common.build_input(
        PledgeUpdateCreate,
        on_date=on or clock.today().isoformat(),
        status=status,
        places_delivered=places_delivered,
        amount_delivered=amount_delivered,
        evidence=evidence,
    )
    target.in_uow(lambda s, a, c: service.update_pledge(s, pledge_id=pid, data=data, actor=a))
    typer.echo(f"{pid}: {status}")


@pledges_app.command("list")
@common.with_options()
def pledge_list_cmd(target: common.Target) -> None:
    """The pledges one may see."""
    from refugio.sharing import queries

    rows = target.in_uow(lambda s, a, c: queries.list_pledges(s, actor=a))
    for p in rows:
        what = (
            f"{p.places} places" if p.places is not None else (f"{p.amount} {p.currency}" if p.amount else "")
        )
        typer.echo(
            f"{p.ref} {p.pledged_on} {p.pledger:<30} {p.pledge_type:<10} {p.status:<12} {what}  {p.title}"
        )


@sharing_app.command("ledger")
@common.with_options()
def ledger_cmd(
    target: common.Target,
    key: KeyOption,
    total: TotalOption,
    year: Annotated[int, typer.Option("--year")],
    participants: Annotated[str, typer.Option("--participants")],
    resettled_years: Annotated[
        str,
        typer.Option("--resettled-years", help="e.g. 2016-2020: UNHCR resettlement counted as fulfilment."),
    ] = "",
    cap: CapOption = None,
) -> None:
    """Key vs pledge vs fulfilment (places) per State, as CSV (disclosure control applied)."""
    from refugio.sharing import queries
    from refugio.stats.disclosure import DisclosureRule
    from refugio.store.uow import unit_of_work

    spec = _spec(key, cap)
    span: list[int] = []
    if resettled_years:
        try:
            first, _, last = resettled_years.partition("-")
            span = list(range(int(first), int(last or first) + 1))
        except ValueError:
            common.fail(f"--resettled-years {resettled_years!r}: like 2016-2020")
    app = target.open()
    who = target.actor(app)
    with unit_of_work(app.sessions) as s:
        table = common.run(
            lambda: queries.indicator_table(s, year=year, participants=participants.split(","), actor=who)
        )
        result = common.run(lambda: queries.compute_key(table, spec, total))
        rows = common.run(lambda: queries.ledger(s, actor=who, result=result, resettlement_years=span))
    published = queries.ledger_table(rows, spec, DisclosureRule())
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([c.key for c in published.columns])
    writer.writerows(published.rows)


@sharing_app.command("report")
@common.with_options()
def report_cmd(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    country: Annotated[str | None, typer.Option("--country", help="ISO3 (default: overall).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")] = None,
) -> None:
    """The periodic progress report (PDF) of a State or overall: commitments and their follow-up."""
    import datetime as dt

    from refugio.core import clock
    from refugio.sharing import queries

    try:
        date = dt.date.fromisoformat(as_of) if as_of else clock.today()
    except ValueError:
        common.fail(f"--as-of {as_of!r} is not a date like 2026-11-01")
    report = target.in_uow(
        lambda s, a, c: queries.progress_report(s, actor=a, country=country, as_of=date),
    )
    out.write_bytes(queries.progress_report_pdf(report))
    typer.echo(f"{len(report.pledges)} pledge(s); written to {out}")


@sharing_app.command("framework")
@common.with_options()
def framework_cmd(
    target: common.Target,
    country: Annotated[str, typer.Option("--country", help="ISO3.")],
    year: Annotated[int, typer.Option("--year")],
    framework: Annotated[str, typer.Option("--framework", help="gcr or a FILE.yaml.")] = "gcr",
    fmt: FormatOption = "csv",
) -> None:
    """An indicator framework's values for a State and year, each with its source (counts of people
    pass disclosure control)."""
    from refugio.sharing import queries
    from refugio.stats.disclosure import DisclosureRule

    if fmt not in ("csv", "json"):
        common.fail("--format: csv or json")
    chosen = common.run(lambda: queries.framework(framework))
    values = target.in_uow(
        lambda s, a, c: queries.framework_values(s, actor=a, framework=chosen, country=country, year=year),
    )
    table = queries.framework_table(values, chosen, country.upper(), year, DisclosureRule())
    if fmt == "json":
        sys.stdout.write(json.dumps(table.as_dict(), indent=2, default=str) + "\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    writer.writerows(table.rows)
