"""The world of the breach register and DPIA tests: the protection tests' world (operation JOR, sites
ZAA and AMM, people, users) plus two data protection officers (`dpo`, `dpo2`)."""

from __future__ import annotations

from tests.helpers import PASSWORD
from tests.protection.conftest import World, build_world

from refugio.main import Container
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def build_registers_world(container: Container) -> World:
    world = build_world(container)
    with unit_of_work(container.sessions) as s:
        for name in ("dpo", "dpo2"):
            user = sec.create_user(s, actor=SYSTEM, username=name, full_name=name.upper(), password=PASSWORD)
            sec.grant_role(s, actor=SYSTEM, user=user, role=Role.DATA_PROTECTION_OFFICER)
    return world
