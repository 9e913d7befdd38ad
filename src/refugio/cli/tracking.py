"""`refugio tracking …`: administrative areas (P-codes), DTM mobility-tracking imports and IDPs exports
(HDX HAPI, HXL, CSV, JSON), rounds and their additivity, Missing Migrants incidents and their
summaries, and displacement sites.

Thin: parses options, opens one unit of work per command, calls refugio.tracking, prints results. The
shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common
from refugio.cli.tracking_surveys import assessments_app, surveys_app
from refugio.tracking.enums import FlowPointKind, IdpFormat, SiteKind, SiteStatus, SummaryBy

tracking_app = typer.Typer(
    help="Displacement and flow tracking: P-codes, DTM rounds, IDPs exports, incidents in transit, sites.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Import P-codes, DTM figures or Missing Migrants incidents.", no_args_is_help=True
)
incidents_app = typer.Typer(help="Incidents in transit (IOM Missing Migrants Project).", no_args_is_help=True)
sites_app = typer.Typer(help="Displacement sites of an operation.", no_args_is_help=True)
tracking_app.add_typer(import_app, name="import")
tracking_app.add_typer(incidents_app, name="incidents")
tracking_app.add_typer(sites_app, name="sites")

FileArg = Annotated[Path, typer.Argument(help="CSV file (.csv or .csv.gz), UTF-8.")]


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@import_app.command("pcodes")
@common.with_options()
def import_pcodes(
    target: common.Target,
    areas: FileArg,
    lengths: Annotated[Path | None, typer.Option("--lengths", help="OCHA P-code length rules (CSV).")] = None,
) -> None:
    """Load OCHA P-codes (admin 1–2; every admin-2 needs its admin-1) and their length rules."""
    from refugio.tracking import service

    report = target.in_uow(
        lambda s, actor, _: service.load_pcodes(s, actor=actor, areas_path=areas, lengths_path=lengths)
    )
    typer.echo(
        f"{report.areas_read} areas read in {report.countries} countries: {report.added} added, "
        f"{report.updated} updated, {len(report.warnings)} warning(s)"
    )
    for warning in report.warnings[:20]:
        typer.echo(f"  warning: {warning}")


@import_app.command("dtm")
@common.with_options()
def import_dtm(
    target: common.Target,
    file: FileArg,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Load the valid rows and list the refused ones.")
    ] = False,
) -> None:
    """Import DTM figures (API v3 shape, admin 0–2). Refused rows are listed by line; nothing is loaded
    unless every row is valid (or --skip-invalid). Re-importing the same file adds nothing."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries, service

    container = target.open()
    actor = target.actor(container)

    def run() -> tuple[service.DtmReport, queries.Additivity]:
        with unit_of_work(container.sessions) as s:
            report = service.import_dtm(s, actor=actor, path=file, skip_invalid=skip_invalid)
            return report, queries.additivity(s, actor=actor)

    report, check = common.run(run)
    typer.echo(
        f"{report.rows_read} rows read: {report.added} added, {report.already_loaded} already loaded, "
        f"{report.duplicates} duplicate(s) flagged, {len(report.refused)} refused"
    )
    for line in report.refused[:50]:
        typer.echo(f"  refused: {line}")
    if report.sex_remainder_rows:
        typer.echo(
            f"  sex unknown: {report.sex_remainder_people} people in {report.sex_remainder_rows} row(s) "
            "where males + females < total"
        )
    for given, code in sorted(report.normalised.items()):
        typer.echo(f"  normalised: {given} -> {code}")
    if report.unknown_pcodes:
        typer.echo(f"  unknown P-codes: {', '.join(report.unknown_pcodes[:30])}")
    for mismatch in report.name_mismatches[:30]:
        typer.echo(f"  name: {mismatch}")
    typer.echo(
        f"  additivity: {check.consistent} of {check.checked} parent totals equal the sum of their children"
    )


