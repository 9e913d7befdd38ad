"""The ladder's large-neighbourhood search: it never worsens the incumbent, never exceeds a capacity,
never places a family outside a compatible locality (a family is one column: it cannot be split), keeps
its deadline argument (a deadline already past returns the incumbent unchanged, no sub-problem
solved), is deterministic for a seed, and its per-locality split of the gap adds up to the Lagrangian
bound less the value. No database."""

from __future__ import annotations

import time

import numpy as np
import pytest

from refugio.solutions.matching import improve, lns, problem, solve, synthetic


@pytest.fixture(autouse=True)
def _scipy_loaded() -> None:
    improve.load()  # a cold import of scipy can take seconds on a busy machine: not in a time limit


def _start(p: problem.Problem) -> tuple[np.ndarray, np.ndarray]:
    positive = np.nonzero(p.pair_score > 0)[0]
    lp, _bound = solve._column_generation(p, positive, time.perf_counter() + 60)
    return solve.greedy(p), lp.lam


def test_search_improves_and_stays_feasible() -> None:
    p = synthetic.problem(300, 8, seed=4)
    start, lam = _start(p)
    before = start.copy()
    found = lns.search(p, start, lam, time.perf_counter() + 30)
    assert start.tolist() == before.tolist()  # the incumbent given is left alone
    assert problem.violations(p, found.assignment) == []  # compatible pairs only, no capacity exceeded
    assert (problem.usage(p, found.assignment) <= p.capacities).all()
    assert problem.objective(p, found.assignment) > problem.objective(p, start) + 1e-6
    assert found.rounds >= found.gains >= 1
    # one locality per family, whole: the members counted in the localities are the placed families'
    placed = found.assignment >= 0
    assert problem.usage(p, found.assignment).sum(axis=0).tolist() == p.sizes[placed].sum(axis=0).tolist()


def test_search_never_worsens_any_start() -> None:
    p = synthetic.problem(200, 6, seed=9, dimensions=1)
    start, lam = _start(p)
    for incumbent in (start, improve.improve(p, start, time.perf_counter() + 5)):
        found = lns.search(p, incumbent, lam, time.perf_counter() + 20, seed=3)
        assert problem.objective(p, found.assignment) >= problem.objective(p, incumbent) - 1e-9
        assert problem.violations(p, found.assignment) == []


def test_a_past_deadline_returns_the_incumbent_unchanged() -> None:
    p = synthetic.problem(300, 8, seed=4)
    start, lam = _start(p)
    found = lns.search(p, start, lam, time.perf_counter() - 1)
    assert found.rounds == 0 and found.assignment.tolist() == start.tolist()


def test_the_target_stops_the_search() -> None:
    p = synthetic.problem(300, 8, seed=4)
    start, lam = _start(p)
    found = lns.search(p, start, lam, time.perf_counter() + 30, target=problem.objective(p, start))
    assert found.rounds == 0 and found.assignment.tolist() == start.tolist()


def test_deterministic_for_a_seed() -> None:
    # one worker (with two, the order in which sub-problems finish changes the draws); small enough
    # that every sub-problem is solved to optimality well within its limit: the search
    # ends when no neighbourhood gains, not at the deadline
    p = synthetic.problem(80, 4, seed=2)
    start, lam = _start(p)
    first = lns.search(p, start, lam, time.perf_counter() + 60, sub_limit=20, workers=1)
    second = lns.search(p, start, lam, time.perf_counter() + 60, sub_limit=20, workers=1)
    assert first.assignment.tolist() == second.assignment.tolist()
    assert (first.rounds, first.gains) == (second.rounds, second.gains)


def test_the_gap_split_by_locality_adds_up() -> None:
    p = synthetic.problem(300, 8, seed=4)
    start, lam = _start(p)
    positive = np.nonzero(p.pair_score > 0)[0]
    parts = lns.loss_by_locality(p, start, lam)
    assert (parts >= -1e-9).all()
    whole = solve.lagrangian_bound(p, positive, lam) - problem.objective(p, start)
    assert parts.sum() == pytest.approx(whole, rel=1e-9, abs=1e-9)


def test_the_ladder_names_the_search() -> None:
    # the large problems' route (forced here by exact_pairs_limit=0): LP, rounding, improvement, LNS
    p = synthetic.problem(400, 10, seed=6)
    r = solve.match(p, time_limit=20, exact_pairs_limit=0)
    assert problem.violations(p, r.assignment) == []
    assert r.method.startswith("lp-rounding") and r.method.endswith("+lns")
    assert any(n.startswith("large-neighbourhood search:") for n in r.notes)
    assert r.objective <= r.bound + 1e-9
    # a stored run keeps its method in 30 characters: the longest name the large route gives fits
    assert len(r.method) <= 30


