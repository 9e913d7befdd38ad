"""`refugio db …`: create the schema or bring it up to date, and print its revision (Alembic, through
refugio.store.migrate). Imports typer and refugio.cli.common at import time; the rest inside commands.
"""

from __future__ import annotations

import typer

from refugio.cli import common
from refugio.cli.common import DataDirOption, DbOption

db_app = typer.Typer(help="Database schema: create and upgrade.", no_args_is_help=True)


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
