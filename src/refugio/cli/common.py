"""What every `refugio …` command module shares: the --db/--data-dir/--as/--operation options (declared
once: `with_options` adds them to a command and hands it a `Target`), settings and the container
(schema upgraded and checked), one-line errors with exit code 1, the acting user, the operation named
by its code, and domain input schemas built from options.

Every `cli/<domain>.py` imports its helpers from here, never from a sibling or from `cli/app.py`
(which only adds the sub-apps). Heavy modules (refugio.main, the domains) are imported inside the
functions, so `refugio --help` stays fast. Must not import refugio.api or refugio.web.
"""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
    """Settings from the common options (and any other non-None setting given by keyword); a setting
    that cannot be used is a clear error naming its environment variable, not a traceback."""
    from pydantic import ValidationError

    values: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if db:
        values["db_url"] = db
    if data_dir:
        values["data_dir"] = data_dir
    try:
        return Settings(**values)
    except ValidationError as exc:
        fail("; ".join(f"REFUGIO_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()))


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
    return Target(db, data_dir, as_user).in_uow(fn)


@dataclass(frozen=True)
class Target:
    """What the common options of a command name: the database (--db, --data-dir), the user acting
    (--as) and, for the commands that take it, the operation (--operation)."""

    db: str | None = None
    data_dir: Path | None = None
    as_user: str | None = None
    operation: str | None = None

    def open(self) -> Container:
        """The container of --db/--data-dir (schema upgraded and checked)."""
        return open_container(self.db, self.data_dir)

    def actor(self, app: Container) -> Principal:
        """The user of --as, or the system account."""
        return actor(app, self.as_user)

    def operation_id(self, app: Container) -> uuid.UUID:
        """The operation of --operation, or the only one."""
        return operation_id(app, self.operation)

    def in_uow(self, fn: Callable[[Session, Principal, Container], T]) -> T:
        """Run `fn(session, actor, container)` in one unit of work, as the user of --as; refugio errors
        become clear lines and exit code 1."""
        return self._within(lambda s, who, app: fn(s, who, app))

    def in_operation(self, fn: Callable[[Session, Principal, uuid.UUID], T]) -> T:
        """Run `fn(session, actor, operation id)` in one unit of work, for the operation of --operation
        (resolved first: a wrong code is refused before anything runs)."""
        return self._within(fn, with_operation=True)

    def _within(self, fn: Callable[[Session, Principal, Any], T], *, with_operation: bool = False) -> T:
        from refugio.store.uow import retrying

        app = self.open()
        try:
            who = self.actor(app)
            context: Any = self.operation_id(app) if with_operation else app

            # run again from its start when SQLite refused it for a stale snapshot (another unit of
            # work committed after it read): a command's work is its database's, or files it rewrites
            return run(lambda: retrying(app.sessions, lambda s: fn(s, who, context)))
        finally:
            app.close()  # waits for work started in the background (an import's linkage) before exiting


_COMMON_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("db", DbOption),
    ("data_dir", DataDirOption),
    ("as_user", AsOption),
)


def with_options(
    *, operation: bool = False, user: bool = True
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Give a command the options --db and --data-dir, --as (unless not `user`) and --operation (when
    `operation`), after its own, with their one help text; the command receives them as its parameter
    `target: Target`.

        @app.command("list")
        @common.with_options(operation=True)
        def list_things(target: common.Target, limit: int = 10) -> None: ...
    """
    names = (("operation", OperationOption),) if operation else ()
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        for name, annotation in (*names, *_COMMON_OPTIONS)
        if user or name != "as_user"
    ]

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        signature = inspect.signature(fn, eval_str=True)
        if "target" not in signature.parameters:
            raise TypeError(f"{fn.__qualname__} takes no parameter `target` for the common options")
        own = [p for p in signature.parameters.values() if p.name != "target"]

        def command(*args: Any, **kwargs: Any) -> T:
            values = {p.name: kwargs.pop(p.name, None) for p in added}
            return fn(*args, target=Target(**values), **kwargs)

        functools.update_wrapper(command, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        # Typer reads the parameters from the signature (annotations evaluated here), not from the
        # annotations of `command` itself, which name types of this module
        command.__annotations__ = {}
        command.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
        return command

    return decorate


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
