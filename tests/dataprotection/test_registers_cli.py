"""`refugio breaches …` and `refugio dpia …`: a breach recorded, the people a user read found from the
audit log, a late notification, the status; refugio's own activities seeded, a DPIA whose approval by
its author is refused; a clerk refused; the audit chain still verifying."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.dataprotection.registers_world import build_registers_world
from tests.protection.conftest import World
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.main import Container
from refugio.registration import queries as reg_queries
from refugio.registration.models import Individual
from refugio.security import audit
from refugio.store.uow import unit_of_work

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.fixture
def world(container: Container) -> World:
    return build_registers_world(container)


def test_breach_commands(world: World, db_url: str, tmp_path: Path) -> None:
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    with unit_of_work(world.container.sessions) as s:
        reg_queries.individual_read(s, actor=world.who("imo"), key=world.son_id)
        son = s.scalar(select(Individual.ref).where(Individual.id == world.son_id))
    assert son is not None
    code, out = invoke(
        "breaches", "record", "--title", "USB stick lost", "--description", "A stick with an export was lost",
        "--category", "confidentiality", "--severity", "high", "--discovered", "2020-01-01T09:00",
        "--data", "identity, phones", "--as", "dpo", *env,
    )  # fmt: skip
    assert code == 0 and "AUTHORITY OVERDUE" in out, out
    ref = out.split()[0]
    code, out = invoke("breaches", "record", "--title", "x", "--description", "y", "--category", "leak",
                       "--severity", "high", "--as", "dpo", *env)  # fmt: skip
    assert code == 1 and "category" in out and "title" in out, out
    code, out = invoke(
        "breaches", "affected", ref, "--by", "imo", "--actions", "individual.read", "--as", "dpo", *env
    )
    assert code == 0 and son in out and "1 people" in out and "AMM 1" in out, out
    code, out = invoke("breaches", "affected", ref, "--as", "dpo", *env)
    assert code == 1 and "actor" in out, out
    code, out = invoke(
        "breaches",
        "notify",
        ref,
        "--to",
        "authority",
        "--recipient",
        "DPC",
        "--how",
        "email",
        "--as",
        "dpo",
        *env,
    )
    assert code == 0 and "(late)" in out, out
    code, out = invoke(
        "breaches", "status", ref, "contained", "--note", "Export re-keyed", "--as", "dpo", *env
    )
    assert code == 0 and "contained" in out, out
    code, out = invoke("breaches", "list", "--json", "--as", "dpo", *env)
    assert code == 0 and json.loads(out)[0]["affected_count"] == 1, out
    code, out = invoke("breaches", "show", ref, "--as", "dpo", *env)
    assert code == 0 and son in out, out
    code, out = invoke("breaches", "list", "--as", "clerk", *env)
    assert code == 1 and "BREACH_MANAGE" in out, out
    with unit_of_work(world.container.sessions) as s:
        assert audit.verify_chain(s).ok


def test_dpia_commands(world: World, db_url: str, tmp_path: Path) -> None:
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    code, out = invoke("dpia", "seed", "--as", "dpo", *env)
    assert code == 0 and "7 processing activities" in out, out
    code, out = invoke("dpia", "activities", "--as", "dpo", *env)
    assert code == 0 and "REG" in out and "STATS" in out and "no DPIA" in out, out
    code, out = invoke("dpia", "open", "SHARE", "--summary", "Partner sharing", "--as", "dpo", *env)
    assert code == 0 and "draft" in out, out
    dpia_id = out.split()[0]
    code, out = invoke(
        "dpia", "risk", dpia_id, "--risk", "Partner re-shares the data",
        "--likelihood", "3", "--severity", "3", "--residual-likelihood", "1", "--residual-severity", "3",
        "--mitigation", "Agreement audits", "--as", "dpo", *env,
    )  # fmt: skip
    assert code == 0 and "3×3=9 high" in out and "1×3=3 low" in out, out
    assert invoke("dpia", "submit", dpia_id, "--as", "dpo", *env)[0] == 0
    code, out = invoke(
        "dpia", "approve", dpia_id, "--opinion", "OK", "--review", "2099-01-01", "--as", "dpo", *env
    )
    assert code == 1 and "approved by someone else" in out, out
    code, out = invoke(
        "dpia",
        "approve",
        dpia_id,
        "--opinion",
        "Proportionate",
        "--review",
        "2099-01-01",
        "--as",
        "dpo2",
        *env,
    )
    assert code == 0 and "approved" in out and "dpo2" in out, out
    code, out = invoke("dpia", "list", "--as", "clerk", *env)
    assert code == 1 and "DPIA_MANAGE" in out, out
