"""The `refugio` command line (Typer). Thin: parses options, opens one unit of work per command,
calls the domain services, prints results. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from refugio import __version__
from refugio.cli import common
from refugio.cli.common import DataDirOption, DbOption
from refugio.cli.dedup import dedup_app
from refugio.cli.intake import forms_app, import_app
from refugio.cli.protection import protection_app
from refugio.cli.solutions import solutions_app
from refugio.cli.stats import stats_app
from refugio.cli.tracing import tracing_app

if TYPE_CHECKING:
    from refugio.main import Container

app = typer.Typer(
    name="refugio",
    help="refugio: registration, protection and solutions for large movements of refugees and migrants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: create and upgrade.", no_args_is_help=True)
users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
certs_app = typer.Typer(
    help="Registration certificates: public key and revocation list.", no_args_is_help=True
)
ops_app = typer.Typer(help="Operations and their registration sites.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(certs_app, name="certificates")
app.add_typer(ops_app, name="operations")
app.add_typer(import_app, name="import")
app.add_typer(forms_app, name="forms")
app.add_typer(stats_app, name="stats")
app.add_typer(dedup_app, name="dedup")
app.add_typer(protection_app, name="protection")
app.add_typer(tracing_app, name="tracing")
app.add_typer(solutions_app, name="solutions")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"refugio {__version__}")
        raise typer.Exit()


# ---------------------------------------------------------------------------------------------
# demo and serve


@app.command()
def demo(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    households: Annotated[
        int, typer.Option(help="Synthetic households to register.", min=1, max=200_000)
    ] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic arrivals.")] = 2026,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web UI after building.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    reset: Annotated[bool, typer.Option(help="Delete the demo database first and build it again.")] = False,
) -> None:
    """Build a demo operation (several sites, a few thousand synthetic households from several countries
    of origin) on the embedded database, print the logins, then serve http://HOST:PORT."""
    settings = common.settings(db, data_dir)
    if reset and settings.db_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(settings.data_dir / "refugio.sqlite3") + suffix).unlink(missing_ok=True)
        (settings.data_dir / "demo-logins.json").unlink(missing_ok=True)
    container = common.container(settings)
    from refugio.cli import demo_data

    logins = demo_data.ensure_demo(container, households=households, seed=seed, echo=typer.echo)
    summary = demo_data.summary(container)
    typer.echo("")
    typer.echo(f"Database   {common.safe_url(settings.database_url)}")
    typer.echo(f"Operation  {summary['operation']}  ({summary['sites']} sites)")
    typer.echo(
        f"Registry   {summary['households']:,} households, {summary['individuals']:,} individuals, "
        f"{summary['needs']:,} people with specific needs"
    )
    typer.echo(f"Origins    {', '.join(f'{c} {n:,}' for c, n in summary['origins'])}")
    typer.echo("")
    typer.echo("Log in with:")
    for login in logins:
        typer.echo(f"  {login['username']:<12} {login['password']}   ({login['role']})")
    if serve:
        typer.echo(f"\nServing on http://{host}:{port}  (Ctrl-C to stop)")
        _serve(container, host, port)


