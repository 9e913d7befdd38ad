"""What every `refugio …` command module shares: the --db/--data-dir/--as/--operation options, settings
and the container (schema upgraded and checked), one-line errors with exit code 1, the acting user,
the operation named by its code, and domain input schemas built from options.

Every `cli/<domain>.py` imports its helpers from here, never from a sibling or from `cli/app.py`
(which only adds the sub-apps). Heavy modules (refugio.main, the domains) are imported inside the
functions, so `refugio --help` stays fast. Must not import refugio.api or refugio.web.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from refugio.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refugio.main import Container
    from refugio.security.principals import Principal

T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (sqlite:///PATH or postgresql://…); default: SQLite in the data dir."
    ),
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the embedded database and the secrets live.")
]
AsOption = Annotated[str | None, typer.Option("--as", help="Act as this user (default: the system account).")]
OperationOption = Annotated[str | None, typer.Option("--operation", help="Operation code, e.g. JOR.")]


def settings(db: str | None = None, data_dir: Path | None = None, **extra: Any) -> Settings:
    """Settings from the common options (and any other non-None setting given by keyword)."""
    values: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if db:
        values["db_url"] = db
    if data_dir:
        values["data_dir"] = data_dir
    return Settings(**values)


def container(config: Settings, *, upgrade: bool = True) -> Container:
    """The container of `config`; the schema is brought up to date and checked against the models."""
    from refugio.main import build, metadata
    from refugio.store import migrate

    built = build(config)
    if upgrade:
        migrate.upgrade(built.engine)
        diffs = migrate.check_schema_matches(built.engine, metadata())
        if diffs:  # pragma: no cover - guards against a model change without a migration
            fail(f"the database schema does not match this version of refugio: {diffs[:3]}")
    return built


def open_container(db: str | None, data_dir: Path | None) -> Container:
    """The container for the common --db/--data-dir options."""
    return container(settings(db, data_dir))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` in red on stderr and exit with `code`."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def run(fn: Callable[[], T]) -> T:
    """Run a domain call, turning refugio errors into clear lines (one per field) and exit code 1."""
    from refugio.core.errors import RefugioError, ValidationFailed

    try:
        return fn()
    except ValidationFailed as exc:
        for e in exc.errors:
            # a message that already names its place ("line 7: …") is not prefixed with it again
            where = "" if e.message.startswith(f"{e.field}:") else f"{e.field}: "
            typer.secho(f"error: {where}{e.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except RefugioError as exc:
        fail(exc.message)


def actor(app: Container, username: str | None) -> Principal:
    """The principal acting: the user named by --as, or the system account when none is given."""
    from refugio.security import service as security
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    if not username:
        return SYSTEM
    with unit_of_work(app.sessions) as s:
        return run(lambda: security.principal_for(s, security.get_user(s, username)))


def operation_id(app: Container, code: str | None) -> uuid.UUID:
    """The operation named by --operation, or the only one when there is one; a clear error otherwise."""
    from refugio.registration import queries
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work

    with unit_of_work(app.sessions) as s:
        ops = [(o.code, o.id) for o in queries.visible_operations(s, actor=SYSTEM)]
    if code:
        found = next((oid for c, oid in ops if c == code.upper()), None)
        if found is None:
            fail(f"no operation {code!r} (see `refugio operations list`)")
        return found
    if len(ops) == 1:
        return ops[0][1]
    fail("give --operation CODE" if ops else "there is no operation yet")


def in_uow(
    db: str | None,
    data_dir: Path | None,
    as_user: str | None,
    fn: Callable[[Session, Principal, Container], T],
) -> T:
    """Run `fn(session, actor, container)` in one unit of work of the container of the common options,
    as the user of --as; refugio errors become clear lines and exit code 1."""
    from refugio.store.uow import unit_of_work

    app = open_container(db, data_dir)
    who = actor(app, as_user)

    def call() -> T:
        with unit_of_work(app.sessions) as s:
            return fn(s, who, app)

    try:
        return run(call)
    finally:
        app.close()  # waits for work started in the background (an import's linkage) before exiting


def read_file(path: Path) -> bytes:
    """The bytes of a file named on the command line; `PATH is not a file` (exit code 1) otherwise."""
    if not path.is_file():
        fail(f"{path} is not a file")
    return path.read_bytes()


def build_input(model: Callable[..., T], **data: Any) -> T:
    """A domain input schema from options; wrong values are reported field by field (exit code 1)."""
    from pydantic import ValidationError

    try:
        return model(**data)
    except ValidationError as exc:
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            typer.secho(f"error: {where}: {e['msg']}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def safe_url(url: str) -> str:
    """A database URL with its password hidden, for printing."""
    from refugio.store.engine import printable_url

    return printable_url(url)
