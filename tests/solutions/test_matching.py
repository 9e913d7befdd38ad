"""Matching cases to localities: the solver ladder on small and synthetic problems, and the exact
`refugio solutions match` command with good and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.core.errors import ValidationFailed
from refugio.solutions.matching import files, problem, solve, synthetic

runner = CliRunner()


def small() -> problem.Problem:
    # A (3 people) fits only in X (capacity 4) with B (1) but not with C (2); best total: A+B in X, C in Y
    return problem.build(
        cases=[("A", [1, 2, 0]), ("B", [0, 1, 0]), ("C", [1, 1, 0])],
        localities=[("X", [4]), ("Y", [2])],
        scores=[("A", "X", 5.0), ("B", "X", 1.0), ("B", "Y", 0.5), ("C", "X", 4.0), ("C", "Y", 1.0)],
        dimensions=problem.DIMENSIONS_1,
    )


def test_exact_solution_of_a_small_problem_with_explanations() -> None:
    p = small()
    r = solve.match(p, time_limit=5)
    assert r.method == "exact"
    assert [p.locality_ids[i] for i in r.assignment] == ["X", "X", "Y"]
    assert r.objective == pytest.approx(7.0)
    assert r.gap == pytest.approx(0.0, abs=1e-4)
    assert r.lp_bound is not None and r.lp_bound >= r.objective - 1e-9
    why = solve.explain(p, r, 0)
    assert why["locality_id"] == "X" and why["score"] == 5.0
    assert why["capacities"][0]["used"] == 4 and why["capacities"][0]["binding"] is True


def test_incompatible_pairs_and_capacity_are_respected_on_three_dimensions() -> None:
    p = problem.build(
        cases=[("A", [2, 1, 0]), ("B", [0, 1, 1]), ("C", [0, 2, 0])],
        localities=[("X", [2, 2, 0]), ("Y", [0, 2, 1])],
        scores=[("A", "X", 1.0), ("A", "Y", 9.0), ("B", "Y", 1.0), ("C", "X", 1.0), ("C", "Y", 2.0)],
    )
    r = solve.match(p, time_limit=5)
    assert problem.violations(p, r.assignment) == []
    assert p.locality_ids[r.assignment[0]] == "X"  # Y has no room for children, whatever the score
    assert r.objective == pytest.approx(3.0)  # A in X, then B and C compete for Y's adults: C scores more


def test_the_ladder_steps_down_to_lp_rounding_and_reports_a_valid_bound() -> None:
    p = synthetic.problem(200, 8, seed=3)
    exact = solve.match(p, time_limit=6)
    ladder = solve.match(p, time_limit=3, exact_pairs_limit=0)
    assert ladder.method.startswith("lp-rounding")
    assert problem.violations(p, ladder.assignment) == []
    assert ladder.lp_bound is not None and ladder.lp_bound >= exact.objective - 1e-6
    assert ladder.bound >= ladder.objective
    assert ladder.gap < 0.05
    base = solve.greedy(p)
    assert problem.violations(p, base) == []
    assert problem.objective(p, base) <= exact.bound + 1e-6


def test_lagrangian_bound_is_an_upper_bound_for_any_prices() -> None:
    p = synthetic.problem(200, 8, seed=5)
    r = solve.match(p, time_limit=10)
    pairs = np.arange(p.n_pairs)
    for lam in (np.zeros(p.capacities.shape), np.full(p.capacities.shape, 0.05)):
        assert solve.lagrangian_bound(p, pairs, lam) >= r.objective - 1e-6


def test_duplicate_pairs_in_build_are_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        problem.build(
            cases=[("A", [1, 0, 0])], localities=[("X", [1, 1, 1])], scores=[("A", "X", 1), ("A", "X", 2)]
        )
    assert "twice" in info.value.errors[0].message


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def command(tmp_path: Path, cases: str, localities: str, scores: str) -> tuple[int, str, Path]:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "solutions",
            "match",
            "--cases",
            str(write(tmp_path / "cases.csv", cases)),
            "--localities",
            str(write(tmp_path / "localities.csv", localities)),
            "--scores",
            str(write(tmp_path / "scores.csv", scores)),
            "--out",
            str(out),
            "--time-limit",
            "5",
        ],
    )
    return result.exit_code, result.output, out


CASES = "case_id,children,adults,seniors\nA,1,2,0\nB,0,1,0\nC,1,1,0\nD,0,1,0\n"
SCORES = "case_id,locality_id,score\nA,X,5\nB,X,1\nB,Y,0.5\nC,X,4\nC,Y,1\n"


def test_match_command_writes_every_case_once_and_ends_with_the_figures(tmp_path: Path) -> None:
    code, output, out = command(tmp_path, CASES, "locality_id,capacity\nX,4\nY,2\n", SCORES)
    assert code == 0, output
    assert out.read_text().splitlines() == ["case_id,locality_id", "A,X", "B,X", "C,Y", "D,"]
    last = output.strip().splitlines()[-1]
    assert last.startswith("objective=7 bound=") and last.endswith("gap=0.0000%")


def test_match_command_with_three_capacity_columns(tmp_path: Path) -> None:
    localities = "locality_id,capacity_children,capacity_adults,capacity_seniors\nX,1,3,0\nY,1,1,0\n"
    code, output, out = command(tmp_path, CASES, localities, SCORES)
    assert code == 0, output
    rows = dict(line.split(",") for line in out.read_text().splitlines()[1:])
    assert rows == {"A": "X", "B": "X", "C": "Y", "D": ""}


def test_bad_files_get_line_numbered_errors_and_no_output(tmp_path: Path) -> None:
    cases = "case_id,children,adults,seniors\nA,1,2,0\nB,0,-1,0\nA,0,1,0\n"
    scores = "case_id,locality_id,score\nA,X,5\nZ,X,1\nA,Q,2\nA,X,3\n"
    code, output, out = command(tmp_path, cases, "locality_id,capacity\nX,4\nX,2\n", scores)
    assert code == 1
    assert "cases.csv line 3: adults cannot be negative (found -1)" in output
    assert "cases.csv line 4: case A is already on line 2" in output
    assert "localities.csv line 3: locality X is already on line 2" in output
    assert "scores.csv line 3: unknown case 'Z'" in output
    assert "scores.csv line 4: unknown locality 'Q'" in output
    assert "scores.csv line 5: pair (A, X) is already on line 2" in output
    assert not out.exists()


def test_bad_header_is_named(tmp_path: Path) -> None:
    code, output, out = command(tmp_path, "id,size\nA,1\n", "locality_id,capacity\nX,4\n", SCORES)
    assert code == 1 and "cases.csv line 1: the header must be case_id,children,adults,seniors" in output
    assert not out.exists()


def test_files_round_trip(tmp_path: Path) -> None:
    p = files.read(
        write(tmp_path / "c.csv", CASES),
        write(tmp_path / "l.csv", "locality_id,capacity\nX,4\nY,2\n"),
        write(tmp_path / "s.csv", SCORES),
    )
    assert p.dimensions == ("people",) and p.sizes[:, 0].tolist() == [3, 1, 2, 1]


def test_the_last_line_gives_the_objective_and_bound_to_read_the_gap_from() -> None:
    # at 10,000 families six significant digits printed bound=7225 for 7,224.996: the gap read from the
    # line must be the gap printed beside it
    from refugio.solutions.matching.solve import MatchResult

    r = MatchResult(np.full(3, -1), 7217.8332, 7224.996123, 7224.996123, "lp-rounding", 1.0)
    fields = dict(part.split("=") for part in r.summary().split())
    objective, bound = float(fields["objective"]), float(fields["bound"])
    assert abs(objective - 7217.8332) < 1e-6 and abs(bound - 7224.996123) < 1e-6
    assert f"{(bound - objective) / bound:.4%}" == fields["gap"]
    assert (
        MatchResult(np.full(1, -1), 2.0, 2.0, 2.0, "exact", 0.1).summary()
        == "objective=2 bound=2 gap=0.0000%"
    )
