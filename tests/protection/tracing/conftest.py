"""Fixtures of the tracing tests: the seeded operation JOR (tests.helpers), a second operation LBN with
its own protection officer, registered families, and request payloads.

The world: the Al-Ahmad family is registered in JOR at the camp (ZAA) — Khaled, Fatima, their son
Mohammed (born 2014, year only) and daughter Sara (stated age 8), from Homs; the Nasser household at
the office (AMM); a Mohammed Al-Ahmad of another age registered in LBN, whom nobody in JOR may see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import Seed, principal

from refugio.main import Container
from refugio.protection.tracing import service
from refugio.protection.tracing.schemas import RequestCreate
from refugio.registration import service as reg
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    seed: Seed
    lbn_operation_id: uuid.UUID
    lbn_site_id: uuid.UUID
    ahmad_household: uuid.UUID
    mohammed_id: uuid.UUID
    khaled_ref: str
    lbn_mohammed_id: uuid.UUID


def _register(container: Container, payload: dict[str, Any]) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
        return hh.id, [m.id for m in sorted(hh.members, key=lambda m: m.ref)]


def _member(given: str, family: str, sex: str, relationship: str, **more: Any) -> dict[str, Any]:
    return {"relationship": relationship, "given_name": given, "family_name": family, "sex": sex, **more}


@pytest.fixture
def world(container: Container, seeded: Seed) -> World:
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="LBN", name="Lebanon operation", country_iso3="LBN")
        site = reg.create_site(
            s, actor=SYSTEM, operation=op, code="BEK", name="Bekaa office", kind="urban_office"
        )
        lbn_op, lbn_site = op.id, site.id
        for username, role, op_id, site_id in [
            ("officer_lbn", Role.PROTECTION_OFFICER, op.id, None),
            ("tracer_amm", Role.PROTECTION_OFFICER, seeded.operation_id, seeded.office_id),
        ]:
            user = sec.create_user(s, actor=SYSTEM, username=username, full_name=username, password=PASSWORD)
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id, site_id=site_id)
    ahmad, members = _register(
        container,
        {
            "site_id": str(seeded.camp_id),
            "consent_given": True,
            "consent_purposes": ["registration", "tracing"],
            "country_of_origin": "SYR",
            "place_of_origin": "Homs",
            "population_type": "refugee",
            "members": [
                _member(
                    "Khaled",
                    "Al-Ahmad",
                    "M",
                    "focal_point",
                    date_of_birth="1980-03-02",
                    nationality="SYR",
                    given_name_original="خالد",
                    family_name_original="الأحمد",
                    phone="+962 79 555 0199",
                ),
                _member(
                    "Mohammed", "Al-Ahmad", "M", "son_daughter", date_of_birth="2014", middle_name="Khaled"
                ),
                _member("Sara", "Al-Ahmad", "F", "son_daughter", stated_age=8),
            ],
        },
    )
    _nasser, _ = _register(
        container,
        {
            "site_id": str(seeded.office_id),
            "consent_given": True,
            "country_of_origin": "SYR",
            "population_type": "refugee",
            "members": [_member("Omar", "Nasser", "M", "focal_point", date_of_birth="1990-01-01")],
        },
    )
    _lbn_hh, lbn_members = _register(
        container,
        {
            "site_id": str(lbn_site),
            "consent_given": True,
            "country_of_origin": "SYR",
            "population_type": "refugee",
            "members": [_member("Mohammed", "Al-Ahmad", "M", "focal_point", date_of_birth="1975-01-01")],
        },
    )
    with unit_of_work(container.sessions) as s:
        khaled = s.get(Individual, members[0])
        assert khaled is not None
        khaled_ref = khaled.ref
    return World(seeded, lbn_op, lbn_site, ahmad, members[1], khaled_ref, lbn_members[0])


@pytest.fixture
def protection(container: Container, seeded: Seed) -> Principal:
    return principal(container, "protection")


@pytest.fixture
def clerk(container: Container, seeded: Seed) -> Principal:
    return principal(container, "clerk")


@pytest.fixture
def officer_lbn(container: Container, world: World) -> Principal:
    return principal(container, "officer_lbn")


def request_payload(site_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """The mother, outside the registry, looks for her son written in Arabic script."""
    payload: dict[str, Any] = {
        "site_id": str(site_id),
        "enquirer": {
            "given_name": "Fatima",
            "family_name": "Al-Ahmad",
            "sex": "F",
            "date_of_birth": "1985",
            "phone": "+961 70 123 456",
            "country_of_origin": "SYR",
        },
        "consent": {"given": True, "given_by": "the enquirer"},
        "sought": [
            {
                "given_name": "محمد",
                "family_name": "الأحمد",
                "sex": "M",
                "age": 12,
                "relationship": "child",
                "country_of_origin": "SYR",
                "place_of_origin": "حمص",
                "date_of_separation": "2024-02",
                "separation_circumstances": "separated at the border crossing",
            }
        ],
    }
    payload.update(overrides)
    return payload


def open_request(container: Container, actor: Principal, payload: dict[str, Any]) -> uuid.UUID:
    with unit_of_work(container.sessions) as s:
        return service.open_request(s, actor=actor, data=RequestCreate.model_validate(payload)).id


__all__ = ["World", "open_request", "request_payload"]
