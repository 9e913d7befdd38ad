"""The large route's core steps (decision 0008, stop 26): the search's core neighbourhoods free only the
families within a margin of their best alternative (the others keep their places and their room), stay
feasible and never worsen the incumbent, and are deterministic for a seed; the repair program on the
columns within a margin of their case's best priced score keeps the start's columns and never worsens
it; the column generation stopped within a tolerance gives a valid bound that close to the LP bound;
the first restricted LP by interior point reaches the simplex's value. No database."""

from __future__ import annotations

import time

import numpy as np
import pytest

from refugio.solutions.matching import highs_solver, improve, lns, problem, solve, synthetic


@pytest.fixture(autouse=True)
def _scipy_loaded() -> None:
    improve.load()  # a cold import of scipy can take seconds on a busy machine: not in a time limit


def _lp(p: problem.Problem, tolerance: float = 0.0) -> tuple[highs_solver.RestrictedLP, float]:
    positive = np.nonzero(p.pair_score > 0)[0]
    lp, bound = solve._column_generation(p, positive, time.perf_counter() + 60, tolerance=tolerance)
    return lp, bound


def _re_pack(
    p: problem.Problem, current: np.ndarray, reduced: np.ndarray, chosen: np.ndarray, *, margin: float
) -> tuple[np.ndarray | None, bool]:
    """The neighbourhood of `chosen` re-packed by HiGHS (5 s): the new assignment and whether solved."""
    hood = lns._neighbourhood(p, current, reduced, chosen, margin)
    if hood is None:
        return None, True
    mip = hood.solve(5.0)
    return hood.apply(current, mip), mip.optimal


def test_families_beyond_the_margin_keep_their_places() -> None:
    # X and Y hold 2 people each. A scores 0.9 in X and 0.1 in Y (margin 0.8 at zero prices): it stays.
    # B scores 0.5 in X and 0.45 in Y (margin 0.05): it is freed, and so is the unplaced C, who scores
    # 0.6 in X only. The best re-packing of the free ones on the room A leaves: C in X, B in Y.
    p = problem.build(
        cases=[("A", [0, 1, 0]), ("B", [0, 1, 0]), ("C", [0, 1, 0])],
        localities=[("X", [2]), ("Y", [1])],
        scores=[("A", "X", 0.9), ("A", "Y", 0.1), ("B", "X", 0.5), ("B", "Y", 0.45), ("C", "X", 0.6)],
        dimensions=problem.DIMENSIONS_1,
    )
    current = np.array([0, 0, -1])
    reduced = p.pair_score.copy()  # zero prices
    chosen = np.array([0, 1])
    better, solved = _re_pack(p, current, reduced, chosen, margin=0.1)
    assert solved and better is not None
    assert better.tolist() == [0, 1, 0]
    # a margin of 0 frees only families with no better alternative than where they are: B stays in X
    # (its margin 0.05 > 0) and so does A; C finds no room
    kept, _solved = _re_pack(p, current, reduced, chosen, margin=0.0)
    assert kept is not None and kept.tolist() == [0, 0, -1]


def test_core_search_is_feasible_and_never_worse() -> None:
    p = synthetic.problem(400, 10, seed=7)
    lp, _bound = _lp(p)
    for start in (solve.greedy(p), solve._round_and_repair(p, lp.pairs, lp.x)):
        before = start.copy()
        found = lns.search(p, start, lp.lam, time.perf_counter() + 20, seed=1)
        assert start.tolist() == before.tolist()  # the incumbent given is left alone
        assert problem.violations(p, found.assignment) == []
        assert problem.objective(p, found.assignment) >= problem.objective(p, start) - 1e-9
        placed = found.assignment >= 0  # whole families: the members placed are the families' members
        used = problem.usage(p, found.assignment).sum(axis=0)
        assert used.tolist() == p.sizes[placed].sum(axis=0).tolist()


def test_core_search_gains_from_greedy() -> None:
    p = synthetic.problem(300, 8, seed=4)
    lp, _bound = _lp(p)
    start = solve.greedy(p)
    found = lns.search(p, start, lp.lam, time.perf_counter() + 30, core_margin=lns.CORE_MARGIN)
    assert found.gains >= 1
    assert problem.objective(p, found.assignment) > problem.objective(p, start) + 1e-6


def test_core_search_is_deterministic() -> None:
    # every sub-problem solved well within its limit: the search ends when no neighbourhood gains
    p = synthetic.problem(120, 6, seed=3)
    lp, _bound = _lp(p)
    start = solve.greedy(p)
    runs = [
        lns.search(p, start, lp.lam, time.perf_counter() + 120, sub_limit=30, localities=3, seed=5, workers=1)
        for _ in range(2)
    ]
    assert runs[0].assignment.tolist() == runs[1].assignment.tolist()
    assert (runs[0].rounds, runs[0].gains) == (runs[1].rounds, runs[1].gains)


