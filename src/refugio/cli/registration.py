"""Registration commands: `refugio operations …` (operations and their sites), `refugio certificates …`
(public key, signed revocation list) and `refugio verify` (check a certificate, online or offline).

Imports typer and refugio.cli.common at import time; the registration domain (service, queries,
certificate) inside the commands. Must not import a domain's models nor sqlalchemy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common
from refugio.cli.common import DataDirOption

ops_app = typer.Typer(help="Operations and their registration sites.", no_args_is_help=True)
certs_app = typer.Typer(
    help="Registration certificates: public key and revocation list.", no_args_is_help=True
)


# ---------------------------------------------------------------------------------------------
# operations and sites


@ops_app.command("create")
@common.with_options(user=False)
def operations_create(
    target: common.Target,
    code: Annotated[str, typer.Argument(help="Three letters, prefix of IDs, e.g. JOR.")],
    name: Annotated[str, typer.Option(help="Name of the operation.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-3 code of the country of operation.")],
) -> None:
    """Create an operation."""
    from refugio.registration import service
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        op = common.run(
            lambda: service.create_operation(s, actor=SYSTEM, code=code, name=name, country_iso3=country)
        )
        typer.echo(f"operation {op.code} created")


@ops_app.command("add-site")
@common.with_options(user=False)
def operations_add_site(
    target: common.Target,
    operation: Annotated[str, typer.Argument(help="Operation code.")],
    code: Annotated[str, typer.Argument(help="Site code, unique in the operation.")],
    name: Annotated[str, typer.Option(help="Site name.")],
    kind: Annotated[
        str, typer.Option(help="reception_centre, camp, collective_centre, urban_office, border_point")
    ] = "reception_centre",
) -> None:
    """Add a registration site to an operation."""
    from refugio.registration import queries, service
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        op = queries.load_operation(s, code=operation)
        if op is None:
            common.fail(f"no operation {operation!r}")
        site = common.run(
            lambda: service.create_site(s, actor=SYSTEM, operation=op, code=code, name=name, kind=kind)
        )
        typer.echo(f"site {site.code} added to {op.code}")


@ops_app.command("list")
@common.with_options(user=False)
def operations_list(target: common.Target) -> None:
    """List operations and their sites."""
    from refugio.registration import queries
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        operations = queries.operations(s, actor=SYSTEM)
        sites = queries.sites(s, actor=SYSTEM)
    for op in operations:
        typer.echo(f"{op.code}  {op.name} ({op.country_iso3})")
        for site in (site for site in sites if site.operation_id == op.id):
            typer.echo(f"    {site.code:<8} {site.name} [{site.kind}]")


# ---------------------------------------------------------------------------------------------
# certificates


@common.with_options(user=False)
def verify(
    target: common.Target,
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

        container = target.open()
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
@common.with_options(user=False)
def certificates_revocations(
    target: common.Target,
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed revocation list (JSON).")],
) -> None:
    """Export the signed list of revoked certificates, for offline verification."""
    from refugio.registration import certificate as cert
    from refugio.store.uow import unit_of_work

    container = target.open()
    with unit_of_work(container.sessions) as s:
        data = cert.revocation_list(s, container.keyring.signing_key())
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    typer.echo(f"{len(data['revoked'])} revoked certificate(s) written to {out}")
