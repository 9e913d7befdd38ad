"""Sizes that must not erode (docs/architecture.md, rule 6): no module in src/ over 600 lines and no
function over 80 lines (migrations aside), unless the function's docstring has a line
`Stays whole: <why>` saying why it must stay whole."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "refugio"
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
REASON = "Stays whole:"


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.relative_to(SRC).parts]


def _has_reason(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A docstring line that starts with `Stays whole:` and goes on to say why."""
    doc = ast.get_docstring(node) or ""
    return any(
        line.strip().startswith(REASON) and len(line.strip()) > len(REASON) + 3 for line in doc.splitlines()
    )


def long_functions(source: str, name: str) -> list[str]:
    """`name::function (N lines)` for every function or method in `source` over the limit without a
    reason line, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES and not _has_reason(node):
                found.append(f"{name}::{node.name} ({lines} lines)")
    return found


def _function(body_lines: int, docstring: str) -> str:
    body = "".join(f"    x{n} = {n}\n" for n in range(body_lines))
    return f'def f():\n    """{docstring}"""\n{body}'


def test_the_check_finds_a_long_function_without_its_reason() -> None:
    # 1 (def) + 1 (docstring) + 79 = 81 lines: one over the limit
    assert long_functions(_function(79, "Does things."), "m.py") == ["m.py::f (81 lines)"]
    assert long_functions(_function(79, "Does things.\n    Stays whole:"), "m.py") == ["m.py::f (82 lines)"]
    assert long_functions(_function(78, "Does things."), "m.py") == []
    reason = "Does things.\n    Stays whole: one transaction that reads as the form it mirrors."
    assert long_functions(_function(79, reason), "m.py") == []
    nested = "class C:\n" + "".join("    " + line + "\n" for line in _function(79, "x").splitlines())
    assert long_functions(nested, "m.py") == ["m.py::f (81 lines)"]


def test_no_function_over_80_lines_without_a_reason() -> None:
    sources = _sources()
    assert len(sources) > 100
    found = [
        hit
        for path in sources
        for hit in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(SRC.parent)))
    ]
    assert found == [], (
        f"functions over {MAX_FUNCTION_LINES} lines: split them, or give the docstring a line "
        f"'{REASON} <why>': {found}"
    )


def test_no_module_over_600_lines() -> None:
    too_long = {
        str(path.relative_to(SRC.parent)): n
        for path in _sources()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
