"""The PostgreSQL freeze renders its rows in SQL (`service.frozen_sql`; that the rows equal the
household-by-household definition is test_freeze_rows): its age bounds count as `frozen._age` does,
its ids are time-ordered UUIDs like every other (`core.ids`), and a household of a kind the classes
query did not see — the registry changed between the freeze's two statements — stops the freeze with
nothing written."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from tests.assistance.conftest import START, World
from tests.helpers import household_payload

from refugio.assistance.models import Cycle, Entitlement
from refugio.assistance.schemas import CycleCreate
from refugio.assistance.service import frozen, frozen_sql, lists, programmes
from refugio.core.errors import Conflict
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


@pytest.mark.parametrize(
    "on", [dt.date(2026, 1, 1), dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2025, 3, 1)]
)
def test_the_age_bounds_count_ages_as_the_rules_do(on: dt.date) -> None:
    births = [on - dt.timedelta(days=d) for d in range(0, 12 * 366, 7)]
    births += [dt.date(y, m, d) for y in (2012, 2016, 2020) for m, d in ((2, 28), (2, 29), (3, 1))]
    births = [b for b in births if b <= on]
    for years in range(0, 12):
        bound = frozen_sql._latest_birth(on, years)
        for born in births:
            assert (born <= bound) == (frozen._age(born.isoformat(), on) >= years), (on, years, born)


def _cycle(world: World) -> uuid.UUID:
    with unit_of_work(world.container.sessions) as s:
        cycle = programmes.create_cycle(
            s, actor=SYSTEM, programme_id=world.programme_id, data=CycleCreate(name="Jan", start_date=START)
        )
        return cycle.id


def test_the_frozen_rows_have_time_ordered_ids(world: World) -> None:
    cycle_id = _cycle(world)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with unit_of_work(world.container.sessions) as s:
        lists.freeze(s, actor=world.who("officer"), cycle_key=cycle_id)
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with unit_of_work(world.container.sessions) as s:
        found = list(s.scalars(select(Entitlement.id).where(Entitlement.cycle_id == cycle_id)))
    assert len(found) == 3
    for eid in found:
        assert eid.version == 7 and eid.variant == uuid.RFC_4122
        made = dt.datetime.fromtimestamp((eid.int >> 80) / 1000, dt.UTC)
        assert before <= made <= after
    assert len(set(found)) == 3


def test_a_household_of_a_kind_not_counted_stops_the_freeze_with_nothing_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if world.container.engine.dialect.name != "postgresql":
        pytest.skip("the set-based freeze (two statements) is PostgreSQL's; SQLite reads one stream")
    read = lists.households_for_assistance

    def registered_meanwhile(session: Any, **kwargs: Any) -> Any:  # between the classes and the INSERT
        if kwargs.get("household_ids") is not None:  # the freeze's read of one household of each class
            payload = household_payload(world.camp_id, members=9, family="Late")  # nobody has 9 members
            reg.register_household(session, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
            session.flush()
        return read(session, **kwargs)

    monkeypatch.setattr(lists, "households_for_assistance", registered_meanwhile)
    cycle_id = _cycle(world)
    changed = "the registry changed while cycle WINTER/1 was being frozen"
    with pytest.raises(Conflict, match=changed), unit_of_work(world.container.sessions) as s:
        lists.freeze(s, actor=world.who("officer"), cycle_key=cycle_id)
    with unit_of_work(world.container.sessions) as s:
        assert s.scalars(select(Entitlement.id).where(Entitlement.cycle_id == cycle_id)).first() is None
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None and cycle.frozen_at is None and cycle.household_count == 0
    monkeypatch.setattr(lists, "households_for_assistance", read)
    with unit_of_work(world.container.sessions) as s:  # the same freeze, once the registry is still
        assert lists.freeze(s, actor=world.who("officer"), cycle_key=cycle_id).household_count == 3
