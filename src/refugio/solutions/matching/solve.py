"""The solver ladder: first the LP relaxation by column generation (every column priced, so its bound is
the LP bound of the whole problem; for large problems subgradient steps give the capacity prices that
choose the first columns), rounding of its integral part and repair of the rest. Then, with the time
left: for problems HiGHS can take whole, local improvement (`improve`: equal families re-deal their
places, single families move to room) and the exact integer program started from that solution, on the
columns reduced-cost fixing keeps (those that could still beat it) — "exact" when the gap to the proven
bound (the LP's, or HiGHS's dual bound when its time ran out) is <= 0.01 %; for larger ones (their first
restricted LP solved by interior point, the column generation stopped within LARGE_LP_GAP of the LP
bound), an integer program over the cases the LP split on the room the others left (their columns
within REPAIR_MARGIN of their best priced score), local improvement, then the large-neighbourhood
search (`lns`: the cores of five localities at a time re-packed, two at once). Always: the
objective, the LP bound and the gap. A direct route (`direct_pairs_limit`, off by default: measured no
faster, decision 0008) skips the column generation, the improvement and the fixing for small problems.

Also the greedy baseline (each case in turn to its best locality with room) and the explanation of a
placement (its score, the alternatives, the capacities that bind). Numpy only; the HiGHS calls are in
refugio.solutions.matching.highs_solver, imported when solving, and scipy's in `improve`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refugio.core.errors import ValidationFailed
from refugio.solutions.matching import highs_solver, improve, lns
from refugio.solutions.matching.problem import (
    FloatArray,
    IntArray,
    PairPrices,
    Problem,
    objective,
    usage,
)

EXACT_PAIRS_LIMIT = 120_000  # above this, the ladder goes straight to the LP relaxation
DIRECT_PAIRS_LIMIT = 0  # at most this many scored pairs: HiGHS's MIP on them all, from the LP's rounding
INITIAL_COLUMNS = 2  # per case, the best localities (by score, or by price-reduced score) to start with
PRICED_PER_ROUND = 2  # per case, columns added by each pricing round
PRICES_FIRST = 1500  # above this many cases, subgradient steps give capacity prices before the LP
LP_SHARE = 0.85  # of the time limit at most for the LP: the rest rounds, repairs and improves
EXACT_GAP = 1e-4  # "optimal": HiGHS' proven relative gap at most 0.01 %
IMPROVE_SHARE = 0.25  # of the time left after the repair program, for local improvement
IMPROVE_SECONDS = 0.5  # at most: its passes gain less than the search's sub-problems after that
LNS_GAP = 1e-3  # the large-neighbourhood search stops this close to the bound (the aim: 0.1 %)
REPAIR_MARGIN = 0.2  # the repair program's columns: reduced cost within this x the median score
REPAIR_SECONDS = 0.5  # the repair program's limit: it finds its gain in 0.3 s and little after
REPAIR_COLUMNS = 8_000  # a repair program with more columns is not tried (3,000 from the LP's optimum)
LARGE_LP_GAP = 1e-5  # the large route's column generation stops this close to the LP bound (relative)


@dataclass
class MatchResult:
    assignment: IntArray
    objective: float
    bound: float  # the best proven upper bound (LP bound, or the MIP's dual bound when tighter)
    lp_bound: float | None
    method: str  # "exact", "lp-rounding" with what followed: "+polish", "+repair", "+swaps", "+lns"
    # (at most 30 characters: the column of a stored run; "lp-rounding+repair+swaps+lns" is 28)
    seconds: float
    lam: FloatArray | None = None  # capacity shadow prices from the LP (locality x dimension)
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)

    def summary(self) -> str:
        """The last line `refugio solutions match` prints (`summary_line`)."""
        return summary_line(self.objective, self.bound, self.gap)


def summary_line(objective: float, bound: float, gap: float) -> str:
    """`objective=… bound=… gap=…`, the last line of `refugio solutions match` and of a stored run.
    Ten significant digits: at 10,000 families six gave `bound=7225` for 7,224.996 beside
    `objective=7217.83`, and the gap read from them differed from the one printed."""
    return f"objective={objective:.10g} bound={bound:.10g} gap={gap:.4%}"


def relative_gap(value: float, bound: float) -> float:
    if not np.isfinite(bound):
        return float("inf")
    return max(0.0, bound - value) / max(abs(bound), 1e-9)


def match(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    exact_pairs_limit: int = EXACT_PAIRS_LIMIT,
    direct_pairs_limit: int = DIRECT_PAIRS_LIMIT,
) -> MatchResult:
    """Place each case in at most one compatible locality, within capacity, maximising the total score."""

    if time_limit <= 0:
        raise ValidationFailed.single("time_limit", "give a positive number of seconds")
    improve.load()
    started = time.perf_counter()
    deadline = started + time_limit
    positive = np.nonzero(problem.pair_score > 0)[0]  # a placement that scores <= 0 never helps
    if problem.n_pairs == 0 or len(positive) == 0:
        empty = np.full(problem.n_cases, -1, dtype=np.int64)
        return MatchResult(empty, 0.0, 0.0, 0.0, "exact", time.perf_counter() - started)
    notes: list[str] = []
    if len(positive) <= min(direct_pairs_limit, exact_pairs_limit):
        return _direct(problem, positive, started, deadline)
    large = len(positive) > exact_pairs_limit  # the exact route proves 0.01 %: its LP goes to the end
    lp, lp_bound = _column_generation(
        problem, positive, started + time_limit * LP_SHARE, tolerance=LARGE_LP_GAP if large else 0.0
    )
    assignment = _round_and_repair(problem, lp.pairs, lp.x)
    method, bound = "lp-rounding", lp_bound
    left = deadline - time.perf_counter()
    if not large:
        better = improve.improve(problem, assignment, time.perf_counter() + min(1.0, left * 0.2))
        if objective(problem, better) > objective(problem, assignment) + 1e-9:
            assignment, method = better, "lp-rounding+swaps"
        keep, dropped = reduced_cost_fixing(problem, positive, lp.lam, assignment)
        left = deadline - time.perf_counter()
        if left > 0.2:
            mip = _exact(problem, keep, assignment, left * 0.95, notes)
            if mip.found and mip.objective > objective(problem, assignment) + 1e-9:
                assignment, method = mip.assignment, "lp-rounding+polish"
            # a dropped column cannot beat the start: the bound of the whole is the reduced one's
            bound = min(bound, max(mip.bound, dropped))
            if relative_gap(objective(problem, assignment), bound) <= EXACT_GAP:
                method = "exact"  # proven: HiGHS's dual bound, even when its time ran out
    else:
        # too large for the whole MIP (HiGHS overruns short limits there): an integer program over the
        # cases the LP did not place whole, on the capacities their placements left (at most
        # REPAIR_COLUMNS columns: an LP stopped far from its optimum splits too many cases for a program
        # that keeps its limit; one stopped close to it is repaired too), local improvement, then the
        # large-neighbourhood search (the cores of a few localities re-packed by HiGHS) until the
        # deadline or until the gap to the bound is LNS_GAP
        left = deadline - time.perf_counter()
        if left > 0.5:
            repaired = _repair_mip(
                problem, positive, lp.pairs, lp.x, assignment, min(left * 0.4, REPAIR_SECONDS), lam=lp.lam
            )
            if objective(problem, repaired) > objective(problem, assignment) + 1e-9:
                assignment, method = repaired, "lp-rounding+repair"
        left = deadline - time.perf_counter()
        if left > 0.3:  # its passes gain less and less: a share of the time, the rest to the search
            better = improve.improve(
                problem, assignment, time.perf_counter() + min(IMPROVE_SHARE * left, IMPROVE_SECONDS)
            )
            if objective(problem, better) > objective(problem, assignment) + 1e-9:
                assignment, method = better, method + "+swaps"
        target = bound * (1 - LNS_GAP)
        if deadline - time.perf_counter() > 0.05 and objective(problem, assignment) < target:
            found = lns.search(problem, assignment, lp.lam, deadline, target=target)
            if objective(problem, found.assignment) > objective(problem, assignment) + 1e-9:
                assignment, method = found.assignment, method + "+lns"
            notes.append(f"large-neighbourhood search: {found.gains} of {found.rounds} sub-problems gained")
    value = objective(problem, assignment)
    return MatchResult(
        assignment,
        value,
        max(bound, value),
        lp_bound,
        method,
        time.perf_counter() - started,
        lam=lp.lam,
        notes=notes,
    )


def _direct(problem: Problem, positive: IntArray, started: float, deadline: float) -> MatchResult:
    """A small problem: the LP over every column (its bound and prices), then the integer program over
    every column (equal families aggregated when that saves rows) from the LP's rounding, with all the
    time left — no column generation, local improvement or reduced-cost fixing, which cost more than
    they save there (measured: decision 0008)."""
    notes: list[str] = []
    lp = highs_solver.RestrictedLP(problem, positive)
    lp.optimal = lp.solve(max(0.05, deadline - time.perf_counter()))
    lp_bound = lagrangian_bound(problem, positive, lp.lam)
    assignment = _round_and_repair(problem, lp.pairs, lp.x)
    method, bound = "lp-rounding", lp_bound
    left = deadline - time.perf_counter()
    if left > 0.05:
        mip = _exact(problem, positive, assignment, left * 0.95, notes)
        if mip.found and mip.objective > objective(problem, assignment) + 1e-9:
            assignment, method = mip.assignment, "lp-rounding+mip"
        bound = min(bound, mip.bound)
        if relative_gap(objective(problem, assignment), bound) <= EXACT_GAP:
            method = "exact"
    value = objective(problem, assignment)
    elapsed = time.perf_counter() - started
    return MatchResult(assignment, value, max(bound, value), lp_bound, method, elapsed, lp.lam, notes)


def _exact(
    problem: Problem, columns: IntArray, start: IntArray, seconds: float, notes: list[str]
) -> highs_solver.MipResult:
    """The integer program over `columns` from `start`; equal families aggregated when that saves rows."""
    from refugio.solutions.matching import aggregate

    agg = aggregate.aggregate(problem, columns)
    if agg is None:
        return highs_solver.solve_mip(problem, columns, time_limit=seconds, start=start, rel_gap=EXACT_GAP)
    notes.append(f"{problem.n_cases} families aggregated into {agg.problem.n_cases} types of equal families")
    values, value, bound, optimal = highs_solver.solve_counts(
        agg.problem, agg.count, time_limit=seconds, start=aggregate.counts_of(agg, start), rel_gap=EXACT_GAP
    )
    found = values is not None
    dealt = aggregate.deal(agg, values, problem.n_cases) if values is not None else start
    return highs_solver.MipResult(dealt, value if found else 0.0, bound, optimal, found)


def reduced_cost_fixing(
    problem: Problem, positive: IntArray, lam: FloatArray, start: IntArray
) -> tuple[IntArray, float]:
    """The columns that may still be in a solution better than `start`, and an upper bound of every
    solution using one of the others. With capacity prices `lam` >= 0 (the LP's duals), the Lagrangian
    bound of the solutions that place case c in locality l is the whole bound less c's best priced
    score plus (c, l)'s priced score; a column whose bound is below the start's value is dropped: exact,
    no optimum is lost. The start's own columns are always kept."""
    c, loc = problem.pair_case[positive], problem.pair_locality[positive]
    reduced = problem.pair_score[positive] - (problem.sizes[c] * lam[loc]).sum(axis=1)
    best = np.zeros(problem.n_cases)
    np.maximum.at(best, c, reduced)
    whole = float(best.sum() + (problem.capacities * lam).sum())
    column_bound = whole - best[c] + reduced
    value = objective(problem, start)
    keep = (column_bound >= value - 1e-9 * max(1.0, abs(value))) | (start[c] == loc)
    dropped = float(column_bound[~keep].max()) if (~keep).any() else -np.inf
    return positive[keep], dropped


def _repair_mip(
    problem: Problem,
    positive: IntArray,
    pairs: IntArray,
    x: FloatArray,
    start: IntArray,
    seconds: float,
    *,
    lam: FloatArray | None = None,
) -> IntArray:
    """The LP's whole placements fixed; the other cases by HiGHS over their compatible localities and
    the capacities left (started from the rounding). With capacity prices `lam`, only the columns whose
    reduced cost (priced score less the case's best, unplaced counting 0) is within REPAIR_MARGIN times
    the median score, and the start's: all of them (30,000 at 10,000 x 100) take HiGHS's presolve
    past a short limit. More than REPAIR_COLUMNS columns: the start, untried."""
    from refugio.solutions.matching import highs_solver

    fixed = np.full(problem.n_cases, -1, dtype=np.int64)
    whole = pairs[x > 1 - 1e-6]
    fixed[problem.pair_case[whole]] = problem.pair_locality[whole]
    room = problem.capacities - usage(problem, fixed)
    free = fixed < 0
    if (room < 0).any() or not free.any():
        return start
    c, loc = problem.pair_case[positive], problem.pair_locality[positive]
    keep = free[c]
    if lam is not None:
        priced = problem.pair_score[positive] - (problem.sizes[c] * lam[loc]).sum(axis=1)
        best = np.zeros(problem.n_cases)
        np.maximum.at(best, c, priced)
        margin = REPAIR_MARGIN * float(np.median(problem.pair_score[positive]))
        keep &= (priced >= best[c] - margin) | (start[c] == loc)
    columns = positive[keep]
    if len(columns) > REPAIR_COLUMNS:  # HiGHS's presolve alone would outlast the limit
        return start
    begin = start.copy()
    begin[~free] = -1
    mip = highs_solver.solve_mip(
        problem, columns, time_limit=seconds, capacities=room, start=begin, rel_gap=1e-6
    )
    if not mip.found:
        return start
    result = fixed.copy()
    result[free] = mip.assignment[free]
    return result


def _top_per_case(problem: Problem, candidates: IntArray, keys: FloatArray, k: int) -> IntArray:
    """Among `candidates` (pair indices, ascending: grouped by case as the pairs are), the `k` with the
    highest `keys` for each case (the first of equal keys), by case and then by key, highest first."""
    n = len(candidates)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    cases = problem.pair_case[candidates]
    heads = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]])
    segment = np.repeat(np.arange(len(heads)), np.diff(np.r_[heads, n]))
    work = np.array(keys, dtype=np.float64)
    position = np.arange(n)
    taken: list[IntArray] = []
    for _ in range(k):
        top = np.maximum.reduceat(work, heads)
        first = np.minimum.reduceat(np.where(work == top[segment], position, n), heads)
        first = first[np.isfinite(top) & (first < n)]  # a case with fewer than k candidates: done
        if len(first) == 0:
            break
        taken.append(first)
        work[first] = -np.inf
    picked = np.concatenate(taken)
    # by case, then by key, highest first (the order HiGHS receives them in: it changes its path)
    picked = picked[np.lexsort((-np.asarray(keys)[picked], cases[picked]))]
    return np.asarray(candidates[picked], dtype=np.int64)


