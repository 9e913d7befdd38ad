"""Data protection registers: `refugio breaches record|list|show|affected|notify|status` (the breach
register; the people affected found from the audit log) and `refugio dpia
activities|activity|seed|open|list|show|risk|submit|return|approve|review` (processing activities and
their impact assessments). Imports typer and refugio.cli.common at import time; the domain inside the
commands. Must not import a domain's models nor sqlalchemy."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from refugio.dataprotection.register_schemas import BreachRead, DpiaRead

breaches_app = typer.Typer(
    help="The breach register: breaches, people affected, notifications.", no_args_is_help=True
)
dpia_app = typer.Typer(
    help="Processing activities and their impact assessments (DPIA).", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
BreachArg = Annotated[str, typer.Argument(help="The breach's code (BR-2026-0001) or id.")]
DpiaArg = Annotated[str, typer.Argument(help="The DPIA's id (see `refugio dpia list`).")]


def _when(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "—"


def _line(b: BreachRead) -> str:
    overdue = "  AUTHORITY OVERDUE" if b.authority_overdue else ""
    people = "not looked for" if b.affected_count is None else f"{b.affected_count} affected"
    return (
        f"{b.code}  {b.status.value:<9} {b.severity.value:<8} {b.category.value:<15} "
        f"discovered {_when(b.discovered_at)}  {people}  — {b.title}{overdue}"
    )


def _print_breach(b: BreachRead) -> None:
    typer.echo(_line(b))
    notified = _when(b.authority_notified_at) if b.authority_notified_at else "not yet"
    typer.echo(
        f"  authority: deadline {_when(b.authority_deadline)} ({b.authority_hours} h), notified {notified}"
    )
    for n in b.notifications:
        late = " (late)" if n.late else ""
        typer.echo(
            f"  notified {n.recipient_kind.value} {n.recipient} by {n.channel.value} "
            f"at {_when(n.notified_at)}{late}"
        )
    if b.affected is not None:
        a = b.affected
        estimated = " (upper bound: a share records its count, not its people)" if a.estimated else ""
        typer.echo(f"  affected: {a.count} people from {a.entries} audit entries{estimated}")
        typer.echo("  by site: " + ", ".join(f"{k} {v}" for k, v in a.by_site.items()))
        typer.echo("  by exposure: " + ", ".join(f"{k} {v}" for k, v in a.by_exposure.items()))
        for p in a.people:
            typer.echo(f"    {p.ref}  {p.household_ref}  {p.site}  {', '.join(p.exposures)}")


def _echo(b: BreachRead, as_json: bool) -> None:
    typer.echo(b.model_dump_json(indent=2) if as_json else _line(b) if b.affected is None else "")
    if not as_json and b.affected is not None:
        _print_breach(b)


@breaches_app.command("record")
@common.with_options()
def breach_record(
    target: common.Target,
    title: Annotated[str, typer.Option(help="What happened, in a line.")],
    description: Annotated[str, typer.Option(help="What happened, in full.")],
    category: Annotated[str, typer.Option(help="confidentiality, integrity or availability.")],
    severity: Annotated[str, typer.Option(help="low, medium, high or critical.")],
    discovered: Annotated[str | None, typer.Option(help="When it was discovered (ISO; default now).")] = None,
    occurred_from: Annotated[str | None, typer.Option("--from", help="When it began (ISO).")] = None,
    occurred_to: Annotated[str | None, typer.Option("--to", help="When it ended (ISO).")] = None,
    systems: Annotated[str, typer.Option(help="Systems involved, comma-separated.")] = "",
    data: Annotated[str, typer.Option("--data", help="Categories of data involved, comma-separated.")] = "",
    risk: Annotated[str, typer.Option(help="The assessment of the risk to the people.")] = "",
    containment: Annotated[str, typer.Option(help="What was done to contain it.")] = "",
    hours: Annotated[int | None, typer.Option(help="Hours to notify the authority (default 72).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a personal data breach (open); audited."""
    from refugio.core import clock
    from refugio.dataprotection import breaches
    from refugio.dataprotection.register_schemas import BreachCreate

    body = common.build_input(
        BreachCreate,
        title=title,
        description=description,
        category=category,
        severity=severity,
        discovered_at=discovered or clock.now(),
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        systems=systems,
        data_categories=data,
        risk_assessment=risk,
        containment=containment,
        authority_hours=hours,
    )
    found = target.in_uow(
        lambda s, a, c: breaches.record_breach(
            s, actor=a, data=body, default_hours=c.settings.breach_authority_hours
        ),
    )
    _echo(found, as_json)