def test_a_negative_core_margin_is_refused() -> None:
    p = synthetic.problem(50, 3, seed=1)
    lp, _bound = _lp(p)
    with pytest.raises(ValueError, match="core_margin"):
        lns.search(p, solve.greedy(p), lp.lam, time.perf_counter() + 5, core_margin=-0.1)


def test_repair_on_the_columns_near_their_best_keeps_the_start() -> None:
    p = synthetic.problem(600, 12, seed=2)
    lp, _bound = _lp(p)
    positive = np.nonzero(p.pair_score > 0)[0]
    start = solve._round_and_repair(p, lp.pairs, lp.x)
    repaired = solve._repair_mip(p, positive, lp.pairs, lp.x, start, 10.0, lam=lp.lam)
    assert problem.violations(p, repaired) == []
    assert problem.objective(p, repaired) >= problem.objective(p, start) - 1e-9
    # the LP's whole placements stay where they are
    whole = lp.pairs[lp.x > 1 - 1e-6]
    assert (repaired[p.pair_case[whole]] == p.pair_locality[whole]).all()


def test_column_generation_within_a_tolerance_gives_a_valid_close_bound() -> None:
    p = synthetic.problem(2000, 20, seed=1)
    exact_lp, exact = _lp(p)
    assert exact_lp.optimal
    near_lp, near = _lp(p, tolerance=1e-5)
    assert near_lp.optimal  # within the tolerance
    assert near >= exact - 1e-6 * abs(exact)  # still an upper bound: the LP bound is below it
    assert near <= exact * (1 + 1e-5) + 1e-9
    assert len(near_lp.pairs) <= len(exact_lp.pairs)


def test_the_first_lp_by_interior_point_reaches_the_simplex_value() -> None:
    p = synthetic.problem(500, 10, seed=3)
    positive = np.nonzero(p.pair_score > 0)[0]
    start = solve._top_per_case(p, positive, p.pair_score[positive], 3)
    values = []
    for first in ("simplex", "ipm"):
        lp = highs_solver.RestrictedLP(p, start, first_solver=first)
        assert lp.solve(60)
        values.append(lp.value)
        lp.add(positive[~np.isin(positive, start)][:50])  # later solves: the simplex, warm
        assert lp.solve(60)
    assert values[0] == pytest.approx(values[1], rel=1e-7)
    with pytest.raises(ValueError, match="first_solver"):
        highs_solver.RestrictedLP(p, start, first_solver="barrier")


def test_the_large_route_names_its_steps_and_keeps_the_bound() -> None:
    p = synthetic.problem(1500, 15, seed=8)
    r = solve.match(p, time_limit=20, exact_pairs_limit=0)
    assert problem.violations(p, r.assignment) == []
    assert r.method.startswith("lp-rounding") and len(r.method) <= 30
    _lp_exact, exact = _lp(p)
    assert r.bound >= exact - 1e-6 * abs(exact)  # the reported bound is valid
    assert r.objective <= r.bound + 1e-9


def test_a_repair_program_past_its_size_is_not_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    p = synthetic.problem(600, 12, seed=2)
    lp, _bound = _lp(p)
    positive = np.nonzero(p.pair_score > 0)[0]
    start = solve._round_and_repair(p, lp.pairs, lp.x)
    monkeypatch.setattr(solve, "REPAIR_COLUMNS", 0)
    same = solve._repair_mip(p, positive, lp.pairs, lp.x, start, 10.0, lam=lp.lam)
    assert same is start  # not tried: HiGHS's presolve alone would outlast a short limit


