"""Fixtures of the protection tests, once per backend: operation JOR (sites ZAA, AMM) and LBN, users of
each casework role, registered people (a lone child flagged SC-UC, a woman, a family), and a service
directory with a health service in JOR (answered by `provider`) and a legal service in LBN.

Users: admin (everywhere), clerk (ZAA), protection and officer2 (protection officers, JOR), supervisor
and supervisor2 (protection supervisors, JOR), provider (service provider, JOR), lbn_officer (LBN).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD, household_payload

from refugio.main import Container
from refugio.protection import service
from refugio.protection.schemas import CaseOpen, OrganisationCreate, ServiceCreate
from refugio.registration import service as reg
from refugio.registration.models import Individual, SpecificNeed
from refugio.registration.schemas import HouseholdCreate
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work


def years_ago(years: int, days: int = 40) -> str:
    today = dt.date.today()
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


@dataclass
class World:
    container: Container
    operation_id: uuid.UUID
    camp_id: uuid.UUID
    office_id: uuid.UUID
    lbn_id: uuid.UUID
    users: dict[str, uuid.UUID]
    child_id: uuid.UUID  # Omar Saleh, 15, registered alone at ZAA: flagged SC-UC
    child_need_id: uuid.UUID
    woman_id: uuid.UUID  # Amira Khalil, 30, at ZAA
    father_id: uuid.UUID  # Khaled Haddad and his family, at AMM
    son_id: uuid.UUID
    health_id: uuid.UUID  # health service in JOR, answered by `provider`
    lbn_service_id: uuid.UUID  # a service in another operation
    principals: dict[str, Principal] = field(default_factory=dict)

    def who(self, username: str) -> Principal:
        if username not in self.principals:
            with unit_of_work(self.container.sessions) as s:
                self.principals[username] = sec.principal_for(s, sec.get_user(s, username))
        return self.principals[username]


def _person(given: str, family: str, sex: str, dob: str) -> dict[str, object]:
    return {
        "relationship": "focal_point",
        "given_name": given,
        "family_name": family,
        "sex": sex,
        "date_of_birth": dob,
        "nationality": "SYR",
        "languages": ["ara"],
        "phone": "+962 79 555 0199",
    }


def build_world(container: Container) -> World:
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan operation", country_iso3="JOR")
        camp = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari camp", kind="camp")
        office = reg.create_site(
            s, actor=SYSTEM, operation=op, code="AMM", name="Amman office", kind="urban_office"
        )
        lbn = reg.create_operation(s, actor=SYSTEM, code="LBN", name="Lebanon operation", country_iso3="LBN")
        reg.create_site(s, actor=SYSTEM, operation=lbn, code="BEK", name="Bekaa office", kind="urban_office")
        users: dict[str, uuid.UUID] = {}
        for username, role, op_id, site_id in [
            ("admin", Role.ADMINISTRATOR, None, None),
            ("clerk", Role.REGISTRATION_CLERK, op.id, camp.id),
            ("protection", Role.PROTECTION_OFFICER, op.id, None),
            ("officer2", Role.PROTECTION_OFFICER, op.id, None),
            ("supervisor", Role.PROTECTION_SUPERVISOR, op.id, None),
            ("supervisor2", Role.PROTECTION_SUPERVISOR, op.id, None),
            ("provider", Role.SERVICE_PROVIDER, op.id, None),
            ("imo", Role.IM_OFFICER, op.id, None),
            ("lbn_officer", Role.PROTECTION_OFFICER, lbn.id, None),
        ]:
            user = sec.create_user(
                s, actor=SYSTEM, username=username, full_name=username.title(), password=PASSWORD
            )
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id, site_id=site_id)
            users[username] = user.id

        def household(site: uuid.UUID, people: list[dict[str, object]]) -> list[Individual]:
            payload = household_payload(site)
            payload["members"] = people
            hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
            return list(
                s.scalars(select(Individual).where(Individual.household_id == hh.id).order_by(Individual.ref))
            )

        (child,) = household(camp.id, [_person("Omar", "Saleh", "M", years_ago(15))])
        need = s.scalar(
            select(SpecificNeed).where(SpecificNeed.individual_id == child.id, SpecificNeed.code == "SC-UC")
        )
        assert need is not None, "the rules flag a lone 15-year-old as unaccompanied"
        (woman,) = household(camp.id, [_person("Amira", "Khalil", "F", years_ago(30))])
        son = {**_person("Yusuf", "Haddad", "M", years_ago(12)), "relationship": "son_daughter"}
        father, boy = household(office.id, [_person("Khaled", "Haddad", "M", years_ago(40)), son])
        org = service.create_organisation(
            s,
            actor=SYSTEM,
            data=OrganisationCreate(operation_id=op.id, name="Jordan Health Aid", kind="national_ngo"),
        )
        health = service.add_service(
            s,
            actor=SYSTEM,
            data=ServiceCreate(organisation_id=org.id, name="Clinic", service_type="health", site_id=camp.id),
        )
        service.add_service_member(s, actor=SYSTEM, service_id=health.id, user_id=users["provider"])
        lbn_org = service.create_organisation(
            s,
            actor=SYSTEM,
            data=OrganisationCreate(operation_id=lbn.id, name="Legal Aid Lebanon", kind="national_ngo"),
        )
        lbn_service = service.add_service(
            s,
            actor=SYSTEM,
            data=ServiceCreate(organisation_id=lbn_org.id, name="Counsel", service_type="legal"),
        )
        return World(
            container=container,
            operation_id=op.id,
            camp_id=camp.id,
            office_id=office.id,
            lbn_id=lbn.id,
            users=users,
            child_id=child.id,
            child_need_id=need.id,
            woman_id=woman.id,
            father_id=father.id,
            son_id=boy.id,
            health_id=health.id,
            lbn_service_id=lbn_service.id,
        )


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def open_case(world: World, username: str = "protection", **fields: object) -> uuid.UUID:
    """Open a case as `username` (default: the woman, 'other' protection, supervised by `supervisor`)."""
    data = {
        "individual_id": world.woman_id,
        "case_type": "other",
        "supervisor_id": world.users["supervisor"],
        **fields,
    }
    with unit_of_work(world.container.sessions) as s:
        return service.open_case(s, actor=world.who(username), data=CaseOpen.model_validate(data)).id
