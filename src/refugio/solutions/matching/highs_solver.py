"""The HiGHS calls of the matcher (the only module that imports highspy, lazily): the integer program
over a set of (case, locality) columns, and a restricted LP that grows by columns (column generation).

Rows: one per case (placed at most once; a family is one column, so it is never split), then one per
locality and dimension (capacity). HiGHS minimises, so costs are the negated scores. Imports numpy and
refugio.solutions.matching.problem only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from refugio.solutions.matching.problem import FloatArray, IntArray, Problem

_QUIET: dict[str, bool] = {}


def _highs() -> Any:
    """A silent HiGHS instance (its banner, printed once per process, goes nowhere)."""
    import highspy

    if not _QUIET:
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _QUIET["done"] = True
    else:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


def _columns(problem: Problem, pairs: IntArray) -> tuple[Any, Any, FloatArray]:
    """CSC arrays (starts, row indices, values) of the columns of `pairs` (indices into the pair arrays)."""
    c = problem.pair_case[pairs]
    loc = problem.pair_locality[pairs]
    dims = problem.sizes.shape[1]
    n = len(pairs)
    idx = np.empty((n, dims + 1), dtype=np.int32)
    val = np.empty((n, dims + 1), dtype=np.float64)
    idx[:, 0] = c
    val[:, 0] = 1.0
    idx[:, 1:] = problem.n_cases + loc[:, None] * dims + np.arange(dims)[None, :]
    val[:, 1:] = problem.sizes[c]
    keep = val != 0
    counts = keep.sum(axis=1)
    starts = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=starts[1:])
    return starts, idx[keep].astype(np.int32), val[keep]


def _model(
    problem: Problem, pairs: IntArray, capacities: IntArray, *, integer: bool, upper: IntArray | None = None
) -> Any:
    """`upper`: per case row, how many families it stands for (aggregated identical families), else 1."""
    import highspy

    starts, index, value = _columns(problem, pairs)
    lp = highspy.HighsLp()
    n = len(pairs)
    rows = problem.n_cases + capacities.size
    lp.num_col_ = n
    lp.num_row_ = rows
    lp.col_cost_ = -problem.pair_score[pairs]
    lp.col_lower_ = np.zeros(n)
    per_case = np.ones(problem.n_cases) if upper is None else upper.astype(np.float64)
    lp.col_upper_ = per_case[problem.pair_case[pairs]]
    lp.row_lower_ = np.full(rows, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([per_case, capacities.ravel().astype(np.float64)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


@dataclass
class MipResult:
    assignment: IntArray  # locality index per case, -1 when unplaced
    objective: float
    bound: float  # HiGHS' dual bound for these columns (an upper bound of the score)
    optimal: bool
    found: bool  # a feasible solution was found


def solve_mip(
    problem: Problem,
    pairs: IntArray,
    *,
    time_limit: float,
    capacities: IntArray | None = None,
    start: IntArray | None = None,
    rel_gap: float = 1e-6,
    options: dict[str, object] | None = None,
) -> MipResult:
    """The integer program over the columns `pairs`, within `time_limit` seconds; `start` (an assignment)
    is given to HiGHS as its first incumbent; `options`: more of HiGHS's options."""
    import highspy

    caps = problem.capacities if capacities is None else capacities
    h = _highs()
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(_model(problem, pairs, caps, integer=True))
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("mip_rel_gap", rel_gap)
    if start is not None:
        x = (start[problem.pair_case[pairs]] == problem.pair_locality[pairs]).astype(np.float64)
        sol = highspy.HighsSolution()
        sol.col_value = x.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    assignment = np.full(problem.n_cases, -1, dtype=np.int64)
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if found:
        x = np.asarray(h.getSolution().col_value)
        chosen = pairs[x > 0.5]
        assignment[problem.pair_case[chosen]] = problem.pair_locality[chosen]
    bound = -float(info.mip_dual_bound)
    return MipResult(
        assignment=assignment,
        objective=-float(info.objective_function_value) if found else 0.0,
        bound=bound if np.isfinite(bound) else float("inf"),
        optimal=status == highspy.HighsModelStatus.kOptimal,
        found=found,
    )