def lagrangian_bound(
    problem: Problem, pairs: IntArray, lam: FloatArray, prices: PairPrices | None = None
) -> float:
    """max over placements of the score minus the capacity prices `lam`, plus the priced capacities:
    an upper bound of the optimum for any `lam` >= 0, equal to the LP bound at the LP's duals.
    `prices`: the price table of these `pairs` (`PairPrices`), when the caller has one."""
    if prices is None:
        prices = PairPrices(problem, pairs)
    reduced = problem.pair_score[pairs] - prices(lam)
    best = np.zeros(problem.n_cases)
    np.maximum.at(best, problem.pair_case[pairs], reduced)
    return float(best.sum() + (problem.capacities * lam).sum())


def _column_generation(
    problem: Problem, positive: IntArray, deadline: float, *, tolerance: float = 0.0
) -> tuple[Any, float]:
    """The LP over all `positive` columns, generating them as their reduced cost turns positive. With a
    `tolerance` > 0 it also stops when an upper bound of the Lagrangian bound at the LP's duals is
    within that relative distance of the restricted LP's value (a lower bound of the LP bound): the
    last rounds then move neither (`lp.optimal` is True, meaning optimal within the tolerance)."""
    from refugio.solutions.matching import highs_solver

    prices = PairPrices(problem, positive)
    score, cases = problem.pair_score[positive], problem.pair_case[positive]

    start = _top_per_case(problem, positive, score, 1)
    fallback = float("inf")
    if problem.n_cases > PRICES_FIRST:
        now = time.perf_counter()
        lam = _subgradient_prices(problem, positive, stop=now + 0.25 * max(0.0, deadline - now))
        fallback = lagrangian_bound(problem, positive, lam, prices)
        start = np.union1d(start, _top_per_case(problem, positive, score - prices(lam), INITIAL_COLUMNS))
    else:
        start = _top_per_case(problem, positive, score, INITIAL_COLUMNS)
    # a large first LP: interior point (with crossover) is cheaper than the simplex from scratch
    lp = highs_solver.RestrictedLP(problem, start, first_solver="ipm" if tolerance > 0 else "simplex")
    in_lp = np.zeros(problem.n_pairs, dtype=bool)
    in_lp[start] = True
    while True:
        lp.optimal = lp.solve(max(0.1, deadline - time.perf_counter()))
        out = ~in_lp[positive]
        cand, c = positive[out], cases[out]
        reduced = (score - lp.u[cases] - prices(lp.lam))[out]
        entering = cand[reduced > 1e-9]
        if tolerance > 0 and lp.optimal and len(entering) > 0:
            # u covers the columns in the LP (and unplaced, at 0); the entering ones add their excess
            excess = np.zeros(problem.n_cases)
            np.maximum.at(excess, c[reduced > 1e-9], reduced[reduced > 1e-9])
            above = float(lp.u.sum() + excess.sum() + (problem.capacities * lp.lam).sum())
            if above - lp.value <= tolerance * max(abs(lp.value), 1e-9):
                break
        if len(entering) == 0 or time.perf_counter() > deadline - 0.5:
            lp.optimal = lp.optimal and len(entering) == 0  # optimal over every column, not just these
            break
        new = _top_per_case(problem, entering, reduced[reduced > 1e-9], PRICED_PER_ROUND)
        in_lp[new] = True
        lp.add(new)
    return lp, min(fallback, lagrangian_bound(problem, positive, lp.lam, prices))


