"""Data subject rights commands: `refugio rights request` (record one), `list` (the register, overdue
ones with --overdue), `show`, `verify` (the requester's identity), `sensitive` (the DPO's decision on
narratives), `access` (write the report as JSON or PDF; --complete closes the request), `correct`,
`erase`, `refuse`, `resolve` (what an erased reference resolves to). Imports typer and
refugio.cli.common at import time; the domain inside the commands. Must not import a domain's models
nor sqlalchemy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.dataprotection.rights.schemas import RightsRequestRead

rights_app = typer.Typer(
    help="Data subject rights: requests of access, correction and erasure.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
KeyArg = Annotated[str, typer.Argument(help="The request's reference (DSR-…) or id.")]


def _print(r: RightsRequestRead, *, full: bool = False) -> None:
    late = " OVERDUE" if r.overdue else ""
    who = r.requester.value.replace("_", " ") + (f" ({r.requester_name})" if r.requester_name else "")
    typer.echo(
        f"{r.ref}  {r.kind.value:<10} {r.individual_ref:<20} {r.status.value:<17} due {r.due_on}{late}"
        f"{'  [erased]' if r.erased else ''}"
    )
    if not full:
        return
    typer.echo(f"  received {r.received_on} from the {who}, answer in {r.language}")
    for field, value in r.changes.items():
        typer.echo(f"  asks: {field} → {value}")
    if r.kind.value == "access":
        state = "released" if r.include_sensitive else "withheld"
        typer.echo(
            f"  sensitive narratives: {state}" + (f" ({r.sensitive_note})" if r.sensitive_note else "")
        )
    if r.refusal_reason:
        typer.echo(f"  refused: {r.refusal_reason}")
    for key, value in r.outcome.items():
        typer.echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    for step in r.steps:
        typer.echo(
            f"  {step.at:%Y-%m-%d %H:%M} {step.by}: {step.action}" + (f" — {step.note}" if step.note else "")
        )


def _show(r: RightsRequestRead, as_json: bool) -> None:
    if as_json:
        typer.echo(r.model_dump_json(indent=2))
    else:
        _print(r, full=True)


@rights_app.command("request")
@common.with_options()
def rights_request(
    target: common.Target,
    kind: Annotated[str, typer.Argument(help="access, correction or erasure.")],
    ref: Annotated[str, typer.Argument(help="The person's reference.")],
    change: Annotated[
        list[str] | None, typer.Option("--change", help="A correction: FIELD=NEW VALUE (repeat).")
    ] = None,
    representative: Annotated[
        str | None, typer.Option(help="The name of the representative making the request, if not the person.")
    ] = None,
    language: Annotated[str, typer.Option(help="en, fr, ar or es: the language of the answer.")] = "en",
    received: Annotated[str | None, typer.Option(help="Date received (YYYY-MM-DD; default today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a request as received; its deadline is REFUGIO_RIGHTS_DEADLINE_DAYS (30) days later."""
    from refugio.dataprotection.rights import service
    from refugio.dataprotection.rights.schemas import RightsRequestCreate

    changes: dict[str, str] = {}
    for item in change or []:
        field, sep, value = item.partition("=")
        if not sep:
            common.fail(f"--change takes FIELD=VALUE, not {item!r}")
        changes[field.strip()] = value
    data = common.build_input(
        RightsRequestCreate,
        kind=kind,
        ref=ref,
        requester="representative" if representative else "data_subject",
        requester_name=representative,
        language=language,
        received_on=received,
        changes=changes,
    )
    made = target.in_uow(
        lambda s, a, c: service.create_request(
            s, actor=a, data=data, deadline_days=c.settings.rights_deadline_days
        ),
    )
    _show(made, as_json)


