"""`refugio protection …`: cases (list, register, open, show, assign, closure, reopen, export), overdue
tasks, the service directory, referrals and the caseload statistics.

Thin: parses options, opens one unit of work per command, calls refugio.protection, prints results.
Case details are read as a user (`--as USERNAME`): the system account, the default, sees the register
(metadata) only, like any administrator. The shared helpers come from refugio.cli.common.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from refugio.cli import common

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from refugio.main import Container
    from refugio.security.principals import Principal

T = TypeVar("T")

protection_app = typer.Typer(
    help="Protection: cases, tasks, referrals and the service directory.", no_args_is_help=True
)
cases_app = typer.Typer(help="Protection cases.", no_args_is_help=True)
tasks_app = typer.Typer(help="Tasks of protection cases.", no_args_is_help=True)
services_app = typer.Typer(help="The service directory.", no_args_is_help=True)
referrals_app = typer.Typer(help="Referrals to services.", no_args_is_help=True)
protection_app.add_typer(cases_app, name="cases")
protection_app.add_typer(tasks_app, name="tasks")
protection_app.add_typer(services_app, name="services")
protection_app.add_typer(referrals_app, name="referrals")

OperationOption = Annotated[str | None, typer.Option("--operation", help="Operation code, e.g. JOR.")]


def _user_id(session: Any, username: str) -> uuid.UUID:
    from refugio.security import service as security

    user_id: uuid.UUID = common.run(lambda: security.get_user(session, username)).id
    return user_id


def _on_case(target: common.Target, case: str, fn: Callable[[Session, Principal, uuid.UUID], T]) -> T:
    """Run `fn(session, actor, case id)` on the case named by its code or id, in one unit of work."""
    from refugio.protection import queries

    return target.in_uow(lambda s, a, c: fn(s, a, queries.case_id_of(s, actor=a, key=case)))


def _print_items(items: list[Any]) -> None:
    if not items:
        typer.echo("no case")
    for i in items:
        who = f"{i.person_ref} {i.person_name}" if i.person_name else "(code only)"
        late = f", {i.overdue_tasks} overdue" if i.overdue_tasks else ""
        typer.echo(
            f"{i.code}  {i.case_type:<16} {i.status:<17} {i.risk_level:<8} {i.site_code:<6} "
            f"{who}  [{', '.join(i.caseworkers)}; sup. {', '.join(i.supervisors) or '-'}]  "
            f"{i.open_tasks} task(s){late}"
        )


# ---------------------------------------------------------------------------------------------
# cases


@cases_app.command("list")
@common.with_options()
def cases_list(
    target: common.Target,
    status: Annotated[str | None, typer.Option("--status", help="Only cases in this status.")] = None,
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
) -> None:
    """The cases you are assigned to (as caseworker or supervisor)."""
    from refugio.protection import queries

    items, total = target.in_uow(
        lambda s, a, c: queries.my_cases(s, actor=a, status=status, include_closed=include_closed, limit=200),
    )
    _print_items(items)
    typer.echo(f"{total} case(s)", err=True)


@cases_app.command("register")
@common.with_options(operation=True)
def cases_register(
    target: common.Target,
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
) -> None:
    """The case register: metadata of the operation's cases (no person, no narrative), for supervisors."""
    from refugio.protection import queries

    def register(s: Session, a: Principal, c: Container) -> tuple[list[Any], int]:
        op_id = target.operation_id(c) if target.operation else None
        return queries.case_register(s, actor=a, operation_id=op_id, include_closed=include_closed, limit=200)

    items, total = target.in_uow(register)
    _print_items(items)
    typer.echo(f"{total} case(s)", err=True)


