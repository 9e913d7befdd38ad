"""`refugio import …` and `refugio forms …`: bulk import of registrations from CSV/XLSX/Kobo/ODK exports
(stage, validate, report, commit) and the registration XLSForm for KoboToolbox/ODK.

Thin: options → refugio.intake calls → printed results. The shared helpers (settings, container,
errors, the acting user) come from refugio.cli.common.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.main import Container

import_app = typer.Typer(
    help="Import registrations from CSV/XLSX files and Kobo/ODK exports.", no_args_is_help=True
)
forms_app = typer.Typer(
    help="XLSForms for KoboToolbox and ODK: export, check, publish.", no_args_is_help=True
)


def _site_and_operation(
    container: Container, site: str | None, operation: str | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The site named by --site (within --operation if given), else the operation: ids, or a clear error."""
    from refugio.registration import queries
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    with unit_of_work(container.sessions) as s:
        ops = [(o.code, o.id) for o in queries.visible_operations(s, actor=SYSTEM)]
        op = None
        if operation:
            op = next((o for o in ops if o[0] == operation.upper()), None)
            if op is None:
                common.fail(f"no operation {operation!r} (see `refugio operations list`)")
        elif len(ops) == 1:
            op = ops[0]
        found = queries.find_sites(s, code=site, operation_id=op[1] if op else None) if site else []
    if site:
        if len(found) != 1:
            common.fail(
                f"no site {site!r}" + (f" in {op[0]}" if op else "")
                if not found
                else f"site {site!r} exists in several operations: add --operation"
            )
        return found[0].id, found[0].operation_id
    if op is None:
        common.fail("give --site (or --operation when the database has several operations)")
    return None, op[1]


ImportFileArgument = Annotated[
    Path,
    typer.Argument(
        help="CSV or XLSX file (a Kobo/ODK export, a partner's list…).",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
MappingOption = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        help="Column mapping (YAML: columns, defaults, date_order, source). "
        "Default: suggested from the headers and HXL hashtags.",
        exists=True,
        dir_okay=False,
    ),
]
SiteOption = Annotated[str | None, typer.Option("--site", help="Site code for rows that give none.")]
ImportOperationOption = Annotated[
    str | None, typer.Option("--operation", help="Operation code (when the database has several).")
]
CommitOption = Annotated[
    bool,
    typer.Option(
        "--commit", help="Register the valid households after validation (otherwise only stage and report)."
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Name of the source (re-importing from the same source updates, never duplicates). "
        "Default: the mapping's name, or 'import'.",
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option("--sheet", help="XLSX sheet to read (default: the first; Kobo repeat sheets are joined)."),
]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", help="Write the validation report (XLSX, errors beside the data) here."),
]
SaveMappingOption = Annotated[
    Path | None,
    typer.Option("--save-mapping", help="Write the mapping used (YAML) here, to edit and reuse."),
]
ConsentOption = Annotated[
    str | None,
    typer.Option("--consent", help="Consent for rows that give none: yes or no (the file's column wins)."),
]
LegalBasisOption = Annotated[
    str | None,
    typer.Option(
        "--legal-basis",
        help="Legal basis for rows that give none (consent, vital_interest, public_interest, "
        "legal_obligation, mandate, contract).",
    ),
]
PurposeOption = Annotated[
    list[str] | None,
    typer.Option("--purpose", help="Consent purpose for rows that give none (repeat for several)."),
]
ImportUserOption = Annotated[
    str | None,
    typer.Option("--user", help="Import as this user (checks their permissions; default: the system)."),
]