def _subgradient_prices(
    problem: Problem, positive: IntArray, *, rounds: int = 30, stop: float = float("inf")
) -> FloatArray:
    """Capacity prices from a few subgradient steps on the Lagrangian dual (Polyak steps towards the
    greedy value): they point the column generation at the right localities from its first round."""
    cases = problem.pair_case[positive]
    prices = PairPrices(problem, positive)
    score = problem.pair_score[positive]
    heads = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]])
    segment = np.repeat(np.arange(len(heads)), np.diff(np.r_[heads, len(cases)]))
    caps = problem.capacities.astype(np.float64)
    target = objective(problem, greedy(problem))
    lam = np.zeros(caps.shape)
    best_value, best_lam, step = np.inf, lam, 1.0
    for _ in range(rounds):
        if time.perf_counter() > stop:  # a quarter of the LP's time at most
            break
        reduced = score - prices(lam)
        top = np.maximum.reduceat(reduced, heads)
        value = float(np.maximum(top, 0).sum() + (caps * lam).sum())
        if value < best_value:
            best_value, best_lam = value, lam
        else:
            step *= 0.7
        chosen = (reduced == top[segment]) & (reduced > 0)
        g = caps - prices.demand(chosen)
        norm = float((g * g).sum())
        if norm == 0:
            break
        lam = np.maximum(0.0, lam - step * (value - target) / norm * g)
    return best_lam


