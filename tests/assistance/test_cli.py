"""`refugio assistance …` end to end on the test database: a programme, its rules, a cycle previewed and
frozen, a plan prepared, approved and released by different people, its payment file, a refused then an
accepted provider report, verification before and after tampering, and the PDM sample size."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import update
from tests.assistance.conftest import RULES, World
from typer.testing import CliRunner

from refugio.assistance.models import Payment
from refugio.cli.app import app
from refugio.store.uow import unit_of_work

runner = CliRunner()


def invoke(world: World, *args: str) -> tuple[int, str]:
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = runner.invoke(app, [*args, *base])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def ok(world: World, *args: str) -> str:
    code, out = invoke(world, *args)
    assert code == 0, out
    return out


def test_sample_size_prints_the_integer_on_the_last_line() -> None:
    result = runner.invoke(
        app,
        ["assistance", "sample-size", "--population", "10000", "--confidence", "0.95", "--margin", "0.05"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "555"
    result = runner.invoke(
        app,
        [
            "assistance",
            "sample-size",
            "--population",
            "10000",
            "--confidence",
            "95",
            "--margin",
            "5",
            "--design-effect",
            "1",
        ],
    )
    assert result.output.strip().splitlines()[-1] == "370"


def test_the_whole_flow_through_the_command_line(world: World, tmp_path: Path) -> None:
    options = "--code SPRING --name Spring --kind cash --currency JOD --usd-rate 1.41 --start 2026-01-01"
    ok(
        world,
        "assistance",
        "programmes",
        "create",
        *options.split(),
        "--sites",
        "ZAA",
        "--approvals",
        "1000:1",
        "--as",
        "officer",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULES.replace("per_member: 20", "per_member: -1"), encoding="utf-8")
    code, out = invoke(world, "assistance", "rules", "load", "SPRING", str(bad), "--as", "officer")
    assert code == 1 and "amounts.per_member: rule set 'Winter cash'" in out
    good = tmp_path / "rules.yaml"
    good.write_text(RULES, encoding="utf-8")
    assert "rules version 1" in ok(
        world, "assistance", "rules", "load", "SPRING", str(good), "--as", "officer"
    )
    ok(
        world,
        "assistance",
        "cycles",
        "create",
        "SPRING",
        "--name",
        "March",
        "--start",
        "2026-03-01",
        "--as",
        "officer",
    )
    out = ok(world, "assistance", "cycles", "preview", "SPRING/1", "--as", "officer")
    assert "2 of 2 households eligible, 235.00 JOD" in out and "top-up DS" in out
    assert "2 households" in ok(world, "assistance", "cycles", "freeze", "SPRING/1", "--as", "officer")
    ok(world, "assistance", "cycles", "activate", "SPRING/1", "--as", "officer")
    out = ok(world, "assistance", "plans", "create", "SPRING/1", "--provider", "Bank", "--as", "officer")
    plan = out.split()[0]
    ok(world, "assistance", "plans", "lock", plan, "--as", "officer")
    ok(world, "assistance", "plans", "submit", plan, "--as", "officer")
    code, out = invoke(world, "assistance", "plans", "release", plan, "--as", "releaser")
    assert code == 1 and "in_approval" in out
    assert "authorised" in ok(
        world, "assistance", "plans", "approve", plan, "--version", "1", "--as", "approver1"
    )
    code, out = invoke(
        world, "assistance", "payments", "export", plan, "--out", str(tmp_path / "x.csv"), "--as", "releaser"
    )
    assert code == 1 and "lacks ASSISTANCE_PLAN" in out
    assert "released" in ok(world, "assistance", "plans", "release", plan, "--as", "releaser")
    ok(world, "assistance", "payments", "export", plan, "--out", str(tmp_path / "pay.csv"), "--as", "officer")
    ok(
        world,
        "assistance",
        "payments",
        "export",
        plan,
        "--out",
        str(tmp_path / "pay.xlsx"),
        "--as",
        "officer",
    )
    rows = list(csv.DictReader((tmp_path / "pay.csv").open(encoding="utf-8")))
    assert [r["amount"] for r in rows] and set(rows[0]) >= {"payment_id", "collector_name", "currency"}
    today = dt.date.today().isoformat()
    report = tmp_path / "report.csv"
    report.write_text(
        "payment_id,delivered_amount,delivery_date\n"
        + "".join(f"{r['payment_id']},{r['amount']},{today}\n" for r in rows)
        + f"{rows[0]['payment_id']},1,{today}\nNOPE,1,2999-01-01\n",
        encoding="utf-8",
    )
    code, out = invoke(world, "assistance", "payments", "reconcile", plan, str(report), "--as", "officer")
    assert code == 1
    assert f"line {len(rows) + 2}: payment_id {rows[0]['payment_id']} is repeated (first on line 2)" in out
    assert f"line {len(rows) + 3}: unknown payment_id NOPE" in out and "in the future" in out
    assert "pending" in ok(world, "assistance", "plans", "show", plan, "--as", "officer")
    report.write_text(
        "payment_id,delivered_amount,delivery_date\n"
        + "".join(f"{r['payment_id']},{r['amount']},{today}\n" for r in rows),
        encoding="utf-8",
    )
    assert "(reconciled): 2 changed" in ok(
        world, "assistance", "payments", "reconcile", plan, str(report), "--as", "officer"
    )
    assert "2 records intact" in ok(world, "assistance", "verify", plan, "--as", "officer")
    with unit_of_work(world.container.sessions) as s:
        s.execute(
            update(Payment)
            .where(Payment.payment_ref == rows[1]["payment_id"])
            .values(collector_name="Mallory")
        )
    code, out = invoke(world, "assistance", "verify", plan, "--as", "officer")
    assert code == 1 and f"altered: {rows[1]['payment_id']}: record altered" in out
