"""store.counters: a named counter starts at 1, reserves consecutive runs, keeps names apart, and
lives in the caller's transaction (a rollback gives the values back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from refugio.store import counters
from refugio.store.engine import make_engine

META = MetaData()
COUNTER = Table(
    "counter_test", META, Column("name", String(40), primary_key=True), Column("value", Integer, default=0)
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    META.create_all(engine)
    yield engine
    engine.dispose()


def test_reserve_runs_of_values(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        assert counters.reserve(s, COUNTER, name="a") == 1
        assert counters.reserve(s, COUNTER, name="a", count=5) == 2
        assert counters.reserve(s, COUNTER, name="a") == 7
        assert counters.reserve(s, COUNTER, name="b", count=3) == 1
    with Session(engine) as s:
        assert dict(s.execute(select(COUNTER.c.name, COUNTER.c.value)).all()) == {"a": 7, "b": 3}


def test_rollback_gives_the_values_back(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        assert counters.reserve(s, COUNTER, name="c", count=2) == 1
    with Session(engine) as s:
        assert counters.reserve(s, COUNTER, name="c", count=10) == 3
        s.rollback()
    with Session(engine) as s, s.begin():
        assert counters.reserve(s, COUNTER, name="c") == 3
    with pytest.raises(ValueError, match="at least one"), Session(engine) as s:
        counters.reserve(s, COUNTER, name="c", count=0)