@import_app.command("mmp")
@common.with_options()
def import_mmp(
    target: common.Target,
    file: FileArg,
) -> None:
    """Import Missing Migrants Project incidents (the cleaned extract or the full download)."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service

    container = target.open()
    actor = target.actor(container)

    def run() -> service.MmpReport:
        with unit_of_work(container.sessions) as s:
            return service.import_mmp(s, actor=actor, path=file)

    report = common.run(run)
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(report.by_type.items()))
    typer.echo(
        f"{report.rows_read} incidents read ({report.shape} shape): {report.added} added, "
        f"{report.already_loaded} already loaded; {report.dead_and_missing} dead and missing ({kinds})"
    )
    for note in report.notes[:30]:
        typer.echo(f"  note: {note}")


@tracking_app.command("idps")
@common.with_options()
def idps_cmd(
    target: common.Target,
    fmt: Annotated[IdpFormat, typer.Option("--format", help="hapi, hxl, csv or json.")] = IdpFormat.HAPI,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    dataset_id: Annotated[str, typer.Option("--dataset-id", help="HAPI dataset_hdx_id column.")] = "",
    resource_id: Annotated[str, typer.Option("--resource-id", help="HAPI resource_hdx_id column.")] = "",
) -> None:
    """Export the IDPs of every round, admin levels 0–2: the HDX HAPI table, or the DTM-shaped table
    (published DTM aggregates: exact)."""
    from refugio.stats import tracking_charts
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)

    def run() -> str:
        with unit_of_work(container.sessions) as s:
            return tracking_charts.idps_export(
                s, actor=actor, fmt=fmt, dataset_hdx_id=dataset_id, resource_hdx_id=resource_id
            )

    _emit(common.run(run), out)


@tracking_app.command("rounds")
@common.with_options()
def rounds_cmd(
    target: common.Target,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 code.")] = None,
    level: Annotated[int, typer.Option("--level", min=0, max=2, help="Admin level.")] = 0,
) -> None:
    """IDPs per location and round with the change since the previous round."""
    from refugio.tracking import queries

    for r in target.in_uow(
        lambda s, actor, _: queries.rounds(s, actor=actor, country=country, admin_level=level)
    ):
        change = "" if r.change is None else f"{r.change:+,}"
        typer.echo(
            f"{r.pcode:<10} {r.assessment_type} round {r.round_number:>3} {r.reporting_date} "
            f"{r.idps:>12,} {change:>10}  {r.operation}"
        )


@tracking_app.command("additivity")
@common.with_options()
def additivity_cmd(
    target: common.Target,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 code.")] = None,
) -> None:
    """Check that each admin level adds up to the one above, round by round."""
    from refugio.tracking import queries

    check = target.in_uow(lambda s, actor, _: queries.additivity(s, actor=actor, country=country))
    typer.echo(f"{check.consistent} of {check.checked} parent totals equal the sum of their children")
    for g in check.gaps[:100]:
        typer.echo(
            f"  {g.parent} (admin {g.parent_level}) round {g.round_number} {g.reporting_date}: "
            f"{g.parent_total:,} vs {g.children_total:,} in {g.children} children ({g.difference:+,})"
        )


@incidents_app.command("summary")
@common.with_options()
def incidents_summary(
    target: common.Target,
    by: Annotated[
        SummaryBy, typer.Option("--by", help="year, route, region, country or cause.")
    ] = SummaryBy.YEAR,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
) -> None:
    """Incidents, dead and missing, and survivors by year, route, region, country or cause (published
    Missing Migrants aggregates: exact)."""
    from refugio.stats import tracking_charts
    from refugio.tracking import queries

    if fmt not in {"csv", "json"}:
        common.fail("--format must be csv or json")
    rows = target.in_uow(lambda s, actor, _: tracking_charts.incident_summary(s, actor=actor, by=by))
    _emit(queries.render(rows, [by.value, *queries.SUMMARY_COLUMNS], fmt), out)


@sites_app.command("add")
@common.with_options(operation=True)
def sites_add(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Site code, unique in the operation.")],
    name: Annotated[str, typer.Option("--name")],
    kind: Annotated[SiteKind, typer.Option("--kind")],
    status: Annotated[SiteStatus, typer.Option("--status")] = SiteStatus.OPEN,
    pcode: Annotated[str | None, typer.Option("--pcode", help="Admin area P-code.")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    capacity: Annotated[int | None, typer.Option("--capacity")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="Managing agency.")] = None,
) -> None:
    """Add a displacement site (camp, collective centre, informal settlement, host community)."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service
    from refugio.tracking.schemas import SiteCreate

    container = target.open()
    actor = target.actor(container)
    data = common.build_input(
        SiteCreate,
        operation_id=target.operation_id(container),
        code=code,
        name=name,
        kind=kind,
        status=status,
        admin_pcode=pcode,
        latitude=lat,
        longitude=lon,
        capacity=capacity,
        managing_agency=agency,
    )

    def run() -> str:
        with unit_of_work(container.sessions) as s:
            return str(service.add_site(s, actor=actor, data=data).id)

    typer.echo(f"site {code} added ({common.run(run)})")