def _round_and_repair(problem: Problem, pairs: IntArray, x: FloatArray) -> IntArray:
    """The LP's integral placements kept; the split cases placed where they fit best, by LP weight."""
    assignment = np.full(problem.n_cases, -1, dtype=np.int64)
    whole = pairs[x > 1 - 1e-6]
    assignment[problem.pair_case[whole]] = problem.pair_locality[whole]
    _make_feasible(problem, assignment)  # an LP stopped at the time limit may be primal infeasible
    room = problem.capacities - usage(problem, assignment)
    split = pairs[(x > 1e-6) & (x <= 1 - 1e-6)]
    weight = np.zeros(problem.n_cases)
    np.add.at(weight, problem.pair_case[split], problem.pair_score[split] * x[(x > 1e-6) & (x <= 1 - 1e-6)])
    todo = np.unique(problem.pair_case[split])
    todo = todo[np.argsort(-weight[todo], kind="stable")]
    _fill(problem, assignment, room, todo)
    rest = np.setdiff1d(np.arange(problem.n_cases), problem.pair_case[pairs[x > 1e-6]])
    _fill(problem, assignment, room, rest)
    return assignment


def _make_feasible(problem: Problem, assignment: IntArray) -> None:
    """Unplace the lowest-scored cases of any locality over capacity until it fits."""
    over = (usage(problem, assignment) > problem.capacities).any(axis=1)
    if not over.any():
        return
    placed = np.nonzero(assignment >= 0)[0]
    score = _placed_scores(problem, assignment)
    for loc in np.nonzero(over)[0]:
        members = placed[assignment[placed] == loc]
        members = members[np.argsort(score[members], kind="stable")]
        used = problem.sizes[members].sum(axis=0)
        for c in members:
            if (used <= problem.capacities[loc]).all():
                break
            assignment[c] = -1
            used = used - problem.sizes[c]


