"""`refugio tracing …`: tracing requests (open from JSON, list, show, export), matching, review of
candidates, verification, reunification, closure and consent withdrawal.

Thin: parses options, opens one unit of work per command, calls refugio.protection.tracing, prints
results. The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.main import Container
    from refugio.protection.tracing.queries import RequestView
    from refugio.security.principals import Principal

tracing_app = typer.Typer(
    help="Family tracing: requests, matches against registered people and other requests, "
    "verification and reunification.",
    no_args_is_help=True,
)
requests_app = typer.Typer(help="Tracing requests: open, list, show, export.", no_args_is_help=True)
tracing_app.add_typer(requests_app, name="requests")

RequestArg = Annotated[str, typer.Argument(help="The request's reference (TR-JOR-26-000012) or id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded in the history).")]


def _request_id(session: Any, actor: Principal, key: str) -> uuid.UUID:
    from refugio.protection.tracing import queries

    found: uuid.UUID = common.run(lambda: queries.request_id_of(session, actor=actor, key=key))
    return found


def _print_request(view: RequestView) -> None:
    r = view.request
    typer.echo(f"{r.ref}  {r.status}  lodged {r.lodged_on.isoformat()} at {view.site_code}")
    typer.echo(
        f"  enquirer: {view.enquirer.get('name')}"
        + (f" ({view.enquirer['ref']})" if view.enquirer.get("ref") else "")
    )
    consent = f"  tracing consent: given by {r.consent_given_by} on {r.consent_date.isoformat()}"
    if r.consent_withdrawn_at:
        consent += f"; WITHDRAWN {r.consent_withdrawn_at:%Y-%m-%d} ({r.consent_withdrawal_reason})"
    typer.echo(consent)
    for s in view.sought:
        p = s.person
        known = p.date_of_birth or (f"about {p.age} on {p.age_on}" if p.age is not None else "age unknown")
        typer.echo(f"  sought {p.position + 1}: {s.label}  ({p.relationship}, {p.sex or '?'}, {known})")
        if s.found:
            typer.echo(f"    found: {s.found}")
        for c in s.candidates:
            card = c.card
            who = card.get("ref") or card.get("request_ref") or ""
            typer.echo(
                f"    {c.id}  {c.weight:+.1f} {c.strength:<8} {c.status:<9} {c.kind:<10} "
                f"{who} {card.get('name', '')}" + (" [reciprocal]" if c.reciprocal else "")
            )
            typer.echo("      " + "; ".join(x["text"] for x in c.reasons))
    typer.echo("  history:")
    for e in view.events:
        typer.echo(f"    {e.recorded_at:%Y-%m-%d %H:%M} {e.recorded_by}: {e.summary}")


def _show(container: Container, actor: Principal, request_id: uuid.UUID) -> None:
    from refugio.protection.tracing import queries
    from refugio.store.uow import unit_of_work

    with unit_of_work(container.sessions) as s:
        view = queries.get_request(s, actor=actor, key=request_id)
        _print_request(view)


# ---------------------------------------------------------------------------------------------
# requests


@requests_app.command("open")
@common.with_options()
def open_cmd(
    target: common.Target,
    source: Annotated[
        Path, typer.Argument(help="JSON file: the request (as POST /api/v1/tracing/requests).")
    ],
) -> None:
    """Open a tracing request from a JSON file (tracing consent required; errors name each field)."""
    from pydantic import ValidationError

    from refugio.core.errors import FieldError, ValidationFailed
    from refugio.protection.tracing import service
    from refugio.protection.tracing.schemas import RequestCreate
    from refugio.store.uow import unit_of_work

    try:
        raw = json.loads(common.read_file(source).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        common.fail(f"{source} is not JSON: {exc}")
    container = target.open()
    actor = target.actor(container)

    def run() -> uuid.UUID:
        try:
            data = RequestCreate.model_validate(raw)
        except ValidationError as exc:
            raise ValidationFailed(
                [FieldError(".".join(str(p) for p in e["loc"]), e["msg"], e["type"]) for e in exc.errors()]
            ) from None
        with unit_of_work(container.sessions) as s:
            return service.open_request(s, actor=actor, data=data).id

    request_id = common.run(run)
    _show(container, actor, request_id)


@requests_app.command("list")
@common.with_options()
def list_cmd(
    target: common.Target,
    status: Annotated[
        str | None, typer.Option("--status", help="Only this status (open, matching, …).")
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Reference or names, any script.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
) -> None:
    """Tracing requests in your scope, newest first."""
    from refugio.protection.tracing import queries

    items, total = target.in_uow(
        lambda s, a, c: queries.list_requests(s, actor=a, status=status, q=query, limit=limit),
    )
    typer.echo(f"{total} request(s)")
    for i in items:
        typer.echo(
            f"{i.ref}  {i.status:<16} {i.lodged_on.isoformat()} {i.site_code:<6} {i.enquirer} → "
            f"{'; '.join(i.sought)}  ({i.pending_candidates} to review)"
            + ("  [consent withdrawn]" if i.consent_withdrawn else "")
        )


@requests_app.command("show")
@common.with_options()
def show_cmd(target: common.Target, request: RequestArg) -> None:
    """One request: enquirer, consent, sought people with their ranked candidates and reasons, history."""
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
    _show(container, actor, request_id)


@requests_app.command("export")
@common.with_options()
def export_cmd(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
) -> None:
    """Every request in your scope as CSV, one row each (the export is audited)."""
    from refugio.protection.tracing import queries

    rows = target.in_uow(lambda s, a, c: queries.export_requests(s, actor=a, status=status))
    out.write_text(queries.export_csv(rows), encoding="utf-8", newline="")
    typer.echo(f"{len(rows)} request(s) written to {out}")


# ---------------------------------------------------------------------------------------------
# matching and the steps


@tracing_app.command("match")
@common.with_options()
def match_cmd(target: common.Target, request: RequestArg) -> None:
    """Match a request against registered people and other requests; prints the ranked candidates."""
    from refugio.protection.tracing import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        run = common.run(lambda: service.match_request(s, actor=actor, request_id=request_id))
        typer.echo(f"{run.candidates} candidate(s) to review, {run.new} new " + json.dumps(run.by_kind))
    _show(container, actor, request_id)


@tracing_app.command("review")
@common.with_options()
def review_cmd(
    target: common.Target,
    candidate: Annotated[str, typer.Argument(help="The candidate's id (shown by `refugio tracing match`).")],
    reason: ReasonOption,
    confirm: Annotated[
        bool, typer.Option("--confirm/--reject", help="Confirm for verification, or reject (kept).")
    ] = True,
) -> None:
    """Confirm a candidate for the verification interview, or reject it."""
    from refugio.protection.tracing import queries, service
    from refugio.store.uow import unit_of_work

    try:
        cid = uuid.UUID(candidate)
    except ValueError:
        common.fail(f"{candidate!r} is not a candidate id")
    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = common.run(lambda: queries.candidate_request_id(s, actor=actor, candidate_id=cid))
        common.run(
            lambda: service.review_candidate(
                s, actor=actor, candidate_id=cid, decision="confirm" if confirm else "reject", reason=reason
            )
        )
    _show(container, actor, request_id)


@tracing_app.command("verify")
@common.with_options()
def verify_cmd(
    target: common.Target,
    request: RequestArg,
    candidate: Annotated[str, typer.Option("--candidate", help="The confirmed candidate's id.")],
    enquirer_agrees: Annotated[
        bool,
        typer.Option("--enquirer-agrees/--enquirer-disagrees", help="The enquirer recognises the person."),
    ],
    sought_agrees: Annotated[
        bool,
        typer.Option("--sought-agrees/--sought-disagrees", help="The person found recognises the enquirer."),
    ],
    documents: Annotated[str | None, typer.Option("--documents", help="Documents seen.")] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
) -> None:
    """Record the verification interview of a confirmed candidate."""
    from refugio.protection.tracing import service
    from refugio.protection.tracing.schemas import VerificationIn
    from refugio.store.uow import unit_of_work

    try:
        cid = uuid.UUID(candidate)
    except ValueError:
        common.fail(f"{candidate!r} is not a candidate id")
    container = target.open()
    actor = target.actor(container)
    data = VerificationIn(
        candidate_id=cid,
        enquirer_agrees=enquirer_agrees,
        sought_agrees=sought_agrees,
        documents=documents,
        notes=notes,
    )
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        common.run(lambda: service.record_verification(s, actor=actor, request_id=request_id, data=data))
    _show(container, actor, request_id)


@tracing_app.command("reunify")
@common.with_options()
def reunify_cmd(
    target: common.Target,
    request: RequestArg,
    place: Annotated[str, typer.Option("--place", help="Where the reunification took place.")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="reunified, contact_restored, declined or other.")
    ] = "reunified",
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
) -> None:
    """Record the reunification (date, place, outcome); the request is closed."""
    from pydantic import ValidationError

    from refugio.protection.tracing import service
    from refugio.protection.tracing.schemas import ReunificationIn
    from refugio.store.uow import unit_of_work

    try:
        data = ReunificationIn.model_validate(
            {
                "occurred_on": on or dt.date.today().isoformat(),
                "place": place,
                "outcome": outcome,
                "notes": notes,
            }
        )
    except ValidationError as exc:
        for e in exc.errors():
            typer.secho(
                f"error: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}", fg=typer.colors.RED, err=True
            )
        raise typer.Exit(1) from None
    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        common.run(lambda: service.record_reunification(s, actor=actor, request_id=request_id, data=data))
    _show(container, actor, request_id)


@tracing_app.command("close")
@common.with_options()
def close_cmd(
    target: common.Target,
    request: RequestArg,
    reason: ReasonOption,
    not_found: Annotated[
        bool, typer.Option("--not-found/--closed", help="Closed as not found, or closed.")
    ] = True,
) -> None:
    """Close a request (as not found, by default)."""
    from refugio.protection.tracing import service
    from refugio.protection.tracing.schemas import ClosureIn
    from refugio.store.uow import unit_of_work

    if len(reason.strip()) < 3:
        common.fail("--reason: give the reason (three characters at least)")
    container = target.open()
    actor = target.actor(container)
    data = ClosureIn(outcome="not_found" if not_found else "closed", reason=reason)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        common.run(lambda: service.close_request(s, actor=actor, request_id=request_id, data=data))
    _show(container, actor, request_id)


@tracing_app.command("assign")
@common.with_options()
def assign_cmd(
    target: common.Target,
    request: RequestArg,
    username: Annotated[str, typer.Argument(help="The caseworker (a user holding TRACING_MANAGE there).")],
) -> None:
    """Put a caseworker in charge of a request."""
    from refugio.protection.tracing import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        common.run(lambda: service.assign_request(s, actor=actor, request_id=request_id, username=username))
    typer.echo(f"{request} assigned to {username}")


@tracing_app.command("withdraw-consent")
@common.with_options()
def withdraw_cmd(target: common.Target, request: RequestArg, reason: ReasonOption) -> None:
    """Tracing consent withdrawn: matching stops and the request leaves everyone's matches."""
    from refugio.protection.tracing import service
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        request_id = _request_id(s, actor, request)
        common.run(lambda: service.withdraw_consent(s, actor=actor, request_id=request_id, reason=reason))
    _show(container, actor, request_id)