@import_app.command("registrations")
@common.with_options(user=False)
def import_registrations(
    target: common.Target,
    file: ImportFileArgument,
    mapping: MappingOption = None,
    site: SiteOption = None,
    operation: ImportOperationOption = None,
    commit: CommitOption = False,
    source: SourceOption = None,
    sheet: SheetOption = None,
    report: ReportOption = None,
    save_mapping: SaveMappingOption = None,
    consent: ConsentOption = None,
    legal_basis: LegalBasisOption = None,
    purpose: PurposeOption = None,
    user: ImportUserOption = None,
) -> None:
    """Import registrations from FILE: read and map the columns, stage and validate every row, print the
    summary (and write the report); with --commit, register the valid households in one transaction.
    --consent, --legal-basis and --purpose set defaults for the whole file (used where its column is
    missing or empty)."""
    from refugio.intake import pipeline
    from refugio.intake.mapping import with_defaults

    container = target.open()
    actor = common.actor(container, user)
    site_id, operation_id = _site_and_operation(container, site, operation)
    chosen = _choose_mapping(file, mapping, sheet, save_mapping)
    extra = {"consent_given": consent, "legal_basis": legal_basis, "consent_purposes": purpose or None}
    if any(extra.values()):
        chosen = common.run(lambda: with_defaults(chosen, {k: x for k, x in extra.items() if x}))
    with _progress_bar() as bar:
        batch_id = _stage(
            bar,
            lambda progress: pipeline.import_file(
                container.sessions,
                actor=actor,
                path=file,
                mapping=chosen,
                source=source,
                site_id=site_id,
                operation_id=operation_id,
                sheet=sheet,
                progress=progress,
            ),
        )
        counts, status = _show_outcome(container, actor, batch_id, report)
        if not commit:
            typer.echo(
                f"not committed: review, then `refugio import commit {batch_id}` (or run again with --commit)"
            )
            return
        if status != "ready":
            common.fail(f"cannot commit an import that is {status}")
        result = _commit_with_bar(container, actor, bar, batch_id, counts.get("rows"))
    _print_commit(result)
    container.close()  # the linkage of the import runs in the background: let it finish before exiting


def _choose_mapping(file: Path, mapping: Path | None, sheet: str | None, save_mapping: Path | None) -> Any:
    """The mapping to use (the given one, else the suggested one, printed), saved if asked."""
    from refugio.intake import pipeline
    from refugio.intake.mapping import Mapping

    chosen: Mapping | None = None
    if mapping is not None:
        chosen = common.run(lambda: Mapping.from_yaml(mapping.read_text(encoding="utf-8")))
    preview = common.run(lambda: pipeline.inspect_file(file, sheet=sheet))
    if chosen is None:
        chosen = preview.mapping
        typer.echo("Columns (suggested mapping; save it with --save-mapping to edit and reuse):")
        for hint in preview.suggestions:
            target = hint.field if hint.field and hint.confidence >= 0.8 else "—"
            typer.echo(f"  {hint.column[:40]:<40} → {target:<22} {hint.reason}")
    if save_mapping is not None:
        save_mapping.write_text(chosen.to_yaml(), encoding="utf-8")
        typer.echo(f"mapping written to {save_mapping}")
    for warning in preview.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    return chosen


def _progress_bar() -> Any:
    """A progress display on stderr (silent when stderr is not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<11}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        disable=not typer.get_text_stream("stderr").isatty(),
    )


def _stage(bar: Any, run: Callable[[Callable[[str, int, int | None], None]], uuid.UUID]) -> uuid.UUID:
    """Read, stage and check the file with one progress line per phase; errors end the command."""
    from refugio.core.errors import ValidationFailed

    tasks: dict[str, Any] = {}

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=max(total or done, done))

    try:
        return run(progress)
    except ValidationFailed as exc:
        bar.stop()
        for e in exc.errors:
            typer.secho(f"error: {e.field}: {e.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def _show_outcome(
    container: Container, actor: Any, batch_id: uuid.UUID, report: Path | None
) -> tuple[dict[str, int], str]:
    """Print the checked import's status and summary (and write its report); its counts and status."""
    from refugio.intake import pipeline, queries
    from refugio.intake.report import write_report
    from refugio.store.uow import unit_of_work

    with unit_of_work(container.sessions) as s:
        batch = queries.batch(s, actor=actor, batch_id=batch_id)
    counts, status = dict(batch.counts), batch.status
    typer.echo(f"import {batch_id}: {status}")
    typer.echo(pipeline.summary(counts))
    if batch.message:
        typer.secho(batch.message, fg=typer.colors.YELLOW)
    if report is not None:
        with unit_of_work(container.sessions) as s:
            rows = write_report(s, batch_id=batch_id, out=report)
        typer.echo(f"report: {report} ({rows:,} rows)")
    elif counts.get("invalid"):
        typer.echo("write the validation report with --report REPORT.xlsx to see every error beside its row")
    return counts, status


