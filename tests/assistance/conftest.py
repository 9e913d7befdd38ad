"""Fixtures of the assistance tests, once per backend: operation JOR (sites ZAA, AMM) with users of
each assistance role, three households (ZAA: a family of five with a disabled member, a couple; AMM:
one person), a cash programme WINTER with its rules, and helpers to build a released plan.

Users: admin (everywhere), officer (programme officer, JOR), approver1/approver2 (finance approvers),
releaser (finance releaser), desk (distribution clerk, ZAA), desk_amm (distribution clerk, AMM),
viewer (registration viewer, no assistance permission).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD, household_payload

from refugio.assistance.schemas import CycleCreate, PlanCreate, ProgrammeCreate
from refugio.assistance.service import lists, plans, programmes
from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work

RULES = """
name: Winter cash
currency: JOD
eligibility:
  population_types: [refugee]
  household_size: {min: 1, max: 12}
amounts:
  per_household: 50
  per_member: 20
  max_counted_members: 4
  topups: [{need: DS, amount: 15, per: member}]
  rounding: {to: 5, mode: nearest}
  fee: {percent: 1}
basket: [{item: Blanket, unit: piece, per_member: 1}]
"""

START = dt.date(2026, 1, 1)


@dataclass
class World:
    container: Container
    operation_id: uuid.UUID
    camp_id: uuid.UUID
    office_id: uuid.UUID
    family_id: uuid.UUID  # ZAA, 5 members, one with DS-DF
    family_ref: str
    couple_id: uuid.UUID  # ZAA, 2 members
    single_id: uuid.UUID  # AMM, 1 member
    focal_person_id: uuid.UUID  # the family's focal point
    programme_id: uuid.UUID
    key: bytes
    principals: dict[str, Principal] = field(default_factory=dict)

    def who(self, username: str) -> Principal:
        if username not in self.principals:
            with unit_of_work(self.container.sessions) as s:
                self.principals[username] = sec.principal_for(s, sec.get_user(s, username))
        return self.principals[username]


def _household(s: object, site: uuid.UUID, members: int, family: str) -> uuid.UUID:
    payload = household_payload(site, members=members, family=family)
    if members >= 3:
        payload["members"][2]["needs"] = [{"code": "DS-DF", "reason": "difficulty walking"}]
    hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))  # type: ignore[arg-type]
    return hh.id


def build_world(container: Container) -> World:
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan operation", country_iso3="JOR")
        camp = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari camp", kind="camp")
        office = reg.create_site(
            s, actor=SYSTEM, operation=op, code="AMM", name="Amman office", kind="urban_office"
        )
        for username, role, op_id, site_id in [
            ("admin", Role.ADMINISTRATOR, None, None),
            ("officer", Role.PROGRAMME_OFFICER, op.id, None),
            ("approver1", Role.FINANCE_APPROVER, op.id, None),
            ("approver2", Role.FINANCE_APPROVER, op.id, None),
            ("releaser", Role.FINANCE_RELEASER, op.id, None),
            ("desk", Role.DISTRIBUTION_CLERK, op.id, camp.id),
            ("desk_amm", Role.DISTRIBUTION_CLERK, op.id, office.id),
            ("viewer", Role.VIEWER, op.id, None),
        ]:
            user = sec.create_user(
                s, actor=SYSTEM, username=username, full_name=username.title(), password=PASSWORD
            )
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id, site_id=site_id)
        family = _household(s, camp.id, 5, "Haddad")
        couple = _household(s, camp.id, 2, "Saleh")
        single = _household(s, office.id, 1, "Khalil")
        from sqlalchemy import select

        from refugio.registration.models import Household

        family_ref, focal_id = s.execute(
            select(Household.ref, Household.focal_point_id).where(Household.id == family)
        ).one()
        programme = programmes.create_programme(
            s,
            actor=SYSTEM,
            data=ProgrammeCreate(
                operation_id=op.id,
                code="WINTER",
                name="Winter cash",
                kind="cash",
                currency="JOD",
                usd_rate="1.41",
                start_date=START,
                approval_thresholds=[(100, 1), (1000, 2)],
            ),
        )
        programmes.load_rules(s, actor=SYSTEM, programme_id=programme.id, text=RULES)
        return World(
            container=container,
            operation_id=op.id,
            camp_id=camp.id,
            office_id=office.id,
            family_id=family,
            family_ref=family_ref,
            couple_id=couple,
            single_id=single,
            focal_person_id=focal_id,
            programme_id=programme.id,
            key=container.keyring.payment_key(),
        )


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def frozen_cycle(world: World, *, activate: bool = True) -> uuid.UUID:
    with unit_of_work(world.container.sessions) as s:
        officer = world.who("officer")
        cycle = programmes.create_cycle(
            s,
            actor=officer,
            programme_id=world.programme_id,
            data=CycleCreate(name="January", start_date=START),
        )
        lists.freeze(s, actor=officer, cycle_key=cycle.id)
        if activate:
            programmes.move_cycle(s, actor=officer, cycle_key=cycle.id, to="active")
        return cycle.id


def frozen_programme(world: World, *, code: str, name: str, rules: str) -> tuple[uuid.UUID, int, object]:
    """A cash programme `code` of the world's operation with `rules`, and one cycle frozen by the
    officer: (the cycle's id, its household count, its total amount)."""
    with unit_of_work(world.container.sessions) as s:
        programme = programmes.create_programme(
            s,
            actor=SYSTEM,
            data=ProgrammeCreate(
                operation_id=world.operation_id,
                code=code,
                name=name,
                kind="cash",
                currency="JOD",
                usd_rate="1.41",
                start_date=START,
                approval_thresholds=[],
            ),
        )  # type: ignore[arg-type]
        programmes.load_rules(s, actor=SYSTEM, programme_id=programme.id, text=rules)
        cycle = programmes.create_cycle(
            s, actor=SYSTEM, programme_id=programme.id, data=CycleCreate(name="One", start_date=START)
        )
        lists.freeze(s, actor=world.who("officer"), cycle_key=cycle.id)
        return cycle.id, cycle.household_count, cycle.total_amount


def plan_in_approval(world: World) -> str:
    cycle_id = frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        officer = world.who("officer")
        plan = plans.create_plan(
            s, actor=officer, cycle_key=cycle_id, data=PlanCreate(provider="Cairo Amman Bank"), key=world.key
        )
        plans.lock(s, actor=officer, plan_key=plan.id)
        plans.submit(s, actor=officer, plan_key=plan.id)
        return plan.code


def released_plan(world: World) -> str:
    code = plan_in_approval(world)
    with unit_of_work(world.container.sessions) as s:
        plan = plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
        if plan.status != "authorised":
            plans.approve(s, actor=world.who("approver2"), plan_key=code, version=1, key=world.key)
        plans.release(s, actor=world.who("releaser"), plan_key=code, key=world.key)
    return code