@sites_app.command("list")
@common.with_options()
def sites_list(
    target: common.Target,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The sites one may see."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        found = queries.sites(s, actor=actor)
    if as_json:
        typer.echo(json.dumps([f.model_dump(mode="json") for f in found], indent=1))
        return
    for f in found:
        where = (
            f"{f.latitude:.4f},{f.longitude:.4f}"
            if f.latitude is not None and f.longitude is not None
            else "-"
        )
        typer.echo(
            f"{f.code:<12} {f.kind:<20} {f.status:<8} {f.capacity or '-':>8} {where:<20} "
            f"{f.registration_site_code or '':<6} {f.name}"
        )


flows_app = typer.Typer(help="Flow monitoring points and their daily counts.", no_args_is_help=True)
tracking_app.add_typer(flows_app, name="flows")


@flows_app.command("add-point")
@common.with_options(operation=True)
def flows_add_point(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Point code, unique in the operation.")],
    name: Annotated[str, typer.Option("--name")],
    kind: Annotated[FlowPointKind, typer.Option("--kind")],
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    pcode: Annotated[str | None, typer.Option("--pcode", help="Admin area P-code.")] = None,
) -> None:
    """Add a flow monitoring point (border crossing, transit centre, bus station, port, airport)."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service
    from refugio.tracking.schemas import FlowPointCreate

    container = target.open()
    actor = target.actor(container)
    data = common.build_input(
        FlowPointCreate,
        operation_id=target.operation_id(container),
        code=code,
        name=name,
        kind=kind,
        latitude=lat,
        longitude=lon,
        admin_pcode=pcode,
    )

    def run() -> str:
        with unit_of_work(container.sessions) as s:
            return str(service.add_flow_point(s, actor=actor, data=data).id)

    typer.echo(f"flow monitoring point {code} added ({common.run(run)})")


@flows_app.command("record")
@common.with_options(operation=True)
def flows_record(
    target: common.Target,
    file: FileArg,
) -> None:
    """Record daily counts from a CSV file (point, day, direction, sex, age_group, nationality,
    transport, count); a combination recorded again for the same day is corrected."""
    from refugio.tracking import service

    recorded = target.in_operation(
        lambda s, actor, op: service.import_flow_counts(s, actor=actor, operation_id=op, path=file)
    )
    typer.echo(f"{recorded} count(s) recorded")


@flows_app.command("show")
@common.with_options()
def flows_show(
    target: common.Target,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days up to today.")] = 14,
) -> None:
    """The flow monitoring points and the people counted each day, in and out (under the disclosure
    rule: `<5`, `x`)."""
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries, service

    container = target.open()
    actor = target.actor(container)
    start, end = service.flow_day_range(days)
    note = ""
    with unit_of_work(container.sessions) as s:
        for point in queries.flow_points(s, actor=actor):
            typer.echo(f"{point.code}  {point.kind}  {point.name}")
            table = tracking_report.flow_table(
                s, actor=actor, point_id=point.id, start=start, end=end, by="day"
            )
            for d in table.rows:
                typer.echo(f"  {d['day']!s:<10}  in {_cell(d['incoming']):>7}  out {_cell(d['outgoing']):>7}")
            note = table.note
    if note:
        typer.echo(note)


def _cell(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "")


@flows_app.command("table")
@common.with_options()
def flows_table(
    target: common.Target,
    point: Annotated[str, typer.Argument(help="Flow monitoring point code.")],
    by: Annotated[
        str, typer.Option("--by", help="day, nationality, transport, sex, age_group or sex_age.")
    ] = "sex_age",
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days up to today.")] = 30,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or json.")] = "text",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
) -> None:
    """A table of the people counted at a point, with totals, under the disclosure rule (audited)."""
    from refugio.security import audit
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries, service

    if fmt not in {"text", "csv", "json"}:
        common.fail("--format must be text, csv or json")
    container = target.open()
    actor = target.actor(container)
    start, end = service.flow_day_range(days)

    def run() -> tracking_report.ControlledTable:
        with unit_of_work(container.sessions) as s:
            found = next((p for p in queries.flow_points(s, actor=actor) if p.code == point), None)
            if found is None:
                common.fail(f"no flow monitoring point {point!r}")
            assert found is not None
            table = tracking_report.flow_table(s, actor=actor, point_id=found.id, start=start, end=end, by=by)
            audit.record(
                s,
                actor=actor,
                action="tracking.flows_downloaded",
                object_type="tracking_flow_point",
                object_id=str(found.id),
                details={"table": table.title, "rule": table.rule, "channel": "cli"},
            )
            return table

    table = common.run(run)
    if fmt == "json":
        _emit(json.dumps(table.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n", out)
    elif fmt == "csv":
        _emit(queries.render(table.rows, table.columns, "csv"), out)
    else:
        lines = [table.title, "  ".join(f"{c:>12}" for c in table.columns)]
        lines += ["  ".join(f"{_cell(r[c]):>12}" for c in table.columns) for r in table.rows]
        _emit("\n".join([*lines, table.note, ""]), out)


distress_app = typer.Typer(
    help="People and vessels in distress (IAMSAR SITREP), shared under data-sharing agreements.",
    no_args_is_help=True,
)
tracking_app.add_typer(distress_app, name="distress")


@distress_app.command("log")
@common.with_options(operation=True)
def distress_log(
    target: common.Target,
    identity: Annotated[str, typer.Option("--identity", help="A. Vessel, call sign or group.")],
    lat: Annotated[float, typer.Option("--lat", help="B. Latitude.")],
    lon: Annotated[float, typer.Option("--lon", help="B. Longitude.")],
    at: Annotated[str, typer.Option("--at", help="B. Time of the position (ISO 8601, UTC).")],
    situation: Annotated[str, typer.Option("--situation", help="C. Nature of the distress.")],
    assistance: Annotated[str, typer.Option("--assistance", help="E. Assistance required.")],
    rcc: Annotated[str, typer.Option("--rcc", help="F. Coordinating rescue centre.")],
    pob: Annotated[int | None, typer.Option("--pob", help="D. Persons on board.")] = None,
    actions: Annotated[str | None, typer.Option("--actions", help="G. Actions taken.")] = None,
) -> None:
    """Log people or a vessel in distress."""
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service
    from refugio.tracking.schemas import DistressCreate

    container = target.open()
    actor = target.actor(container)
    data = common.build_input(
        DistressCreate,
        operation_id=target.operation_id(container),
        identity=identity,
        latitude=lat,
        longitude=lon,
        position_at=at,
        situation=situation,
        persons_on_board=pob,
        assistance_required=assistance,
        coordinating_centre=rcc,
        actions=actions,
    )

    def run() -> int:
        with unit_of_work(container.sessions) as s:
            return service.log_distress(s, actor=actor, data=data).serial

    typer.echo(f"distress report {common.run(run):04d} logged")


@distress_app.command("share")
@common.with_options()
def distress_share(
    target: common.Target,
    agreement: Annotated[str, typer.Option("--agreement", help="The data-sharing agreement's id.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file, its manifest beside it (default: stdout)."),
    ] = None,
) -> None:
    """The distress log as SITREPs for the partner of a distress-log agreement in force (audited; the
    agreement is recorded with `refugio agreements record --dataset distress_log`)."""
    import uuid

    from refugio.agreements import manifest
    from refugio.tracking import service

    try:
        agreement_id = uuid.UUID(agreement)
    except ValueError:
        common.fail(f"{agreement!r} is not an agreement id")
    if out is not None and out.exists():
        common.fail(f"{out} exists: choose another file")
    share = target.in_uow(
        lambda s, actor, _: service.share_distress_log(s, actor=actor, agreement_id=agreement_id)
    )
    if out is None:
        typer.echo(share.content.decode("utf-8"), nl=False)
        return
    side = out.with_name(out.name + ".manifest.json")
    share.manifest["file"] = out.name
    out.write_bytes(share.content)
    side.write_bytes(manifest.dumps(share.manifest))
    typer.echo(f"wrote {out} (sha256 {share.manifest['sha256']}); manifest {side}", err=True)


tracking_app.add_typer(surveys_app, name="surveys")
tracking_app.add_typer(assessments_app, name="assessments")
