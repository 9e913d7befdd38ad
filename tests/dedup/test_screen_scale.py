"""Screening at scale: a batch screened against registered candidates scores only the pairs that touch
the batch (two registered candidates are never compared with each other), and finds the same pairs as
scoring everything and keeping those touching the batch. No database."""

from __future__ import annotations

from typing import Any

import pytest

from refugio.dedup import names
from refugio.dedup.engine import LinkageModel, Records, get_engine
from refugio.dedup.splink_engine import scoring

PRIOR = LinkageModel(spec={}, trained=False, notes=["prior"])


def _person(rid: str, given: str, family: str, dob: str, sex: str = "M") -> dict[str, object]:
    return names.prepare(
        names.PersonInput(
            record_id=rid,
            given_name=given,
            family_name=family,
            date_of_birth=names.parse_partial_date(dob),
            sex=sex,
        )
    )


def _records() -> tuple[Records, set[str]]:
    batch = [
        _person("row:1", "Omar", "Khalil", "1980-01-01"),
        _person("row:2", "Huda", "Nasser", "1990-02-03", "F"),
        _person("row:3", "Omar", "Khaleel", "1980-01-01"),
    ]
    registered = [
        _person("registered:a", "Omar", "Khalil", "1980-01-01"),
        _person("registered:b", "Houda", "Nasser", "1990-02-03", "F"),
        # two registered namesakes of each other, and of no one in the batch
        _person("registered:c", "Samir", "Haddad", "1975-05-05"),
        _person("registered:d", "Samir", "Haddad", "1975-05-05"),
        _person("registered:e", "Samir", "Hadad", "1975"),
    ]
    return Records.from_rows([*batch, *registered]), {"row:1", "row:2", "row:3"}


def test_only_the_pairs_touching_the_batch_are_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    # before: every blocked pair was scored (a million registered candidates against each other too),
    # and those not touching the batch were dropped afterwards
    seen: list[tuple[str, str]] = []
    original = scoring._PairScorer.pairs

    def spy(self: scoring._PairScorer, rows: list[tuple[Any, ...]]) -> Any:
        seen.extend((str(r[0]), str(r[1])) for r in rows)
        return original(self, rows)

    monkeypatch.setattr(scoring._PairScorer, "pairs", spy)
    records, batch = _records()
    get_engine("duckdb").predict(records, model=PRIOR, threshold_weight=-1000.0, restrict_to=batch)
    assert seen, "no pair was scored"
    assert all(a in batch or b in batch for a, b in seen), [p for p in seen if not set(p) & batch]
    seen.clear()
    get_engine("duckdb").predict(records, model=PRIOR, threshold_weight=-1000.0)
    assert ("registered:c", "registered:d") in {tuple(sorted(p)) for p in seen}  # blocked when asked


def test_restricting_finds_the_same_pairs_as_scoring_everything() -> None:
    records, batch = _records()
    engine = get_engine("duckdb")
    for threshold in (-1000.0, 0.0):
        every = engine.predict(records, model=PRIOR, threshold_weight=threshold)
        restricted = engine.predict(records, model=PRIOR, threshold_weight=threshold, restrict_to=batch)

        def key(p: Any) -> tuple[str, str, float]:
            a, b = sorted((p.left_id, p.right_id))
            return a, b, round(p.match_weight, 9)

        assert sorted(map(key, restricted)) == sorted(
            key(p) for p in every if p.left_id in batch or p.right_id in batch
        )
        if threshold < 0:  # every blocked pair: the batch's namesake in the registry among them
            assert ("registered:a", "row:1") in {key(p)[:2] for p in restricted}