class RestrictedLP:
    """The LP relaxation over a growing set of columns; after `solve`, `x` (per column), the case duals
    `u` and the capacity duals `lam[locality, dimension]` (both >= 0, prices of a maximisation).
    `first_solver`: HiGHS's solver for the first solve ("ipm": interior point with crossover, cheaper
    on a large first LP); every later solve is the simplex, warm-started from the last basis."""

    def __init__(self, problem: Problem, pairs: IntArray, *, first_solver: str = "simplex") -> None:
        if first_solver not in ("simplex", "ipm"):
            raise ValueError(f"first_solver must be 'simplex' or 'ipm', not {first_solver!r}")
        self.problem = problem
        self.pairs = pairs.copy()
        self.h = _highs()
        self.h.passModel(_model(problem, self.pairs, problem.capacities, integer=False))
        self.h.setOptionValue("solver", first_solver)
        self.x: FloatArray = np.zeros(len(pairs))
        self.u: FloatArray = np.zeros(problem.n_cases)
        self.lam: FloatArray = np.zeros(problem.capacities.shape)
        self.value = 0.0
        self.optimal = False

    def add(self, pairs: IntArray) -> None:
        starts, index, value = _columns(self.problem, pairs)
        n = len(pairs)
        self.h.addCols(
            n,
            -self.problem.pair_score[pairs],
            np.zeros(n),
            np.ones(n),
            len(index),
            starts[:-1],
            index,
            value,
        )
        self.pairs = np.concatenate([self.pairs, pairs])

    def solve(self, time_limit: float) -> bool:
        """Solve (warm-started after `add`); False when HiGHS stopped before the optimum."""
        import highspy

        self.h.setOptionValue("time_limit", max(0.05, float(time_limit)))
        self.h.run()
        self.h.setOptionValue("solver", "simplex")  # later solves start from this basis
        sol = self.h.getSolution()
        self.x = np.asarray(sol.col_value)
        duals = -np.asarray(sol.row_dual)
        n = self.problem.n_cases
        self.lam = np.maximum(duals[n:], 0.0).reshape(self.problem.capacities.shape)
        # a case whose column sits at its bound of 1 has its price on that bound, not on its row: the
        # price of a case is its best priced score among the columns (the dual the pricing needs)
        p = self.problem
        c, loc = p.pair_case[self.pairs], p.pair_locality[self.pairs]
        priced = p.pair_score[self.pairs] - (p.sizes[c] * self.lam[loc]).sum(axis=1)
        self.u = np.maximum(duals[:n], 0.0)
        np.maximum.at(self.u, c, priced)
        self.value = -float(self.h.getInfo().objective_function_value)
        return bool(self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def solve_counts(
    problem: Problem,
    upper: IntArray,
    *,
    time_limit: float,
    start: FloatArray | None = None,
    rel_gap: float = 1e-6,
) -> tuple[FloatArray | None, float, float, bool]:
    """The integer program of aggregated families: case row k of `problem` stands for `upper[k]` equal
    families, and a column's value is how many of them go to its locality. Returns (values per pair or
    None when nothing was found, objective, dual bound, proven optimal)."""
    import highspy

    pairs = np.arange(problem.n_pairs)
    h = _highs()
    h.passModel(_model(problem, pairs, problem.capacities, integer=True, upper=upper))
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("mip_rel_gap", rel_gap)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    found = info.primal_solution_status == 2
    values = np.rint(np.asarray(h.getSolution().col_value)) if found else None
    bound = -float(info.mip_dual_bound)
    return (
        values,
        -float(info.objective_function_value) if found else 0.0,
        bound if np.isfinite(bound) else float("inf"),
        h.getModelStatus() == highspy.HighsModelStatus.kOptimal,
    )
