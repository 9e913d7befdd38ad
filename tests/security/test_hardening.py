"""Session lifetime, password changes and role grants: the limits a security reviewer checks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from tests.helpers import PASSWORD, Seed

from refugio.core import clock
from refugio.core.errors import AuthenticationFailed, ValidationFailed
from refugio.main import Container
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def test_a_session_in_constant_use_still_ends_after_a_day(container: Container, seeded: Seed) -> None:
    start = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    with clock.frozen(start), unit_of_work(container.sessions) as s:
        token, _row = sec.start_session(s, user=sec.get_user(s, "clerk"))
    for hours in range(1, 24, 6):  # used every six hours: the idle limit never trips
        with clock.frozen(start + dt.timedelta(hours=hours)), unit_of_work(container.sessions) as s:
            assert sec.resolve_session(s, token) is not None
    with clock.frozen(start + dt.timedelta(hours=24, minutes=1)), unit_of_work(container.sessions) as s:
        assert sec.resolve_session(s, token) is None
    with clock.frozen(start + dt.timedelta(hours=24, minutes=2)), unit_of_work(container.sessions) as s:
        assert sec.resolve_session(s, token) is None  # and it stays ended


def test_a_new_password_ends_sessions_and_api_tokens(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        user = sec.get_user(s, "clerk")
        cookie, _ = sec.start_session(s, user=user)
        secret, _ = sec.issue_api_token(s, actor=SYSTEM, user=user, name="tablet")
    with unit_of_work(container.sessions) as s:
        sec.set_password(s, actor=SYSTEM, user=sec.get_user(s, "clerk"), password="another long passphrase")
    with unit_of_work(container.sessions) as s:
        assert sec.resolve_session(s, cookie) is None
        with pytest.raises(AuthenticationFailed):
            sec.resolve_api_token(s, secret)
        assert sec.authenticate(s, username="clerk", password="another long passphrase", client="x").username


@pytest.mark.parametrize("case", ["unknown operation", "unknown site", "site of another operation"])
def test_grants_name_a_real_scope(container: Container, seeded: Seed, case: str) -> None:
    from refugio.registration import service as reg

    with unit_of_work(container.sessions) as s:
        other = reg.create_operation(s, actor=SYSTEM, code="LBN", name="Lebanon", country_iso3="LBN")
        other_site = reg.create_site(s, actor=SYSTEM, operation=other, code="BEK", name="Bekaa", kind="camp")
        scopes = {
            "unknown operation": (uuid.uuid4(), None, "operation"),
            "unknown site": (seeded.operation_id, uuid.uuid4(), "site"),
            "site of another operation": (seeded.operation_id, other_site.id, "site"),
        }
        op_id, site_id, field = scopes[case]
        with pytest.raises(ValidationFailed) as exc:
            sec.grant_role(
                s,
                actor=SYSTEM,
                user=sec.get_user(s, "viewer"),
                role=Role.VIEWER,
                operation_id=op_id,
                site_id=site_id,
            )
    assert exc.value.errors[0].field == field
    assert PASSWORD  # the seeded users keep their password
