"""Schema migrations with Alembic, driven from code: there is no alembic.ini.

The revision scripts live in `refugio/store/migrations/versions/` (the `migrations` folder is not an
importable package). Revision ids are readable and the chain is linear: "0001", "0002", … Each
domain that adds tables adds the next revision.

    from refugio.store import migrate
    migrate.upgrade(engine)                                    # or a URL; to "head" by default
    migrate.current(engine)                                    # "0002", or None on an empty database
    diffs = migrate.check_schema_matches(engine, metadata)     # [] when models and database agree

The caller passes the models' `MetaData` (the composition root has it: `refugio.main.metadata()`),
because store knows no domain: this module imports only SQLAlchemy, Alembic and refugio.store.

What the schema check leaves out, and why (the migrations build these; SQLAlchemy cannot describe
them, or they exist on one backend only):

- tables the database makes for itself, which no model can describe: SQLite's virtual tables (the
  FTS5 full-text index) and the shadow tables that store them (`database_only_tables`);
- model objects declared for some dialects only, marked `info={"dialects": (...)}` (and created by
  `metadata.create_all` on those only, through `.ddl_if(dialect=...)`), e.g. a GIN index that exists
  on PostgreSQL only: on other backends they are neither expected nor reported.

For developers, `python -m refugio.store.migrate` wraps the Alembic commands (revision with the next
readable id, upgrade, downgrade, current, history, check); there the migration environment falls back
to `refugio.main.metadata()` and the `REFUGIO_DB_URL` / data-dir settings.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from refugio.store.encrypted import EncryptedText
from refugio.store.engine import make_engine
from refugio.store.types import UTCDateTime

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


# --- helpers shared by env.py (autogenerate) and check_schema_matches ---------------------------------


def _variant_mapping(type_: TypeEngine[Any]) -> dict[str, TypeEngine[Any]]:
    mapping: dict[str, TypeEngine[Any]] = getattr(type_, "_variant_mapping", {}) or {}
    return mapping


def is_portable_json(type_: TypeEngine[Any]) -> bool:
    """True for `refugio.store.types.PortableJSON` (JSON, JSONB on PostgreSQL)."""
    return isinstance(type_, JSON) and isinstance(_variant_mapping(type_).get("postgresql"), JSONB)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render refugio's portable types as plain SQLAlchemy types, so revisions never import refugio."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if is_portable_json(obj):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


def compare_type(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Type comparison for autogenerate: True = differs, False = same, None = Alembic's default.

    `UTCDateTime` is stored as `DateTime(timezone=True)`: TIMESTAMP WITH TIME ZONE on PostgreSQL and
    a plain DATETIME on SQLite (which keeps no zone; the TypeDecorator stores naive UTC there).
    `PortableJSON` is JSONB on PostgreSQL and JSON on SQLite. An `EncryptedText` column is TEXT, but an
    older VARCHAR(n) column is left as it is on SQLite, which does not enforce the length.
    """
    dialect = context.dialect.name
    if isinstance(metadata_type, EncryptedText) and dialect == "sqlite":
        return not isinstance(inspected_type, String)  # VARCHAR(n) holds any length on SQLite
    if isinstance(metadata_type, UTCDateTime):
        if not isinstance(inspected_type, DateTime):
            return True
        return dialect == "postgresql" and not inspected_type.timezone
    if is_portable_json(metadata_type):
        if dialect == "postgresql":
            return not isinstance(inspected_type, JSONB)
        return not isinstance(inspected_type, JSON)
    return None


def database_only_tables(bind: Engine | Connection) -> set[str]:
    """Tables that no model describes because the database makes them for itself: on SQLite, virtual
    tables (e.g. FTS5 indexes) and their shadow tables. Empty on PostgreSQL."""
    if bind.dialect.name != "sqlite":
        return set()

    def read(conn: Connection) -> set[str]:
        rows = conn.exec_driver_sql("PRAGMA main.table_list").all()
        return {str(r[1]) for r in rows if r[2] in ("virtual", "shadow")}

    if isinstance(bind, Connection):
        return read(bind)
    with bind.connect() as conn:
        return read(conn)


def for_dialect(obj: Any, dialect_name: str) -> bool:
    """False for a model object marked `info={"dialects": (...)}` that excludes this dialect."""
    dialects = getattr(obj, "info", {}).get("dialects")
    return dialects is None or dialect_name in dialects


