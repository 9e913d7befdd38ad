"""Sensitivity of a distribution key: which State gains or loses how much when one weight, the cap or the
participating set changes. Pure functions over `keys` (numpy): every scenario is one row of the
vectorised engine, so a sweep of thousands of scenarios costs about as much as a handful.

* `weight` — the weight of one criterion set to each value; the other weights are rescaled in proportion
  so that they still sum to one;
* `cap` — the cap set to each multiplier (0: no cap);
* `drop` — each participant left out in turn (its allocation goes to the others through the key).

Imports numpy, refugio.sharing.keys and refugio.core only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from refugio.core.errors import ValidationFailed
from refugio.sharing import keys
from refugio.sharing.keys import Floats, IndicatorTable, KeySpec

Vary = Literal["weight", "cap", "drop"]


@dataclass(frozen=True)
class Scenario:
    label: str
    allocations: list[int]
    deltas: list[int]  # allocation minus the base allocation (0 for a participant left out)


@dataclass(frozen=True)
class Sensitivity:
    key: KeySpec
    vary: str
    countries: list[str]
    base: list[int]
    scenarios: list[Scenario]

    def extremes(self) -> list[tuple[str, int, int]]:
        """Per country: its largest loss and its largest gain over the scenarios."""
        out: list[tuple[str, int, int]] = []
        for i, country in enumerate(self.countries):
            deltas = [s.deltas[i] for s in self.scenarios] or [0]
            out.append((country, min(deltas), max(deltas)))
        return out


def _weights_for(spec: KeySpec, criterion: str, values: Sequence[float]) -> Floats:
    names = [c.indicator for c in spec.criteria]
    if criterion not in names:
        raise ValidationFailed.single(
            "criterion", f"{criterion!r} is not a criterion of {spec.label} ({', '.join(names)})"
        )
    j = names.index(criterion)
    base = np.array([c.weight for c in spec.criteria])
    rest = 1.0 - base[j]
    rows = []
    for v in values:
        if not 0.0 <= v <= 1.0:
            raise ValidationFailed.single("values", f"a weight must lie between 0 and 1, not {v:g}")
        w = base * ((1.0 - v) / rest) if rest > 0 else np.full_like(base, (1.0 - v) / max(len(base) - 1, 1))
        w[j] = v
        rows.append(w)
    return np.array(rows)


def analyse(
    table: IndicatorTable,
    spec: KeySpec,
    total: int,
    *,
    vary: str,
    criterion: str = "",
    values: Sequence[float] = (),
) -> Sensitivity:
    """The allocations of `total` under each scenario of `vary`, beside the key's own."""
    spec.check()
    keys.check_table(table, spec)
    n, c = len(table.countries), len(spec.criteria)
    own_w = np.array([cr.weight for cr in spec.criteria])
    own_cap = np.nan if spec.cap is None else spec.cap
    if vary == "weight":
        weights = _weights_for(spec, criterion, values)
        labels = [f"{criterion} = {v:g}" for v in values]
        caps = np.full(len(values), own_cap)
        participating = np.ones((len(values), n), dtype=bool)
    elif vary == "cap":
        if any(v < 0 for v in values):
            raise ValidationFailed.single("values", "a cap is a multiplier ≥ 0 (0: no cap)")
        weights = np.tile(own_w, (len(values), 1))
        caps = np.array([np.nan if v == 0 else v for v in values], dtype=np.float64)
        labels = [f"cap = {v:g}" if v else "no cap" for v in values]
        participating = np.ones((len(values), n), dtype=bool)
    elif vary == "drop":
        weights = np.tile(own_w, (n, 1))
        caps = np.full(n, own_cap)
        participating = ~np.eye(n, dtype=bool)
        labels = [f"without {country}" for country in table.countries]
    else:
        raise ValidationFailed.single("vary", "one of: weight, cap, drop")
    all_w = np.vstack([own_w.reshape(1, c), weights])
    all_caps = np.concatenate([[own_cap], caps])
    all_part = np.vstack([np.ones((1, n), dtype=bool), participating])
    shares = keys.shares_many(
        keys._matrix(table, spec),
        spec,
        weights=all_w,
        caps=all_caps,
        floors=np.full(len(all_caps), spec.floor),
        participating=all_part,
    )
    alloc = keys.apportion_many(shares, total, keys.alphabetical_order(table.countries))
    base = alloc[0]
    scenarios = [
        Scenario(
            label=label,
            allocations=[int(x) for x in alloc[k + 1]],
            deltas=[int(x) for x in np.where(all_part[k + 1], alloc[k + 1] - base, 0)],
        )
        for k, label in enumerate(labels)
    ]
    return Sensitivity(
        key=spec, vary=vary, countries=list(table.countries), base=[int(x) for x in base], scenarios=scenarios
    )
