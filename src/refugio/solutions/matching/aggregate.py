"""Symmetry in the integer program: families with the same members in every capacity dimension and the
same score in every locality (equal features give equal model scores) are interchangeable, so they are
one row standing for their number, with one integer column per (family type, locality) counting how
many go there — the branch and bound no longer tries their permutations. The solution is dealt back to
the families (each one whole, in one locality). Numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refugio.solutions.matching.problem import FloatArray, IntArray, Problem

WORTH_IT = 0.8  # aggregate only when the types are at most this share of the families


@dataclass
class Aggregated:
    problem: Problem  # one row per family type (its sizes), the columns of its first family
    count: IntArray  # families per type
    members: list[IntArray]  # the families of each type


def aggregate(problem: Problem, pairs: IntArray) -> Aggregated | None:
    """The aggregated problem over the columns `pairs` (sorted by case), or None when it saves little."""
    cases = problem.pair_case[pairs]
    bounds = np.searchsorted(cases, np.arange(problem.n_cases + 1), side="left")
    types: dict[tuple[object, ...], list[int]] = {}
    for c in range(problem.n_cases):
        a, b = int(bounds[c]), int(bounds[c + 1])
        if a == b:
            continue  # no column: never placed
        cols = pairs[a:b]
        key = (
            tuple(problem.sizes[c].tolist()),
            tuple(problem.pair_locality[cols].tolist()),
            tuple(problem.pair_score[cols].tolist()),
        )
        types.setdefault(key, []).append(c)
    if not types or len(types) > WORTH_IT * problem.n_cases:
        return None
    firsts = [members[0] for members in types.values()]
    pc, pl, ps = [], [], []
    for t, c in enumerate(firsts):
        cols = pairs[int(bounds[c]) : int(bounds[c + 1])]
        pc.append(np.full(len(cols), t, dtype=np.int64))
        pl.append(problem.pair_locality[cols])
        ps.append(problem.pair_score[cols])
    reduced = Problem(
        case_ids=[problem.case_ids[c] for c in firsts],
        locality_ids=problem.locality_ids,
        dimensions=problem.dimensions,
        sizes=problem.sizes[firsts],
        capacities=problem.capacities,
        pair_case=np.concatenate(pc),
        pair_locality=np.concatenate(pl),
        pair_score=np.concatenate(ps),
    )
    return Aggregated(
        problem=reduced,
        count=np.array([len(m) for m in types.values()], dtype=np.int64),
        members=[np.array(m, dtype=np.int64) for m in types.values()],
    )


def counts_of(agg: Aggregated, assignment: IntArray) -> FloatArray:
    """How many families of each type an assignment puts in each column of the aggregated problem."""
    values = np.zeros(agg.problem.n_pairs)
    index = {(int(t), int(loc)): k for k, (t, loc) in enumerate(
        zip(agg.problem.pair_case.tolist(), agg.problem.pair_locality.tolist(), strict=True)
    )}  # fmt: skip
    for t, members in enumerate(agg.members):
        for loc in assignment[members].tolist():
            if loc >= 0 and (t, loc) in index:
                values[index[(t, loc)]] += 1
    return values


def deal(agg: Aggregated, values: FloatArray, n_cases: int) -> IntArray:
    """Each family's locality (-1: unplaced) from the counts per (type, locality)."""
    assignment = np.full(n_cases, -1, dtype=np.int64)
    taken = np.zeros(len(agg.members), dtype=np.int64)
    for k in np.nonzero(values > 0.5)[0].tolist():
        t = int(agg.problem.pair_case[k])
        n = int(np.rint(values[k]))
        chosen = agg.members[t][taken[t] : taken[t] + n]
        assignment[chosen] = int(agg.problem.pair_locality[k])
        taken[t] += n
    return assignment
