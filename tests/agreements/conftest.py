"""Fixtures of the data-sharing agreement tests, once per backend: the seeded operation JOR (tests.helpers)
with a data protection officer `dpo`, partner accounts `partner` and `partner2`, and three households at
ZAA: the Haddads (consent to registration, assistance and data sharing), the Salehs (registration and
assistance only) and the Khalils (every purpose; the father will withdraw data sharing)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD, Seed, household_payload, principal

from refugio.agreements import service
from refugio.agreements.schemas import AgreementCreate
from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


@dataclass
class World:
    container: Container
    seed: Seed
    haddad: list[tuple[uuid.UUID, str]]  # (id, ref) by reference
    saleh: list[tuple[uuid.UUID, str]]
    khalil: list[tuple[uuid.UUID, str]]


def _register(
    s: Any, site: uuid.UUID, family: str, purposes: list[str], members: int
) -> list[tuple[uuid.UUID, str]]:
    payload = household_payload(site, members=members, family=family, consent_purposes=purposes)
    hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
    return sorted(((m.id, m.ref) for m in hh.members), key=lambda p: p[1])


@pytest.fixture
def world(container: Container, seeded: Seed) -> World:
    with unit_of_work(container.sessions) as s:
        for username, role in [
            ("dpo", Role.DATA_PROTECTION_OFFICER),
            ("partner", Role.PARTNER),
            ("partner2", Role.PARTNER),
        ]:
            user = sec.create_user(s, actor=SYSTEM, username=username, full_name=username, password=PASSWORD)
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=seeded.operation_id)
        haddad = _register(s, seeded.camp_id, "Haddad", ["registration", "assistance", "data_sharing"], 3)
        saleh = _register(s, seeded.camp_id, "Saleh", ["registration", "assistance"], 2)
        every = ["registration", "assistance", "data_sharing", "tracing", "protection"]
        khalil = _register(s, seeded.camp_id, "Khalil", every, 1)
    return World(container, seeded, haddad, saleh, khalil)


def agreement(world: World, **overrides: Any) -> uuid.UUID:
    today = dt.date.today()
    data: dict[str, Any] = {
        "operation_id": world.seed.operation_id,
        "partner": "World Food Programme",
        "partner_username": "partner",
        "purpose": "assistance",
        "fields": ["registration_number", "given_name", "family_name", "sex", "status"],
        "legal_basis": "consent",
        "retention_days": 180,
        "valid_from": today - dt.timedelta(days=30),
        "valid_until": today + dt.timedelta(days=335),
    }
    data.update(overrides)
    with unit_of_work(world.container.sessions) as s:
        return service.record_agreement(
            s, actor=principal(world.container, "dpo"), data=AgreementCreate.model_validate(data)
        ).id
