"""Benchmark of SPEC C8 (issue 18): a distribution key and its apportionment for 200 participants across
10,000 sensitivity scenarios in <= 2 s, vectorised, beside a plain-Python loop computing the same
allocations, checked scenario by scenario.

    PYTHONPATH=src .venv/bin/python benchmarks/sharing.py                  # 200 x 10,000
    PYTHONPATH=src .venv/bin/python benchmarks/sharing.py --scale 0.1      # 200 x 1,000
    PYTHONPATH=src .venv/bin/python benchmarks/sharing.py --loop-sample 500

What it does, in one run, on the same data:

1. A synthetic indicator table of N participants (seeded): population (log-normal), GDP (population
   times a log-normal GDP per head), unemployment rate (2-25 %), asylum applications per million
   (log-normal).
2. S scenarios of the September 2015 EU key (population 40 %, GDP 40 %, inverse asylum 10 % and
   inverse unemployment 10 %, the last two capped relative to the population-and-GDP effect): random
   weights (Dirichlet around the key's own), a random feasible cap (or none, one in five), and
   one participant in ten left out at random; the total to distribute is 160,000.
3. refugio: `refugio.sharing.keys.shares_many` + `apportion_many` over all scenarios (in chunks so that
   memory stays bounded) — THE FIGURE THE BAR IS ABOUT.
4. Baseline: a plain-Python loop (lists and floats, no numpy) computing the same key, caps by
   water-filling and largest remainder with the same tie rule, scenario by scenario; by default over all
   scenarios (`--loop-sample K` times the first K and scales the figure, said so in the output).
5. Every scenario the loop computed is compared with refugio's allocation, whole number by whole number.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from refugio.sharing import keys  # noqa: E402

TOTAL = 160_000


def make_data(n: int, scenarios: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    population = rng.lognormal(15.5, 1.6, n)
    gdp = population * rng.lognormal(9.0, 1.0, n)
    unemployment = rng.uniform(2, 25, n)
    asylum = rng.lognormal(5.5, 1.5, n)
    matrix = np.stack([population, gdp, asylum, unemployment])  # in the order of the EU key's criteria
    own = np.array([c.weight for c in keys.NAMED_KEYS["eu-2015-09"].criteria])
    weights = rng.dirichlet(own * 60, size=scenarios)
    # a feasible cap: the capped criteria must fit under cap x the population-and-GDP effect
    lowest = 1.05 * weights[:, 2:].max(axis=1) / weights[:, :2].sum(axis=1)
    caps = lowest + rng.uniform(0.0, 1.0, scenarios) * np.maximum(1.0 - lowest, 0.1)
    caps[rng.random(scenarios) < 0.2] = np.nan
    participating = rng.random((scenarios, n)) >= 0.1
    return matrix, weights, caps, participating


def vectorised(
    matrix: np.ndarray, weights: np.ndarray, caps: np.ndarray, participating: np.ndarray, chunk: int
) -> np.ndarray:
    spec = keys.NAMED_KEYS["eu-2015-09"]
    order = np.arange(matrix.shape[1])
    out = np.empty(participating.shape, dtype=np.int64)
    for start in range(0, len(caps), chunk):
        part = slice(start, start + chunk)
        shares = keys.shares_many(
            matrix,
            spec,
            weights=weights[part],
            caps=caps[part],
            floors=np.zeros(len(caps[part])),
            participating=participating[part],
        )
        out[part] = keys.apportion_many(shares, TOTAL, order)
    return out


def loop_one(columns: list[list[float]], weights: list[float], cap: float, active: list[bool]) -> list[int]:
    """One scenario in plain Python: shares, caps by water-filling, largest remainder."""
    inverse = [False, False, True, True]
    base = [True, True, False, False]
    capped = [False, False, True, True]
    n = len(active)
    effects: list[list[float]] = []
    for c, column in enumerate(columns):
        values = [(1.0 / v if inverse[c] else v) if active[i] else 0.0 for i, v in enumerate(column)]
        total = sum(values)
        effects.append([weights[c] * v / total for v in values])
    base_effect = [sum(effects[c][i] for c in range(4) if base[c]) for i in range(n)]
    if not math.isnan(cap):
        limit = [cap * b for b in base_effect]
        for c in range(4):
            if not capped[c]:
                continue
            original = effects[c]
            out = list(original)
            fixed = [False] * n
            while True:
                over = [active[i] and not fixed[i] and out[i] > limit[i] * (1 + 1e-12) for i in range(n)]
                if not any(over):
                    break
                fixed = [f or o for f, o in zip(fixed, over, strict=True)]
                held = sum(limit[i] for i in range(n) if fixed[i])
                free = sum(original[i] for i in range(n) if active[i] and not fixed[i])
                scale = (weights[c] - held) / free if free > 0 else 0.0
                out = [
                    limit[i] if fixed[i] else (original[i] * scale if active[i] else 0.0) for i in range(n)
                ]
            effects[c] = out
    shares = [sum(effects[c][i] for c in range(4)) for i in range(n)]
    quotas = [round(s * TOTAL, keys.QUOTA_RESOLUTION) for s in shares]
    whole = [math.floor(q) for q in quotas]
    left = TOTAL - sum(whole)
    ranking = sorted(range(n), key=lambda i: (-(quotas[i] - whole[i]), -shares[i], i))
    for i in ranking[:left]:
        whole[i] += 1
    return whole


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of scenarios")
    parser.add_argument("--chunk", type=int, default=1000, help="scenarios per vectorised block")
    parser.add_argument("--loop-sample", type=int, default=0, help="time the loop on the first K only")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()
    scenarios = max(1, int(args.scenarios * args.scale))
    n = args.participants
    matrix, weights, caps, participating = make_data(n, scenarios, args.seed)
    print(f"sharing benchmark: {n} participants x {scenarios:,} scenarios, key eu-2015-09, total {TOTAL:,}")

    vectorised(matrix, weights, caps, participating, args.chunk)  # warm-up (imports, allocations)
    t0 = time.perf_counter()
    alloc = vectorised(matrix, weights, caps, participating, args.chunk)
    t_vec = time.perf_counter() - t0
    assert np.all(alloc.sum(axis=1) == TOTAL) and np.all(alloc[~participating] == 0)

    k = scenarios if args.loop_sample <= 0 else min(args.loop_sample, scenarios)
    columns = matrix.tolist()
    t0 = time.perf_counter()
    mismatches = 0
    for s in range(k):
        got = loop_one(columns, weights[s].tolist(), float(caps[s]), participating[s].tolist())
        if got != alloc[s].tolist():
            mismatches += 1
    t_loop = time.perf_counter() - t0
    t_loop_all = t_loop * scenarios / k

    bar = "PASS" if t_vec <= 2.0 else "FAIL"
    print(f"  refugio (numpy, vectorised, chunks of {args.chunk:,}): {t_vec:8.3f} s   bar <= 2 s: {bar}")
    label = "" if k == scenarios else f" (timed on {k:,}, scaled to {scenarios:,})"
    print(f"  baseline plain-Python loop:                    {t_loop_all:8.3f} s{label}")
    print(f"  speed-up: {t_loop_all / t_vec:,.1f}x")
    print(f"  checked scenario by scenario: {k:,} scenarios, {mismatches} mismatching allocation(s)")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
