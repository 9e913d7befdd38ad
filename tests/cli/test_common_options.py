"""`common.with_options`: the common options are declared once, reach the command as a `Target`, and
keep their names and help texts in `--help` (after the command's own options)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from refugio.cli import common


def _app(seen: list[common.Target], **flags: bool) -> typer.Typer:
    app = typer.Typer()

    @app.command("probe")
    @common.with_options(**flags)
    def probe(
        target: common.Target,
        name: Annotated[str, typer.Argument(help="A name.")],
        loud: Annotated[bool, typer.Option("--loud", help="Shout.")] = False,
    ) -> None:
        """Record what the options gave."""
        seen.append(target)
        typer.echo(name.upper() if loud else name)

    @app.command("other")
    def other() -> None:  # a second command keeps `probe` a sub-command
        """Nothing."""

    return app


def test_the_options_reach_the_command_as_a_target(tmp_path: Path) -> None:
    seen: list[common.Target] = []
    result = CliRunner().invoke(
        _app(seen, operation=True),
        ["probe", "amal", "--loud", "--db", "sqlite:///x.db", "--data-dir", str(tmp_path), "--as", "clerk",
         "--operation", "JOR"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "AMAL"
    assert seen == [common.Target(db="sqlite:///x.db", data_dir=tmp_path, as_user="clerk", operation="JOR")]


def test_without_options_the_target_is_empty() -> None:
    seen: list[common.Target] = []
    result = CliRunner().invoke(_app(seen), ["probe", "amal"])
    assert result.exit_code == 0, result.output
    assert seen == [common.Target()]


def test_help_names_each_option_once_with_its_text() -> None:
    result = CliRunner().invoke(_app([], operation=True), ["probe", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = result.output
    for option, help_text in (
        ("--db", "Database URL (sqlite:///PATH or postgresql://…); default: SQLite in the data dir."),
        ("--data-dir", "Where the embedded database and the secrets live."),
        ("--as", "Act as this user (default: the system account)."),
        ("--operation", "Operation code, e.g. JOR."),
        ("--loud", "Shout."),
    ):
        assert text.count(f" {option} ") == 1, option
        assert help_text in text, option
    assert text.index("--loud") < text.index("--db")  # the command's own options come first


def test_a_command_may_go_without_as_and_operation() -> None:
    result = CliRunner().invoke(_app([], user=False), ["probe", "--help"], env={"COLUMNS": "200"})
    assert " --as " not in result.output and " --operation " not in result.output
    assert " --db " in result.output and " --data-dir " in result.output


def test_a_command_without_a_target_parameter_is_refused_when_declared() -> None:
    def no_target(name: str) -> None:
        """No target."""

    with pytest.raises(TypeError, match="no_target takes no parameter `target`"):
        common.with_options()(no_target)


def test_every_command_module_takes_the_common_options_through_with_options() -> None:
    # `refugio db …` and `refugio demo`/`serve` open or create the database themselves (no --as): they
    # declare --db/--data-dir by hand; every other command gets the common options from `with_options`
    # (`refugio keys …` has an --as of its own, with its own help text)
    by_hand = re.compile(
        r"\bcommon\.(?:DbOption|AsOption|OperationOption)\b"
        r"|^from refugio\.cli\.common import [^\n]*\b(?:DbOption|AsOption|OperationOption)\b",
        re.MULTILINE,
    )
    folder = Path(common.__file__).parent
    found = sorted(p.name for p in folder.glob("*.py") if by_hand.search(p.read_text(encoding="utf-8")))
    assert found == ["db.py", "demo.py"]
