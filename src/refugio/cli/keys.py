"""`refugio keys …`: the keys of the encrypted fields (refugio.security.key_rotation) — their status, the
rotation of the master key (re-wrap) and of the data keys (re-encrypt), and the retirement of an old
master key version. Every change is audited. Imports typer and refugio.cli.common at import time.
"""

from __future__ import annotations

from typing import Annotated

import typer

from refugio.cli import common

keys_app = typer.Typer(help="Keys of the encrypted fields: status, rotation.", no_args_is_help=True)

AsOption = Annotated[str | None, typer.Option("--as", help="The administrator doing it (audited).")]


def _age(then: object) -> str:
    import datetime as dt

    from refugio.core import clock

    if not isinstance(then, dt.datetime):
        return "?"
    return f"{(clock.now() - then).days} d"


@keys_app.command("status")
@common.with_options(user=False)
def keys_status(target: common.Target) -> None:
    """Master key versions, data keys (table, generation, wrapping version, ages) and values per key."""
    from refugio.security import key_rotation

    app = target.open()
    assert app.field_keys is not None
    report = common.run(lambda: key_rotation.status(app.field_keys))  # type: ignore[arg-type]
    typer.echo(f"master key file: {report.key_file}")
    versions = ", ".join(
        f"v{v}" + (" (active)" if v == report.active_version else "") for v in report.master_versions
    )
    typer.echo(f"master key versions: {versions}")
    typer.echo(
        f"{'data key':<10}{'table':<32}{'gen':>4} {'wrapped by':<11}{'age':>7}{'re-wrapped':>11}{'values':>9}"
    )
    for k in report.data_keys:
        flag = " current" if k.current else ""
        if k.table.startswith("blind:"):
            flag = " (blind indexes: not re-encrypted by --data)"
        typer.echo(
            f"{k.kid:<10}{k.table:<32}{k.generation:>4} {'v' + str(k.kek_version):<11}"
            f"{_age(k.created_at):>7}{_age(k.wrapped_at):>11}{k.values:>9}{flag}"
        )


def _audit(app: object, who: str | None, action: str, details: dict[str, object]) -> None:
    from refugio.security import audit
    from refugio.store.uow import unit_of_work

    actor = common.actor(app, who)  # type: ignore[arg-type]
    with unit_of_work(app.sessions) as s:  # type: ignore[attr-defined]
        audit.record(s, actor=actor, action=action, object_type="crypto_key", details=details)


@keys_app.command("rotate")
@common.with_options(user=False)
def keys_rotate(
    target: common.Target,
    data: Annotated[
        bool,
        typer.Option("--data", help="Re-encrypt every value under a new data key (in batches, resumable)."),
    ] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, max=100_000, help="Rows per transaction.")] = 500,
    as_user: AsOption = None,
) -> None:
    """Rotate the master key (a new version; every data key re-wrapped), or with --data the data keys."""
    from refugio.security import key_rotation

    app = target.open()
    keys = app.field_keys
    assert keys is not None
    common.actor(app, as_user)  # an unknown --as is refused before anything changes
    if data:
        done = common.run(lambda: key_rotation.rotate_data(keys, batch=batch))
        _audit(app, as_user, "keys.rotate_data", {"values": done})
        for table_name, n in done.items():
            typer.echo(f"{table_name}: {n} value(s) re-encrypted under data key {keys._current[table_name]}")
        return
    version, rewrapped = common.run(lambda: key_rotation.rotate_master(keys))
    _audit(app, as_user, "keys.rotate_master", {"version": version, "rewrapped": rewrapped})
    typer.echo(f"master key v{version} is active; {rewrapped} data key(s) re-wrapped")
    old = [v for v in keys.master.versions if v != version]
    if old:
        typer.echo(
            "older version(s) "
            + ", ".join(f"v{v}" for v in old)
            + " wrap no data key now; keep them while older backups may be restored, then "
            "`refugio keys retire VERSION`"
        )


@keys_app.command("retire")
@common.with_options(user=False)
def keys_retire(
    target: common.Target,
    version: Annotated[
        str, typer.Argument(help="The master key version to remove from the key file, e.g. v1.")
    ],
    as_user: AsOption = None,
) -> None:
    """Remove an old master key version from the key file (refused while it wraps a data key)."""
    from refugio.security import key_rotation

    number = version.lower().removeprefix("v")
    if not number.isdigit():
        common.fail(f"{version!r} is not a master key version (e.g. v1)")
    app = target.open()
    assert app.field_keys is not None
    common.actor(app, as_user)
    common.run(lambda: key_rotation.retire_master(app.field_keys, int(number)))  # type: ignore[arg-type]
    _audit(app, as_user, "keys.retire_master", {"version": int(number)})
    typer.echo(f"master key v{number} removed from {app.field_keys.master.path}")
