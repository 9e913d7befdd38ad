"""`refugio solutions returns …` on the database, both backends: the survey form written and published,
a go-and-see visit planned and done, a partial return registered (the focal point stays), refused for a
person with an open protection case until the caseworker signs off, the departure, a monitoring visit
scored with a named weights version, a return grant, the lists and figures."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from refugio.cli.app import app
from refugio.protection import service as protection
from refugio.protection.schemas import CaseOpen
from refugio.registration.models import Household, Individual
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_cli import invoke, runner
from .test_returns import ANSWERS


def refs(world: World) -> tuple[str, list[str]]:
    with unit_of_work(world.container.sessions) as s:
        hh = s.get(Household, world.haddad)
        assert hh is not None
        people = [s.get(Individual, i) for i in world.haddad_people]
        return hh.ref, [p.ref for p in people if p is not None]


def test_returns_on_the_command_line(world: World, tmp_path: Path) -> None:
    hh, people = refs(world)
    who = ["--as", "resettler"]
    op = ["--operation", "JOR"]
    code, out = invoke(
        world, "solutions", "returns", "survey-form", "--out", str(tmp_path / "f.xlsx"), *who, *op
    )
    assert code == 0, out
    assert load_workbook(tmp_path / "f.xlsx")["settings"]["B2"].value == "refugio_return_intentions_jor"
    code, out = invoke(world, "solutions", "returns", "survey-publish", *who, *op)
    assert code == 0 and "published on /openrosa/formList" in out, out
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "visit",
        people[0],
        "--destination",
        "SYR",
        "--area",
        "Daraa",
        "--on",
        "2026-12-20",
        *who,
        *op,
    )
    assert code == 0 and "planned" in out, out
    code, out = invoke(world, "solutions", "returns", "visits", *who)
    visit_id = out.split()[0]
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "visit-done",
        visit_id,
        "--findings",
        "Water and schools working; the house needs a new roof.",
        *who,
    )
    assert code == 0 and "done" in out, out
    with unit_of_work(world.container.sessions) as s:
        protection.open_case(
            s,
            actor=world.who("protection"),
            data=CaseOpen.model_validate(
                {"individual_id": str(world.haddad_people[2]), "case_type": "other"}
            ),
        )
    returning = ["--member", people[2], "--member", people[3]]
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "register",
        hh,
        *returning,
        "--destination",
        "SYR",
        "--area",
        "Daraa",
        *who,
    )
    assert code == 1 and people[2] in out and "sign-off" in out, out
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "sign-off",
        people[2],
        "--note",
        "safe with the aunt",
        "--as",
        "protection",
    )
    assert code == 0, out
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "register",
        hh,
        *returning,
        "--destination",
        "SYR",
        "--area",
        "Daraa",
        *who,
    )
    assert code == 0 and "split into a household of their own" in out, out
    ref = out.split()[0]
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "grant",
        "--code",
        "RET-1",
        "--currency",
        "JOD",
        "--usd-rate",
        "1.41",
        "--per-member",
        "40",
        "--as",
        "admin",
        *op,
    )
    assert code == 0 and "1 planned return(s)" in out, out
    code, out = invoke(world, "solutions", "returns", "depart", ref, *who)
    assert code == 0 and "2 person(s) left the active registry" in out, out
    (tmp_path / "a.json").write_text(json.dumps(ANSWERS))
    code, out = invoke(
        world,
        "solutions",
        "returns",
        "monitor",
        ref,
        "--answers",
        str(tmp_path / "a.json"),
        "--weights",
        "1",
        *who,
    )
    assert code == 0 and "(weights 1)" in out and "economic 0.65" in out, out
    code, out = invoke(world, "solutions", "returns", "list", "--status", "departed", *who)
    assert ref in out and "2 person(s)" in out
    code, out = invoke(world, "solutions", "returns", "figures", *who)
    assert json.loads(out)["reintegration"]["by_weights_version"]["1"]["returns"] == 1
    shown = runner.invoke(app, ["solutions", "returns", "weights"])
    assert shown.exit_code == 0 and json.loads(shown.output)["latest"] == "2"
    code, out = invoke(world, "solutions", "returns", "intentions", *who)
    assert code == 0 and json.loads(out)["intentions"] == []
    with unit_of_work(world.container.sessions) as s:
        hh_row = s.get(Household, world.haddad)
        assert hh_row is not None and hh_row.size == 2 and hh_row.status == "active"