def _commit_with_bar(
    container: Container, actor: Any, bar: Any, batch_id: uuid.UUID, rows: int | None
) -> Any:
    """Commit the checked import in one unit of work, with a progress line."""
    from refugio.intake import service
    from refugio.store.uow import unit_of_work

    task = bar.add_task("committing", total=rows or None)
    with unit_of_work(container.sessions) as s:
        return common.run(
            lambda: service.commit_batch(
                s,
                actor=actor,
                batch_id=batch_id,
                on_progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
        )


def _print_commit(result: Any) -> None:
    typer.echo(
        f"committed: {result.households_registered:,} households "
        f"({result.people_registered:,} people) registered, "
        f"{result.people_updated:,} people updated, {result.unchanged:,} unchanged, "
        f"{result.households_skipped:,} households with errors left out"
    )


@import_app.command("commit")
@common.with_options(user=False)
def import_commit(
    target: common.Target,
    batch: Annotated[str, typer.Argument(help="The import id printed by `refugio import registrations`.")],
    user: Annotated[
        str | None, typer.Option("--user", help="Commit as this user (default: the system).")
    ] = None,
) -> None:
    """Register the valid households of a staged import (one transaction: all or nothing)."""
    from refugio.intake import service

    batch_id = _batch_id(batch)
    result = common.in_uow(
        target.db, target.data_dir, user, lambda s, a, c: service.commit_batch(s, actor=a, batch_id=batch_id)
    )
    _print_commit(result)


@import_app.command("refuse")
@common.with_options(user=False)
def import_refuse(
    target: common.Target,
    batch: Annotated[str, typer.Argument(help="The import id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the import is refused.")],
    user: Annotated[
        str | None, typer.Option("--user", help="Refuse as this user (default: the system).")
    ] = None,
) -> None:
    """Refuse a staged import: its rows are deleted and nothing reaches the registry."""
    from refugio.intake import service

    batch_id = _batch_id(batch)
    common.in_uow(
        target.db,
        target.data_dir,
        user,
        lambda s, a, c: service.refuse_batch(s, actor=a, batch_id=batch_id, reason=reason),
    )
    typer.echo(f"import {batch_id} refused")


@import_app.command("purge")
@common.with_options(user=False)
def import_purge(
    target: common.Target,
    older_than_days: Annotated[
        int | None,
        typer.Option(
            "--older-than-days",
            min=1,
            help="Idle days before an unfinished import is purged (REFUGIO_STAGING_RETENTION_DAYS, 14).",
        ),
    ] = None,
) -> None:
    """Delete the staged rows, submissions and attachments of imports left unfinished (uploaded, staged,
    received or blocked, and untouched for that long): they hold personal data nobody will commit. The
    batches stay, marked expired; each purge is audited. For cron, or by hand."""
    import datetime as dt

    from refugio.intake import service
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    days = older_than_days or container.settings.staging_retention_days
    with unit_of_work(container.sessions) as s:
        purged = common.run(
            lambda: service.purge_abandoned(s, actor=SYSTEM, older_than=dt.timedelta(days=days))
        )
    typer.echo(f"{len(purged)} unfinished import(s) idle for {days} days or more purged")
    for batch_id in purged:
        typer.echo(f"  {batch_id}")


@import_app.command("report")
@common.with_options(user=False)
def import_report(
    target: common.Target,
    batch: Annotated[str, typer.Argument(help="The import id.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the XLSX report.")],
) -> None:
    """Write the validation report of an import (every row, its status and its errors beside the data)."""
    from refugio.intake import queries
    from refugio.intake.report import write_report
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    batch_id = _batch_id(batch)
    with unit_of_work(container.sessions) as s:
        common.run(lambda: queries.batch(s, actor=SYSTEM, batch_id=batch_id))
        rows = write_report(s, batch_id=batch_id, out=out)
    typer.echo(f"report: {out} ({rows:,} rows)")


def _batch_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        common.fail(f"{text!r} is not an import id")
        raise  # pragma: no cover


@forms_app.command("export")
@common.with_options(user=False)
def forms_export(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="Where to write the XLSForm (.xlsx).")],
    operation: Annotated[
        str | None,
        typer.Option("--operation", help="List this operation's sites as choices (needs the database)."),
    ] = None,
    form_id: Annotated[
        str, typer.Option("--form-id", help="The form id (settings sheet).")
    ] = "refugio_registration",
) -> None:
    """Write refugio's household registration form as an XLSForm (English, French, Arabic, Spanish),
    checked with pyxform, for KoboToolbox or ODK Central."""
    from refugio.intake.xlsform_pyxform import convert, registration_xlsform

    sites: list[tuple[str, str]] = []
    if operation:
        from refugio.registration import queries
        from refugio.store.uow import unit_of_work

        container = target.open()
        op_id = common.operation_id(container, operation)
        with unit_of_work(container.sessions) as s:
            sites = [(x.code, x.name) for x in queries.find_sites(s, operation_id=op_id)]
    data = registration_xlsform(sites=sites, form_id=form_id)
    info = common.run(lambda: convert(data))
    out.write_bytes(data)
    typer.echo(
        f"{out}: XLSForm {info.form_id} version {info.version}, {len(info.fields)} questions, valid (pyxform)"
    )


