"""Distribution keys as versioned PURE functions over an indicator table (numpy, vectorised).

A key is a list of criteria over indicators (population, GDP, unemployment rate, asylum applications per
million inhabitants, …), each with a weight (the weights sum to one), a direction (`proportional`: a
State's effect is its share of the participants' total; `inverse`: its share of the participants' sum of
the inverses, so a higher unemployment rate or a higher past asylum effort lowers its share) and two
flags: `base` (the criterion is part of the *base effect*) and `capped` (its effect is capped).

For participant i and criterion c with share s_ci and weight w_c:

* the effect is e_ci = w_c · s_ci, and the base effect b_i = Σ_{c base} w_c · s_ci;
* with a cap m, a capped effect may not exceed m · b_i. The mass a cap removes is redistributed over the
  same criterion's other participants in proportion to their shares, again and again until no cap binds
  (water-filling), so each effect still adds up to w_c. When the caps cannot hold the criterion's weight
  (Σ_i m · b_i < w_c) the key is infeasible and a ValidationFailed says so;
* the share is σ_i = Σ_c e_ci; with a floor f every participant gets at least f, the others scaled down
  in proportion (again until no floor binds; n · f > 1 is infeasible);
* the allocation of N is by largest remainder: each gets ⌊σ_i N⌋, then the seats left go one by one to
  the largest remainders σ_i N − ⌊σ_i N⌋ (compared at 1e-9 of a person, so that rounding noise is not a
  preference). **Ties** go to the larger share, then to the country code first in alphabetical order.

Every function here is pure: same table, same key, same total → same allocation, whatever the machine.
The functions take many scenarios at once (a matrix of weights, caps, floors and participating sets),
which is what the sensitivity analysis and the benchmark use.

Named keys (`NAMED_KEYS`), from the European Commission's relocation proposals of 2015:

* `eu-2015-05` — COM(2015) 286 (27 May 2015) and the Annex of the European Agenda on Migration,
  COM(2015) 240 (13 May 2015): population 40 %, total GDP 40 %, the average number of spontaneous
  asylum applications and resettled refugees per million inhabitants over 2010-2014 10 % (inverse) and
  the unemployment rate 10 % (inverse); no cap.
* `eu-2015-09` — COM(2015) 450 and 451 (9 September 2015): the same criteria with the effect of the
  unemployment rate and of past asylum efforts each capped at 30 % of the population and GDP effect.
See docs/decisions/0009-sharing.md for the sources and how they are read.

Imports numpy and refugio.core only (no database, no web framework).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from refugio.core.errors import FieldError, ValidationFailed

Direction = Literal["proportional", "inverse"]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

ENGINE_VERSION = "refugio-keys/1"
INDICATORS = ("population", "gdp", "unemployment_rate", "asylum_per_million")
QUOTA_RESOLUTION = 9  # remainders are compared at 1e-9 of a person
WEIGHT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Criterion:
    indicator: str
    weight: float
    direction: Direction = "proportional"
    base: bool = False
    capped: bool = False


@dataclass(frozen=True)
class KeySpec:
    """A distribution key: versioned, with where its formula comes from."""

    name: str
    version: str
    title: str
    criteria: tuple[Criterion, ...]
    cap: float | None = None
    floor: float = 0.0
    source: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def with_cap(self, cap: float | None) -> KeySpec:
        return replace(self, cap=cap)

    def check(self) -> None:
        """Raise ValidationFailed when the key itself is wrong (weights, cap, floor)."""
        errors: list[FieldError] = []
        if not self.criteria:
            errors.append(FieldError("criteria", "a key needs at least one criterion"))
        total = math.fsum(c.weight for c in self.criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            errors.append(FieldError("criteria.weight", f"the weights sum to {total:.6g}, not to one"))
        for i, c in enumerate(self.criteria):
            if not (c.weight >= 0 and math.isfinite(c.weight)):
                errors.append(FieldError(f"criteria.{i}.weight", "must be a number ≥ 0"))
        if self.cap is not None:
            if not (self.cap > 0 and math.isfinite(self.cap)):
                errors.append(FieldError("cap", "must be a positive number (a multiple of the base effect)"))
            if not any(c.base for c in self.criteria):
                errors.append(FieldError("cap", "a cap needs at least one base criterion to be relative to"))
        if not 0.0 <= self.floor < 1.0:
            errors.append(FieldError("floor", "must be a share between 0 and 1"))
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True)
class Provenance:
    """Where one value comes from."""

    source: str
    year: int | None = None
    retrieved: str = ""
    transformation: str = ""


@dataclass
class IndicatorTable:
    """Indicator values per country (NaN: missing), with the provenance of each value."""

    countries: list[str]
    values: dict[str, Floats]
    provenance: dict[tuple[str, str], Provenance] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls, rows: Mapping[str, Mapping[str, float | None]], provenance: Mapping[tuple[str, str], Provenance]
    ) -> IndicatorTable:
        countries = list(rows)  # in the order given
        names = sorted({k for r in rows.values() for k in r})
        values = {
            n: np.array(
                [np.nan if (v := rows[c].get(n)) is None else float(v) for c in countries], dtype=np.float64
            )
            for n in names
        }
        return cls(countries=countries, values=values, provenance=dict(provenance))

    def subset(self, participants: Sequence[str]) -> IndicatorTable:
        missing = [p for p in participants if p not in self.countries]
        if missing:
            raise ValidationFailed(
                [FieldError("participants", f"{p}: no data for this participant", "no_data") for p in missing]
            )
        index = [self.countries.index(p) for p in participants]
        return IndicatorTable(
            countries=list(participants),
            values={k: v[index] for k, v in self.values.items()},
            provenance={k: p for k, p in self.provenance.items() if k[0] in set(participants)},
        )


@dataclass(frozen=True)
class KeyResult:
    key: KeySpec
    countries: list[str]
    shares: list[float]
    allocations: list[int]
    total: int
    provenance: dict[tuple[str, str], Provenance]

    def rows(self) -> list[tuple[str, float, int]]:
        return list(zip(self.countries, self.shares, self.allocations, strict=True))


# --- checks ----------------------------------------------------------------------------------------


def check_table(table: IndicatorTable, spec: KeySpec) -> None:
    """Every indicator the key uses must be present, finite and ≥ 0 (> 0 for an inverse criterion)."""
    errors: list[FieldError] = []
    if not table.countries:
        errors.append(FieldError("participants", "no participant"))
    if len(set(table.countries)) != len(table.countries):
        errors.append(FieldError("participants", "a participant is listed twice"))
    for c in spec.criteria:
        if c.weight == 0:
            continue
        column = table.values.get(c.indicator)
        if column is None:
            errors.append(FieldError(c.indicator, "this indicator is missing from the table", "missing"))
            continue
        for country, v in zip(table.countries, column, strict=True):
            where = f"{country}.{c.indicator}"
            if not math.isfinite(v):
                errors.append(FieldError(where, f"{country}: {c.indicator} is missing", "missing"))
            elif v < 0:
                errors.append(FieldError(where, f"{country}: {c.indicator} is negative ({v:g})", "negative"))
            elif v == 0 and c.direction == "inverse":
                errors.append(
                    FieldError(
                        where, f"{country}: {c.indicator} is 0, an inverse criterion needs > 0", "zero"
                    )
                )
        if c.direction == "proportional" and np.all(np.nan_to_num(column) == 0):
            errors.append(FieldError(c.indicator, "is 0 for every participant", "zero"))
    if errors:
        raise ValidationFailed(errors)


# --- the vectorised engine ---------------------------------------------------------------------------


def _matrix(table: IndicatorTable, spec: KeySpec) -> Floats:
    return np.stack([table.values[c.indicator] for c in spec.criteria]).astype(np.float64)


def criterion_shares(matrix: Floats, inverse: Bools, participating: Bools) -> Floats:
    """Shares of each criterion among the participants: (scenarios, criteria, countries)."""
    x = np.where(inverse[:, None], 1.0 / np.where(matrix > 0, matrix, 1.0), matrix)  # (C, n)
    x = np.where(participating[:, None, :], x[None, :, :], 0.0)  # (S, C, n)
    sums = x.sum(axis=2, keepdims=True)
    out: Floats = np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)
    return out


def _water_fill_down(effect: Floats, limit: Floats, weight: Floats, active: Bools) -> Floats:
    """Cap `effect` (S, n) at `limit`, moving the excess to the uncapped members in proportion to their
    effect, until no cap binds. Raises when Σ limit < weight in some scenario. Each round works on the
    scenarios where a cap still binds only."""
    out = effect.copy()
    fixed = np.zeros_like(active)
    rows = np.flatnonzero((active & (out > limit * (1 + 1e-12))).any(axis=1))
    for _ in range(effect.shape[1] + 1):
        if rows.size == 0:
            return out
        lim, act, fix = limit[rows], active[rows], fixed[rows]
        over = act & ~fix & (out[rows] > lim * (1 + 1e-12))
        busy = over.any(axis=1)
        rows, lim, act, fix, over = rows[busy], lim[busy], act[busy], fix[busy], over[busy]
        if rows.size == 0:
            return out
        fix |= over
        fixed[rows] = fix
        held = np.where(fix, lim, 0.0).sum(axis=1)
        free = np.where(act & ~fix, effect[rows], 0.0)
        free_sum = free.sum(axis=1)
        left = weight[rows] - held
        stuck = (left > 1e-12) & (free_sum <= 0)
        if stuck.any():
            k = int(np.argmax(stuck))
            raise ValidationFailed.single(
                "cap",
                f"the caps cannot be met (scenario {int(rows[k])}): the capped participants can hold only "
                f"{held[k]:.4g} of a criterion weighing {weight[rows[k]]:.4g}; raise the cap",
                "infeasible",
            )
        scale = np.divide(left, free_sum, out=np.zeros_like(left), where=free_sum > 0)
        out[rows] = np.where(fix, lim, free * scale[:, None])
    return out  # pragma: no cover - each round fixes at least one member


def _floor_up(shares: Floats, floor: Floats, active: Bools) -> Floats:
    counts = active.sum(axis=1)
    if np.any(counts * floor > 1 + 1e-12):
        bad = int(np.argmax(counts * floor > 1 + 1e-12))
        raise ValidationFailed.single(
            "floor",
            f"a floor of {floor[bad]:g} for {counts[bad]} participants exceeds the whole (scenario {bad})",
            "infeasible",
        )
    fixed = np.zeros_like(active)
    out = shares.copy()
    f = floor[:, None]
    for _ in range(shares.shape[1] + 1):
        under = active & ~fixed & (out < f * (1 - 1e-12))
        if not under.any():
            return out
        fixed |= under
        held = np.where(fixed, f, 0.0).sum(axis=1)
        free = np.where(active & ~fixed, shares, 0.0)
        free_sum = free.sum(axis=1)
        scale = np.divide(1.0 - held, free_sum, out=np.zeros_like(held), where=free_sum > 0)
        out = np.where(fixed, f, free * scale[:, None])
    return out  # pragma: no cover


def shares_many(
    matrix: Floats,
    spec: KeySpec,
    *,
    weights: Floats,
    caps: Floats,
    floors: Floats,
    participating: Bools,
) -> Floats:
    """Shares for S scenarios: `weights` (S, C), `caps` (S,) with NaN for none, `floors` (S,),
    `participating` (S, n). Non-participants get 0."""
    inverse = np.array([c.direction == "inverse" for c in spec.criteria])
    base = np.array([c.base for c in spec.criteria])
    capped = np.array([c.capped for c in spec.criteria])
    s = criterion_shares(matrix, inverse, participating)  # (S, C, n)
    effects = weights[:, :, None] * s
    base_effect = (effects * base[None, :, None]).sum(axis=1)  # (S, n)
    has_cap = ~np.isnan(caps)
    if has_cap.any() and capped.any():
        limit = np.where(has_cap[:, None], np.nan_to_num(caps)[:, None] * base_effect, np.inf)
        for c in np.flatnonzero(capped):
            effects[:, c, :] = _water_fill_down(effects[:, c, :], limit, weights[:, c], participating)
    shares: Floats = effects.sum(axis=1)
    if np.any(floors > 0):
        shares = _floor_up(shares, floors, participating)
    return shares


def apportion_many(shares: Floats, total: int, order: Ints) -> Ints:
    """Largest remainder for each row of `shares` (S, n); `order` ranks the country codes (0 = first
    alphabetically) for the last tie-break. Returns integer allocations adding up to `total` per row.

    The seats left go to the remainders above the row's threshold (the `left`-th largest remainder);
    only rows where several remainders equal the threshold are ranked in full, by (remainder, share,
    code)."""
    quotas = np.round(shares * total, QUOTA_RESOLUTION)
    whole = np.floor(quotas)
    left = (total - whole.sum(axis=1)).astype(np.int64)
    remainder = quotas - whole
    n = shares.shape[1]
    rows = np.arange(shares.shape[0])
    ranked = -np.sort(-remainder, axis=1)
    threshold = np.where(left > 0, ranked[rows, np.clip(left - 1, 0, n - 1)], np.inf)
    extra = remainder > threshold[:, None]
    at = remainder == threshold[:, None]
    need = left - extra.sum(axis=1)
    tied = np.flatnonzero(at.sum(axis=1) > need)
    extra[~np.isin(rows, tied)] |= at[~np.isin(rows, tied)]
    if tied.size:
        sub = shares[tied]
        ranking = np.lexsort((np.broadcast_to(order, sub.shape), -sub, -remainder[tied]), axis=-1)
        positions = np.empty_like(ranking)
        positions[np.arange(tied.size)[:, None], ranking] = np.arange(n)[None, :]
        extra[tied] = positions < left[tied, None]
    allocations: Ints = (whole + extra).astype(np.int64)
    return allocations


def alphabetical_order(countries: Sequence[str]) -> Ints:
    ranked = sorted(range(len(countries)), key=lambda i: countries[i])
    order = np.empty(len(countries), dtype=np.int64)
    order[ranked] = np.arange(len(countries))
    return order


def _check_total(total: int) -> None:
    if total < 0:
        raise ValidationFailed.single("total", "must be a whole number ≥ 0", "negative")


def compute(table: IndicatorTable, spec: KeySpec, total: int) -> KeyResult:
    """The key's shares and allocations of `total` over the table's participants."""
    spec.check()
    _check_total(total)
    check_table(table, spec)
    n = len(table.countries)
    shares = shares_many(
        _matrix(table, spec),
        spec,
        weights=np.array([[c.weight for c in spec.criteria]]),
        caps=np.array([np.nan if spec.cap is None else spec.cap]),
        floors=np.array([spec.floor]),
        participating=np.ones((1, n), dtype=bool),
    )
    alloc = apportion_many(shares, total, alphabetical_order(table.countries))
    return KeyResult(
        key=spec,
        countries=list(table.countries),
        shares=[float(x) for x in shares[0]],
        allocations=[int(x) for x in alloc[0]],
        total=total,
        provenance=dict(table.provenance),
    )


# --- named keys ---------------------------------------------------------------------------------------

_EU_SOURCE = (
    "European Commission, COM(2015) 240 Annex (European Agenda on Migration, 13 May 2015) and "
    "COM(2015) 286 Annexes (27 May 2015)"
)
_EU_CRITERIA = (
    Criterion("population", 0.4, "proportional", base=True),
    Criterion("gdp", 0.4, "proportional", base=True),
    Criterion("asylum_per_million", 0.1, "inverse", capped=True),
    Criterion("unemployment_rate", 0.1, "inverse", capped=True),
)
NAMED_KEYS: dict[str, KeySpec] = {
    "eu-2015-05": KeySpec(
        name="eu-2015-05",
        version="1",
        title="EU relocation key of May 2015 (uncapped)",
        criteria=_EU_CRITERIA,
        cap=None,
        source=_EU_SOURCE,
    ),
    "eu-2015-09": KeySpec(
        name="eu-2015-09",
        version="1",
        title="EU relocation key of September 2015 (unemployment and asylum effects capped at 30 %)",
        criteria=_EU_CRITERIA,
        cap=0.3,
        source="European Commission, COM(2015) 450 and COM(2015) 451 (9 September 2015), Annexes",
    ),
}
