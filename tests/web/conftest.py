"""Fixtures of the web UI tests: the real application (refugio.main.create_app), a TestClient on
https://testserver (so Secure cookies travel), signing in through the login form, and reading CSRF
tokens and form errors out of pages.

`seeded` is overridden: tests.helpers.seed names the information-management user `im`, which the
username policy (three characters at least) refuses; this copy names it `imo`, otherwise the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.helpers import *  # noqa: F403
from tests.helpers import PASSWORD, Seed
from tests.web.support import BASE, login

from refugio.main import Container
from refugio.registration import service as reg
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def seed_web(container: Container) -> Seed:
    """Operation JOR, sites ZAA (camp) and AMM (office); admin (everywhere), clerk (ZAA only),
    protection (JOR), imo (JOR), viewer (AMM only)."""
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan operation", country_iso3="JOR")
        camp = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari camp", kind="camp")
        office = reg.create_site(
            s, actor=SYSTEM, operation=op, code="AMM", name="Amman office", kind="urban_office"
        )
        users = {}
        for username, role, op_id, site_id in [
            ("admin", Role.ADMINISTRATOR, None, None),
            ("clerk", Role.REGISTRATION_CLERK, op.id, camp.id),
            ("protection", Role.PROTECTION_OFFICER, op.id, None),
            ("imo", Role.IM_OFFICER, op.id, None),
            ("viewer", Role.VIEWER, op.id, office.id),
        ]:
            user = sec.create_user(
                s, actor=SYSTEM, username=username, full_name=username.title(), password=PASSWORD
            )
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id, site_id=site_id)
            users[username] = user.id
        return Seed(op.id, camp.id, office.id, users)


@pytest.fixture
def seeded(container: Container) -> Seed:
    return seed_web(container)


def make_app(container: Container) -> FastAPI:
    """The real application; only the web part if the API package is missing."""
    try:
        from refugio.main import create_app

        return create_app(container=container)
    except ModuleNotFoundError as exc:  # pragma: no cover - while refugio.api does not exist
        if "refugio.api" not in str(exc):
            raise
        from refugio.web.app import build_web_app

        return build_web_app(container)


@pytest.fixture
def app(container: Container) -> FastAPI:
    return make_app(container)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def signed_in(client: TestClient) -> Callable[[str], TestClient]:
    """Sign `client` in as a user of the seed; returns the client."""

    def sign_in(username: str) -> TestClient:
        response = login(client, username)
        assert response.status_code == 303, response.text
        return client

    return sign_in
