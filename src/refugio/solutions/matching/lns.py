"""Large-neighbourhood search of the solver ladder (after the LP, its rounding, repair and local
improvement): LOCALITIES localities at a time are re-packed. Their core is freed — every family placed
there whose priced score (score less the LP's capacity prices) exceeds its best alternative inside the
neighbourhood (another of the localities, or unplaced at 0) by at most CORE_MARGIN times the median
score — with the unplaced families compatible with one of them (the best by priced score, at most
CANDIDATES per family freed); the other families placed there keep their places and their room.
HiGHS solves that sub-problem (the free families over those localities, on the capacities the others
leave, started from the current placements, so never worse) within SUB_LIMIT seconds (wall, raised
while sub-problems stop at their limit: a loaded machine gives the process less of it), and an
improvement is kept. Families placed elsewhere stay where they are, so the result stays feasible, and a
family is one column of the sub-problem, so it is never split. (Cores of four or five localities gain
more per CPU second than two whole localities: measured, decision 0008, stops 26 and 27.)

WORKERS sub-problems are solved at once, each in a thread (HiGHS releases the GIL), on disjoint
localities and disjoint families: a sub-problem's families are those placed in its localities and
unplaced ones no other running sub-problem holds, and its result moves only them, only within its
localities or out of them, so each result merges with whatever finished meanwhile and stays feasible.

Which localities: the capacity prices `lam` of the LP split the gap between the Lagrangian bound and the
current value exactly into a part per locality — its unused capacity at its prices, the regret of the
families placed there (their best priced score less the one they get) and that of the unplaced families
whose best priced column is there. The locality with the largest part is taken, the others drawn one by
one, half in proportion to the parts, half to their links with those already taken (the regret of
families placed in one whose best priced locality is the other; the localities of running sub-problems
left out), by a seeded generator: with one worker, the same input gives the same search when no
sub-problem stops at its time limit (with more, the order in which they finish changes what is drawn
next). A neighbourhood that gained nothing weighs less the next time. When a few draws give only
neighbourhoods tried since the last gain, the search starts again with every weight at 1 and one
locality more per neighbourhood, up to WIDEN more (from such a local optimum a fresh search still gains,
measured; a gain takes it back to `localities`); it stops after RESTARTS restarts in a row without a
gain, at the deadline (checked before each sub-problem, whose limit is the time left less 0.05 s at
most), or when the value reaches `target`.
Numpy here; HiGHS through refugio.solutions.matching.highs_solver."""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from refugio.solutions.matching import highs_solver
from refugio.solutions.matching.problem import (
    BoolArray,
    FloatArray,
    IntArray,
    PairPrices,
    Problem,
    objective,
    usage,
)

LOCALITIES = 5  # localities per neighbourhood (one more at each restart)
CORE_MARGIN = 0.03  # a family placed there is freed when its margin is at most this x the median score
SUB_LIMIT = 0.05  # s per sub-problem (wall; most of its gain comes by then), raised while they stop at it
CANDIDATES = 1.0  # unplaced families freed at most, per family placed there (best priced score first)
SUB_RAISE = 4.0  # a sub-problem's limit is raised up to this x sub_limit while they stop at it
SUB_GAP = 1e-4  # relative gap at which a sub-problem counts as solved
TRIED_WEIGHT = 0.25  # a neighbourhood's localities that gained nothing weigh this much more times
WORKERS = max(1, min(2, os.cpu_count() or 1))  # sub-problems solved at once (HiGHS frees the GIL)
RESTARTS = 10  # restarts in a row without a gain before the search stops
WIDEN = 2  # localities added at most by restarts in a row (one each)
SUB_OPTIONS: dict[str, object] = {"mip_allow_restart": False}  # HiGHS's options for the sub-problems
DENSE_LOOKUP = 4_000_000  # families x localities at most for a look-up table of the pairs (8 bytes each)


@dataclass
class Search:
    assignment: IntArray
    rounds: int  # sub-problems tried
    gains: int  # of them, those that improved


