"""Distribution keys as pure functions: the EU keys, caps by water-filling, floors, largest remainder and
its tie rule, YAML keys, bad input, sensitivity — and the vectorised engine against a plain loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from refugio.core.errors import ValidationFailed
from refugio.sharing import key_files, keys, sensitivity
from refugio.sharing.keys import NAMED_KEYS, IndicatorTable

from .conftest import INDICATORS


def table() -> IndicatorTable:
    return key_files.read_indicators_csv(INDICATORS.encode(), "indicators.csv")


def test_the_may_key_is_the_weighted_sum_of_shares_and_inverse_shares() -> None:
    t = table()
    r = keys.compute(t, NAMED_KEYS["eu-2015-05"], 120_000)
    pop = t.values["population"] / t.values["population"].sum()
    gdp = t.values["gdp"] / t.values["gdp"].sum()
    inv_u = (1 / t.values["unemployment_rate"]) / (1 / t.values["unemployment_rate"]).sum()
    inv_a = (1 / t.values["asylum_per_million"]) / (1 / t.values["asylum_per_million"]).sum()
    expected = 0.4 * pop + 0.4 * gdp + 0.1 * inv_u + 0.1 * inv_a
    assert np.allclose(r.shares, expected)
    assert sum(r.allocations) == 120_000
    assert math.isclose(sum(r.shares), 1.0)


def test_the_september_cap_holds_and_keeps_each_criterion_whole() -> None:
    t = table()
    spec = NAMED_KEYS["eu-2015-09"]
    capped = keys.compute(t, spec, 1000)
    uncapped = keys.compute(t, spec.with_cap(None), 1000)
    # Estonia's tiny past asylum effort gave it an inverse share far above its size: the cap cuts it
    est = t.countries.index("EST")
    assert capped.shares[est] < uncapped.shares[est] / 10
    pop = t.values["population"] / t.values["population"].sum()
    gdp = t.values["gdp"] / t.values["gdp"].sum()
    base = 0.4 * pop + 0.4 * gdp
    assert np.all(np.array(capped.shares) <= base + 2 * 0.3 * base + 1e-12)
    assert math.isclose(sum(capped.shares), 1.0)


def test_infeasible_caps_and_floors_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="caps cannot be met"):
        keys.compute(table(), NAMED_KEYS["eu-2015-09"].with_cap(0.1), 100)
    spec = key_files.parse_key("name: flat\nfloor: 0.3\ncriteria:\n  - {indicator: population, weight: 1}\n")
    with pytest.raises(ValidationFailed, match="floor"):
        keys.compute(table(), spec, 100)


def test_floors_lift_the_small_and_scale_the_others() -> None:
    spec = key_files.parse_key("name: f\nfloor: 0.05\ncriteria:\n  - {indicator: population, weight: 1}\n")
    r = keys.compute(table(), spec, 1000)
    assert min(r.shares) == pytest.approx(0.05)
    assert sum(r.allocations) == 1000


def test_largest_remainder_ties_go_to_the_larger_share_then_the_code() -> None:
    shares = np.array([[0.25, 0.25, 0.25, 0.25]])
    alloc = keys.apportion_many(shares, 2, keys.alphabetical_order(["FRA", "DEU", "POL", "AUT"]))
    assert alloc.tolist() == [[0, 1, 0, 1]]  # AUT and DEU come first alphabetically
    shares = np.array([[0.5, 0.3, 0.2]])  # quotas 1.5, 0.9, 0.6 of 3
    assert keys.apportion_many(shares, 3, np.array([0, 1, 2])).tolist() == [[1, 1, 1]]


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("name: k\ncriteria:\n  - {indicator: population, weight: 0.5}\n", "sum to 0.5"),
        ("name: k\ncolour: red\ncriteria:\n  - {indicator: population, weight: 1}\n", "unknown field"),
        ("name: k\ncriteria:\n  - {indicator: population, weight: 1, sign: 2}\n", "unknown field"),
        ("name: k\ncriteria:\n  - {indicator: happiness, weight: 1}\n", "criteria.0.indicator"),
        ("name: k\ncap: 0.3\ncriteria:\n  - {indicator: gdp, weight: 1}\n", "base: true"),
        ("- just a list\n", "mapping"),
    ],
)
def test_a_bad_yaml_key_names_its_cause(text: str, cause: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        key_files.parse_key(text, where="k.yaml")
    assert cause in str(err.value)


def test_missing_or_negative_indicators_are_named() -> None:
    bad = INDICATORS.replace("MLT,400000,9e9,5.9,3000", "MLT,400000,,5.9,-3")
    t = key_files.read_indicators_csv(bad.encode(), "i.csv")
    with pytest.raises(ValidationFailed) as err:
        keys.compute(t, NAMED_KEYS["eu-2015-05"], 10)
    text = str(err.value)
    assert "MLT: gdp is missing" in text and "MLT: asylum_per_million is negative" in text
    with pytest.raises(ValidationFailed, match="XKX: no data"):
        table().subset(["DEU", "XKX"])


def _loop_allocation(rows: list[list[float]], weights: list[float], total: int) -> list[int]:
    """The May key and largest remainder in plain Python, for comparison."""
    inverse = [False, False, True, True]
    n = len(rows)
    shares = [0.0] * n
    for c, w in enumerate(weights):
        col = [1 / r[c] if inverse[c] else r[c] for r in rows]
        s = sum(col)
        for i in range(n):
            shares[i] += w * col[i] / s
    quotas = [round(x * total, 9) for x in shares]
    whole = [math.floor(q) for q in quotas]
    order = sorted(range(n), key=lambda i: (-(quotas[i] - whole[i]), -shares[i], i))
    for i in order[: total - sum(whole)]:
        whole[i] += 1
    return whole


def test_the_vectorised_engine_matches_a_plain_loop_scenario_by_scenario() -> None:
    rng = np.random.default_rng(7)
    n, scenarios = 40, 200
    matrix = rng.uniform(1, 100, size=(4, n))
    spec = NAMED_KEYS["eu-2015-05"]
    w = rng.dirichlet(np.ones(4), size=scenarios)
    shares = keys.shares_many(
        matrix,
        spec,
        weights=w,
        caps=np.full(scenarios, np.nan),
        floors=np.zeros(scenarios),
        participating=np.ones((scenarios, n), dtype=bool),
    )
    alloc = keys.apportion_many(shares, 997, np.arange(n))
    rows = matrix.T.tolist()
    for k in range(scenarios):
        assert alloc[k].tolist() == _loop_allocation(rows, w[k].tolist(), 997)


def test_sensitivity_says_who_gains_and_who_loses() -> None:
    t = table()
    s = sensitivity.analyse(t, NAMED_KEYS["eu-2015-09"], 1000, vary="drop")
    assert len(s.scenarios) == len(t.countries)
    for k, scenario in enumerate(s.scenarios):
        assert scenario.allocations[k] == 0
        assert sum(scenario.allocations) == 1000
    w = sensitivity.analyse(
        t, NAMED_KEYS["eu-2015-09"], 1000, vary="weight", criterion="gdp", values=[0.3, 0.5]
    )
    deu = t.countries.index("DEU")
    assert w.scenarios[0].deltas[deu] < 0 < w.scenarios[1].deltas[deu]
    c = sensitivity.analyse(t, NAMED_KEYS["eu-2015-09"], 1000, vary="cap", values=[0, 0.5])
    assert c.scenarios[0].allocations == keys.compute(t, NAMED_KEYS["eu-2015-05"], 1000).allocations
    with pytest.raises(ValidationFailed, match="not a criterion"):
        sensitivity.analyse(t, NAMED_KEYS["eu-2015-09"], 10, vary="weight", criterion="hats", values=[0.1])
