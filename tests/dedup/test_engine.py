"""The Splink engine's blocking and training, on small prepared data (no database)."""

from __future__ import annotations

import random

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from refugio.dedup import names, splink_engine
from refugio.dedup.engine import Records, get_engine


def _person(rid: str, given: str, family: str, dob: str | None = None, **other: str) -> dict[str, object]:
    return names.prepare(
        names.PersonInput(
            record_id=rid,
            given_name=given,
            family_name=family,
            date_of_birth=names.parse_partial_date(dob),
            **other,  # type: ignore[arg-type]
        )
    )


def _keys(rows: list[dict[str, object]]) -> dict[str, list[str | None]]:
    table = splink_engine.blocking_columns(splink_engine._pa_table(Records.from_rows(rows)))
    return {c: table.column(c).to_pylist() for c in table.column_names if c.startswith("bk_")}


def test_same_name_without_date_father_or_sex_is_still_blocked() -> None:
    # before: every rule on the names also needed the father's name, the date of birth or the sex
    rows = [_person("a", "Walter", "Bryant"), _person("b", "Walter", "Bryant", "1813")]
    keys = _keys(rows)
    assert any(v[0] is not None and v[0] == v[1] for v in keys.values())


def test_a_block_beyond_the_pair_budget_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splink_engine, "MIN_RULE_PAIRS", 10)
    monkeypatch.setattr(splink_engine, "PAIRS_PER_RECORD", 0)
    common = [_person(f"c{i}", "Mohammed", "Ahmed", f"19{50 + i}") for i in range(6)]  # 15 pairs
    rare = [_person("r1", "Zubair", "Qutb"), _person("r2", "Zubair", "Qutb")]  # 1 pair
    keys = _keys([*common, *rare])["bk_gf"]
    assert keys[:6] == [None] * 6  # the big block of a common name is left to more specific keys
    assert keys[6] is not None and keys[6] == keys[7]


def test_name_order_swap_is_blocked_both_ways() -> None:
    rows = [_person("a", "Hassan", "Omar", "1990-01-01"), _person("b", "Omar", "Hassan", "1990")]
    keys = _keys(rows)
    assert keys["bk_swap"][0] == keys["bk_swap_mirror"][1]
    assert keys["bk_swap"][1] == keys["bk_swap_mirror"][0]


def test_blocking_keeps_the_row_order_and_every_prepared_column() -> None:
    rows = [_person(str(i), "Ali", f"F{i % 3}", "2000") for i in range(50)]
    prepared = splink_engine._pa_table(Records.from_rows(rows))
    table = splink_engine.blocking_columns(prepared)
    assert table.column("unique_id").to_pylist() == [str(i) for i in range(50)]
    assert table.select(prepared.column_names).equals(prepared)
    assert isinstance(table, pa.Table)


def test_a_year_typo_in_an_exact_date_is_a_typo_not_a_disagreement() -> None:
    engine = get_engine("duckdb")
    model = engine.train(Records.from_rows([_person("x", "A", "B")]))  # too few: the prior
    probe = Records.from_rows([_person("p", "Arthur", "Englefield", "1855-01-01")])
    other = Records.from_rows([_person("q", "Arthur", "Englefield", "1865-01-01")])
    (pair,) = engine.score(probe, other, model=model)
    dob = next(c for c in pair.contributions if c.comparison == "date_of_birth")
    assert dob.level == "one typo or day/month swapped"


def test_an_em_session_that_fails_keeps_every_comparison() -> None:
    # no documents and no phones: the EM sessions blocking on them fail. Splink had then dropped the
    # comparisons they block on (document, phone) from the model, and predictions ignored them.
    rng = random.Random(4)
    given = ["Ali", "Omar", "Huda", "Rama", "Adam", "Samir", "Lina", "Nour", "Tariq", "Yara"]
    family = ["Haddad", "Nasser", "Khalil", "Saleh", "Azzam", "Darwish", "Hamdan", "Jaber"]
    rows = []
    for i in range(400):
        g, f = rng.choice(given), rng.choice(family)
        dob = f"{rng.randint(1950, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows.append(_person(f"p{i}", g, f, dob, site=rng.choice(["A", "B"]), country_of_origin="SYR"))
        if i % 4 == 0:
            rows.append(
                _person(f"p{i}-again", g, f, dob[:4], site=rng.choice(["A", "B"]), country_of_origin="SYR")
            )
    model = get_engine("duckdb").train(Records.from_rows(rows), seed=1)
    assert any("skipped" in note for note in model.notes)
    comparisons = model.spec["parameters"]["comparisons"]
    assert set(comparisons) == {name for name, _ in splink_engine.layout()}


def test_the_desk_scorer_is_built_once_per_model_not_once_per_engine() -> None:
    # an engine is made per desk check; its scorer (Splink settings rendered to SQL, ~0.3 s) was too
    model = get_engine("duckdb").train(Records.from_rows([_person("x", "A", "B")]))
    probe = Records.from_rows([_person("p", "Huda", "Nasser", "1990")])
    other = Records.from_rows([_person("q", "Houda", "Nasser", "1990-02-03")])
    first = get_engine("duckdb")._scorer(model)
    assert get_engine("duckdb")._scorer(model) is first
    assert get_engine("duckdb").score(probe, other, model=model) == first.score(
        splink_engine._pa_table(probe), splink_engine._pa_table(other)
    )