def loss_by_locality(problem: Problem, assignment: IntArray, lam: FloatArray) -> FloatArray:
    """Per locality, its part of the Lagrangian bound at prices `lam` less the value of `assignment`:
    the parts add up to exactly that difference (all >= 0 for a feasible assignment)."""
    return _Priced(problem, lam).parts(assignment)


class _Priced:
    """The scores less the capacity prices, and each family's best priced locality (computed once: they
    depend on the prices only; then each round's parts and links take a few milliseconds)."""

    def __init__(self, p: Problem, lam: FloatArray) -> None:
        self.p, self.lam = p, lam
        c, loc = p.pair_case, p.pair_locality
        self.reduced = p.pair_score - PairPrices(p, np.arange(p.n_pairs))(lam)
        self.best = np.zeros(p.n_cases)  # unplaced counts 0
        np.maximum.at(self.best, c, self.reduced)
        at_best = (self.reduced >= self.best[c]) & (self.best[c] > 0)
        self.best_loc = np.full(p.n_cases, -1, dtype=np.int64)
        self.best_loc[c[at_best]] = loc[at_best]  # one of the best (the last, for ties)
        # a placement's pair read from a table of every (family, locality) when that is small, else found
        # by binary search (either way a few thousand look-ups, not a pass over the pairs)
        key = c * p.n_localities + loc
        self.table: IntArray | None = None
        if p.n_cases * p.n_localities <= DENSE_LOOKUP:
            self.table = np.full(p.n_cases * p.n_localities, -1, dtype=np.int64)
            self.table[key] = np.arange(len(key))
            return
        self.order = None if bool(np.all(key[1:] >= key[:-1])) else np.argsort(key, kind="stable")
        self.key = key if self.order is None else key[self.order]

    def placements(self, current: IntArray) -> tuple[IntArray, IntArray]:
        """The placed families of `current` and the index of each one's pair."""
        cases = np.flatnonzero(current >= 0)
        wanted = cases * self.p.n_localities + current[cases]
        if self.table is not None:
            found = self.table[wanted]
            known = found >= 0  # a placement with no pair (incompatible) scores nothing
            return cases[known], found[known]
        at = np.minimum(np.searchsorted(self.key, wanted), len(self.key) - 1)
        pair = self.key[at] == wanted  # a placement with no pair (incompatible) scores nothing
        cases, at = cases[pair], at[pair]
        return cases, (at if self.order is None else self.order[at])

    def value(self, current: IntArray) -> float:
        """The objective of `current` (as `problem.objective`)."""
        _cases, pairs = self.placements(current)
        return float(self.p.pair_score[pairs].sum())

    def regret(self, current: IntArray) -> FloatArray:
        cases, pairs = self.placements(current)
        got = np.zeros(self.p.n_cases)
        got[cases] = self.reduced[pairs]
        return np.asarray(self.best - got, dtype=np.float64)

    def parts(self, current: IntArray, regret: FloatArray | None = None) -> FloatArray:
        p = self.p
        regret = self.regret(current) if regret is None else regret
        room = p.capacities - usage(p, current)
        part = (room * self.lam).sum(axis=1)
        where = np.where(current >= 0, current, self.best_loc)
        counted = where >= 0
        part += np.bincount(where[counted], regret[counted], minlength=p.n_localities)
        return np.asarray(part, dtype=np.float64)

    def links(self, current: IntArray, regret: FloatArray) -> FloatArray:
        """links[l, m]: the regret of the families placed in l whose best priced locality is m, both
        ways."""
        n = self.p.n_localities
        moving = np.flatnonzero(
            (current >= 0) & (self.best_loc >= 0) & (self.best_loc != current) & (regret > 0)
        )
        flat = np.bincount(current[moving] * n + self.best_loc[moving], regret[moving], minlength=n * n)
        links = flat.reshape(n, n)
        return np.asarray(links + links.T, dtype=np.float64)


