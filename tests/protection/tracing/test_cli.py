"""`refugio tracing …` end to end on the test databases: open from JSON, list, match, show, review,
export, withdraw consent; clear one-line errors; a user of another operation sees nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.protection.tracing.conftest import World, request_payload
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.main import Container

runner = CliRunner()


def invoke(container: Container, *args: str) -> tuple[int, str]:
    env = ["--db", container.settings.database_url, "--data-dir", str(container.settings.data_dir)]
    result = runner.invoke(app, [*args, *env])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_tracing_commands(container: Container, world: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(request_payload(world.seed.camp_id, consent={"given": False})), "utf-8")
    code, out = invoke(container, "tracing", "requests", "open", str(bad), "--as", "protection")
    assert code == 1 and "consent.given" in out and "tracing needs consent" in out

    good = tmp_path / "good.json"
    good.write_text(json.dumps(request_payload(world.seed.camp_id)), "utf-8")
    code, out = invoke(container, "tracing", "requests", "open", str(good), "--as", "protection")
    assert code == 0, out
    ref = re.search(r"TR-JOR-\d\d-\d+", out)
    assert ref
    code, out = invoke(container, "tracing", "requests", "list", "--as", "protection")
    assert code == 0 and ref.group(0) in out and "1 request(s)" in out

    code, out = invoke(container, "tracing", "match", ref.group(0), "--as", "protection")
    assert code == 0, out
    assert "Mohammed A." in out and "same name, other spelling" in out
    candidate = re.search(r"^\s+([0-9a-f-]{36})\s+\+", out, re.MULTILINE)
    assert candidate
    code, out = invoke(
        container,
        "tracing",
        "review",
        candidate.group(1),
        "--confirm",
        "--reason",
        "age and place",
        "--as",
        "protection",
    )
    assert code == 0 and "verification" in out
    export = tmp_path / "out.csv"
    code, out = invoke(container, "tracing", "requests", "export", "--out", str(export), "--as", "protection")
    assert code == 0 and ref.group(0) in export.read_text("utf-8")

    code, out = invoke(container, "tracing", "assign", ref.group(0), "clerk", "--as", "protection")
    assert code == 1 and "may not manage tracing requests" in out
    code, out = invoke(container, "tracing", "assign", ref.group(0), "protection", "--as", "protection")
    assert code == 0 and "assigned to protection" in out
    code, out = invoke(container, "tracing", "requests", "show", ref.group(0), "--as", "officer_lbn")
    assert code == 1 and "no such tracing request" in out
    code, out = invoke(container, "tracing", "requests", "list", "--as", "clerk")
    assert code == 1 and "TRACING_VIEW" in out
    code, out = invoke(
        container,
        "tracing",
        "withdraw-consent",
        ref.group(0),
        "--reason",
        "asked to stop",
        "--as",
        "protection",
    )
    assert code == 0 and "WITHDRAWN" in out
    code, out = invoke(container, "tracing", "match", ref.group(0), "--as", "protection")
    assert code == 1 and "consent was withdrawn" in out
