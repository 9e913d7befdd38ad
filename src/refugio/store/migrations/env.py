"""Alembic environment for refugio (no alembic.ini; see refugio/store/migrate.py).

Called from code, `config.attributes` carries the open `connection` and the `target_metadata`.
Called from the developer command line (`python -m refugio.store.migrate …`), it opens its own engine
on the configured URL (or the settings' default) and loads every model through the composition root.
This file is not part of the importable package, so it may import refugio.main.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from refugio.store import migrate
from refugio.store.engine import make_engine, normalise_url

config = context.config


def _target_metadata() -> MetaData:
    metadata = config.attributes.get("target_metadata")
    if metadata is None:
        import refugio.main

        metadata = refugio.main.metadata()
    return metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from refugio.config import Settings

        url = Settings().database_url
    return normalise_url(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=_target_metadata(),
        **migrate.migration_options(connection.dialect.name, connection),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`upgrade --sql`)."""
    url = _url()
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(
        url=url,
        target_metadata=_target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **migrate.migration_options(dialect),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
