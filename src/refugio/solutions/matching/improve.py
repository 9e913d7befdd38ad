"""Local improvement of a feasible assignment, keeping it feasible: families of the same composition
(the same members in every capacity dimension) are interchangeable as far as capacities go, so within
each such class the places its families hold (and "unplaced") are re-dealt optimally among them — a
linear assignment problem per class (scipy), which contains every swap and every rotation between
equal families; then moves of single families into localities with room where they score more. Repeated
while it gains and time allows. Numpy and scipy only."""

from __future__ import annotations

import time

import numpy as np

from refugio.solutions.matching.problem import FloatArray, IntArray, Problem, objective, usage

DENSE_LIMIT = 20_000_000  # cases x localities above which no dense score table is built (no improvement)
_FORBIDDEN = -1e6
CHUNK = 400  # families of one class re-dealt together at most


def load() -> None:
    """Import scipy's assignment solver now (a one-off cost of the process, kept out of a time limit)."""
    from scipy.optimize import linear_sum_assignment  # noqa: F401


def _dense(problem: Problem) -> FloatArray:
    table = np.full((problem.n_cases, problem.n_localities), -np.inf)
    table[problem.pair_case, problem.pair_locality] = problem.pair_score
    return table


def reassign_classes(
    problem: Problem,
    assignment: IntArray,
    table: FloatArray,
    deadline: float,
    rng: np.random.Generator | None = None,
) -> bool:
    """Re-deal the places of each class of equal families among them (in place); True when it gained.
    A class larger than CHUNK is dealt in chunks of families drawn by `rng` (the first ones without)."""
    from scipy.optimize import linear_sum_assignment

    _keys, cls = np.unique(problem.sizes, axis=0, return_inverse=True)
    cls = np.asarray(cls).ravel()
    gained = False
    order = np.argsort(cls, kind="stable")
    bounds = np.flatnonzero(np.r_[True, cls[order][1:] != cls[order][:-1], True])
    # a large class is re-dealt in chunks: an assignment problem grows with the cube of its size, and
    # the deadline is checked between chunks (the time limit is the limit)
    chunks: list[IntArray] = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        members = order[a:b] if b - a <= CHUNK or rng is None else rng.permutation(order[a:b])
        chunks.extend(members[start : start + CHUNK] for start in range(0, b - a, CHUNK))
    for members in chunks:
        if len(members) < 2 or time.perf_counter() > deadline:
            continue
        slots = assignment[members]
        weights = np.where(slots[None, :] >= 0, table[members][:, np.maximum(slots, 0)], 0.0)
        weights = np.where(np.isfinite(weights), np.maximum(weights, 0.0), _FORBIDDEN)
        rows, cols = linear_sum_assignment(weights, maximize=True)
        now = float(weights[np.arange(len(members)), np.arange(len(members))].sum())
        if float(weights[rows, cols].sum()) > now + 1e-9:
            new = np.empty_like(slots)
            new[rows] = slots[cols]
            # a case dealt an incompatible or worthless place is left unplaced (frees room: still feasible)
            bad = weights[rows, cols] <= 0
            new[rows[bad]] = -1
            assignment[members] = new
            gained = True
    return gained


def move_singles(problem: Problem, assignment: IntArray, table: FloatArray, deadline: float) -> bool:
    """Each family, in turn, to the compatible locality with room where it scores most (in place)."""
    room = problem.capacities - usage(problem, assignment)
    current = np.where(assignment >= 0, table[np.arange(problem.n_cases), np.maximum(assignment, 0)], 0.0)
    best = np.max(np.where(np.isfinite(table), table, -np.inf), axis=1)
    gained = False
    for n, c in enumerate(np.nonzero(best > current + 1e-9)[0].tolist()):
        if n % 256 == 255 and time.perf_counter() > deadline:
            break
        fits = (room >= problem.sizes[c]).all(axis=1) & (table[c] > current[c] + 1e-9)
        if not fits.any():
            continue
        target = int(np.argmax(np.where(fits, table[c], -np.inf)))
        if assignment[c] >= 0:
            room[assignment[c]] += problem.sizes[c]
        room[target] -= problem.sizes[c]
        assignment[c] = target
        current[c] = table[c, target]
        gained = True
    return gained


def improve(problem: Problem, assignment: IntArray, deadline: float) -> IntArray:
    """A better (or the same) feasible assignment, by the time `deadline` (perf_counter seconds)."""
    if problem.n_cases * problem.n_localities > DENSE_LIMIT or problem.n_pairs == 0:
        return assignment
    table = _dense(problem)
    result = assignment.copy()
    before = objective(problem, result)
    rng = np.random.default_rng(0)  # deterministic: the same chunks of large classes for the same input
    while time.perf_counter() < deadline:
        moved = move_singles(problem, result, table, deadline)
        dealt = reassign_classes(problem, result, table, deadline, rng)
        if not (moved or dealt):
            break
    return result if objective(problem, result) >= before else assignment
