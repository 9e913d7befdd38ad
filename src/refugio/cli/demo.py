"""`refugio demo` and `refugio serve`: build the demo operation (refugio.cli.demo_data) and serve the
web UI and the REST API with uvicorn. Heavy libraries (uvicorn, the application) are imported inside
the commands; must not import a domain's models nor sqlalchemy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from refugio.cli import common
from refugio.cli.common import DataDirOption, DbOption
from refugio.config import Settings

if TYPE_CHECKING:
    from refugio.main import Container


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
    if container.field_keys is not None and container.field_keys.generated:
        typer.echo(
            f"Created the field master key {container.field_keys.master.path} (it encrypts the case "
            "narratives, tracing details, complaints and phones: keep it apart from the database)"
        )
    from refugio.cli import demo_data

    logins = demo_data.ensure_demo(container, households=households, seed=seed, echo=typer.echo)
    summary = demo_data.summary(container)
    typer.echo("")
    typer.echo(f"Database   {common.safe_url(settings.database_url)}")
    typer.echo(f"Operation  {summary.operation}  ({summary.sites} sites)")
    typer.echo(
        f"Registry   {summary.households:,} households, {summary.individuals:,} individuals, "
        f"{summary.needs:,} people with specific needs"
    )
    typer.echo(f"Origins    {', '.join(f'{c} {n:,}' for c, n in summary.origins)}")
    typer.echo("")
    typer.echo("Log in with:")
    for login in logins:
        typer.echo(f"  {login['username']:<12} {login['password']}   ({login['role']})")
    if serve:
        typer.echo(f"\nServing on http://{host}:{port}  (Ctrl-C to stop)")
        _serve(container, host, port)


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
    import uvicorn

    from refugio.main import create_app, start_retention_scheduler

    scheduler = start_retention_scheduler(container)  # the retention rules, daily
    try:
        uvicorn.run(create_app(container=container), **server_options(container.settings, host, port))
    finally:
        if scheduler is not None:
            scheduler.stop()


def server_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """uvicorn's options: refugio's own access log (uvicorn's would print query strings), no server
    header, and forwarded headers believed only from `settings.trusted_proxies` (uvicorn believes them
    from 127.0.0.1 by default, which let any local client choose its address)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["refugio"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    proxies = settings.trusted_proxies.strip()
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        "log_config": log_config,
        "access_log": False,
        "server_header": False,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
    }