@app.command("serve")
def serve_cmd(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Serve the web UI and the REST API (/api/v1) on an existing database (upgraded first)."""
    container = common.container(common.settings(db, data_dir))
    typer.echo(f"Serving {common.safe_url(container.settings.database_url)} on http://{host}:{port}")
    _serve(container, host, port)


def _serve(container: Container, host: str, port: int) -> None:
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from refugio.main import create_app

    # uvicorn's own access log would print query strings; refugio's middleware logs requests without them
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["refugio"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    uvicorn.run(
        create_app(container=container),
        host=host,
        port=port,
        log_level="info",
        log_config=log_config,
        access_log=False,
        server_header=False,
    )


# ---------------------------------------------------------------------------------------------
# db


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Create the schema or bring it up to date (Alembic migrations)."""
    from refugio.main import build
    from refugio.store import migrate

    container = build(common.settings(db, data_dir))
    before = migrate.current(container.engine)
    migrate.upgrade(container.engine)
    after = migrate.current(container.engine)
    typer.echo(f"{common.safe_url(container.settings.database_url)}: {before or 'empty'} → {after}")


@db_app.command("current")
def db_current(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Print the schema revision of the database."""
    from refugio.main import build
    from refugio.store import migrate

    container = build(common.settings(db, data_dir))
    typer.echo(migrate.current(container.engine) or "empty (run `refugio db upgrade`)")


# ---------------------------------------------------------------------------------------------
# operations and sites


@ops_app.command("create")
def operations_create(
    code: Annotated[str, typer.Argument(help="Three letters, prefix of IDs, e.g. JOR.")],
    name: Annotated[str, typer.Option(help="Name of the operation.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-3 code of the country of operation.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an operation."""
    from refugio.registration import service
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        op = common.run(
            lambda: service.create_operation(s, actor=SYSTEM, code=code, name=name, country_iso3=country)
        )
        typer.echo(f"operation {op.code} created")


@ops_app.command("add-site")
def operations_add_site(
    operation: Annotated[str, typer.Argument(help="Operation code.")],
    code: Annotated[str, typer.Argument(help="Site code, unique in the operation.")],
    name: Annotated[str, typer.Option(help="Site name.")],
    kind: Annotated[
        str, typer.Option(help="reception_centre, camp, collective_centre, urban_office, border_point")
    ] = "reception_centre",
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a registration site to an operation."""
    from sqlalchemy import select

    from refugio.registration import service
    from refugio.registration.models import Operation
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        op = s.scalar(select(Operation).where(Operation.code == operation.upper()))
        if op is None:
            common.fail(f"no operation {operation!r}")
        site = common.run(
            lambda: service.create_site(s, actor=SYSTEM, operation=op, code=code, name=name, kind=kind)
        )
        typer.echo(f"site {site.code} added to {op.code}")


@ops_app.command("list")
def operations_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """List operations and their sites."""
    from sqlalchemy import select

    from refugio.registration.models import Operation, Site
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        for op in s.scalars(select(Operation).order_by(Operation.code)):
            typer.echo(f"{op.code}  {op.name} ({op.country_iso3})")
            for site in s.scalars(select(Site).where(Site.operation_id == op.id).order_by(Site.code)):
                typer.echo(f"    {site.code:<8} {site.name} [{site.kind}]")


# ---------------------------------------------------------------------------------------------
# users


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[
        str,
        typer.Option(
            help="administrator, registration_clerk, protection_officer, protection_supervisor, "
            "service_provider, im_officer, viewer"
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
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user with one role, everywhere or limited to an operation or a site."""
    from sqlalchemy import select

    from refugio.registration.models import Operation, Site
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
    if role_enum != Role.ADMINISTRATOR and not operation:
        common.fail(
            "roles other than administrator must be limited to an --operation (and optionally a --site)"
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        op_id = site_id = None
        if operation:
            op = s.scalar(select(Operation).where(Operation.code == operation.upper()))
            if op is None:
                common.fail(f"no operation {operation!r}")
            op_id = op.id
            if site:
                site_row = s.scalar(select(Site).where(Site.operation_id == op_id, Site.code == site.upper()))
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
def users_token(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'kobo-sync'.")] = "cli",
    days: Annotated[int, typer.Option(help="Validity in days.", min=1, max=3650)] = 90,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from refugio.security import service as sec
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        user = common.run(lambda: sec.get_user(s, username))
        secret, _row = common.run(
            lambda: sec.issue_api_token(s, actor=SYSTEM, user=user, name=name, valid_days=days)
        )
    typer.echo(secret)


@users_app.command("list")
def users_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """List users and their roles."""
    from sqlalchemy import select

    from refugio.security.models import RoleGrant, User
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        for user in s.scalars(select(User).order_by(User.username)):
            roles = [g.role for g in s.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id))]
            state = "" if user.is_active else " (disabled)"
            typer.echo(f"{user.username:<16} {', '.join(roles) or '-'}{state}")


# ---------------------------------------------------------------------------------------------
# certificates


@app.command()
def verify(
    certificate: Annotated[
        str,
        typer.Argument(
            help="A certificate PDF, a file holding the QR text, the QR text itself, or - for stdin."
        ),
    ],
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="PEM public key: check offline, without the database.")
    ] = None,
    revocations: Annotated[
        Path | None, typer.Option("--revocations", help="Signed revocation list (JSON) for offline checks.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check a registration certificate: authentic, tampered, revoked or expired.

    Exit code 0 when valid, 2 when not (tampered, revoked, expired, unknown, malformed)."""
    from refugio.registration import certificate as cert
    from refugio.security.keys import load_public_key

    token = _read_token(certificate)
    if public_key is not None:
        try:
            key = load_public_key(public_key.read_bytes())
        except (OSError, ValueError) as exc:
            common.fail(f"cannot read the public key {public_key}: {exc}")
        revoked = None
        if revocations is not None:
            try:
                revoked = cert.read_revocation_list(json.loads(revocations.read_text("utf-8")), key)
            except (OSError, ValueError) as exc:
                common.fail(f"revocation list {revocations}: {exc}")
        result = cert.verify_token(token, key, revoked=revoked)
    else:
        from refugio.store.uow import unit_of_work

        container = common.container(common.settings(db, data_dir))
        with unit_of_work(container.sessions) as s:
            result = cert.verify_in_registry(s, token, container.keyring.public_key())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "status": result.status.value,
                    "message": result.message,
                    "claims": result.claims,
                    "revocation_reason": result.revocation_reason,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        colour = typer.colors.GREEN if result.ok else typer.colors.RED
        typer.secho(f"{result.status.value.upper()}: {result.message}", fg=colour)
        if result.claims and result.status.value != "tampered":
            c = result.claims
            typer.echo(f"  {c.get('id')}  {c.get('gn')} {c.get('fn')}  {c.get('on', '')}".rstrip())
            typer.echo(
                f"  sex {c.get('sex')}, born {c.get('dob')} ({c.get('dp')}), issued {c.get('iss')}, "
                f"valid until {c.get('exp')}"
            )
        if result.revocation_reason:
            typer.echo(f"  revoked: {result.revocation_reason}")
    raise typer.Exit(0 if result.ok else 2)


def _read_token(source: str) -> str:
    from refugio.registration import certificate as cert

    if source == "-":
        return sys.stdin.read().strip()
    path = Path(source)
    if source.startswith(cert.PREFIX + "."):
        return source
    if not path.exists():
        common.fail(f"{source}: no such file, and not a certificate text")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        try:
            return cert.token_from_pdf(data)
        except ValueError as exc:
            common.fail(f"{source}: {exc}")
    return data.decode("utf-8", errors="replace").strip()


@certs_app.command("public-key")
def certificates_public_key(
    out: Annotated[Path | None, typer.Option("--out", help="Write the PEM here instead of stdout.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print the public key that verifies this installation's certificates."""
    from refugio.security.keys import Keyring

    pem = Keyring(common.settings(None, data_dir).secrets_path).public_key_pem()
    if out:
        out.write_bytes(pem)
        typer.echo(f"public key written to {out}")
    else:
        typer.echo(pem.decode().rstrip())


@certs_app.command("revocations")
def certificates_revocations(
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed revocation list (JSON).")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export the signed list of revoked certificates, for offline verification."""
    from refugio.registration import certificate as cert
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
    with unit_of_work(container.sessions) as s:
        data = cert.revocation_list(s, container.keyring.signing_key())
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    typer.echo(f"{len(data['revoked'])} revoked certificate(s) written to {out}")


# ---------------------------------------------------------------------------------------------
# audit


@audit_app.command("verify")
def audit_verify(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Recompute the audit hash chain; exit code 2 and the broken entries if any was altered or deleted."""
    from refugio.security.audit import verify_chain
    from refugio.store.uow import unit_of_work

    container = common.container(common.settings(db, data_dir))
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


def main() -> None:
    app()
