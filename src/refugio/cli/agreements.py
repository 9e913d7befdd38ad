"""`refugio agreements …`: the register of data-sharing agreements (the DPO's: record, list, suspend,
reactivate, terminate), shares of the registry under one (`share --agreement ID --out FILE` writes the
CSV and `FILE.manifest.json` beside it) and `verify`, which checks a shared file against its manifest."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common

agreements_app = typer.Typer(
    help="Data-sharing agreements: every export of personal data to a partner names one.",
    no_args_is_help=True,
)

AgreementOption = Annotated[str, typer.Option("--agreement", help="The data-sharing agreement's id.")]
FieldsOption = Annotated[
    list[str] | None, typer.Option("--field", help="A field to share (repeat); default: the agreement's.")
]


def _agreement_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        common.fail(f"{text!r} is not an agreement id (see `refugio agreements list`)")


@agreements_app.command("record")
@common.with_options(operation=True)
def record(
    target: common.Target,
    partner: Annotated[str, typer.Option("--partner", help="The partner organisation.")],
    purpose: Annotated[
        str,
        typer.Option(
            "--purpose", help="A consent purpose (e.g. assistance); search_and_rescue for the distress log."
        ),
    ],
    fields: Annotated[list[str], typer.Option("--field", help="A field the partner may receive (repeat).")],
    legal_basis: Annotated[str, typer.Option("--legal-basis", help="consent, public_interest, mandate, …")],
    retention_days: Annotated[int, typer.Option("--retention-days", help="How long the partner keeps it.")],
    valid_from: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    valid_until: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    partner_account: Annotated[
        str | None, typer.Option("--partner-account", help="The partner's user, for the registry search.")
    ] = None,
    notes: Annotated[str, typer.Option("--notes", help="Reference of the signed agreement, etc.")] = "",
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset",
            help="registry (fields: registration_number, given_name, …) or distress_log "
            "(purpose search_and_rescue; fields: identity, position, situation, …).",
        ),
    ] = "registry",
) -> None:
    """Record a data-sharing agreement (AGREEMENT_MANAGE)."""
    from refugio.agreements import service
    from refugio.agreements.schemas import AgreementCreate

    container = target.open()
    data = common.build_input(
        AgreementCreate,
        operation_id=target.operation_id(container),
        dataset=dataset,
        partner=partner,
        partner_username=partner_account,
        purpose=purpose,
        fields=fields,
        legal_basis=legal_basis,
        retention_days=retention_days,
        valid_from=valid_from,
        valid_until=valid_until,
        notes=notes,
    )
    found = target.in_uow(lambda s, a, _: str(service.record_agreement(s, actor=a, data=data).id))
    typer.echo(f"agreement {found} recorded with {partner}")


@agreements_app.command("list")
@common.with_options(operation=True)
def list_(target: common.Target) -> None:
    """The agreements of an operation (AGREEMENT_VIEW)."""
    from refugio.agreements import queries

    container = target.open()
    op = target.operation_id(container)
    rows = target.in_uow(lambda s, a, _: queries.list_agreements(s, actor=a, operation_id=op))
    if not rows:
        typer.echo("no data-sharing agreement")
    for r in rows:
        state = "in force" if r.in_force else r.status if r.status != "active" else "not in force today"
        typer.echo(
            f"{r.id}  {r.dataset}  {r.partner}  {r.purpose}  {r.valid_from}..{r.valid_until}  {state}  "
            f"basis {r.legal_basis}  kept {r.retention_days} days  fields {','.join(r.fields)}"
        )


@agreements_app.command("status")
@common.with_options()
def status(
    target: common.Target,
    agreement: AgreementOption,
    new_status: Annotated[str, typer.Option("--status", help="active, suspended or terminated.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
) -> None:
    """Suspend, reactivate or terminate an agreement (AGREEMENT_MANAGE)."""
    from refugio.agreements import service
    from refugio.agreements.schemas import AgreementStatusChange

    aid = _agreement_id(agreement)
    data = common.build_input(AgreementStatusChange, status=new_status, reason=reason)
    done = target.in_uow(
        lambda s, a, _: service.change_status(s, actor=a, agreement_id=aid, data=data).status,
    )
    typer.echo(f"agreement {aid} is now {done}")


@agreements_app.command("share")
@common.with_options()
def share(
    target: common.Target,
    agreement: AgreementOption,
    out: Annotated[Path, typer.Option("--out", help="The CSV to write; its manifest goes beside it.")],
    fields: FieldsOption = None,
) -> None:
    """The operation's registry for the agreement's partner (DATA_SHARE): the agreement's fields (or
    those named, all inside it), people without consent for its purpose left out; audited."""
    from refugio.agreements import manifest, service

    aid = _agreement_id(agreement)
    if out.exists():
        common.fail(f"{out} exists: choose another file")
    made = target.in_uow(
        lambda s, a, _: service.share_registry(s, actor=a, agreement_id=aid, fields=fields),
    )
    side = out.with_name(out.name + ".manifest.json")
    made.manifest["file"] = out.name
    out.write_bytes(made.content)
    side.write_bytes(manifest.dumps(made.manifest))
    typer.echo(
        f"{made.manifest['rows']} people written to {out} (sha256 {made.manifest['sha256']}); "
        f"{made.manifest['excluded_without_consent']} left out without consent; manifest {side}"
    )


@agreements_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="A shared file; FILE.manifest.json beside it.")],
) -> None:
    """Check a shared file against its manifest (SHA-256 and row count)."""
    from refugio.agreements import manifest

    side = file.with_name(file.name + ".manifest.json")
    if not file.exists() or not side.exists():
        common.fail(f"need {file} and {side}")
    made = json.loads(side.read_text(encoding="utf-8"))
    content = file.read_bytes()
    rows = max(len(content.decode("utf-8-sig").splitlines()) - 1, 0)
    if not manifest.verify(content, made):
        common.fail(f"{file} does not match its manifest: the file was changed")
    if made.get("kind", "registry") == "registry" and rows != made.get("rows"):  # a CSV: a row a line
        common.fail(f"{file} has {rows} rows, its manifest {made.get('rows')}")
    typer.echo(f"{file}: matches its manifest (agreement {made['agreement_id']}, {rows} rows)")
