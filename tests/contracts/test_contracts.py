"""Architecture contracts that must not erode: the import-linter layers, domains free of web frameworks
and delivery channels, and a command line that starts without loading heavy libraries."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "refugio"
DOMAINS = ("core", "store", "security", "registration")
WEB_AND_CLI = ("fastapi", "starlette", "jinja2", "typer", "uvicorn", "multipart", "babel")
# CLDR reference data, not the translation machinery: which languages are official in a country (the
# certificate adds the operation's language to English).
DATA_ONLY = ("babel.languages",)
DELIVERY = ("refugio.api", "refugio.web", "refugio.cli", "refugio.main", "refugio.config")
HEAVY = (
    "splink",
    "fpdf",
    "segno",
    "pypdf",
    "duckdb",
    "polars",
    "pyarrow",
    "pandas",
    "numpy",
    "fastapi",
    "uvicorn",
)


def _domain_packages() -> list[str]:
    """The four base domains, plus any package the pyproject's no-web-framework contract names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    named: set[str] = set(DOMAINS)
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract.get("type") == "forbidden" and "fastapi" in contract.get("forbidden_modules", []):
            named |= {m.removeprefix("refugio.") for m in contract.get("source_modules", [])}
    return sorted(p for p in named if (SRC / p).is_dir())


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, including lazy and TYPE_CHECKING ones."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _domain_files() -> Iterator[Path]:
    """The importable modules of the domains. `store/migrations/` is left out: it is not a package but
    Alembic's script folder, whose env.py may fall back to the composition root for the developer
    command `python -m refugio.store.migrate` (see refugio.store.migrate)."""
    for package in _domain_packages():
        for path in sorted((SRC / package).rglob("*.py")):
            if "migrations" not in path.relative_to(SRC).parts:
                yield path


def _violations(forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _domain_files():
        for line, module in _imports(path):
            if module in DATA_ONLY:
                continue
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_the_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("lint-imports is not installed in this environment")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_lists_cover_the_base_domains() -> None:
    assert set(DOMAINS) <= set(_domain_packages())


def test_domains_import_no_web_framework_nor_cli_toolkit() -> None:
    assert _violations(WEB_AND_CLI) == []


def test_domains_import_no_delivery_channel_nor_the_composition_root() -> None:
    assert _violations(DELIVERY) == []


def test_every_domain_module_says_what_it_owns() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in _domain_files()
        if not ast.get_docstring(ast.parse(path.read_text("utf-8")))
    ]
    assert missing == []


def test_the_command_line_starts_without_heavy_libraries() -> None:
    if importlib.util.find_spec("refugio.cli.app") is None:
        pytest.skip("refugio.cli.app does not exist yet")
    probe = (
        "import json, sys\n"
        "import refugio.cli.app\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_no_template_carries_what_the_content_security_policy_refuses() -> None:
    """The pages are served with `style-src 'self'; script-src 'self'` (`web.middleware.CSP`): a style
    attribute, an inline <style> or <script>, or an event handler attribute in a template is refused by
    the browser (the distribution report's chart lost its width and its legend's colours so)."""
    import re

    refused = re.compile(
        r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']""", re.I
    )
    found = []
    for template in sorted((ROOT / "src" / "refugio").rglob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if refused.search(line):
                found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)