@forms_app.command("check")
def forms_check(
    file: Annotated[Path, typer.Argument(help="An XLSForm (.xlsx or .xls).", exists=True, dir_okay=False)],
) -> None:
    """Check an XLSForm with pyxform; errors name the sheet, the row and the problem."""
    from refugio.intake.xlsform_pyxform import check_xlsform

    info = common.run(lambda: check_xlsform(file))
    typer.echo(f"{file}: valid XLSForm {info.form_id!r} ({len(info.fields)} questions)")
    for warning in info.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)


@forms_app.command("publish")
@common.with_options(user=False)
def forms_publish(
    target: common.Target,
    file: Annotated[
        Path | None,
        typer.Argument(
            help="An XLSForm to publish (default: refugio's registration form).", exists=True, dir_okay=False
        ),
    ] = None,
    operation: Annotated[str | None, typer.Option("--operation", help="Operation code.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Limit the form to one site.")] = None,
) -> None:
    """Publish a form to refugio's OpenRosa form list (ODK Collect, KoboCollect, Enketo: server URL
    http://HOST:PORT/openrosa)."""
    from refugio.intake import openrosa
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    site_id, operation_id = _site_and_operation(container, site, operation)
    with unit_of_work(container.sessions) as s:
        form = common.run(
            lambda: openrosa.publish_form(
                s,
                actor=SYSTEM,
                site_id=site_id,
                operation_id=operation_id,
                xlsform=file.read_bytes() if file else None,
            )
        )
        typer.echo(
            f"published {form.form_id} version {form.version} "
            f"({len(form.mapping.get('columns', {}))} mapped questions)"
        )


@forms_app.command("list")
@common.with_options(user=False)
def forms_list(target: common.Target) -> None:
    """List the published forms."""
    from refugio.intake import queries
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        forms = queries.published_forms(s)
    for f in forms:
        typer.echo(f"{f.form_id:<32} {f.version:<14} {'active' if f.active else 'inactive':<9} {f.title}")
