"""`refugio retention …`: runs for cron (text and JSON), dry runs, legal holds, refusals, and the audit
chain still verifying afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from tests.dataprotection.conftest import Past
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_retention_commands(past: Past, db_url: str, tmp_path: Path) -> None:
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    with unit_of_work(past.world.container.sessions) as s:
        omar = s.scalar(select(Individual.ref).where(Individual.id == past.world.child_id))
    assert omar is not None
    code, out = invoke("retention", "run", "--dry-run", "--as", "dpo", *env)
    assert (
        code == 0
        and "dry run" in out
        and "departed_people" in out
        and "2 eligible, 1 to process, 1 kept" in out
    ), out
    code, out = invoke(
        "retention", "hold", "individual", omar, "--reason", "court order 7/2026", "--as", "dpo", *env
    )
    assert code == 0 and "active" in out, out
    hold_id = out.split()[0]
    code, out = invoke("retention", "hold", "planet", omar, "--reason", "court order", "--as", "dpo", *env)
    assert code == 1 and "object_type" in out, out
    code, out = invoke("retention", "run", "--json", "--as", "dpo", *env)
    assert code == 0, out
    report = {r["rule"]: r for r in json.loads(out)["rules"]}
    assert report["deceased_people"]["held"] == [{"ref": omar, "hold": omar}]
    assert report["departed_people"]["processed"] == 1
    code, out = invoke("retention", "run", "--as", "imo", *env)
    assert code == 1 and "RETENTION_RUN" in out, out
    code, out = invoke("retention", "lift", hold_id, "--reason", "order quashed", "--as", "dpo", *env)
    assert code == 0 and "lifted" in out, out
    code, out = invoke("retention", "lift", hold_id, "--reason", "again", "--as", "dpo", *env)
    assert code == 1 and "already" in out, out
    code, out = invoke("retention", "run", *env)  # cron: the system account
    assert code == 0 and "deceased_people" in out and "1 eligible, 1 processed" in out, out
    code, out = invoke("retention", "runs", "--as", "dpo", *env)
    assert code == 0 and out.count("retention ") == 3, out  # the refused run left nothing
    code, out = invoke("audit", "verify", *env)
    assert code == 0, out
