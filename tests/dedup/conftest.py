"""Fixtures of the dedup tests: the shared container/seeded fixtures (once per backend), principals, and
two registrations of the same family (at the camp, then again at the office with other spellings)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import Seed, household_payload, principal

from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work


@pytest.fixture
def imo(container: Container, seeded: Seed) -> Principal:
    return principal(container, "imo")


@pytest.fixture
def clerk(container: Container, seeded: Seed) -> Principal:
    return principal(container, "clerk")


@pytest.fixture
def viewer(container: Container, seeded: Seed) -> Principal:
    return principal(container, "viewer")


def again_payload(site_id: uuid.UUID) -> dict[str, object]:
    """The Haddad family registered again: other spellings, Arabic script, year-only dates, no documents."""
    payload = household_payload(site_id, family="Hadad")
    members = payload["members"]
    assert isinstance(members, list)
    members[0].update(given_name="Khalid", family_name="Hadad", documents=[], date_of_birth="1984-05-17")
    members[1].update(given_name="Maryam", date_of_birth="1988")
    members[2].update(given_name="Yousef", given_name_original="يوسف", date_of_birth="2014")
    return payload


@dataclass
class Families:
    first: uuid.UUID
    again: uuid.UUID
    other: uuid.UUID


def register(container: Container, payload: dict[str, object]) -> uuid.UUID:
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
        return hh.id


@pytest.fixture
def families(container: Container, seeded: Seed) -> Families:
    first = register(container, household_payload(seeded.camp_id, family="Haddad"))
    again = register(container, again_payload(seeded.office_id))
    other = household_payload(seeded.camp_id, family="Nasser")
    for m, name in zip(other["members"], ["Omar", "Huda", "Adam", "Rama"], strict=True):  # type: ignore[call-overload]
        m["given_name"] = name
        m.pop("given_name_original", None)
        m.pop("family_name_original", None)
    other["members"][0]["phone"] = "+962 78 111 2233"  # type: ignore[index]
    return Families(first, again, register(container, other))
