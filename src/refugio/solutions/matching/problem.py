"""A matching problem as arrays: cases with their sizes per dimension, localities with their capacities
per dimension, and the compatible (case, locality) pairs with their scores. An absent pair is
incompatible. Pure numpy; imports nothing from refugio but core.errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from refugio.core.errors import FieldError, ValidationFailed

DIMENSIONS_3 = ("children", "adults", "seniors")
DIMENSIONS_1 = ("people",)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Problem:
    """`sizes[c, d]`: members of case c in dimension d; `capacities[l, d]`; pairs `pair_case[k]`,
    `pair_locality[k]` with `pair_score[k]` (sorted by case, then locality)."""

    case_ids: list[str]
    locality_ids: list[str]
    dimensions: tuple[str, ...]
    sizes: IntArray
    capacities: IntArray
    pair_case: IntArray
    pair_locality: IntArray
    pair_score: FloatArray
    fixed: dict[int, int] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    @property
    def n_localities(self) -> int:
        return len(self.locality_ids)

    @property
    def n_pairs(self) -> int:
        return int(self.pair_case.shape[0])


class PairPrices:
    """The capacity price of each of `pairs` (sum over dimensions of the family's members times the
    locality's price) for any prices: families fall into few size types, so a price table of types x
    localities is computed per call and read at each pair (a few ms at 700,000 pairs)."""

    def __init__(self, problem: Problem, pairs: IntArray) -> None:
        self.types, kind = np.unique(problem.sizes, axis=0, return_inverse=True)
        self.types = self.types.astype(np.float64)
        self.n_localities = problem.n_localities
        kind = np.asarray(kind).reshape(-1)
        self.flat = kind[problem.pair_case[pairs]] * problem.n_localities + problem.pair_locality[pairs]

    def __call__(self, lam: FloatArray) -> FloatArray:
        return np.asarray((self.types @ lam.T).ravel()[self.flat], dtype=np.float64)

    def demand(self, chosen: BoolArray) -> FloatArray:
        """Per locality and dimension, the members of the `chosen` pairs' families."""
        counts = np.bincount(self.flat[chosen], minlength=len(self.types) * self.n_localities)
        return np.asarray(counts.reshape(len(self.types), self.n_localities).T @ self.types, dtype=np.float64)


def build(
    *,
    cases: Sequence[tuple[str, Sequence[int]]],
    localities: Sequence[tuple[str, Sequence[int]]],
    scores: Sequence[tuple[str, str, float]],
    dimensions: tuple[str, ...] = DIMENSIONS_3,
) -> Problem:
    """A problem from plain rows; case sizes are given per child/adult/senior and summed when the
    localities count people only (`dimensions == DIMENSIONS_1`). Unknown ids, negative numbers and
    duplicates are refused with one FieldError each."""
    errors: list[FieldError] = []
    case_index: dict[str, int] = {}
    for n, (cid, _s) in enumerate(cases):
        if cid in case_index:
            errors.append(FieldError(f"cases.{n}", f"case {cid!r} is given twice", "duplicate"))
        case_index.setdefault(cid, n)
    loc_index: dict[str, int] = {}
    for n, (lid, _c) in enumerate(localities):
        if lid in loc_index:
            errors.append(FieldError(f"localities.{n}", f"locality {lid!r} is given twice", "duplicate"))
        loc_index.setdefault(lid, n)
    raw_sizes = np.array([list(s) for _c, s in cases], dtype=np.int64).reshape(len(cases), 3)
    sizes = raw_sizes if len(dimensions) == 3 else raw_sizes.sum(axis=1, keepdims=True)
    caps = np.array([list(c) for _l, c in localities], dtype=np.int64).reshape(len(localities), -1)
    if caps.shape[1] != len(dimensions):
        raise ValidationFailed.single("localities", f"expected {len(dimensions)} capacity value(s) each")
    for i in np.nonzero((raw_sizes < 0).any(axis=1))[0].tolist():
        errors.append(FieldError(f"cases.{i}", "sizes cannot be negative", "negative"))
    for i in np.nonzero(raw_sizes.sum(axis=1) == 0)[0].tolist():
        errors.append(FieldError(f"cases.{i}", "a case has at least one member", "empty"))
    for i in np.nonzero((caps < 0).any(axis=1))[0].tolist():
        errors.append(FieldError(f"localities.{i}", "capacities cannot be negative", "negative"))
    pc, pl, ps = [], [], []
    seen: set[tuple[int, int]] = set()
    for k, (cid, lid, score) in enumerate(scores):
        c, loc = case_index.get(cid), loc_index.get(lid)
        if c is None:
            errors.append(FieldError(f"scores.{k}", f"unknown case {cid!r}", "unknown"))
        if loc is None:
            errors.append(FieldError(f"scores.{k}", f"unknown locality {lid!r}", "unknown"))
        if c is None or loc is None:
            continue
        if (c, loc) in seen:
            errors.append(FieldError(f"scores.{k}", f"pair ({cid}, {lid}) is given twice", "duplicate"))
            continue
        if not np.isfinite(score):
            errors.append(FieldError(f"scores.{k}", "the score must be a finite number", "invalid"))
            continue
        seen.add((c, loc))
        pc.append(c)
        pl.append(loc)
        ps.append(score)
    if errors:
        raise ValidationFailed(errors)
    pair_case = np.array(pc, dtype=np.int64)
    pair_loc = np.array(pl, dtype=np.int64)
    order = np.lexsort((pair_loc, pair_case))
    return Problem(
        case_ids=[c for c, _s in cases],
        locality_ids=[lid for lid, _c in localities],
        dimensions=dimensions,
        sizes=sizes,
        capacities=caps,
        pair_case=pair_case[order],
        pair_locality=pair_loc[order],
        pair_score=np.array(ps, dtype=np.float64)[order],
    )


def objective(problem: Problem, assignment: IntArray) -> float:
    """Total score of an assignment (`assignment[c]` = locality index, -1 when unplaced)."""
    placed = assignment[problem.pair_case] == problem.pair_locality
    return float(problem.pair_score[placed].sum())


def usage(problem: Problem, assignment: IntArray) -> IntArray:
    """Members placed per locality and dimension."""
    placed = assignment >= 0
    where, sizes = assignment[placed], problem.sizes[placed]
    n, dims = problem.capacities.shape
    used = np.zeros((n, dims), dtype=problem.capacities.dtype)
    for d in range(dims):  # a bincount per dimension (np.add.at is ten times slower)
        used[:, d] = np.bincount(where, sizes[:, d], minlength=n).astype(used.dtype)
    return used


def violations(problem: Problem, assignment: IntArray) -> list[str]:
    """What makes an assignment infeasible: an incompatible pair or a capacity exceeded (empty: fine)."""
    problems: list[str] = []
    compatible = set(zip(problem.pair_case.tolist(), problem.pair_locality.tolist(), strict=True))
    for c in np.nonzero(assignment >= 0)[0]:
        if (int(c), int(assignment[c])) not in compatible:
            problems.append(
                f"case {problem.case_ids[c]} is not compatible with {problem.locality_ids[assignment[c]]}"
            )
    over = usage(problem, assignment) > problem.capacities
    for loc, d in zip(*np.nonzero(over), strict=True):
        problems.append(f"locality {problem.locality_ids[loc]} is over its {problem.dimensions[d]} capacity")
    return problems
