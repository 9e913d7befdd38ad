"""Our small linkage interface: what the rest of refugio asks of a record-linkage engine.

The engine works on *prepared records* (`Records`: the columns of `names.COLUMNS`, one list per
column) and a `LinkageModel` (a JSON-able Fellegi-Sunter model: comparisons, levels, m and u
probabilities). Four verbs:

    engine = get_engine("duckdb")                  # or "spark" (local pyspark)
    model = engine.train(records, seed=42)         # u by random sampling, m by EM on sampled pairs
    pairs = engine.predict(records, model=model, threshold_weight=4.0, restrict_to=ids)
    clusters = engine.cluster(records, model=model, threshold_weight=6.0)   # {record_id: cluster_id}
    scored = engine.score(probe, candidates, model=model)                   # desk check, no blocking

the `splink_engine` package implements it on Splink 5 (the only place importing splink); nothing else in
refugio knows Splink. Match weights are log2 Bayes factors; probability = 2^w / (1 + 2^w).
Imports nothing heavy and no refugio domain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from refugio.dedup.names import COLUMNS

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Contribution:
    """One comparison's part in a pair's match weight: which level it fell in, and its weight."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class ScoredPair:
    left_id: str
    right_id: str
    match_weight: float
    contributions: tuple[Contribution, ...] = ()

    @property
    def probability(self) -> float:
        return probability(self.match_weight)


@dataclass
class LinkageModel:
    """A trained (or prior) model: the engine's JSON settings plus what training did."""

    spec: dict[str, Any]
    trained: bool = False
    notes: list[str] = field(default_factory=list)
    records_seen: int = 0


class Records:
    """Prepared records, column by column (cheap at a million rows)."""

    def __init__(self, columns: Mapping[str, list[Any]] | None = None) -> None:
        self.columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        if columns:
            for c in COLUMNS:
                self.columns[c] = list(columns.get(c, []))
        n = {len(v) for v in self.columns.values()}
        if len(n) > 1:
            raise ValueError("prepared columns differ in length")

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Records:
        out = cls()
        for row in rows:
            out.append(row)
        return out

    def append(self, row: Mapping[str, Any]) -> None:
        for c in COLUMNS:
            self.columns[c].append(row.get(c))

    def extend(self, other: Records) -> None:
        for c in COLUMNS:
            self.columns[c].extend(other.columns[c])

    def __len__(self) -> int:
        return len(self.columns["unique_id"])

    def ids(self) -> list[str]:
        return list(self.columns["unique_id"])

    def row(self, i: int) -> dict[str, Any]:
        return {c: self.columns[c][i] for c in COLUMNS}

    def rows(self) -> list[dict[str, Any]]:
        return [self.row(i) for i in range(len(self))]


class LinkageEngine(Protocol):
    name: str

    def train(
        self,
        records: Records,
        *,
        seed: int = 42,
        max_pairs: int = 2_000_000,
        prior: LinkageModel | None = None,
    ) -> LinkageModel: ...

    def predict(
        self,
        records: Records,
        *,
        model: LinkageModel,
        threshold_weight: float,
        restrict_to: set[str] | None = None,
    ) -> list[ScoredPair]: ...

    def cluster(
        self, records: Records, *, model: LinkageModel, threshold_weight: float
    ) -> dict[str, str]: ...

    def score(self, probe: Records, candidates: Records, *, model: LinkageModel) -> list[ScoredPair]: ...


def probability(weight: float) -> float:
    """Match probability of a match weight (log2 Bayes factor including the prior)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)


def weight_for(probability_: float) -> float:
    p = min(max(probability_, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def get_engine(name: str = "duckdb", **options: Any) -> LinkageEngine:
    """The engine called `name` ("duckdb" embedded, "spark" on local pyspark)."""
    if name not in ENGINES:
        raise ValueError(f"unknown linkage engine {name!r}; use one of {', '.join(ENGINES)}")
    from refugio.dedup import splink_engine

    return splink_engine.SplinkEngine(backend=name, **options)


def clusters_from_pairs(ids: Sequence[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components (union-find); each cluster is named by its smallest record id."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}
