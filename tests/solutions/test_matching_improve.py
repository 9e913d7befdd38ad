"""The ladder's local improvement and reduced-cost fixing: re-dealing places among equal families finds
the swap a greedy order misses and stays feasible; single moves use free room; reduced-cost fixing
never drops a column of an optimal solution (checked against the plain integer program), and the
bound it gives for the dropped ones is below the start's value. No database."""

from __future__ import annotations

import time

import numpy as np
import pytest

from refugio.solutions.matching import highs_solver, improve, problem, solve, synthetic


@pytest.fixture(autouse=True)
def _scipy_loaded() -> None:
    improve.load()  # a cold import of scipy can take seconds on a busy machine: not in a time limit


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


def _equal_families(n: int, seed: int) -> problem.Problem:
    """Families from a few profiles (the same model scores for the same features), so many are equal."""
    rng = np.random.default_rng(seed)
    profiles = [([0, 1, 0], [0.9, 0.2, 0.5]), ([2, 2, 0], [0.3, 0.8, 0.6]), ([1, 1, 1], [0.4, 0.4, 0.7])]
    cases, scores = [], []
    for i in range(n):
        sizes, row = profiles[int(rng.integers(0, len(profiles)))]
        cases.append((f"C{i}", sizes))
        scores += [(f"C{i}", f"L{j}", s) for j, s in enumerate(row)]
    return problem.build(
        cases=cases,
        localities=[("L0", [9, 20, 2]), ("L1", [14, 10, 3]), ("L2", [6, 9, 9])],
        scores=scores,
        dimensions=problem.DIMENSIONS_3,
    )


def test_equal_families_are_aggregated_and_dealt_back_whole() -> None:
    from refugio.solutions.matching import aggregate

    p = _equal_families(60, seed=3)
    positive = np.arange(p.n_pairs)
    agg = aggregate.aggregate(p, positive)
    assert agg is not None and agg.problem.n_cases == 3 and int(agg.count.sum()) == 60
    plain = highs_solver.solve_mip(p, positive, time_limit=60, rel_gap=1e-9)
    result = solve.match(p, time_limit=30)
    assert any("aggregated into 3 types" in n for n in result.notes)
    assert result.method == "exact" and problem.violations(p, result.assignment) == []
    assert abs(result.objective - plain.objective) < 1e-6
    # a start dealt into counts and back is the same placement, type by type
    counts = aggregate.counts_of(agg, plain.assignment)
    back = aggregate.deal(agg, counts, p.n_cases)
    assert problem.objective(p, back) == pytest.approx(plain.objective)
    assert (np.bincount(back[back >= 0], minlength=3) == np.bincount(plain.assignment[plain.assignment >= 0],
            minlength=3)).all()  # fmt: skip


def test_distinct_families_are_not_aggregated() -> None:
    from refugio.solutions.matching import aggregate

    p = synthetic.problem(50, 5, seed=1)
    assert aggregate.aggregate(p, np.arange(p.n_pairs)) is None
