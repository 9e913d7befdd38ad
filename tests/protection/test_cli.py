"""`refugio protection …` on the test database: opening, listing, showing, assigning, closing and
exporting cases as a user; the system account and unassigned users see no details; the directory,
referrals, overdue tasks and the protected statistics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from tests.protection.conftest import World
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.protection import service
from refugio.protection.schemas import ReferralCreate, TaskCreate
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

runner = CliRunner()


def invoke(world: World, *args: str) -> tuple[int, str]:
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = runner.invoke(app, [*args, *base])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def ref_of(world: World, individual_id: object) -> str:
    with unit_of_work(world.container.sessions) as s:
        return str(s.scalar(select(Individual.ref).where(Individual.id == individual_id)))


def test_cases_through_the_command_line(world: World, tmp_path: Path) -> None:
    woman = ref_of(world, world.woman_id)
    code, out = invoke(
        world,
        "protection",
        "cases",
        "open",
        woman,
        "--type",
        "other",
        "--supervisor",
        "supervisor",
        "--summary",
        "Threats",
        "--as",
        "protection",
    )
    assert code == 0, out
    case = out.split()[1]
    assert case.startswith("JOR-PC-")
    code, out = invoke(
        world, "protection", "cases", "open", woman, "--type", "burglary", "--as", "protection"
    )
    assert code == 1 and "case_type" in out
    code, out = invoke(
        world,
        "protection",
        "cases",
        "open",
        ref_of(world, world.child_id),
        "--need",
        "SC-UC",
        "--as",
        "protection",
    )
    assert code == 0 and "UASC" in out, out
    code, out = invoke(world, "protection", "cases", "list", "--as", "protection")
    assert code == 0 and case in out and "Amira Khalil" in out and "2 case(s)" in out
    code, out = invoke(world, "protection", "cases", "show", case, "--as", "protection")
    assert code == 0 and "Threats" in out and "supervisor" in out
    for who in ([], ["--as", "officer2"]):  # the system account and an unassigned worker
        code, out = invoke(world, "protection", "cases", "show", case, *who)
        assert code == 1 and "Threats" not in out
    code, out = invoke(world, "protection", "cases", "list", "--as", "officer2")
    assert code == 0 and case not in out
    code, out = invoke(world, "protection", "cases", "register")  # the system account: metadata only
    assert code == 0 and case in out and "Amira" not in out and "(code only)" in out
    code, out = invoke(world, "protection", "cases", "assign", case, "officer2", "--as", "protection")
    assert code == 1 and "CASE_SUPERVISE" in out
    assert invoke(world, "protection", "cases", "assign", case, "officer2", "--as", "supervisor")[0] == 0
    assert case in invoke(world, "protection", "cases", "list", "--as", "officer2")[1]
    out_file = tmp_path / "cases.csv"
    code, out = invoke(world, "protection", "cases", "export", "--out", str(out_file), "--as", "protection")
    assert code == 0 and case in out_file.read_text("utf-8")
    assert (
        invoke(
            world,
            "protection",
            "cases",
            "request-closure",
            case,
            "--reason",
            "Safe now",
            "--as",
            "protection",
        )[0]
        == 0
    )
    code, out = invoke(world, "protection", "cases", "close", case, "--as", "protection")
    assert code == 1 and "supervisor" in out
    assert invoke(world, "protection", "cases", "close", case, "--as", "supervisor")[0] == 0
    code, out = invoke(
        world, "protection", "cases", "reopen", case, "--reason", "New threat", "--as", "protection"
    )
    assert code == 0 and "reopened" in out


def test_tasks_directory_referrals_and_statistics(world: World) -> None:
    from tests.protection.conftest import open_case

    case_id = open_case(world)
    with unit_of_work(world.container.sessions) as s:
        actor = world.who("protection")
        service.add_task(
            s, actor=actor, case_id=case_id, data=TaskCreate(title="Call the shelter", due_on=dt.date.today())
        )
        service.refer(
            s,
            actor=actor,
            case_id=case_id,
            data=ReferralCreate(service_id=world.health_id, reason="Check-up", consent_given=True),
        )
    code, out = invoke(world, "protection", "tasks", "overdue", "--as", "protection")
    assert code == 0 and "0 overdue task(s)" in out
    code, out = invoke(
        world,
        "protection",
        "services",
        "add",
        "Safe Haven",
        "Women's shelter",
        "--type",
        "safe_shelter",
        "--operation",
        "JOR",
        "--as",
        "supervisor",
    )
    assert code == 0, out
    code, out = invoke(
        world,
        "protection",
        "services",
        "add",
        "Safe Haven",
        "Spa",
        "--type",
        "spa",
        "--operation",
        "JOR",
        "--as",
        "supervisor",
    )
    assert code == 1 and "service_type" in out
    code, out = invoke(world, "protection", "services", "list", "--operation", "JOR", "--as", "protection")
    assert code == 0 and "Women's shelter" in out and "Clinic" in out
    service_id = next(line.split()[0] for line in out.splitlines() if "Women's shelter" in line)
    assert (
        invoke(world, "protection", "services", "member", service_id, "provider", "--as", "supervisor")[0]
        == 0
    )
    code, out = invoke(world, "protection", "referrals", "list", "--as", "provider")
    assert code == 0 and "Check-up" in out and "Amira" not in out
    code, out = invoke(world, "protection", "referrals", "overdue", "--as", "protection")
    assert code == 0 and "0 referral(s)" in out
    code, out = invoke(world, "protection", "statistics", "--operation", "JOR", "--as", "supervisor")
    assert code == 0 and "Other protection" in out and "<5" in out
    code, out = invoke(world, "protection", "statistics", "--operation", "JOR", "--as", "protection")
    assert code == 1