def test_the_best_columns_per_case_are_those_a_full_sort_gives() -> None:
    # keys with ties (rounded) and cases with fewer candidates than k; a subset of the pairs as well
    p = synthetic.problem(300, 8, seed=11)
    rng = np.random.default_rng(4)
    everything = np.arange(p.n_pairs)
    for candidates in (everything, np.sort(rng.choice(p.n_pairs, p.n_pairs // 3, replace=False))):
        keys = np.round(rng.random(len(candidates)), 1)
        for k in (1, 2, 3, 10):
            order = np.lexsort((-keys, p.pair_case[candidates]))
            cases = p.pair_case[candidates][order]
            rank = np.arange(len(order)) - np.searchsorted(cases, cases, side="left")
            expected = candidates[order[rank < k]]
            got = solve._top_per_case(p, candidates, keys, k)
            assert got.tolist() == expected.tolist()


def test_the_price_table_gives_each_pairs_price() -> None:
    p = synthetic.problem(300, 8, seed=12)
    lam = np.random.default_rng(5).random(p.capacities.shape)
    pairs = np.arange(p.n_pairs)[::2]
    prices = problem.PairPrices(p, pairs)
    direct = (p.sizes[p.pair_case[pairs]] * lam[p.pair_locality[pairs]]).sum(axis=1)
    assert np.allclose(prices(lam), direct)
    chosen = np.random.default_rng(6).random(len(pairs)) < 0.3
    demand = np.zeros(p.capacities.shape)
    np.add.at(demand, p.pair_locality[pairs][chosen], p.sizes[p.pair_case[pairs][chosen]])
    assert np.allclose(prices.demand(chosen), demand)


@pytest.mark.parametrize("table", [True, False], ids=["look-up table", "binary search"])
def test_the_search_reads_placements_by_binary_search_as_a_full_pass_does(
    table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    if not table:  # the look-up table is for problems of at most DENSE_LOOKUP families x localities
        monkeypatch.setattr(lns, "DENSE_LOOKUP", 0)

    p = synthetic.problem(300, 8, seed=13)
    lam = np.random.default_rng(7).random(p.capacities.shape) * 0.05
    shuffled = np.random.default_rng(8).permutation(p.n_pairs)
    unsorted = replace(
        p,
        pair_case=p.pair_case[shuffled],
        pair_locality=p.pair_locality[shuffled],
        pair_score=p.pair_score[shuffled],
    )
    # an incompatible placement scores nothing, as in problem.objective
    odd = np.random.default_rng(9).integers(-1, p.n_localities, p.n_cases)
    for q in (p, unsorted):
        priced = lns._Priced(q, lam)
        for current in (solve.greedy(p), np.full(p.n_cases, -1), odd):
            assert priced.value(current) == pytest.approx(problem.objective(q, current), abs=1e-9)
            at = current[q.pair_case] == q.pair_locality
            got = np.zeros(q.n_cases)
            got[q.pair_case[at]] = priced.reduced[at]
            assert np.allclose(priced.regret(current), priced.best - got)


def test_usage_counts_each_family_in_its_locality() -> None:
    p = synthetic.problem(400, 9, seed=5)
    assignment = np.random.default_rng(3).integers(-1, p.n_localities, p.n_cases)
    expected = np.zeros_like(p.capacities)
    for c, loc in enumerate(assignment.tolist()):
        if loc >= 0:
            expected[loc] += p.sizes[c]
    got = problem.usage(p, assignment)
    assert got.dtype == p.capacities.dtype and got.tolist() == expected.tolist()
    assert problem.usage(p, np.full(p.n_cases, -1)).tolist() == np.zeros_like(p.capacities).tolist()


def test_the_neighbourhood_from_the_localities_columns_equals_one_from_every_pair() -> None:
    # the search builds its sub-problems from each locality's block of columns (lns._Columns); the same
    # sub-problem as a filter over every pair of the problem gives (the families and columns of chosen)
    p = synthetic.problem(300, 8, seed=21)
    lam = np.random.default_rng(2).random(p.capacities.shape) * 0.05
    reduced = p.pair_score - (p.sizes[p.pair_case] * lam[p.pair_locality]).sum(axis=1)
    current = solve.greedy(p)
    columns = lns._Columns(p, reduced)
    for chosen in (np.array([0, 3, 5]), np.array([1, 2]), np.arange(8)):
        hood = lns._neighbourhood(p, current, reduced, chosen, np.inf, columns)
        assert hood is not None
        in_n = np.isin(p.pair_locality, chosen) & (p.pair_score > 0)
        inside = (current >= 0) & np.isin(current, chosen)
        free = inside.copy()
        free[hood.cases] = True
        assert inside[hood.cases].sum() == inside.sum()  # every family placed there is free (no margin)
        cols = np.flatnonzero(in_n & free[p.pair_case])
        assert hood.sub.n_pairs == len(cols)
        assert hood.sub.pair_score.tolist() == p.pair_score[cols].tolist()
        assert hood.cases[hood.sub.pair_case].tolist() == p.pair_case[cols].tolist()
        assert chosen[hood.sub.pair_locality].tolist() == p.pair_locality[cols].tolist()
        assert hood.sub.capacities.tolist() == p.capacities[chosen].tolist()
    # with a margin, the families placed there that are not freed keep their room
    chosen = np.array([0, 3, 5])
    hood = lns._neighbourhood(p, current, reduced, chosen, 0.01, columns)
    assert hood is not None
    inside = (current >= 0) & np.isin(current, chosen)
    stays = inside.copy()
    stays[hood.cases] = False
    assert 0 < stays.sum() < inside.sum()
    kept = problem.usage(p, np.where(stays, current, -1))[chosen]
    assert hood.sub.capacities.tolist() == (p.capacities[chosen] - kept).tolist()


def test_a_family_placed_where_it_scores_nothing_is_freed() -> None:
    # A sits in X on a pair that scores 0 (an incumbent given from outside): its margin there is 0, so
    # it is freed with the unplaced B, who scores 0.5 in X; X holds one: B takes A's place
    p = problem.build(
        cases=[("A", [0, 1, 0]), ("B", [0, 1, 0])],
        localities=[("X", [1]), ("Y", [1])],
        scores=[("A", "X", 0.0), ("B", "X", 0.5)],
        dimensions=problem.DIMENSIONS_1,
    )
    current = np.array([0, -1])
    better, solved = _re_pack(p, current, p.pair_score.copy(), np.array([0, 1]), margin=0.1)
    assert solved and better is not None and better.tolist() == [-1, 0]