@breaches_app.command("list")
@common.with_options()
def breach_list(
    target: common.Target,
    status: Annotated[str | None, typer.Option(help="open, contained or closed.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The breach register, newest first; AUTHORITY OVERDUE marks a breach past its deadline."""
    from refugio.dataprotection import breaches
    from refugio.dataprotection.register_schemas import BreachStatus

    try:
        wanted = BreachStatus(status) if status else None
    except ValueError:
        common.fail(f"status: not one of {', '.join(s.value for s in BreachStatus)}")
    rows = target.in_uow(lambda s, a, c: breaches.breaches(s, actor=a, status=wanted))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo("no breach recorded")
    for row in rows:
        typer.echo(_line(row))


def _with_id(key: str, fn):  # type: ignore[no-untyped-def]
    from refugio.dataprotection import breaches

    return lambda s, a, c: fn(s, a, c, breaches.resolve(s, actor=a, key=key))


@breaches_app.command("show")
@common.with_options()
def breach_show(target: common.Target, breach: BreachArg, as_json: JsonOption = False) -> None:
    """One breach with its notifications and the people affected (audited)."""
    from refugio.dataprotection import breaches

    found = target.in_uow(_with_id(breach, lambda s, a, c, bid: breaches.breach(s, actor=a, breach_id=bid)))
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
    else:
        _print_breach(found)


@breaches_app.command("affected")
@common.with_options()
def breach_affected(
    target: common.Target,
    breach: BreachArg,
    by: Annotated[str | None, typer.Option("--by", help="The user whose actions exposed people.")] = None,
    since: Annotated[str | None, typer.Option(help="From (ISO date or time).")] = None,
    until: Annotated[str | None, typer.Option(help="To (ISO date or time).")] = None,
    actions: Annotated[str, typer.Option(help="Only these actions (prefixes), comma-separated.")] = "",
    entry: Annotated[int | None, typer.Option(help="One audit entry (a share, an export) by number.")] = None,
    batch: Annotated[str | None, typer.Option(help="The people of this import (its id).")] = None,
    site: Annotated[str | None, typer.Option(help="Only the people of this site (code).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Find the people a breach affected from the audit log and keep the list with the breach."""
    from refugio.dataprotection import breaches
    from refugio.dataprotection.register_schemas import AffectedQuery

    query = common.build_input(
        AffectedQuery,
        actor=by,
        since=since,
        until=until,
        actions=actions,
        audit_seq=entry,
        batch=batch,
        site=site,
    )
    found = target.in_uow(
        _with_id(breach, lambda s, a, c, bid: breaches.find_affected(s, actor=a, breach_id=bid, query=query)),
    )
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
    else:
        _print_breach(found)


@breaches_app.command("notify")
@common.with_options()
def breach_notify(
    target: common.Target,
    breach: BreachArg,
    to: Annotated[str, typer.Option("--to", help="authority, dpo, partner or affected.")],
    recipient: Annotated[str, typer.Option(help="Who exactly (the authority's name, the partner…).")],
    channel: Annotated[str, typer.Option("--how", help="email, letter, phone, portal, in_person or sms.")],
    at: Annotated[str | None, typer.Option(help="When (ISO; default now).")] = None,
    note: Annotated[str, typer.Option(help="What was said, the reference of the filing.")] = "",
) -> None:
    """Record a notification of a breach."""
    from refugio.core import clock
    from refugio.dataprotection import breaches
    from refugio.dataprotection.register_schemas import NotificationCreate

    body = common.build_input(
        NotificationCreate,
        recipient_kind=to,
        recipient=recipient,
        channel=channel,
        notified_at=at or clock.now(),
        note=note,
    )
    found = target.in_uow(
        _with_id(breach, lambda s, a, c, bid: breaches.notify(s, actor=a, breach_id=bid, data=body)),
    )
    _print_breach(found)


@breaches_app.command("status")
@common.with_options()
def breach_status(
    target: common.Target,
    breach: BreachArg,
    status: Annotated[str, typer.Argument(help="contained or closed.")],
    note: Annotated[str, typer.Option(help="What was done (required to contain).")] = "",
) -> None:
    """Move a breach on: open → contained → closed."""
    from refugio.dataprotection import breaches
    from refugio.dataprotection.register_schemas import BreachStatusChange

    body = common.build_input(BreachStatusChange, status=status, note=note)
    found = target.in_uow(
        _with_id(breach, lambda s, a, c, bid: breaches.change_status(s, actor=a, breach_id=bid, data=body)),
    )
    typer.echo(_line(found))


# --- DPIA ------------------------------------------------------------------------------------------------


def _dpia_line(d: DpiaRead) -> str:
    residual = d.residual_risk or "no risk listed"
    review = f", review {d.review_date}" if d.review_date else ""
    head = f"{d.id}  {d.activity_code:<8} v{d.version} {d.status.value:<10}"
    return f"{head} residual {residual}{review}  by {d.author}"


def _print_dpia(d: DpiaRead) -> None:
    typer.echo(_dpia_line(d))
    for i, r in enumerate(d.risks, 1):
        typer.echo(
            f"  {i}. {r.risk}: {r.likelihood}×{r.severity}={r.score} {r.level} → "
            f"{r.residual_likelihood}×{r.residual_severity}={r.residual_score} {r.residual_level}"
            + (f" ({r.mitigation})" if r.mitigation else "")
        )
    if d.approved_by:
        typer.echo(f"  approved by {d.approved_by} at {_when(d.approved_at)}: {d.dpo_opinion}")


@dpia_app.command("activities")
@common.with_options()
def dpia_activities(target: common.Target, as_json: JsonOption = False) -> None:
    """The register of processing activities, with each one's latest DPIA."""
    from refugio.dataprotection import dpia

    rows = target.in_uow(lambda s, a, c: dpia.activities(s, actor=a))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo("no processing activity recorded (`refugio dpia seed` records refugio's own)")
    for r in rows:
        state = r.dpia_status.value if r.dpia_status else "no DPIA"
        typer.echo(f"{r.code:<8} {r.legal_basis:<20} {state:<10} {r.name}")


@dpia_app.command("activity")
@common.with_options()
def dpia_activity(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="A short code, e.g. REG.")],
    name: Annotated[str, typer.Option(help="Its name.")],
    purpose: Annotated[str, typer.Option(help="Its purpose.")],
    legal_basis: Annotated[str, typer.Option(help="Its legal basis (consent, vital_interest…).")],
    data: Annotated[str, typer.Option("--data", help="Categories of data, comma-separated.")] = "",
    subjects: Annotated[str, typer.Option(help="Data subjects, comma-separated.")] = "",
    recipients: Annotated[str, typer.Option(help="Recipients and agreements, comma-separated.")] = "",
    retention: Annotated[str, typer.Option(help="Its retention rule.")] = "",
    systems: Annotated[str, typer.Option(help="Systems, comma-separated.")] = "",
) -> None:
    """Record a processing activity."""
    from refugio.dataprotection import dpia
    from refugio.dataprotection.register_schemas import ActivityCreate

    body = common.build_input(
        ActivityCreate,
        code=code,
        name=name,
        purpose=purpose,
        legal_basis=legal_basis,
        data_categories=data,
        data_subjects=subjects,
        recipients=recipients,
        retention=retention,
        systems=systems,
    )
    found = target.in_uow(lambda s, a, c: dpia.record_activity(s, actor=a, data=body))
    typer.echo(f"recorded {found.code}: {found.name}")


@dpia_app.command("seed")
@common.with_options()
def dpia_seed(target: common.Target) -> None:
    """Record the processing activities refugio itself performs (those missing)."""
    from refugio.dataprotection import dpia
    from refugio.dataprotection.dpia_seed import seed_activities

    def work(s, a, c):  # type: ignore[no-untyped-def]
        dpia.require(a)
        return seed_activities(s, actor=a)

    typer.echo(f"{target.in_uow(work)} processing activities recorded")


@dpia_app.command("open")
@common.with_options()
def dpia_open(
    target: common.Target,
    activity: Annotated[str, typer.Argument(help="The activity's code.")],
    summary: Annotated[str, typer.Option(help="What is assessed and why.")] = "",
    review: Annotated[str | None, typer.Option(help="Review date (ISO).")] = None,
) -> None:
    """Open a DPIA (draft) of an activity."""
    from refugio.dataprotection import dpia
    from refugio.dataprotection.register_schemas import DpiaCreate

    body = common.build_input(DpiaCreate, activity=activity, summary=summary, review_date=review)
    _print_dpia(target.in_uow(lambda s, a, c: dpia.open_dpia(s, actor=a, data=body)))


@dpia_app.command("list")
@common.with_options()
def dpia_list(target: common.Target, as_json: JsonOption = False) -> None:
    """Every DPIA, by activity, newest version first."""
    from refugio.dataprotection import dpia

    rows = target.in_uow(lambda s, a, c: dpia.dpias(s, actor=a))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo("no DPIA yet")
    for r in rows:
        typer.echo(_dpia_line(r))


def _dpia_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        common.fail(f"not a DPIA id: {value!r}")


@dpia_app.command("show")
@common.with_options()
def dpia_show(target: common.Target, dpia_id: DpiaArg, as_json: JsonOption = False) -> None:
    """One DPIA with its risks."""
    from refugio.dataprotection import dpia

    found = target.in_uow(lambda s, a, c: dpia.get_dpia(s, actor=a, dpia_id=_dpia_id(dpia_id)))
    typer.echo(found.model_dump_json(indent=2)) if as_json else _print_dpia(found)


@dpia_app.command("risk")
@common.with_options()
def dpia_risk(
    target: common.Target,
    dpia_id: DpiaArg,
    risk: Annotated[str, typer.Option(help="The risk to the people.")],
    likelihood: Annotated[int, typer.Option(help="1 (negligible) to 4 (maximum).")],
    severity: Annotated[int, typer.Option(help="1 (negligible) to 4 (maximum).")],
    residual_likelihood: Annotated[int, typer.Option(help="After mitigation, 1 to 4.")],
    residual_severity: Annotated[int, typer.Option(help="After mitigation, 1 to 4.")],
    mitigation: Annotated[str, typer.Option(help="What reduces it.")] = "",
) -> None:
    """Add a risk to a draft DPIA."""
    from refugio.dataprotection import dpia
    from refugio.dataprotection.register_schemas import RiskInput

    body = common.build_input(
        RiskInput,
        risk=risk,
        likelihood=likelihood,
        severity=severity,
        mitigation=mitigation,
        residual_likelihood=residual_likelihood,
        residual_severity=residual_severity,
    )
    _print_dpia(
        target.in_uow(
            lambda s, a, c: dpia.add_risk(s, actor=a, dpia_id=_dpia_id(dpia_id), risk=body),
        )
    )


def _transition(action: str, dpia_id: str, opinion: str, review: str | None, target: common.Target) -> None:
    from refugio.dataprotection import dpia
    from refugio.dataprotection.register_schemas import DpiaTransition

    body = common.build_input(DpiaTransition, action=action, dpo_opinion=opinion, review_date=review)
    _print_dpia(
        target.in_uow(
            lambda s, a, c: dpia.transition(s, actor=a, dpia_id=_dpia_id(dpia_id), data=body),
        )
    )


@dpia_app.command("submit")
@common.with_options()
def dpia_submit(target: common.Target, dpia_id: DpiaArg) -> None:
    """Submit a draft (or a DPIA to review) for approval."""
    _transition("submit", dpia_id, "", None, target)


@dpia_app.command("return")
@common.with_options()
def dpia_return(target: common.Target, dpia_id: DpiaArg) -> None:
    """Send a DPIA in review back to draft."""
    _transition("return", dpia_id, "", None, target)


@dpia_app.command("approve")
@common.with_options()
def dpia_approve(
    target: common.Target,
    dpia_id: DpiaArg,
    opinion: Annotated[str, typer.Option(help="The data protection officer's opinion.")],
    review: Annotated[str, typer.Option(help="When to review it (ISO date, after today).")],
) -> None:
    """Approve a DPIA in review (not one's own)."""
    _transition("approve", dpia_id, opinion, review, target)


@dpia_app.command("review")
@common.with_options()
def dpia_review(target: common.Target, dpia_id: DpiaArg) -> None:
    """Put an approved DPIA up for review before its date."""
    _transition("review", dpia_id, "", None, target)
