"""`dedup.index.sync_step`: the index brought up to date in steps of about N households, each its own unit
of work (as an import's linkage starts), equals the index one sync builds; an audit entry that lists many
households (`household.register_batch`) is never split; the import's linkage start runs in steps. SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.dedup.conftest import Families, again_payload, register
from tests.helpers import Seed, household_payload

from refugio.dedup import index
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _keys(container: Container) -> set[tuple[object, str, str]]:
    with unit_of_work(container.sessions) as s:
        return {(k.individual_id, k.kind, k.value) for k in s.scalars(select(DedupKey))}


def _batch(container: Container, seeded: Seed, n: int) -> None:
    """`n` households registered together under one audit entry (as an import's commit does)."""
    items = [
        HouseholdCreate.model_validate(household_payload(seeded.camp_id, members=2, family=f"Family{i}"))
        for i in range(n)
    ]
    with unit_of_work(container.sessions) as s:
        reg.register_households(s, actor=SYSTEM, items=items, audit_each=False)


def _steps(container: Container, households: int) -> int:
    steps = 0
    while True:
        steps += 1
        with unit_of_work(container.sessions, immediate=True) as s:
            if index.sync_step(s, households):
                return steps


def test_stepped_sync_equals_one_sync(container: Container, families: Families, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        index.sync(s)  # built
    for site in (seeded.camp_id, seeded.office_id, seeded.camp_id):
        register(container, again_payload(site))  # three households, each in entries of its own
    assert _steps(container, 1) >= 3  # at least one step a household
    stepped = _keys(container)
    with unit_of_work(container.sessions) as s:
        assert index.lag(s) == 0
        index.rebuild(s)
        people = s.scalars(select(DedupPerson.individual_id)).all()
    assert stepped == _keys(container) and len(stepped) > 0
    assert len(people) == len(set(people))


def test_an_entry_listing_many_households_is_one_step(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        index.sync(s)
    _batch(container, seeded, 5)
    _batch(container, seeded, 3)
    assert _steps(container, 2) == 2  # each entry whole, though 5 and 3 are above 2
    with unit_of_work(container.sessions) as s:
        indexed = s.scalars(select(DedupPerson.individual_id)).all()
        assert index.lag(s) == 0 and len(indexed) >= 16


def test_the_import_linkage_starts_with_the_index_in_steps(
    container: Container, seeded: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refugio.dedup.service import import_link
    from refugio.registration.models import Household

    with unit_of_work(container.sessions) as s:
        index.sync(s)
    for _ in range(4):
        _batch(container, seeded, 2)
    calls: list[int] = []
    step = index.sync_step
    monkeypatch.setattr(index, "sync_step", lambda s, n: (calls.append(n), step(s, n))[1])
    monkeypatch.setattr(import_link, "SYNC_STEP", 2)
    with unit_of_work(container.sessions) as s:
        households = list(s.scalars(select(Household.id)))
        op = seeded.operation_id
    import uuid

    run = import_link._start(container.sessions, op, uuid.uuid4(), households)
    assert run is not None
    assert len(calls) == 4 and set(calls) == {2}  # one unit of work per entry of two households
    with unit_of_work(container.sessions) as s:
        assert index.pending(s) == []  # (the entries after it are the run's, not the registry's)
