"""`refugio db …`: create the schema or bring it up to date, and print its revision (Alembic, through
refugio.store.migrate); encrypted, verified backups and their restore (refugio.security.backups), and the
export of the backup key. Imports typer and refugio.cli.common at import time; the rest inside commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from refugio.cli import common
from refugio.cli.common import DataDirOption, DbOption

db_app = typer.Typer(help="Database schema (create, upgrade), backups and restore.", no_args_is_help=True)

KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file", help="Backup key exported by `refugio db backup-key` (default: this installation's)."
    ),
]


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


def _master_key(data_dir: Path | None, key_file: Path | None) -> bytes:
    from refugio.security.backup_crypto import read_key_file
    from refugio.security.keys import Keyring

    if key_file is not None:
        return common.run(lambda: read_key_file(key_file))
    return Keyring(common.settings(None, data_dir).secrets_path).backup_key()


def _print_counts(counts: dict[str, int], other: dict[str, int] | None = None) -> None:
    """The rows of every table that has some (in the copy or the source), then how many are empty."""
    empty = 0
    for table in sorted(counts):
        if not counts[table] and not (other or {}).get(table):
            empty += 1
            continue
        extra = f"  (source {other.get(table, 'missing')})" if other is not None else ""
        typer.echo(f"  {table:<40} {counts[table]:>10}{extra}")
    typer.echo(f"  ({empty} other tables empty)")


@db_app.command("backup")
def db_backup(
    out: Annotated[Path, typer.Option("--out", help="The encrypted backup file to write.")],
    verify: Annotated[
        bool, typer.Option("--verify", help="Restore into a scratch database and compare it with the source.")
    ] = False,
    key_file: KeyFileOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Back the database up into an encrypted file (AES-256-GCM; SQLite backup API or pg_dump)."""
    from refugio.security import backups

    if out.exists():
        common.fail(f"{out} exists already: choose another file")
    config = common.settings(db, data_dir)
    key = _master_key(data_dir, key_file)
    result = common.run(
        lambda: backups.create_backup(config.database_url, out, master_key=key, verify=verify)
    )
    h = result.header
    typer.echo(
        f"backup of {common.safe_url(config.database_url)} ({h.backend}, schema {h.schema_revision})"
        f" → {out}: "
        f"{result.size} bytes, key {h.key_id}, sha256 {h.plaintext_sha256}"
    )
    check = result.verification
    if check is None:
        return
    typer.echo(
        f"verified in a scratch database: audit chain {'ok' if check.chain_ok else 'BROKEN'}, "
        f"{check.chain_entries} entries; rows per table:"
    )
    _print_counts(check.copy_counts, check.source_counts)
    for problem in check.chain_problems[:5]:
        typer.secho(f"  audit chain: {problem}", fg=typer.colors.RED, err=True)
    for difference in check.differences:
        typer.secho(f"  differs: {difference}", fg=typer.colors.RED, err=True)
    if not check.ok:
        common.fail("the backup does not match the source")
    typer.echo(
        f"verification passed: {len(check.copy_counts)} tables, {sum(check.copy_counts.values())} rows"
    )


@db_app.command("restore")
def db_restore(
    backup: Annotated[Path, typer.Argument(help="The encrypted backup file.", exists=True, dir_okay=False)],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the contents of a database that is not empty.")
    ] = False,
    key_file: KeyFileOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Restore an encrypted backup into an empty database (checked completely before anything is written)."""
    from refugio.security import backups

    config = common.settings(db, data_dir)
    key = _master_key(data_dir, key_file)
    result = common.run(
        lambda: backups.restore_backup(backup, config.database_url, master_key=key, force=force)
    )
    h = result.header
    typer.echo(
        f"restored the backup of {h.created_at} ({h.backend}, schema {h.schema_revision}) into "
        f"{common.safe_url(config.database_url)}: audit chain ok, {result.chain.entries} entries;"
        " rows per table:"
    )
    _print_counts(result.counts)
    from refugio.store import migrate

    if result.schema_revision != migrate.head():
        typer.echo(
            f"schema {result.schema_revision}; this refugio is at {migrate.head()}: run `refugio db upgrade`"
        )


@db_app.command("backup-key")
def db_backup_key(
    out: Annotated[Path, typer.Option("--out", help="Where to write the backup key (created, mode 0600).")],
    data_dir: DataDirOption = None,
) -> None:
    """Export the backup master key, to restore backups on another machine."""
    import os

    from refugio.security.backup_crypto import encode_key, key_id

    key = _master_key(data_dir, None)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        common.fail(f"{out} exists already: choose another file")
    with os.fdopen(fd, "wb") as fh:
        fh.write(encode_key(key))
    typer.echo(f"backup key {key_id(key)} written to {out}")
    typer.secho(
        "warning: whoever holds this key can read every backup; store it apart from the backups "
        "(offline, in a safe), never next to them.",
        fg=typer.colors.YELLOW,
        err=True,
    )
