"""`refugio tracking surveys …` (flow monitoring surveys: the XLSForm, its publication on the
OpenRosa form list, the surveys received) and `refugio tracking assessments …` (multi-sector
location assessments: import, list with the change since the previous round, rounds, needs by
sector and shelter). Added to `refugio tracking` by cli/tracking.py. Thin, like the rest of cli/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common

surveys_app = typer.Typer(
    help="Flow monitoring surveys: the XLSForm for ODK/Kobo, published through OpenRosa; surveys received.",
    no_args_is_help=True,
)
assessments_app = typer.Typer(
    help="Multi-sector location assessments (population groups, shelter, needs by sector).",
    no_args_is_help=True,
)
Country = Annotated[str | None, typer.Option("--country", help="ISO3 code.")]


@surveys_app.command("form")
@common.with_options(operation=True)
def survey_form(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="Where to write the XLSForm (.xlsx).")],
) -> None:
    """Write the operation's flow survey form as an XLSForm (for KoboToolbox or ODK Central)."""
    from refugio.tracking import service

    form_id, xlsx = target.in_operation(
        lambda s, actor, op: service.survey_form(s, actor=actor, operation_id=op)
    )
    out.write_bytes(xlsx)
    typer.echo(f"wrote {out} (form {form_id})")


@surveys_app.command("publish")
@common.with_options(operation=True)
def survey_publish(target: common.Target) -> None:
    """Publish the operation's flow survey form on refugio's OpenRosa form list (/openrosa/formList);
    its submissions land in tracking."""
    from refugio.intake.openrosa_forms import publish_domain_form
    from refugio.tracking import service

    form = target.in_operation(
        lambda s, actor, op: publish_domain_form(
            s, actor=actor, handler=service.SURVEY_HANDLER, operation_id=op
        )
    )
    form_id, version = form.form_id, form.version
    typer.echo(f"form {form_id} version {version} published on /openrosa/formList")


@surveys_app.command("list")
@common.with_options()
def survey_list(
    target: common.Target,
    point: Annotated[str, typer.Argument(help="Flow monitoring point code.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Break down instead: nationality, reasons, …")
    ] = None,
) -> None:
    """The surveys received at a point (or, with --by, the people they describe broken down, under
    the disclosure rule)."""
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        found = next((p for p in queries.flow_points(s, actor=actor) if p.code == point), None)
        if found is None:
            common.fail(f"no flow monitoring point {point!r}")
        assert found is not None
        if by:
            table = common.run(lambda: tracking_report.survey_table(s, actor=actor, point_id=found.id, by=by))
            for r in table.rows:
                typer.echo(f"{r[by]!s:<20} in {r['incoming']!s:>6}  out {r['outgoing']!s:>6}  "
                           f"total {r['total']!s:>6}  surveys {r['surveys']!s}")  # fmt: skip
            if table.rows:
                typer.echo(table.note)
            return
        for sv in queries.flow_surveys(s, actor=actor, point_id=found.id):
            reasons = ",".join(sv.reasons)
            typer.echo(f"{sv.survey_date}  {sv.direction:<8} {sv.sex} {sv.age_group:<7} {sv.nationality} "
                       f"{sv.transport:<6} x{sv.group_size:<3} {reasons}  {sv.instance_id}")  # fmt: skip


@assessments_app.command("import")
@common.with_options()
def assessments_import(
    target: common.Target,
    file: Annotated[Path, typer.Argument(help="CSV file (.csv or .csv.gz), UTF-8.")],
) -> None:
    """Import multi-sector location assessments (line-numbered errors, nothing half-loaded; a file
    imported again adds nothing)."""
    from refugio.tracking import service

    r = target.in_uow(lambda s, actor, _: service.import_assessments(s, actor=actor, path=file))
    remainders = ", ".join(f"{k} unknown: {v:,}" for k, v in r.remainders.items() if v)
    tail = f"; {remainders}" if remainders else ""
    typer.echo(f"{r.rows_read} assessment(s) read: {r.added} added, {r.already_loaded} already loaded, "
               f"{r.duplicates} duplicate(s) kept out of totals{tail}")  # fmt: skip
    for given, code in r.normalised.items():
        typer.echo(f"  warning: P-code {given} normalised to {code}")


@assessments_app.command("list")
@common.with_options()
def assessments_list(
    target: common.Target,
    country: Country = None,
    round_number: Annotated[int | None, typer.Option("--round", min=1)] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Assessments with the change in individuals since the location's previous round (people under
    the disclosure rule: `<5`, `x`)."""
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        rows = common.run(
            lambda: tracking_report.assessment_rows(
                s, actor=actor, country=country, round_number=round_number
            )
        )
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    for r in rows:
        change = r["change"]
        shown = "new" if change is None else f"{change:+,}" if isinstance(change, int) else str(change)
        flag = "  duplicate" if r["duplicate"] else ""
        area = r["admin2_pcode"] or r["admin1_pcode"] or "-"
        typer.echo(
            f"{r['country_iso3']} R{r['round_number']!s:<3} {area!s:<10} "
            f"{r['location']!s:<24} {_cell(r['individuals']):>8} ({shown}){flag}"
        )


def _cell(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "")


@assessments_app.command("rounds")
@common.with_options()
def assessments_rounds(
    target: common.Target,
    country: Country = None,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or json")] = "text",
) -> None:
    """Each country's rounds totalled (locations, households, individuals, IDPs, returnees, migrants),
    under the disclosure rule."""
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work
    from refugio.tracking import queries

    if fmt not in {"text", "csv", "json"}:
        common.fail("--format must be text, csv or json")
    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        table = common.run(lambda: tracking_report.assessment_rounds(s, actor=actor, country=country))
    if fmt == "json":
        typer.echo(json.dumps(table.model_dump(mode="json"), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        typer.echo(queries.render(table.rows, table.columns, "csv"), nl=False)
    else:
        for r in table.rows:
            typer.echo("  ".join(f"{_cell(r[c]):>11}" for c in table.columns))
        typer.echo(table.note)


@assessments_app.command("needs")
@common.with_options()
def assessments_needs(
    target: common.Target,
    country: Annotated[str, typer.Option("--country", help="ISO3 code.")],
    round_number: Annotated[int, typer.Option("--round", min=1)],
) -> None:
    """Needs by sector (mean severity, locations at 4–5, first priority) and households by shelter type
    (under the disclosure rule)."""
    from refugio.stats import tracking_report
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        needs, shelter = common.run(
            lambda: tracking_report.shelter_table(s, actor=actor, country=country, round_number=round_number)
        )
    typer.echo("sector        locations  mean severity  severe  first priority")
    for n in needs:
        typer.echo(
            f"{n.sector:<13} {n.locations:>9}  {n.mean_severity:>13}  {n.severe:>6}  {n.first_priority:>14}"
        )
    for r in shelter.rows:
        typer.echo(f"shelter {r['shelter']!s:<20} {_cell(r['households']):>8} households")


__all__ = ["assessments_app", "surveys_app"]
