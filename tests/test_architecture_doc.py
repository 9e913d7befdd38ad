"""docs/architecture.md cannot go stale: every path it names exists, and every domain and channel of
the tree is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "src" / "refugio"
# a path in backticks: src/…, tests/…, docs/…, benchmarks/… (placeholders like <domain> are skipped)
PATH = re.compile(r"`((?:src|tests|docs|benchmarks)/[^`<>* ]+)`")
TREE_LINE = re.compile(r"^  ([a-z_]+(?:\.py|/))\s")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _tree() -> list[str]:
    block = _text().split("```", 2)[1]
    return [m.group(1) for line in block.splitlines() if (m := TREE_LINE.match(line))]


def test_every_path_named_exists() -> None:
    paths = PATH.findall(_text())
    assert len(paths) >= 15
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_tree_names_exist() -> None:
    names = _tree()
    assert "registration/" in names and "api/" in names
    missing = [n for n in names if not (PACKAGE / n).exists()]
    assert missing == [], f"the tree of docs/architecture.md names what src/refugio lacks: {missing}"


def test_every_package_of_src_is_in_the_tree() -> None:
    names = set(_tree())
    packages = {p.name + "/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - names == set(), f"docs/architecture.md does not place {sorted(packages - names)}"


def test_every_domain_has_its_place_in_the_channels() -> None:
    """The doc promises api/<domain>, web/<domain>/ and cli/<domain>.py for every domain with pages."""
    domains = ("registration", "protection", "tracing", "dedup", "intake", "stats")
    for domain in (*domains, "assistance", "tracking", "solutions", "sharing", "security"):
        assert (PACKAGE / "api" / f"{domain}.py").exists() or (PACKAGE / "api" / domain).is_dir(), domain
        assert (PACKAGE / "web" / domain).is_dir(), domain
        assert (PACKAGE / "cli" / f"{domain}.py").exists(), domain