@cases_app.command("open")
@common.with_options()
def cases_open(
    target: common.Target,
    person: Annotated[
        str, typer.Argument(help="The person's registration ID (e.g. JOR-26-000123-01) or id.")
    ],
    case_type: Annotated[
        str | None,
        typer.Option("--type", help="child_protection, gbv, trafficking, disability, older_person or other."),
    ] = None,
    need: Annotated[
        str | None, typer.Option("--need", help="Open from the person's active specific need with this code.")
    ] = None,
    risk: Annotated[str, typer.Option("--risk", help="low, medium, high or critical.")] = "medium",
    summary: Annotated[
        str, typer.Option("--summary", help="Narrative summary (never a GBV survivor's name).")
    ] = "",
    caseworker: Annotated[str | None, typer.Option("--caseworker", help="Username (default: you).")] = None,
    supervisor: Annotated[
        str | None, typer.Option("--supervisor", help="Username of the supervisor.")
    ] = None,
    uasc: Annotated[bool, typer.Option("--uasc", help="An unaccompanied or separated child.")] = False,
) -> None:
    """Open a protection case for a registered person, directly (--type) or from a specific need (--need)."""
    from refugio.protection import service
    from refugio.protection.schemas import CaseFromNeed, CaseOpen
    from refugio.registration import queries as registration
    from refugio.store.uow import unit_of_work

    if bool(case_type) == bool(need):
        common.fail("give either --type or --need")
    container = target.open()
    actor = target.actor(container)
    run = common.run
    with unit_of_work(container.sessions) as s:
        record = run(lambda: registration.get_individual(s, actor=actor, key=person, audit_read=False))
        people = {
            "caseworker_id": _user_id(s, caseworker) if caseworker else None,
            "supervisor_id": _user_id(s, supervisor) if supervisor else None,
        }
        if need:
            row = next((n.need for n in record.needs if n.need.code == need.upper() and n.need.active), None)
            if row is None:
                common.fail(f"{record.person.ref} has no active specific need {need.upper()}")
            data: Any = common.build_input(
                CaseFromNeed, need_id=row.id, risk_level=risk, summary=summary, **people
            )
            case = run(lambda: service.open_case_from_need(s, actor=actor, data=data))
        else:
            data = common.build_input(
                CaseOpen,
                individual_id=record.person.id,
                case_type=case_type,
                risk_level=risk,
                summary=summary,
                uasc=uasc,
                **people,
            )
            case = run(lambda: service.open_case(s, actor=actor, data=data))
        typer.echo(f"case {case.code} opened ({case.case_type}{', UASC' if case.uasc else ''})")


@cases_app.command("show")
@common.with_options()
def cases_show(
    target: common.Target,
    case: Annotated[str, typer.Argument(help="Case code (e.g. JOR-PC-26-00012) or id.")],
) -> None:
    """A case's record, for its assigned caseworkers and supervisors (the read is audited)."""
    from refugio.protection import queries
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    with unit_of_work(container.sessions) as s:
        r = common.run(lambda: queries.get_case(s, actor=actor, key=case))
        c = r.case
        typer.echo(
            f"{c.code}  {c.case_type}{' (UASC)' if c.uasc else ''}  {c.status}  "
            f"risk {c.risk_level}  {r.site.code}"
        )
        for p in r.people:
            typer.echo(
                f"  {p.role:<10} {p.person.ref}  {p.person.given_name} {p.person.family_name}, {p.age}"
            )
        for a in r.assignments:
            typer.echo(f"  {a.role:<10} {a.username}{'' if a.active else ' (ended)'}")
        if c.summary:
            typer.echo(f"  summary: {c.summary}")
        for t in r.tasks:
            typer.echo(
                f"  task {t.status:<9} due {t.due_on}  {t.title} ({t.assignee})"
                f"{' OVERDUE' if t.overdue else ''}"
            )
        for ref in r.referrals:
            typer.echo(f"  referral {ref.code} → {ref.service_name}: {ref.status}")
        for e in r.events[:10]:
            typer.echo(f"  {e.at:%Y-%m-%d %H:%M} {e.by}: {e.summary}")


@cases_app.command("assign")
@common.with_options()
def cases_assign(
    target: common.Target,
    case: Annotated[str, typer.Argument(help="Case code or id.")],
    username: Annotated[str, typer.Argument(help="Who is assigned.")],
    role: Annotated[str, typer.Option("--role", help="caseworker or supervisor.")] = "caseworker",
) -> None:
    """Assign a caseworker or a supervisor to a case (CASE_SUPERVISE)."""
    from refugio.protection import service

    if role not in ("caseworker", "supervisor"):
        common.fail("--role must be caseworker or supervisor")
    verb = service.assign_caseworker if role == "caseworker" else service.assign_supervisor
    _on_case(
        target,
        case,
        lambda s, a, cid: verb(s, actor=a, case_id=cid, user_id=_user_id(s, username)),
    )
    typer.echo(f"{username} assigned to {case} as {role}")