@rights_app.command("list")
@common.with_options()
def rights_list(
    target: common.Target,
    status: Annotated[str | None, typer.Option(help="received, identity_verified, in_progress, …")] = None,
    kind: Annotated[str | None, typer.Option(help="access, correction or erasure.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open requests past their deadline.")
    ] = False,
    ref: Annotated[str | None, typer.Option(help="A person's reference or a request's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The register of requests, open ones first by deadline."""
    from refugio.dataprotection.rights import queries
    from refugio.dataprotection.rights.enums import RequestKind, RequestStatus

    try:
        wanted_status = RequestStatus(status) if status else None
        wanted_kind = RequestKind(kind) if kind else None
    except ValueError as exc:
        common.fail(str(exc))
    found = target.in_uow(
        lambda s, a, c: queries.requests(
            s, actor=a, status=wanted_status, kind=wanted_kind, overdue=overdue, ref=ref
        ),
    )
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in found], indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no request")
    for r in found:
        _print(r)


@rights_app.command("show")
@common.with_options()
def rights_show(target: common.Target, key: KeyArg, as_json: JsonOption = False) -> None:
    """One request with its steps (who did what, when)."""
    from refugio.dataprotection.rights import queries

    found = target.in_uow(lambda s, a, c: queries.request(s, actor=a, request_id=queries.find_id(s, key)))
    _show(found, as_json)


@rights_app.command("verify")
@common.with_options()
def rights_verify(
    target: common.Target,
    key: KeyArg,
    evidence: Annotated[str, typer.Option(help="How the identity was checked (e.g. ID card seen).")],
) -> None:
    """Record the verification of the requester's identity."""
    from refugio.dataprotection.rights import queries, service
    from refugio.dataprotection.rights.schemas import IdentityVerification

    data = common.build_input(IdentityVerification, evidence=evidence)
    done = target.in_uow(
        lambda s, a, c: service.verify_identity(s, actor=a, request_id=queries.find_id(s, key), data=data),
    )
    _print(done)


@rights_app.command("sensitive")
@common.with_options()
def rights_sensitive(
    target: common.Target,
    key: KeyArg,
    note: Annotated[str, typer.Option(help="The legal ground of the decision.")],
    release: Annotated[
        bool, typer.Option("--release/--withhold", help="Release or withhold narratives.")
    ] = False,
) -> None:
    """The DPO's decision whether sensitive narratives go into an access report (own request only)."""
    from refugio.dataprotection.rights import queries, service
    from refugio.dataprotection.rights.schemas import SensitiveDecision

    data = common.build_input(SensitiveDecision, include=release, note=note)
    done = target.in_uow(
        lambda s, a, c: service.decide_sensitive(s, actor=a, request_id=queries.find_id(s, key), data=data),
    )
    _print(done, full=True)


@rights_app.command("access")
@common.with_options()
def rights_access(
    target: common.Target,
    key: KeyArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the report.")],
    fmt: Annotated[str, typer.Option("--format", help="json or pdf (in the person's language).")] = "json",
    complete: Annotated[bool, typer.Option("--complete", help="Close the request afterwards.")] = False,
) -> None:
    """Write the access report (everything held, who read or changed the record); audited."""
    from refugio.dataprotection.rights import queries, service

    _, content, _ = target.in_uow(
        lambda s, a, c: service.access_report(s, actor=a, request_id=queries.find_id(s, key), fmt=fmt),
    )
    out.write_bytes(content)
    out.chmod(0o600)
    typer.echo(f"wrote {out} ({len(content)} bytes)")
    if complete:
        done = target.in_uow(
            lambda s, a, c: service.complete_access(s, actor=a, request_id=queries.find_id(s, key)),
        )
        _print(done)


@rights_app.command("correct")
@common.with_options()
def rights_correct(target: common.Target, key: KeyArg) -> None:
    """Apply a correction request through the registration service; refused fields are named."""
    from refugio.dataprotection.rights import queries, service

    done = target.in_uow(
        lambda s, a, c: service.apply_correction(s, actor=a, request_id=queries.find_id(s, key)),
    )
    _print(done, full=True)


@rights_app.command("erase")
@common.with_options()
def rights_erase(target: common.Target, key: KeyArg) -> None:
    """Carry out an erasure request, or refuse it with the reason the record must be kept."""
    from refugio.dataprotection.rights import queries, service

    done = target.in_uow(lambda s, a, c: service.erase(s, actor=a, request_id=queries.find_id(s, key)))
    _print(done, full=True)
    if done.status.value == "refused":
        raise typer.Exit(1)


@rights_app.command("refuse")
@common.with_options()
def rights_refuse(
    target: common.Target,
    key: KeyArg,
    reason: Annotated[str, typer.Option(help="Why the request is refused.")],
) -> None:
    """Refuse a request, with the reason."""
    from refugio.dataprotection.rights import queries, service
    from refugio.dataprotection.rights.schemas import Refusal

    data = common.build_input(Refusal, reason=reason)
    done = target.in_uow(
        lambda s, a, c: service.refuse(s, actor=a, request_id=queries.find_id(s, key), data=data),
    )
    _print(done, full=True)


@rights_app.command("resolve")
@common.with_options()
def rights_resolve(
    target: common.Target, ref: Annotated[str, typer.Argument(help="A person's or household's reference.")]
) -> None:
    """Whether a reference was erased: its tombstone (when, by whom, which request)."""
    from refugio.dataprotection.rights import queries

    found = target.in_uow(lambda s, a, c: queries.tombstone(s, actor=a, ref=ref))
    if found is None:
        typer.echo(f"{ref.strip().upper()} was not erased")
        return
    typer.echo(
        f"{found.ref}: {found.object_type} erased {found.erased_at:%Y-%m-%d %H:%M} by {found.erased_by}"
        f" (request {found.request_ref})"
    )
