"""The ladder's direct route for small problems (HiGHS's integer program over every column, from the LP's
rounding): it reaches the proven optimum of the plain integer program, keeps its time limit (reported as
a gap, never as "exact"), still aggregates equal families, and the ladder's whole-MIP switch
(`exact_pairs_limit=0`) still wins over it. Also the feature-model instance of the benchmark: its
families with equal features are interchangeable. No database."""

from __future__ import annotations

import numpy as np
import pytest

from refugio.solutions.matching import aggregate, highs_solver, improve, problem, solve, synthetic

ALWAYS = 10**9  # a direct_pairs_limit that sends every problem down the direct route


@pytest.fixture(autouse=True)
def _scipy_loaded() -> None:
    improve.load()  # a cold import of scipy can take seconds on a busy machine: not in a time limit


@pytest.mark.parametrize("dimensions", [1, 3])
def test_a_small_problem_goes_straight_to_the_proven_optimum(dimensions: int) -> None:
    p = synthetic.problem(60, 5, seed=4, dimensions=dimensions, capacity_ratio=0.9)
    plain = highs_solver.solve_mip(p, np.arange(p.n_pairs), time_limit=60, rel_gap=solve.EXACT_GAP)
    assert plain.optimal  # the plain integer program's proven bound: the optimum lies below it
    r = solve.match(p, time_limit=60, direct_pairs_limit=ALWAYS)
    assert r.method == "exact"
    assert problem.violations(p, r.assignment) == []
    assert (1 - solve.EXACT_GAP) * plain.bound - 1e-9 <= r.objective <= plain.bound + 1e-9
    assert r.lp_bound is not None and r.lp_bound >= plain.objective - 1e-9
    assert r.bound >= r.objective and r.gap <= solve.EXACT_GAP
    assert r.lam is not None and r.lam.shape == p.capacities.shape  # the explanation's shadow prices
    assert solve.explain(p, r, int(np.nonzero(r.assignment >= 0)[0][0]))["capacities"]


def test_the_direct_route_keeps_its_time_limit_and_reports_the_gap() -> None:
    # three dimensions, 329 x 21: HiGHS needs several CPU seconds to prove this one (decision 0008)
    p = synthetic.problem(329, 21, seed=2, dimensions=3, capacity_ratio=1.2)
    r = solve.match(p, time_limit=0.2, direct_pairs_limit=ALWAYS)
    assert r.method != "exact" and r.gap > solve.EXACT_GAP
    assert problem.violations(p, r.assignment) == []
    assert r.lp_bound is not None and r.bound >= r.objective > 0


def test_the_direct_route_aggregates_equal_families() -> None:
    p = synthetic.featured(120, 4, seed=1, dimensions=1)
    agg = aggregate.aggregate(p, np.arange(p.n_pairs))
    assert agg is not None and agg.problem.n_cases < p.n_cases
    r = solve.match(p, time_limit=60, direct_pairs_limit=ALWAYS)
    assert any("types of equal families" in n for n in r.notes)
    assert r.method == "exact" and problem.violations(p, r.assignment) == []
    plain = highs_solver.solve_mip(p, np.arange(p.n_pairs), time_limit=60, rel_gap=solve.EXACT_GAP)
    assert plain.optimal
    assert (1 - solve.EXACT_GAP) * plain.bound - 1e-9 <= r.objective <= plain.bound + 1e-9


def test_no_whole_mip_means_no_direct_route() -> None:
    p = synthetic.problem(60, 5, seed=4)
    r = solve.match(p, time_limit=3, exact_pairs_limit=0, direct_pairs_limit=ALWAYS)
    assert r.method.startswith("lp-rounding") and r.method != "lp-rounding+mip"


def test_the_feature_model_instance_is_deterministic_and_feasible() -> None:
    a = synthetic.featured(200, 10, seed=3)
    b = synthetic.featured(200, 10, seed=3)
    assert (a.pair_score == b.pair_score).all() and (a.capacities == b.capacities).all()
    assert a.capacities.shape == (10, 3) and (a.pair_score > 0).all() and (a.pair_score < 1).all()
    # each family is compatible with the largest locality (it supports every origin and size)
    largest = int(np.argmax(a.capacities.sum(axis=1)))
    assert set(a.pair_case[a.pair_locality == largest].tolist()) == set(range(a.n_cases))
    # families with the same members and features score the same everywhere: fewer types than families
    agg = aggregate.aggregate(a, np.arange(a.n_pairs))
    assert agg is not None and agg.problem.n_cases <= 0.8 * a.n_cases