@cases_app.command("request-closure")
@common.with_options()
def cases_request_closure(
    target: common.Target,
    case: Annotated[str, typer.Argument(help="Case code or id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the case can close.")],
) -> None:
    """Ask for the case's closure (a supervisor approves it with `cases close`)."""
    from refugio.protection import service

    c = _on_case(
        target,
        case,
        lambda s, a, cid: service.request_closure(s, actor=a, case_id=cid, reason=reason),
    )
    typer.echo(f"case {c.code}: closure requested")


@cases_app.command("close")
@common.with_options()
def cases_close(
    target: common.Target,
    case: Annotated[str, typer.Argument(help="Case code or id.")],
    note: Annotated[str, typer.Option("--note", help="A note on the decision.")] = "",
) -> None:
    """Approve the requested closure of a case (its assigned supervisor)."""
    from refugio.protection import service

    c = _on_case(
        target,
        case,
        lambda s, a, cid: service.close_case(s, actor=a, case_id=cid, note=note),
    )
    typer.echo(f"case {c.code} closed")


@cases_app.command("reopen")
@common.with_options()
def cases_reopen(
    target: common.Target,
    case: Annotated[str, typer.Argument(help="Case code or id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the case is reopened.")],
) -> None:
    """Reopen a closed case (back to assessment)."""
    from refugio.protection import service

    c = _on_case(
        target,
        case,
        lambda s, a, cid: service.reopen_case(s, actor=a, case_id=cid, reason=reason),
    )
    typer.echo(f"case {c.code} reopened")


@cases_app.command("export")
@common.with_options()
def cases_export(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV.")],
) -> None:
    """Export the cases you are assigned to as CSV (GBV cases without the person; audited)."""
    from refugio.protection import queries

    body = target.in_uow(lambda s, a, c: queries.cases_csv(s, actor=a))
    out.write_text(body, "utf-8")
    typer.echo(f"{body.count(chr(10)) - 1} case(s) written to {out}")


@protection_app.command("statistics")
@common.with_options(operation=True)
def statistics(target: common.Target) -> None:
    """Cases by type and status, after disclosure control (GBV and trafficking at the sensitive threshold)."""
    from refugio.stats.caseload import caseload_table

    table = target.in_uow(
        lambda s, a, c: caseload_table(s, actor=a, operation_id=target.operation_id(c)),
    )
    typer.echo(" | ".join(c.label for c in table.columns))
    for row in table.rows:
        typer.echo(" | ".join("" if v is None else str(v) for v in row))
    for n in table.notes:
        typer.echo(f"note: {n}", err=True)


# ---------------------------------------------------------------------------------------------
# tasks


@tasks_app.command("overdue")
@common.with_options()
def tasks_overdue(
    target: common.Target,
    mine: Annotated[bool, typer.Option("--mine", help="Only the tasks assigned to you.")] = False,
) -> None:
    """Open tasks past their due date, on the cases you are assigned to."""
    from refugio.protection import queries

    tasks = target.in_uow(lambda s, a, c: queries.overdue_tasks(s, actor=a, mine_only=mine))
    for t in tasks:
        typer.echo(f"{t.case_code}  due {t.due_on} ({t.days_overdue} day(s) late)  {t.assignee}: {t.title}")
    typer.echo(f"{len(tasks)} overdue task(s)", err=True)


# ---------------------------------------------------------------------------------------------
# the directory


