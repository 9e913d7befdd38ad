"""Docs that cannot go stale: every `refugio …` command the README and docs show exists, with its options."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from refugio.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# up to three words: `refugio protection cases open …` is a command of a group of a group
COMMAND = re.compile(
    r"^\s*(?:\$\s*)?refugio ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*){0,2})((?: .*)?)$", re.MULTILINE
)


def _is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def _resolve(words: list[str]) -> Any:
    """The (sub)command named by `words`, or None."""
    command: Any = typer.main.get_command(app)
    for word in words:
        if not _is_group(command):
            return command
        sub = command.commands.get(word)
        if sub is None:
            return None
        command = sub
    return command


def _examples() -> list[tuple[str, str, str]]:
    found = []
    for path in DOCS:
        for block in FENCE.findall(path.read_text("utf-8")):
            for match in COMMAND.finditer(block):
                found.append((path.name, match.group(1), match.group(2)))
    return found


def test_the_docs_show_commands() -> None:
    assert len(_examples()) >= 8


@pytest.mark.parametrize(("doc", "words", "rest"), _examples())
def test_documented_command_exists(doc: str, words: str, rest: str) -> None:
    parts = words.split()
    command = _resolve(parts[:1]) if parts else None
    assert command is not None, f"{doc}: `refugio {words}` is not a command"
    if _is_group(command) and len(parts) > 1:
        command = _resolve(parts)
        assert command is not None, f"{doc}: `refugio {words}` is not a command"
    options = {o for p in command.params for o in [*p.opts, *getattr(p, "secondary_opts", [])]}
    for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest.split("#")[0]):
        assert flag in options, f"{doc}: `refugio {words}` has no option {flag}"