def test_the_method_fits_the_stored_column() -> None:
    from refugio.solutions.models import MatchingRun

    width = MatchingRun.__table__.c.method.type.length
    assert width is not None and len("lp-rounding+repair+swaps+lns") <= width


def test_two_workers_solve_disjoint_sub_problems_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # each sub-problem waits a little so that two are running together; those running at the same time
    # share no locality and no family, and the merged result is feasible and never worse
    import threading

    p = synthetic.problem(400, 12, seed=5)
    start, lam = _start(p)
    lock = threading.Lock()
    running: list[lns._Neighbourhood] = []
    overlaps: list[tuple[set[int], set[int]]] = []
    most = [0]
    solve_one = lns._Neighbourhood.solve

    def watched(self: lns._Neighbourhood, seconds: float):  # type: ignore[no-untyped-def]
        with lock:
            for other in running:
                overlaps.append(
                    (
                        set(self.chosen.tolist()) & set(other.chosen.tolist()),
                        set(self.cases.tolist()) & set(other.cases.tolist()),
                    )
                )
            running.append(self)
            most[0] = max(most[0], len(running))
        try:
            time.sleep(0.05)
            return solve_one(self, seconds)
        finally:
            with lock:
                running.remove(self)

    monkeypatch.setattr(lns._Neighbourhood, "solve", watched)
    found = lns.search(p, start, lam, time.perf_counter() + 20, workers=2)
    assert most[0] == 2 and overlaps
    assert all(not locs and not cases for locs, cases in overlaps)
    assert problem.violations(p, found.assignment) == []
    assert problem.objective(p, found.assignment) >= problem.objective(p, start) - 1e-9
    placed = found.assignment >= 0
    assert problem.usage(p, found.assignment).sum(axis=0).tolist() == p.sizes[placed].sum(axis=0).tolist()


def test_a_stalled_search_starts_again_wider(monkeypatch: pytest.MonkeyPatch) -> None:
    # one worker, every sub-problem solved: when no draw is new the search starts again (weights
    # forgotten) one locality wider, at most RESTARTS times, then stops well before its deadline
    p = synthetic.problem(80, 4, seed=2)
    start, lam = _start(p)
    widths: list[int] = []
    build = lns._neighbourhood

    def watched(q, current, reduced, chosen, *args):  # type: ignore[no-untyped-def]
        widths.append(len(chosen))
        return build(q, current, reduced, chosen, *args)

    monkeypatch.setattr(lns, "_neighbourhood", watched)
    runs = {}
    for restarts in (0, 2):
        monkeypatch.setattr(lns, "RESTARTS", restarts)
        widths.clear()
        found = lns.search(p, start, lam, time.perf_counter() + 60, sub_limit=20, workers=1, localities=2)
        runs[restarts] = (set(widths), found.rounds)
        assert problem.violations(p, found.assignment) == []
        assert problem.objective(p, found.assignment) >= problem.objective(p, start) - 1e-9
    assert runs[0][0] == {2}
    assert runs[2][0] == {2, 3, 4} and runs[2][1] > runs[0][1]


def test_zero_workers_are_refused() -> None:
    p = synthetic.problem(50, 3, seed=1)
    start, lam = _start(p)
    with pytest.raises(ValueError, match="workers"):
        lns.search(p, start, lam, time.perf_counter() + 5, workers=0)


def test_many_fruitless_sub_problems_never_end_the_search_early() -> None:
    # a neighbourhood that gains nothing weighs less the next time; the weights only shape the draw
    # and are rescaled, so however many tries gain nothing there is still a draw (before stop 28 they
    # shrank to zero after a few hundred, and the search stopped as if nothing were left to gain)
    p = synthetic.problem(120, 6, seed=3)
    start, lam = _start(p)
    run = lns._Run(p, start, lam, seed=0, localities=2, core_margin=None)
    hood = run.draw(restart=True)
    assert hood is not None
    nothing = solve.highs_solver.MipResult(start[hood.cases], 0.0, 0.0, True, False)
    for _ in range(800):
        run.settle(hood, nothing)
        run.busy_loc[hood.chosen] = True  # as if drawn again
        run.busy_case[hood.cases] = True
    run.settle(hood, nothing)
    assert run.weight.max() == 1.0 and (run.weight > 0).all()
    assert run.draw(restart=True) is not None