@services_app.command("add")
@common.with_options(operation=True)
def services_add(
    target: common.Target,
    organisation: Annotated[str, typer.Argument(help="Organisation name (added to the directory if new).")],
    name: Annotated[str, typer.Argument(help="Service name.")],
    service_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="health, psychosocial, legal, safe_shelter, child_protection_authority, education, "
            "livelihoods, basic_needs, rehabilitation or other.",
        ),
    ],
    kind: Annotated[
        str,
        typer.Option("--kind", help="For a new organisation: un_agency, international_ngo, national_ngo, …"),
    ] = "national_ngo",
    location: Annotated[str | None, typer.Option("--location", help="Where the service is given.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Contact phone.")] = None,
) -> None:
    """Add a service (and its organisation, when new) to an operation's directory."""
    from refugio.protection import queries, service
    from refugio.protection.schemas import OrganisationCreate, ServiceCreate
    from refugio.store.uow import unit_of_work

    container = target.open()
    actor = target.actor(container)
    op_id = target.operation_id(container)
    run = common.run
    with unit_of_work(container.sessions) as s:
        known = queries.organisations(s, actor=actor, operation_id=op_id)
        org: Any = next((o for o in known if o.name == organisation.strip()), None)
        if org is None:
            org_data = common.build_input(
                OrganisationCreate, operation_id=op_id, name=organisation, kind=kind
            )
            org = run(lambda: service.create_organisation(s, actor=actor, data=org_data))
        data = common.build_input(
            ServiceCreate,
            organisation_id=org.id,
            name=name,
            service_type=service_type,
            location=location,
            phone=phone,
        )
        row = run(lambda: service.add_service(s, actor=actor, data=data))
        typer.echo(f"service {row.name} ({row.service_type}) of {org.name} added: {row.id}")


@services_app.command("list")
@common.with_options(operation=True)
def services_list(
    target: common.Target,
    service_type: Annotated[str | None, typer.Option("--type", help="Only services of this type.")] = None,
) -> None:
    """The service directory."""
    from refugio.protection import queries

    def directory(s: Session, a: Principal, c: Container) -> list[Any]:
        op_id = target.operation_id(c) if target.operation else None
        return queries.services(s, actor=a, operation_id=op_id, service_type=service_type)

    items = target.in_uow(directory)
    for i in items:
        svc = i.service
        typer.echo(
            f"{svc.id}  {svc.service_type:<26} {svc.name} · {i.organisation.name}"
            f"{' · ' + svc.location if svc.location else ''}  members: {', '.join(i.members) or '-'}"
        )
    typer.echo(f"{len(items)} service(s)", err=True)


@services_app.command("member")
@common.with_options()
def services_member(
    target: common.Target,
    service_id: Annotated[str, typer.Argument(help="The service's id (see `services list`).")],
    username: Annotated[
        str, typer.Argument(help="A user with REFERRAL_RECEIVE (e.g. role service_provider).")
    ],
) -> None:
    """Let a user receive and answer the service's referrals."""
    from refugio.protection import service

    try:
        sid = uuid.UUID(service_id)
    except ValueError:
        common.fail(f"{service_id!r} is not a service id (see `refugio protection services list`)")
    target.in_uow(
        lambda s, a, c: service.add_service_member(s, actor=a, service_id=sid, user_id=_user_id(s, username)),
    )
    typer.echo(f"{username} now answers the service's referrals")


# ---------------------------------------------------------------------------------------------
# referrals


@referrals_app.command("list")
@common.with_options()
def referrals_list(target: common.Target) -> None:
    """Referrals to the services you answer for (the shared data only), most urgent first."""
    from refugio.protection import queries

    items = target.in_uow(lambda s, a, c: queries.referral_inbox(s, actor=a))
    for r in items:
        late = " LATE" if r.overdue else ""
        typer.echo(
            f"{r.code}  {r.status:<9} {r.urgency:<7} answer by {r.respond_by:%Y-%m-%d %H:%M}{late}  "
            f"{r.service_name}: {r.reason}"
        )
    typer.echo(f"{len(items)} referral(s)", err=True)


@referrals_app.command("overdue")
@common.with_options()
def referrals_overdue(target: common.Target) -> None:
    """Referrals not answered within their service-level time (ones you sent or must answer)."""
    from refugio.protection import queries

    items = target.in_uow(lambda s, a, c: queries.referrals_breaching_sla(s, actor=a))
    for b in items:
        typer.echo(
            f"{b.code}  {b.urgency:<7} {b.hours_late} h late  {b.service_name}  "
            f"({b.side}{' ' + b.case_code if b.case_code else ''})"
        )
    typer.echo(f"{len(items)} referral(s) past their response time", err=True)