def _placed_scores(problem: Problem, assignment: IntArray) -> FloatArray:
    """Per case, the score of its placement (0 when unplaced)."""
    hit = assignment[problem.pair_case] == problem.pair_locality
    return np.bincount(problem.pair_case[hit], problem.pair_score[hit], minlength=problem.n_cases).astype(
        np.float64
    )


def _fill(problem: Problem, assignment: IntArray, room: IntArray, cases: IntArray) -> None:
    """Each unplaced case of `cases` in turn to its best-scored compatible locality with room."""
    lo = np.searchsorted(problem.pair_case, cases, side="left")
    hi = np.searchsorted(problem.pair_case, cases, side="right")
    for c, a, b in zip(cases.tolist(), lo.tolist(), hi.tolist(), strict=True):
        if assignment[c] >= 0 or a == b:
            continue
        locs = problem.pair_locality[a:b]
        scores = problem.pair_score[a:b]
        fits = (room[locs] >= problem.sizes[c]).all(axis=1) & (scores > 0)
        if fits.any():
            best = int(locs[fits][np.argmax(scores[fits])])
            assignment[c] = best
            room[best] -= problem.sizes[c]


def greedy(problem: Problem) -> IntArray:
    """The baseline: each case in the given order to its best-scored locality with room."""
    assignment = np.full(problem.n_cases, -1, dtype=np.int64)
    _fill(problem, assignment, problem.capacities.copy(), np.arange(problem.n_cases))
    return assignment