def search(
    problem: Problem,
    assignment: IntArray,
    lam: FloatArray,
    deadline: float,
    *,
    target: float = np.inf,
    seed: int = 0,
    localities: int = LOCALITIES,
    sub_limit: float = SUB_LIMIT,
    core_margin: float | None = CORE_MARGIN,
    workers: int = WORKERS,
) -> Search:
    """A better (or the same) feasible assignment by `deadline` (perf_counter seconds); stops early at
    `target` (an objective value). `assignment` is left alone. `core_margin`: which families placed in
    the chosen localities are freed — those whose margin (below) is at most `core_margin` times the
    median positive score; None frees them all. `workers`: sub-problems solved at once, on disjoint
    localities and disjoint families (so each one's result merges with the others' as it is); with one,
    the search is deterministic for a seed when no sub-problem stops at its time limit."""
    if core_margin is not None and core_margin < 0:
        raise ValueError(f"core_margin must be >= 0 or None, not {core_margin}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    run = _Run(problem, assignment, lam, seed=seed, localities=localities, core_margin=core_margin)
    limit = sub_limit
    running: dict[Future[highs_solver.MipResult], _Neighbourhood] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lns") as pool:
        while True:
            while len(running) < workers and run.value < target - 1e-9:
                left = deadline - time.perf_counter()
                if left <= 0.1:
                    break
                hood = run.draw(restart=not running)
                if hood is None:
                    break  # (when some are running: drawn again once they have finished)
                # 0.05 s of the time left kept for building the sub-problem and reading its answer
                running[pool.submit(hood.solve, min(limit, left - 0.05))] = hood
            if not running:
                break
            done, _pending = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                hood = running.pop(future)
                mip = future.result()
                # a sub-problem stopped by its limit: the next gets more time (the limit is wall time,
                # and a loaded machine gives less of it to the process), up to SUB_RAISE x sub_limit;
                # one solved, less again
                raised = min(SUB_RAISE * sub_limit, limit * 1.5)
                limit = max(sub_limit, limit / 1.5) if mip.optimal else raised
                run.settle(hood, mip)
    return Search(run.current, run.rounds, run.gains)


class _Run:
    """The search's state: the incumbent and its value, the localities' weights, the neighbourhoods
    tried since the last gain, the restarts in a row, and what the running sub-problems hold."""

    def __init__(
        self,
        p: Problem,
        assignment: IntArray,
        lam: FloatArray,
        *,
        seed: int,
        localities: int,
        core_margin: float | None,
    ) -> None:
        positive = p.pair_score[p.pair_score > 0]
        self.margin = (
            np.inf if core_margin is None or len(positive) == 0 else core_margin * float(np.median(positive))
        )
        self.p, self.localities = p, localities
        self.current = assignment.copy()
        self.value = objective(p, self.current)
        self.rng = np.random.default_rng(seed)
        self.k = min(localities, p.n_localities)
        self.weight = np.ones(p.n_localities)
        self.priced = _Priced(p, lam)
        self.columns = _Columns(p, self.priced.reduced)  # a sub-problem reads only its localities'
        self.rounds = self.gains = self.restarts = 0
        self.tried: set[tuple[int, ...]] = set()
        # the localities and families of the sub-problems being solved: a new one takes none of them
        self.busy_loc = np.zeros(p.n_localities, dtype=bool)
        self.busy_case = np.zeros(p.n_cases, dtype=bool)

    def draw(self, *, restart: bool) -> _Neighbourhood | None:
        """The next sub-problem (marked running), or None: nothing to draw now. `restart`: when every
        draw gives a neighbourhood tried, start again (unless RESTARTS in a row gained nothing)."""
        p, priced = self.p, self.priced
        while True:
            regret = priced.regret(self.current)
            raw = priced.parts(self.current, regret)
            raw[self.busy_loc] = 0.0
            if raw.max() <= 1e-9:
                return None
            part = raw * self.weight
            links = priced.links(self.current, regret)
            links[self.busy_loc] = 0.0
            links[:, self.busy_loc] = 0.0
            chosen = _choose(self.rng, part, links, self.k, self.tried)
            if chosen is None:
                if not restart or self.restarts >= RESTARTS:
                    return None
                # stuck in this neighbourhood's local optimum: start again, one locality wider
                self.restarts += 1
                self.k = min(self.localities + min(self.restarts, WIDEN), p.n_localities)
                self.weight[:] = 1.0
                self.tried.clear()
                continue
            self.tried.add(tuple(chosen.tolist()))
            hood = _neighbourhood(
                p, self.current, priced.reduced, chosen, self.margin, self.columns, self.busy_case
            )
            self.rounds += 1
            if hood is None:
                self._tried(chosen)
                continue
            self.busy_loc[chosen] = True
            self.busy_case[hood.cases] = True
            return hood

    def settle(self, hood: _Neighbourhood, mip: highs_solver.MipResult) -> None:
        """A finished sub-problem: its result kept when it gains, its localities and families freed."""
        self.busy_loc[hood.chosen] = False
        self.busy_case[hood.cases] = False
        better = hood.apply(self.current, mip)
        gained = self.priced.value(better) if better is not None else self.value
        if better is not None and gained > self.value + 1e-9:
            self.current, self.value = better, gained
            self.gains += 1
            self.tried.clear()  # the others' neighbourhoods changed too
            self.restarts, self.k = 0, min(self.localities, self.p.n_localities)
        else:
            self._tried(hood.chosen)

    def _tried(self, chosen: IntArray) -> None:
        """Localities of a neighbourhood that gained nothing weigh less; the weights only shape the draw,
        so they are rescaled to a largest of 1: many such tries never make them all vanish (which ended
        the search as if nothing were left to gain: stop 28)."""
        self.weight[chosen] *= TRIED_WEIGHT
        self.weight /= self.weight.max()
        np.maximum(self.weight, 1e-12, out=self.weight)  # and none reaches 0 (twenty such tries in a row)


def _choose(
    rng: np.random.Generator, part: FloatArray, links: FloatArray, k: int, tried: set[tuple[int, ...]]
) -> IntArray | None:
    """The locality with the largest part, then k-1 others drawn one by one, half in proportion to their
    parts, half to their links with those chosen; None when a few draws give only neighbourhoods already
    tried since the last gain."""
    n = len(part)
    first = int(np.argmax(part))
    for _ in range(8):
        pick = [first]
        for _step in range(k - 1):
            mask = np.ones(n, dtype=bool)
            mask[pick] = False
            share = np.where(mask, part, 0.0)
            linked = np.where(mask, links[pick].sum(axis=0), 0.0)
            prob = np.zeros(n)
            for weights in (share, linked):
                if weights.sum() > 0:
                    prob += weights / weights.sum()
            if not np.any(prob > 0):
                break
            pick.append(int(rng.choice(n, p=prob / prob.sum())))
        chosen = np.sort(np.array(pick, dtype=np.int64))
        if tuple(chosen.tolist()) not in tried:
            return chosen
        positive = np.flatnonzero(part > 0)
        first = int(rng.choice(positive, p=part[positive] / part[positive].sum()))
    return None


@dataclass(eq=False)  # compared by identity (its arrays have no truth value)
class _Neighbourhood:
    """A sub-problem of the search: its localities (`chosen`), its free families (`cases`, indices into
    the whole problem), the problem over them and the start (their current places)."""

    chosen: IntArray
    cases: IntArray
    sub: Problem
    start: IntArray

    def solve(self, seconds: float) -> highs_solver.MipResult:
        return highs_solver.solve_mip(
            self.sub,
            np.arange(self.sub.n_pairs),
            time_limit=seconds,
            start=self.start,
            rel_gap=SUB_GAP,
            options=SUB_OPTIONS,
        )

    def apply(self, current: IntArray, mip: highs_solver.MipResult) -> IntArray | None:
        """`current` with the sub-problem's families where HiGHS put them (None when it found nothing);
        only those families move, and only within `chosen` or out of them."""
        if not mip.found:
            return None
        result = current.copy()
        placed = mip.assignment >= 0
        result[self.cases] = np.where(placed, self.chosen[np.maximum(mip.assignment, 0)], -1)
        return result


class _Columns:
    """The columns of each locality: their pair indices (ascending), cases, priced scores and whether
    they can score (score > 0), each locality's in one contiguous block, so that a sub-problem reads
    its few localities' columns without gathering from the whole problem's arrays."""

    def __init__(self, p: Problem, reduced: FloatArray) -> None:
        order = np.argsort(p.pair_locality, kind="stable")
        self.pair, self.case, self.reduced = order, p.pair_case[order], reduced[order]
        self.locality, self.scoring = p.pair_locality[order], p.pair_score[order] > 0
        self.cuts = np.searchsorted(self.locality, np.arange(p.n_localities + 1)).tolist()

    def of(self, chosen: IntArray) -> tuple[IntArray, IntArray, IntArray, FloatArray, BoolArray]:
        """(pair, case, locality, priced score, can score) of the columns of `chosen`."""
        blocks = [slice(self.cuts[x], self.cuts[x + 1]) for x in chosen.tolist()]

        def joined(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.concatenate([a[b] for b in blocks])

        return (
            joined(self.pair),
            joined(self.case),
            joined(self.locality),
            joined(self.reduced),
            joined(self.scoring),
        )


def _neighbourhood(
    p: Problem,
    current: IntArray,
    reduced: FloatArray,
    chosen: IntArray,
    margin: float = np.inf,
    columns: _Columns | None = None,
    taken: BoolArray | None = None,
) -> _Neighbourhood | None:
    """The movable families of `chosen` and the unplaced ones compatible with them, over those
    localities on the capacities the others leave there (None when there is no column). A family placed
    in `chosen` is movable when its priced score where it is exceeds its best alternative inside the
    neighbourhood (another chosen locality, or unplaced at 0) by at most `margin` (infinite: all).
    `columns`: the localities' columns (`_Columns` over `reduced`, built here when not given). `taken`:
    families another sub-problem holds (unplaced ones it may place): not candidates here."""
    in_n = np.zeros(p.n_localities, dtype=bool)
    in_n[chosen] = True
    pair, case, loc, red, scoring = (columns or _Columns(p, reduced)).of(chosen)
    # every column below is one of `chosen`'s: the pairs of other localities play no part
    where = current[case]
    inside = (current >= 0) & in_n[np.maximum(current, 0)]
    room = p.capacities[chosen].copy()
    if np.isfinite(margin):
        here = where == loc  # the families placed inside have their column among these
        got = np.full(p.n_cases, np.inf)
        got[case[here]] = red[here]
        other = scoring & inside[case] & ~here  # their columns in the other chosen localities
        alternative = np.zeros(p.n_cases)  # unplaced
        np.maximum.at(alternative, case[other], red[other])
        stays = inside & (got - alternative > margin)
        inside &= ~stays
        # the families that stay take their room out of the sub-problem's capacities
        room -= usage(p, np.where(stays, current, -1))[chosen]
    # the unplaced candidates: by their best priced score there, at most CANDIDATES per family placed
    unplaced = scoring & (where < 0)
    if taken is not None:
        unplaced &= ~taken[case]
    best = np.full(p.n_cases, -np.inf)
    np.maximum.at(best, case[unplaced], red[unplaced])
    pool = np.flatnonzero(np.isfinite(best))
    limit = int(CANDIDATES * max(1, inside.sum()))
    if len(pool) > limit:
        pool = pool[np.argsort(-best[pool], kind="stable")[:limit]]
    free = inside.copy()
    free[pool] = True
    cols = np.sort(pair[scoring & free[case]])  # by case, then locality (as the problem's pairs)
    if len(cols) == 0:
        return None
    cases = np.flatnonzero(free)
    case_index = np.full(p.n_cases, -1, dtype=np.int64)
    case_index[cases] = np.arange(len(cases))
    loc_index = np.full(p.n_localities, -1, dtype=np.int64)
    loc_index[chosen] = np.arange(len(chosen))
    sub = Problem(
        case_ids=[p.case_ids[c] for c in cases.tolist()],
        locality_ids=[p.locality_ids[x] for x in chosen.tolist()],
        dimensions=p.dimensions,
        sizes=p.sizes[cases],
        capacities=room,
        pair_case=case_index[p.pair_case[cols]],
        pair_locality=loc_index[p.pair_locality[cols]],
        pair_score=p.pair_score[cols],
    )
    start = np.where(inside[cases], loc_index[np.maximum(current[cases], 0)], -1)
    return _Neighbourhood(chosen=chosen, cases=cases, sub=sub, start=start)
