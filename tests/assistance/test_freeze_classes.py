"""Households alike are decided once (`lists.decisions` groups them by what the rules read): for rules
using every feature and a varied registry, each household's grouped decision equals its own evaluation,
reasons included; and a frozen list, on SQLite and PostgreSQL, holds row by row what the household-by-
household path gives (amount, fee, basket, snapshot and its digest). Withdrawn consent: see
test_consent_withdrawal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import uuid

from sqlalchemy import select
from tests.assistance.conftest import START, World, frozen_cycle

from refugio.assistance.models import Entitlement
from refugio.assistance.rules import evaluate, parse_rules
from refugio.assistance.service import lists
from refugio.registration.queries import AssistanceHousehold, AssistanceMember, households_for_assistance
from refugio.store.uow import unit_of_work

EVERYTHING = """
name: Every feature
currency: JOD
eligibility:
  population_types: [refugee, asylum_seeker]
  sites: [ZAA, AMM]
  household_size: {min: 1, max: 8}
  needs_any: [DS, SC-UC, ER]
  arrived_from: 2020-01-01
  arrived_until: 2025-12-31
  member_age: {min: 0, max: 4, at_least: 1}
amounts:
  per_household: 40
  per_member: 12.5
  max_counted_members: 5
  topups: [{need: DS, amount: 15, per: member}, {need: SC-UC, amount: 30, per: household}]
  maximum: 170
  rounding: {to: 5, mode: up}
  fee: {percent: 1.5, fixed: 0.25}
basket: [{item: Blanket, unit: piece, per_member: 1, per_household: 1}]
"""
SIMPLE = """
name: Simple
currency: JOD
amounts: {per_household: 50, per_member: 20, max_counted_members: 4, topups: [{need: DS, amount: 15}]}
"""
NEEDS = [(), (), (), (), (), (), (), (), ("DS-DF",), ("SC-UC",), ("DS-DF", "ER-NF"), ("ER-NF",), ("LP-ND",)]
NEEDS += [("DS-DF", "LP-ND")]  # a code the rules do not read beside one they do: the reasons name both


def household(rng: random.Random, n: int) -> AssistanceHousehold:
    size = rng.randint(1, 9)
    members = tuple(
        AssistanceMember(
            ref=f"H{n}-{i}",
            given_name="A",
            family_name="B",
            sex="FM"[i % 2],
            date_of_birth=dt.date(rng.randint(1950, 2025), rng.randint(1, 12), rng.randint(1, 28)),
            population_type=rng.choice(["refugee", "asylum_seeker", "migrant"]),
            relationship="focal_point" if i == 0 else "son_daughter",
            is_focal_point=i == 0 and rng.random() > 0.05,
            needs=tuple(sorted(rng.choice(NEEDS))),
        )
        for i in range(size)
    )
    return AssistanceHousehold(
        id=uuid.uuid4(),
        ref=f"H{n}",
        operation_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        site_code=rng.choice(["ZAA", "AMM", "IRB"]),
        arrival_date=rng.choice([None, dt.date(2019, 5, 1), dt.date(2022, 3, 3), dt.date(2026, 1, 1)]),
        focal_document=None,
        members=members,
    )


def test_grouped_decisions_equal_each_households_own() -> None:
    rng = random.Random(15)
    households = [household(rng, n) for n in range(3000)]
    on = dt.date(2026, 1, 1)
    for text in (EVERYTHING, SIMPLE):
        rules = parse_rules(text)
        grouped = list(lists.decisions(rules, households, on))
        if text is SIMPLE:  # few inputs read: few groups
            assert len({id(d) for _, d in grouped}) < len(households) / 5
        eligible = 0
        for hh, d in grouped:
            own = evaluate(rules, lists.facts(hh), on=on)
            assert (d.eligible, d.amount, d.fee, d.basket, d.reasons) == (
                own.eligible,
                own.amount,
                own.fee,
                own.basket,
                own.reasons,
            ), hh.ref
            eligible += d.eligible
        assert 0 < eligible < len(households) if text is EVERYTHING else eligible == len(households)


def test_a_frozen_list_equals_the_household_by_household_path(world: World) -> None:
    from refugio.assistance.service.programmes import ruleset

    cycle_id = frozen_cycle(world, activate=False)
    with unit_of_work(world.container.sessions) as s:
        _row, rules = ruleset(s, world.programme_id, None)
        expected = {}
        for hh in households_for_assistance(s, operation_id=world.operation_id):
            d = evaluate(rules, lists.facts(hh), on=START)
            if d.eligible:
                snap = lists.snapshot(hh, d, rules, 1, "JOD")
                text = json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                expected[hh.ref] = (
                    d.amount,
                    d.fee,
                    d.basket,
                    json.loads(text),
                    hashlib.sha256(text.encode()).hexdigest(),
                )
        got = {
            e.household_ref: (e.amount, e.fee, e.basket, e.snapshot, e.snapshot_sha256)
            for e in s.scalars(select(Entitlement).where(Entitlement.cycle_id == cycle_id))
        }
    assert len(expected) == 3 and got == expected
