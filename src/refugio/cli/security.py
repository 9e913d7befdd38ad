"""Security commands: `refugio users …` (users, roles, API tokens) and `refugio audit …` (verify the
tamper-evident audit log). Imports typer and refugio.cli.common at import time; refugio.security and
the registration queries (operation and site codes) inside the commands. Must not import a domain's
models nor sqlalchemy.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from refugio.cli import common

users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


# ---------------------------------------------------------------------------------------------
# users


@users_app.command("create")
@common.with_options(user=False)
def users_create(
    target: common.Target,
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[
        str,
        typer.Option(
            help="administrator, registration_clerk, protection_officer, protection_supervisor, "
            "service_provider, im_officer, viewer, data_protection_officer, …"
        ),
    ],
    full_name: Annotated[str | None, typer.Option(help="Full name (default: the username).")] = None,
    operation: Annotated[str | None, typer.Option(help="Operation code the role is limited to.")] = None,
    site: Annotated[
        str | None, typer.Option(help="Site code (within --operation) the role is limited to.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a user with one role, everywhere or limited to an operation or a site."""
    from refugio.registration import queries
    from refugio.security import service as sec
    from refugio.security.permissions import Role
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    try:
        role_enum = Role(role)
    except ValueError:
        common.fail(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}")
    if site and not operation:
        common.fail("--site needs --operation")
    if role_enum not in (Role.ADMINISTRATOR, Role.DATA_PROTECTION_OFFICER) and not operation:
        common.fail(
            "roles other than administrator and data_protection_officer must be limited to an "
            "--operation (and optionally a --site)"
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    container = target.open()
    with unit_of_work(container.sessions) as s:
        op_id = site_id = None
        if operation:
            op = queries.operation_by_code(s, code=operation)
            if op is None:
                common.fail(f"no operation {operation!r}")
            op_id = op.id
            if site:
                site_row = queries.site_by_code(s, operation_id=op_id, code=site)
                if site_row is None:
                    common.fail(f"no site {site!r} in {operation.upper()}")
                site_id = site_row.id
        user = common.run(
            lambda: sec.create_user(
                s, actor=SYSTEM, username=username, full_name=full_name or username, password=password
            )
        )
        sec.grant_role(s, actor=SYSTEM, user=user, role=role_enum, operation_id=op_id, site_id=site_id)
        scope = f"{operation.upper()}{'/' + site.upper() if site else ''}" if operation else "everywhere"
        typer.echo(f"user {user.username} created: {role_enum.value} ({scope})")


@users_app.command("token")
@common.with_options(user=False)
def users_token(
    target: common.Target,
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'kobo-sync'.")] = "cli",
    days: Annotated[int, typer.Option(help="Validity in days.", min=1, max=3650)] = 90,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from refugio.security import service as sec
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        user = common.run(lambda: sec.get_user(s, username))
        secret, _row = common.run(
            lambda: sec.issue_api_token(s, actor=SYSTEM, user=user, name=name, valid_days=days)
        )
    typer.echo(secret)


@users_app.command("list")
@common.with_options(user=False)
def users_list(target: common.Target) -> None:
    """List users and their roles."""
    from refugio.security import queries
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        users = queries.list_users(s)
    for user in users:
        state = "" if user.is_active else " (disabled)"
        typer.echo(f"{user.username:<16} {', '.join(user.roles) or '-'}{state}")


@users_app.command("unlock")
@common.with_options(user=False)
def users_unlock(
    target: common.Target,
    username: Annotated[str, typer.Argument(help="Whose sign-in delays to end.")],
) -> None:
    """End an account's sign-in delays now: its recent failed attempts are cleared (audited)."""
    from refugio.security import service as sec
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        user = common.run(lambda: sec.get_user(s, username))
        cleared = common.run(lambda: sec.unlock_user(s, actor=SYSTEM, user=user))
    typer.echo(f"{user.username}: {cleared} failed sign-in attempt(s) cleared; no delay now")


# ---------------------------------------------------------------------------------------------
# audit


@audit_app.command("verify")
@common.with_options(user=False)
def audit_verify(target: common.Target) -> None:
    """Recompute the audit hash chain; exit code 2 and the broken entries if any was altered or deleted."""
    from refugio.security.audit import verify_chain
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        report = verify_chain(s)
    if report.ok:
        typer.secho(
            f"OK: {report.entries:,} audit entries, chain intact (head {report.last_hash[:16]}…)",
            fg=typer.colors.GREEN,
        )
        return
    typer.secho(
        f"BROKEN: the audit log was tampered with ({report.entries:,} entries read)", fg=typer.colors.RED
    )
    for problem in report.problems:
        typer.echo(f"  {problem}")
    raise typer.Exit(2)
