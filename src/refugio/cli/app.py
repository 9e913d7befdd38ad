"""The `refugio` command line (Typer): the root app, which only gathers the commands each channel
module defines (cli/<domain>.py, cli/db.py, cli/demo.py). Thin: every command parses options, opens one
unit of work, calls the domain services, prints results. Heavy libraries are imported inside commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from refugio import __version__
from refugio.cli import demo as demo_commands
from refugio.cli.agreements import agreements_app
from refugio.cli.assistance import assistance_app
from refugio.cli.consent import consent_app
from refugio.cli.dataprotection import retention_app
from refugio.cli.db import db_app
from refugio.cli.dedup import dedup_app
from refugio.cli.intake import forms_app, import_app
from refugio.cli.keys import keys_app
from refugio.cli.protection import protection_app
from refugio.cli.registration import certs_app, ops_app, verify
from refugio.cli.rights import rights_app
from refugio.cli.security import audit_app, users_app
from refugio.cli.sharing import sharing_app
from refugio.cli.solutions import solutions_app
from refugio.cli.stats import stats_app
from refugio.cli.tracing import tracing_app
from refugio.cli.tracking import tracking_app

app = typer.Typer(
    name="refugio",
    help="refugio: registration, protection and solutions for large movements of refugees and migrants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(certs_app, name="certificates")
app.add_typer(ops_app, name="operations")
app.add_typer(import_app, name="import")
app.add_typer(forms_app, name="forms")
app.add_typer(stats_app, name="stats")
app.add_typer(dedup_app, name="dedup")
app.add_typer(protection_app, name="protection")
app.add_typer(tracing_app, name="tracing")
app.command()(demo_commands.demo)
app.command("serve")(demo_commands.serve_cmd)
app.command()(verify)
app.add_typer(sharing_app, name="sharing")
app.add_typer(tracking_app, name="tracking")
app.add_typer(assistance_app, name="assistance")
app.add_typer(solutions_app, name="solutions")
app.add_typer(retention_app, name="retention")
app.add_typer(agreements_app, name="agreements")
app.add_typer(consent_app, name="consent")
app.add_typer(rights_app, name="rights")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"refugio {__version__}")
        raise typer.Exit()


def main() -> None:
    app()
