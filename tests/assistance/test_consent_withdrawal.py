"""Withdrawing consent for assistance takes effect on assistance: the household whose focal point
withdrew is on no list, and an entitlement frozen before the withdrawal is not collected."""

from __future__ import annotations

import pytest
from tests.assistance.conftest import START, World, frozen_cycle

from refugio.assistance.schemas import CollectionCreate, CycleCreate
from refugio.assistance.service import desk, lists, programmes
from refugio.core.errors import Conflict
from refugio.registration import service as reg
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _consent(world: World, given: bool) -> None:
    with unit_of_work(world.container.sessions) as s:
        reg.change_consent(
            s,
            actor=SYSTEM,
            individual_id=world.focal_person_id,
            purpose="assistance",
            given=given,
            reason="t",
        )


def test_a_withdrawal_takes_the_household_off_the_list_and_a_new_consent_puts_it_back(world: World) -> None:
    officer = world.who("officer")
    with unit_of_work(world.container.sessions) as s:
        cycle = programmes.create_cycle(
            s, actor=officer, programme_id=world.programme_id, data=CycleCreate(name="Jan", start_date=START)
        )
    _consent(world, False)
    with unit_of_work(world.container.sessions) as s:
        preview = lists.preview(s, actor=officer, cycle_key=cycle.id)
    assert preview.households == 2 and world.family_ref not in {r.household_ref for r in preview.rows}
    _consent(world, True)
    with unit_of_work(world.container.sessions) as s:
        preview = lists.preview(s, actor=officer, cycle_key=cycle.id)
    assert preview.households == 3 and world.family_ref in {r.household_ref for r in preview.rows}


def test_an_entitlement_is_not_collected_after_the_focal_point_withdrew(world: World) -> None:
    frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        view = desk.lookup(s, actor=world.who("desk"), programme_key="WINTER", key=world.family_ref)
    _consent(world, False)
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="consent for assistance"):
        desk.collect(
            s,
            actor=world.who("desk"),
            data=CollectionCreate(entitlement_id=view.entitlements[0].id, desk="D1"),
        )
