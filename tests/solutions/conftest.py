"""Fixtures of the solutions tests, once per backend: operation JOR (sites ZAA, AMM) with the users of
tests.helpers.seed plus `resettler` (resettlement officer, JOR), `rsd1` and `rsd2` (RSD officers, JOR),
`rsdsup` and `rsdsup2` (RSD supervisors, JOR), `lbn_officer` (RSD officer in LBN); two registered
families at ZAA (Haddad, 4 people; Saleh, 3 people)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD, Seed, household_payload, seed

from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work


@dataclass
class World:
    container: Container
    seed: Seed
    haddad: uuid.UUID  # household
    haddad_people: list[uuid.UUID]  # father, mother, two children
    saleh: uuid.UUID
    saleh_people: list[uuid.UUID]
    principals: dict[str, Principal] = field(default_factory=dict)

    @property
    def operation_id(self) -> uuid.UUID:
        return self.seed.operation_id

    def who(self, username: str) -> Principal:
        if username not in self.principals:
            with unit_of_work(self.container.sessions) as s:
                self.principals[username] = sec.principal_for(s, sec.get_user(s, username))
        return self.principals[username]


def build_world(container: Container) -> World:
    base = seed(container)
    with unit_of_work(container.sessions) as s:
        lbn = reg.create_operation(s, actor=SYSTEM, code="LBN", name="Lebanon operation", country_iso3="LBN")
        for username, role, op_id in [
            ("resettler", Role.RESETTLEMENT_OFFICER, base.operation_id),
            ("rsd1", Role.RSD_OFFICER, base.operation_id),
            ("rsd2", Role.RSD_OFFICER, base.operation_id),
            ("rsdsup", Role.RSD_SUPERVISOR, base.operation_id),
            ("rsdsup2", Role.RSD_SUPERVISOR, base.operation_id),
            ("lbn_officer", Role.RSD_OFFICER, lbn.id),
        ]:
            user = sec.create_user(
                s, actor=SYSTEM, username=username, full_name=username.title(), password=PASSWORD
            )
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id)
            base.users[username] = user.id
        families = []
        for name, size in (("Haddad", 4), ("Saleh", 3)):
            hh = reg.register_household(
                s,
                actor=SYSTEM,
                data=HouseholdCreate.model_validate(
                    household_payload(base.camp_id, members=size, family=name)
                ),
            )
            people = list(
                s.scalars(
                    select(Individual.id).where(Individual.household_id == hh.id).order_by(Individual.ref)
                )
            )
            families.append((hh.id, people))
    return World(container, base, families[0][0], families[0][1], families[1][0], families[1][1])


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)
