"""`refugio solutions runs …` and `refugio solutions claims …` on the database: a run proposed from the
three CSV files, reviewed and confirmed by a person; the confirmation by the system account refused;
the claims register and figures."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from refugio.cli.app import app

from .conftest import World

runner = CliRunner()


def invoke(world: World, *args: str) -> tuple[int, str]:
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = runner.invoke(app, [*args, *base])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def files(tmp_path: Path) -> list[str]:
    (tmp_path / "c.csv").write_text("case_id,children,adults,seniors\nA,1,2,0\nB,0,1,1\n")
    (tmp_path / "l.csv").write_text("locality_id,capacity\nX,3\nY,2\n")
    (tmp_path / "s.csv").write_text("case_id,locality_id,score\nA,X,1\nB,X,2\nB,Y,1\n")
    return [
        "--cases",
        str(tmp_path / "c.csv"),
        "--localities",
        str(tmp_path / "l.csv"),
        "--scores",
        str(tmp_path / "s.csv"),
    ]


def test_a_run_from_files_to_confirmation(world: World, tmp_path: Path) -> None:
    code, out = invoke(
        world,
        "solutions",
        "runs",
        "propose",
        *files(tmp_path),
        "--title",
        "Pilot",
        "--as",
        "resettler",
        "--operation",
        "JOR",
    )
    assert code == 0, out
    ref = out.split()[0]
    assert out.strip().splitlines()[-1] == "objective=2 bound=2 gap=0.0000%"  # A in X, B in Y
    code, out = invoke(
        world, "solutions", "runs", "review", ref, "--note", "families checked", "--as", "resettler"
    )
    assert code == 0, out
    code, out = invoke(world, "solutions", "runs", "confirm", ref)
    assert code == 1 and "confirmed by a person" in out
    code, out = invoke(world, "solutions", "runs", "confirm", ref, "--as", "resettler")
    assert code == 0 and f"{ref}  confirmed" in out
    code, out = invoke(world, "solutions", "runs", "list", "--as", "imo")
    assert code == 0 and ref in out


def test_claims_figures_and_abandoned(world: World) -> None:
    code, out = invoke(world, "solutions", "claims", "figures", "--as", "rsdsup")
    assert code == 0 and '"claims": 0' in out
    code, out = invoke(
        world,
        "solutions",
        "claims",
        "close-abandoned",
        "--days",
        "30",
        "--as",
        "rsdsup",
        "--operation",
        "JOR",
    )
    assert code == 0 and "0 claim(s) closed" in out


def test_quotas_are_labelled_as_departures(world: World) -> None:
    code, out = invoke(world, "solutions", "quotas", "--as", "imo")
    assert code == 0 and "departures" in out and "arrivals" not in out


def _refs(world: World, ids: list[object]) -> list[str]:
    from sqlalchemy import select

    from refugio.registration.models import Individual
    from refugio.store.uow import unit_of_work

    with unit_of_work(world.container.sessions) as s:
        refs = dict(s.execute(select(Individual.id, Individual.ref).where(Individual.id.in_(ids))).all())
    return [refs[i] for i in ids]


def test_a_claim_opened_and_staffed_on_the_command_line(world: World) -> None:
    father, mother, _child, _ = _refs(world, list(world.haddad_people))
    (saleh, *_rest) = _refs(world, list(world.saleh_people))
    code, out = invoke(
        world, "solutions", "claims", "open", father, "--member", mother, "--language", "ARA", "--as", "rsd1"
    )
    assert code == 0, out
    assert "opened for 2 person(s), stage registered" in out
    ref = out.split()[1]
    code, out = invoke(world, "solutions", "claims", "list", "--as", "rsd1")
    assert ref in out and "rsd1 (officer)" in out  # the officer who opens it is assigned with it

    # the supervisor assigns a reviewer; an officer may not assign, nor may an officer review
    code, out = invoke(
        world,
        "solutions",
        "claims",
        "assign",
        ref,
        "--user",
        "rsdsup2",
        "--role",
        "reviewer",
        "--as",
        "rsdsup",
    )
    assert code == 0 and "rsdsup2 assigned to the claim as reviewer" in out, out
    code, out = invoke(
        world, "solutions", "claims", "assign", ref, "--user", "rsd2", "--role", "officer", "--as", "rsd1"
    )
    assert code == 1 and "RSD supervisor" in out, out
    code, out = invoke(
        world, "solutions", "claims", "assign", ref, "--user", "rsd2", "--role", "reviewer", "--as", "rsdsup"
    )
    assert code == 1 and "rsd2 lacks RSD_REVIEW" in out, out

    # a member of another household, a wrong language, an unknown user: said, nothing written
    code, out = invoke(
        world, "solutions", "claims", "open", saleh, "--member", mother, "--language", "ara", "--as", "rsd1"
    )
    assert code == 1 and "not a member of this household" in out, out
    code, out = invoke(world, "solutions", "claims", "open", saleh, "--language", "arabic", "--as", "rsd1")
    assert code == 1 and "language" in out, out
    code, out = invoke(
        world,
        "solutions",
        "claims",
        "open",
        saleh,
        "--language",
        "ara",
        "--officer",
        "nobody",
        "--as",
        "rsdsup",
    )
    assert code == 1 and "no user named 'nobody'" in out, out
    # the same person cannot be on two open claims
    code, out = invoke(world, "solutions", "claims", "open", mother, "--language", "ara", "--as", "rsd2")
    assert code == 1 and f"already on open claim {ref}" in out, out
    code, out = invoke(world, "solutions", "claims", "list", "--as", "rsdsup")
    assert out.count("RSD-") == 1, out