def migration_options(dialect_name: str, connection: Connection | None = None) -> dict[str, Any]:
    """The `context.configure` options every refugio migration run uses (env.py and checks). With the
    `connection` (to a migrated database), the tables the database makes for itself are left out of
    the comparison too."""
    skipped = database_only_tables(connection) if connection is not None else set()

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return not (type_ == "table" and name in skipped)

    def include_object(obj: Any, _name: str | None, _type: str, reflected: bool, _other: Any) -> bool:
        return reflected or for_dialect(obj, dialect_name)

    return {
        "compare_type": compare_type,
        "compare_server_default": False,
        "render_item": render_item,
        "render_as_batch": dialect_name == "sqlite",
        "user_module_prefix": "sa.",
        "include_name": include_name,
        "include_object": include_object,
    }


# --- configuration ----------------------------------------------------------------------------------


def alembic_config(
    connection: Connection | None = None, *, metadata: MetaData | None = None, url: str | None = None
) -> Config:
    """An Alembic Config pointing at refugio's migrations, with no ini file.

    `connection` and `metadata` travel to env.py in `config.attributes`; without them env.py opens
    its own engine on `url` (or the settings' URL) and loads `refugio.main.metadata()`.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if metadata is not None:
        cfg.attributes["target_metadata"] = metadata
    return cfg


# Any constant: serialises concurrent upgrades (several workers starting at once) on PostgreSQL.
_PG_MIGRATION_LOCK = 0x7265667567696F  # "refugio"


@contextmanager
def _connection(engine_or_url: Engine | str) -> Iterator[Connection]:
    """A connection in a transaction that commits on success; disposes the engine if we made it.

    On PostgreSQL the transaction first takes an advisory lock, so that two processes migrating the
    same database run one after the other (the second then finds nothing left to do)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            yield conn
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


# --- the API ------------------------------------------------------------------------------------------


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Bring the database up to `revision` (all migrations by default), in one transaction where the
    database supports transactional DDL."""
    with _connection(engine_or_url) as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine_or_url: Engine | str, revision: str) -> None:
    """Take the database down to `revision` ("base" drops every table the migrations made)."""
    with _connection(engine_or_url) as conn:
        command.downgrade(alembic_config(conn), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The newest revision shipped with this code."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migration chain must be linear, found heads {heads}")
    return heads[0]


def is_up_to_date(engine: Engine) -> bool:
    return current(engine) == head()


def check_schema_matches(engine: Engine, metadata: MetaData) -> list[Any]:
    """Differences between the models (`metadata`) and the database, as Alembic diffs; [] if none."""
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (`ix_individual_household_ref`): Alembic skips them on
        # both sides and says so on every start; the migration tests check them on PostgreSQL.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        ctx = MigrationContext.configure(conn, opts=migration_options(engine.dialect.name, conn))
        return list(compare_metadata(ctx, metadata))


def next_revision_id() -> str:
    """The readable id for a new revision: the head's number plus one, zero-padded ("0003")."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    if not heads:
        return "0001"
    return f"{int(head()) + 1:04d}"


# --- developer command line: python -m refugio.store.migrate ----------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m refugio.store.migrate", description=(__doc__ or "").split("\n")[0]
    )
    p.add_argument("--url", help="database URL (default: REFUGIO_DB_URL or the SQLite file in the data dir)")
    sub = p.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="write the next revision script (id 0001, 0002, …)")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true", help="diff the models against the database")
    up = sub.add_parser("upgrade")
    up.add_argument("revision", nargs="?", default="head")
    up.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    down = sub.add_parser("downgrade")
    down.add_argument("revision")
    sub.add_parser("current")
    sub.add_parser("history")
    sub.add_parser("check", help="fail if the models and the migrated database differ")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cfg = alembic_config(url=args.url)
    if args.cmd == "revision":
        command.revision(cfg, message=args.message, autogenerate=args.autogenerate, rev_id=next_revision_id())
    elif args.cmd == "upgrade":
        command.upgrade(cfg, args.revision, sql=args.sql)
    elif args.cmd == "downgrade":
        command.downgrade(cfg, args.revision)
    elif args.cmd == "current":
        command.current(cfg, verbose=True)
    elif args.cmd == "history":
        command.history(cfg, verbose=True)
    elif args.cmd == "check":
        command.check(cfg)
    return 0


__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "check_schema_matches",
    "compare_type",
    "current",
    "database_only_tables",
    "downgrade",
    "for_dialect",
    "head",
    "is_up_to_date",
    "main",
    "migration_options",
    "next_revision_id",
    "render_item",
    "upgrade",
]

if __name__ == "__main__":
    sys.exit(main())
