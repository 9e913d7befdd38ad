"""`refugio agreements …` and `refugio consent …` end to end: an agreement recorded by the DPO, a share
outside it refused, a share written with its manifest beside it and verified, then tampered with; a
withdrawal of consent shown with who recorded it, and the next share leaving the person out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.agreements.conftest import World
from typer.testing import CliRunner

from refugio.cli.app import app

runner = CliRunner()


def invoke(world: World, *args: str) -> tuple[int, str]:
    settings = world.container.settings
    result = runner.invoke(app, [*args, "--db", settings.database_url, "--data-dir", str(settings.data_dir)])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_agreements_and_consent_through_the_command_line(world: World, tmp_path: Path) -> None:
    today = dt.date.today()
    fields = [a for f in ("registration_number", "family_name", "status") for a in ("--field", f)]
    code, out = invoke(
        world, "agreements", "record", "--partner", "Red Crescent", "--purpose", "tracing", *fields,
        "--legal-basis", "vital_interest", "--retention-days", "30", "--from", str(today),
        "--until", str(today + dt.timedelta(days=10)), "--as", "dpo",
    )  # fmt: skip
    assert code == 0, out
    aid = out.split()[1]
    code, out = invoke(world, "agreements", "list", "--as", "imo")
    assert code == 0 and "Red Crescent" in out and "in force" in out
    target = tmp_path / "share.csv"
    code, out = invoke(
        world,
        "agreements",
        "share",
        "--agreement",
        aid,
        "--out",
        str(target),
        "--field",
        "phone",
        "--as",
        "imo",
    )
    assert code == 1 and "not allowed by the agreement" in out and not target.exists()
    code, out = invoke(world, "agreements", "share", "--agreement", aid, "--out", str(target), "--as", "imo")
    assert code == 0, out
    made = json.loads(Path(f"{target}.manifest.json").read_text())
    assert made["rows"] == 6 and made["fields"] == ["registration_number", "family_name", "status"]
    result = runner.invoke(app, ["agreements", "verify", str(target)])
    assert result.exit_code == 0 and "matches its manifest" in result.output
    target.write_bytes(target.read_bytes() + b"JOR-99,X,active\r\n")
    result = runner.invoke(app, ["agreements", "verify", str(target)])
    assert result.exit_code == 1 and "was changed" in result.output + result.stderr

    ref = world.khalil[0][1]
    code, out = invoke(
        world, "consent", "withdraw", ref, "--purpose", "tracing", "--reason", "asked", "--as", "clerk"
    )
    assert code == 0 and "1 person changed" in out
    code, out = invoke(world, "consent", "show", ref, "--as", "clerk")
    assert (
        code == 0
        and "tracing       withdrawn" in out
        and "clerk: consent for tracing withdrawn: asked" in out
    )
    again = tmp_path / "again.csv"
    code, out = invoke(world, "agreements", "share", "--agreement", aid, "--out", str(again), "--as", "imo")
    assert code == 0 and ref not in again.read_text(encoding="utf-8-sig") and "1 left out" in out