def explain(problem: Problem, result: MatchResult, case: int) -> dict[str, Any]:
    """Why case `case` went where it did: its score, its best alternatives, and for its locality each
    capacity's use and whether it binds (no room left for this case elsewhere in that dimension, or a
    positive shadow price in the LP)."""
    a = int(np.searchsorted(problem.pair_case, case, side="left"))
    b = int(np.searchsorted(problem.pair_case, case, side="right"))
    loc = int(result.assignment[case])
    options = sorted(
        (
            (problem.locality_ids[int(x)], float(s))
            for x, s in zip(problem.pair_locality[a:b], problem.pair_score[a:b], strict=True)
        ),
        key=lambda t: -t[1],
    )
    used = usage(problem, result.assignment)
    out: dict[str, Any] = {
        "case_id": problem.case_ids[case],
        "locality_id": problem.locality_ids[loc] if loc >= 0 else None,
        "score": next((s for lid, s in options if loc >= 0 and lid == problem.locality_ids[loc]), None),
        "compatible_localities": len(options),
        "alternatives": [{"locality_id": lid, "score": s} for lid, s in options[:3]],
        "capacities": [],
    }
    if loc >= 0:
        for d, name in enumerate(problem.dimensions):
            price = float(result.lam[loc, d]) if result.lam is not None else 0.0
            out["capacities"].append(
                {
                    "dimension": name,
                    "members": int(problem.sizes[case, d]),
                    "used": int(used[loc, d]),
                    "capacity": int(problem.capacities[loc, d]),
                    "binding": bool(used[loc, d] >= problem.capacities[loc, d] or price > 1e-9),
                    "shadow_price": round(price, 6),
                }
            )
    return out
