"""The ladder's local improvement and reduced-cost fixing: re-dealing places among equal families finds
the swap a greedy order misses and stays feasible; single moves use free room; reduced-cost fixing
never drops a column of an optimal solution (checked against the plain integer program), and the
bound it gives for the dropped ones is below the start's value. No database."""

from __future__ import annotations

import time

import numpy as np

from refugio.solutions.matching import highs_solver, improve, problem, solve, synthetic


def test_equal_families_swap_places() -> None:
    # A and B are both one adult: A fits X far better, B fits Y; a greedy start put them the wrong way
    p = problem.build(
        cases=[("A", [0, 1, 0]), ("B", [0, 1, 0]), ("C", [1, 1, 0])],
        localities=[("X", [1]), ("Y", [1]), ("Z", [3])],
        scores=[("A", "X", 0.9), ("A", "Y", 0.1), ("B", "X", 0.5), ("B", "Y", 0.4), ("C", "Z", 0.3)],
        dimensions=problem.DIMENSIONS_1,
    )
    start = np.array([1, 0, -1])  # A in Y, B in X, C unplaced
    better = improve.improve(p, start, time.perf_counter() + 5)
    assert better.tolist() == [0, 1, 2]  # the swap, then C moved into Z's room
    assert problem.objective(p, better) == 0.9 + 0.4 + 0.3 and problem.violations(p, better) == []
    assert start.tolist() == [1, 0, -1]  # the start is left alone


def test_improvement_stays_feasible_on_three_dimensions() -> None:
    p = synthetic.problem(400, 12, seed=5)
    start = solve.greedy(p)
    better = improve.improve(p, start, time.perf_counter() + 10)
    assert problem.violations(p, better) == []
    assert problem.objective(p, better) > problem.objective(p, start)


def test_reduced_cost_fixing_keeps_the_optimum() -> None:
    p = synthetic.problem(60, 6, seed=7, dimensions=1, capacity_ratio=1.2)
    positive = np.nonzero(p.pair_score > 0)[0]
    optimum = highs_solver.solve_mip(p, positive, time_limit=60, rel_gap=1e-9)
    assert optimum.optimal
    lp, _bound = solve._column_generation(p, positive, time.perf_counter() + 60)
    chosen = set(positive[optimum.assignment[p.pair_case[positive]] == p.pair_locality[positive]].tolist())
    rounded = solve._round_and_repair(p, lp.pairs, lp.x)
    start = improve.improve(p, rounded, time.perf_counter() + 5)
    assert problem.objective(p, start) < optimum.objective  # not the optimum already
    keep, dropped = solve.reduced_cost_fixing(p, positive, lp.lam, start)
    assert len(keep) < len(positive) and chosen <= set(keep.tolist())
    assert dropped < problem.objective(p, start)
    fixed = highs_solver.solve_mip(p, keep, time_limit=60, start=start, rel_gap=1e-9)
    assert abs(fixed.objective - optimum.objective) < 1e-6
    # from the optimum itself, most columns go: only those that could tie it stay
    tight, _ = solve.reduced_cost_fixing(p, positive, lp.lam, optimum.assignment)
    assert len(tight) < len(positive) / 2 and chosen <= set(tight.tolist())
