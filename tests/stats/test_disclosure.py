"""Disclosure control: primary and secondary suppression on hypercubes, rounding, k-anonymity, brackets."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from refugio.core.errors import ValidationFailed
from refugio.stats.brackets import DEFAULT, AgeBrackets, exact_age, ymd
from refugio.stats.disclosure import (
    DisclosureRule,
    add_margins,
    check_k_anonymity,
    lines,
    protect,
)
from refugio.stats.tables import Dimension, cube_table

RULE = DisclosureRule()


def _hidden_alone(status: dict, sizes: list[int], totals: list[bool]) -> list:
    return [
        (parts, total)
        for parts, total in lines(sizes, totals)
        if sum(c in status for c in [*parts, total]) == 1
    ]


def test_small_cells_are_suppressed_and_none_can_be_recovered_from_totals() -> None:
    counts = {(0, 0): 3, (0, 1): 40, (1, 0): 25, (1, 1): 31}
    cells = add_margins(counts, [2, 2], [True, True])
    assert cells[(2, 2)] == 99 and cells[(0, 2)] == 43 and cells[(2, 0)] == 28
    protection = protect(cells, [2, 2], [True, True], lambda _c: 5)
    assert protection.status[(0, 0)] == "primary"
    # the classic rectangle: the row, the column and the opposite corner are hidden too
    assert protection.secondary == 3
    assert {(0, 1), (1, 0), (1, 1)} <= set(protection.status)
    assert _hidden_alone(protection.status, [2, 2], [True, True]) == []


@pytest.mark.parametrize("seed", range(25))
def test_random_cubes_never_leave_a_suppressed_cell_alone_on_a_line(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(2, 5) for _ in range(rng.randint(2, 3))]
    counts = {
        c: rng.choice([0, 1, 2, 3, 4, 7, 12, 30]) for c in itertools.product(*(range(n) for n in sizes))
    }
    cells = add_margins(counts, sizes, [True] * len(sizes))
    protection = protect(cells, sizes, [True] * len(sizes), lambda _c: 5)
    assert all(v >= 5 or v == 0 or c in protection.status for c, v in cells.items())
    assert _hidden_alone(protection.status, sizes, [True] * len(sizes)) == []
    assert all(cells.get(c, 0) > 0 for c in protection.status)  # zeros are never suppressed


def test_a_line_of_zeros_besides_the_small_cell_hides_its_total() -> None:
    cells = add_margins({(0,): 3, (1,): 0, (2,): 0}, [3], [True])
    protection = protect(cells, [3], [True], lambda _c: 5)
    assert protection.status == {(0,): "primary", (3,): "primary"}  # the total is 3: small itself


def test_sensitive_rows_use_the_higher_threshold() -> None:
    table = cube_table(
        name="t",
        title="t",
        rows=[Dimension("need", "Need", "#need+code", [("SV", "SGBV"), ("DS", "Disability")])],
        column=Dimension("sex", "Sex", "#gender+code", [("F", "Female"), ("M", "Male")]),
        counts={("SV", "F"): 8, ("SV", "M"): 20, ("DS", "F"): 8, ("DS", "M"): 20},
        rule=RULE,
        value_hxl="#affected",
        sensitive=lambda codes: codes[0] == "SV",
        totals=[False, True],
    )
    assert table.rows[0][1:] == ["<5", "x", 28]  # 8 < 10 for SGBV: hidden, and its partner with it
    assert table.rows[1][1:] == [8, 20, 28]


def test_published_table_totals_add_up() -> None:
    table = cube_table(
        name="t",
        title="t",
        rows=[Dimension("age", "Age", "#age+range", [(b, b) for b in DEFAULT.labels])],
        column=Dimension("sex", "Sex", "#gender+code", [("F", "F"), ("M", "M")]),
        counts={(b, s): 10 + i for i, (b, s) in enumerate(itertools.product(DEFAULT.labels, "FM"))},
        rule=RULE,
        value_hxl="#affected",
    )
    body = [r for i, r in enumerate(table.rows) if i not in table.total_rows]
    total = table.rows[-1]
    assert total[0] == "Total" and sum(r[3] for r in body) == total[3] == sum(total[1:3])
    assert all(r[1] + r[2] == r[3] for r in body)


def test_rounding_rule_rounds_every_count() -> None:
    rule = DisclosureRule.build(method="round")
    table = cube_table(
        name="t",
        title="t",
        rows=[Dimension("site", "Site", "#loc+code", [("A", "A"), ("B", "B")])],
        column=Dimension("sex", "Sex", "#gender+code", [("F", "F"), ("M", "M")]),
        counts={("A", "F"): 2, ("A", "M"): 13, ("B", "F"): 7, ("B", "M"): 22},
        rule=rule,
        value_hxl="#affected",
    )
    assert all(v % 5 == 0 for r in table.rows for v in r[1:] if isinstance(v, int))
    assert "round5" in rule.id and table.metadata()["disclosure"]["method"] == "round"


def test_rule_values_are_checked() -> None:
    with pytest.raises(ValidationFailed) as exc:
        DisclosureRule.build(threshold=1, sensitive_threshold=0, method="blur", k=1)
    assert {e.field for e in exc.value.errors} == {"threshold", "sensitive_threshold", "method", "k"}


def test_k_anonymity_reports_the_reason_and_the_fix() -> None:
    records = [("F", "18-59", "SYR")] * 6 + [("M", "18-59", "SYR")] * 5 + [("M", "60+", "SYR")]
    report = check_k_anonymity(records, ["sex", "age", "origin"], 5)
    assert not report.ok and report.records_at_risk == 1 and report.smallest_class == 1
    assert report.without[0] == ("age", 0)
    assert "leaving out age would make the extract k-anonymous" in report.reason()
    assert check_k_anonymity(records[:11], ["sex", "age", "origin"], 5).ok


def test_brackets_parse_and_exact_ages() -> None:
    custom = AgeBrackets.parse("0-5,6-11,12-17,18-59,60+")
    assert custom.labels == ["0-5", "6-11", "12-17", "18-59", "60+"]
    assert custom.index_of(5) == 0 and DEFAULT.index_of(5) == 1
    for bad in ("1-4,5+", "0-4,6-10,11+", "0-4,60+,70+", "0-4,5-11", "a-b"):
        with pytest.raises(ValidationFailed):
            AgeBrackets.parse(bad)
    born = dt.date(2008, 2, 29)
    for on in (dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 2, 27)):
        assert (ymd(on) - ymd(born)) // 10000 == exact_age(born, on)
    assert exact_age(born, dt.date(2026, 2, 28)) == 17 and exact_age(born, dt.date(2026, 3, 1)) == 18
