"""Fixtures of the data protection tests, once per backend: the protection tests' world (operation JOR,
people, users) plus a data protection officer, with records past their retention periods — the Haddad
household departed six years ago, Omar Saleh deceased three years ago, a case of Amira Khalil's closed
eight years ago — and an open case of Khaled Haddad's (which keeps him out of the rules' reach)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD
from tests.protection.conftest import World, build_world, open_case

from refugio.main import Container
from refugio.protection.models import ProtectionCase
from refugio.registration import service as reg
from refugio.registration.schemas import DeathRecord, StatusChange
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


@dataclass
class Past:
    world: World
    closed_case_id: uuid.UUID
    open_case_id: uuid.UUID


def years_back(years: int, days: int = 30) -> dt.date:
    today = dt.date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - dt.timedelta(days=days)


def build_past(container: Container) -> Past:
    world = build_world(container)
    closed = open_case(world, summary="Amira reported threats from her former employer in Amman.")
    still_open = open_case(world, individual_id=world.father_id, summary="Khaled fears arrest if returned")
    with unit_of_work(container.sessions) as s:
        user = sec.create_user(s, actor=SYSTEM, username="dpo", full_name="Dee Pio", password=PASSWORD)
        sec.grant_role(s, actor=SYSTEM, user=user, role=Role.DATA_PROTECTION_OFFICER)
        for person in (world.father_id, world.son_id):
            change = StatusChange(reason="left for Germany", status="departed", effective_date=years_back(6))
            reg.change_status(s, actor=SYSTEM, individual_id=person, data=change)
        reg.record_death(
            s, actor=SYSTEM, individual_id=world.child_id, data=DeathRecord(date_of_death=years_back(3))
        )
        closed_at = dt.datetime.combine(years_back(8), dt.time(10), tzinfo=dt.UTC)
        case = s.get(ProtectionCase, closed)  # through the ORM: closure_reason is encrypted with its row id
        assert case is not None
        case.status, case.closed_at, case.closure_reason = "closed", closed_at, "Amira moved to a safe place"
    return Past(world, closed, still_open)


@pytest.fixture
def past(container: Container) -> Past:
    return build_past(container)
