"""Users, role grants and scopes, sign-in with throttling, web sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from sqlalchemy import select
from tests.helpers import PASSWORD, Seed, principal

from refugio.core import clock
from refugio.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationFailed,
)
from refugio.main import Container
from refugio.registration import service as reg
from refugio.security import service as sec
from refugio.security import throttle
from refugio.security.models import ApiToken, LoginAttempt, User, WebSession
from refugio.security.permissions import ROLE_PERMISSIONS, Permission, Role
from refugio.security.principals import SYSTEM, Grant, Principal
from refugio.store.uow import unit_of_work

OP, OTHER_OP = uuid.uuid4(), uuid.uuid4()
CAMP, OFFICE = uuid.uuid4(), uuid.uuid4()
CLIENT = "client-hash-of-192.0.2.10"


def _login(container: Container, username: str, password: str, client: str = CLIENT) -> User:
    """One sign-in the way a request does it: failures are caught inside the unit of work, so the
    attempt is committed (that is what throttling counts)."""
    failure: AuthenticationFailed | None = None
    with unit_of_work(container.sessions) as s:
        try:
            return sec.authenticate(s, username=username, password=password, client=client)
        except TooManyAttempts:
            raise
        except AuthenticationFailed as exc:
            failure = exc
    assert failure is not None
    raise failure


# --- creating users -------------------------------------------------------------------------------------


def test_a_user_is_created_with_an_argon2id_hash_and_audited(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        user = sec.create_user(
            s, actor=SYSTEM, username=" Amina.K ", full_name=" Amina K ", password=PASSWORD
        )
    with unit_of_work(container.sessions) as s:
        stored = sec.get_user(s, "AMINA.K")
        assert (stored.id, stored.username, stored.full_name, stored.is_active) == (
            user.id,
            "amina.k",
            "Amina K",
            True,
        )
        assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash


@pytest.mark.parametrize("username", ["ab", "-amina", "amina k", "amina@camp", "x" * 81, "ämina"])
def test_a_bad_username_is_named(container: Container, seeded: Seed, username: str) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        sec.create_user(s, actor=SYSTEM, username=username, full_name="Amina", password=PASSWORD)
    assert [e.field for e in caught.value.errors] == ["username"]


def test_a_missing_full_name_or_weak_password_is_named(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        sec.create_user(s, actor=SYSTEM, username="amina", full_name="  ", password=PASSWORD)
    assert [e.field for e in caught.value.errors] == ["full_name"]
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        sec.create_user(s, actor=SYSTEM, username="amina", full_name="Amina", password="amina-password-1")
    assert [e.field for e in caught.value.errors] == ["password"]


def test_a_username_is_taken_whatever_its_case(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        sec.create_user(s, actor=SYSTEM, username="CLERK", full_name="Another clerk", password=PASSWORD)


def test_a_site_grant_needs_its_operation(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed):
        user = sec.get_user(s, "viewer")
        sec.grant_role(s, actor=SYSTEM, user=user, role=Role.VIEWER, site_id=seeded.camp_id)


# --- grants and scopes ----------------------------------------------------------------------------------


def test_a_site_grant_covers_that_site_only() -> None:
    clerk = Principal(uuid.uuid4(), "clerk", (Grant(Role.REGISTRATION_CLERK, OP, CAMP),))
    assert clerk.can(Permission.HOUSEHOLD_CREATE, operation_id=OP, site_id=CAMP)
    assert clerk.can(Permission.HOUSEHOLD_CREATE, site_id=CAMP)
    assert not clerk.can(Permission.HOUSEHOLD_CREATE, operation_id=OP, site_id=OFFICE)
    assert not clerk.can(Permission.HOUSEHOLD_CREATE, operation_id=OP)  # not the whole operation
    assert not clerk.can(Permission.HOUSEHOLD_CREATE, operation_id=OTHER_OP, site_id=CAMP)
    assert not clerk.can(Permission.NEEDS_SENSITIVE_VIEW, operation_id=OP, site_id=CAMP)  # not in the role
    assert not clerk.can(Permission.HOUSEHOLD_CREATE)


def test_an_operation_grant_covers_every_site_of_that_operation() -> None:
    officer = Principal(uuid.uuid4(), "officer", (Grant(Role.PROTECTION_OFFICER, OP),))
    for site in (CAMP, OFFICE):
        assert officer.can(Permission.NEEDS_SENSITIVE_FLAG, operation_id=OP, site_id=site)
    assert officer.can(Permission.NEEDS_SENSITIVE_FLAG, operation_id=OP)
    assert not officer.can(Permission.NEEDS_SENSITIVE_FLAG, operation_id=OTHER_OP, site_id=CAMP)
    assert not officer.can(Permission.HOUSEHOLD_CREATE, operation_id=OP, site_id=CAMP)


def test_an_operation_grant_does_not_cover_the_global_scope() -> None:
    op_admin = Principal(uuid.uuid4(), "op-admin", (Grant(Role.ADMINISTRATOR, OP),))
    assert op_admin.can(Permission.OPERATION_MANAGE, operation_id=OP)
    assert not op_admin.can(Permission.OPERATION_MANAGE)  # e.g. creating a new operation


def test_an_operation_administrator_cannot_create_operations(container: Container, seeded: Seed) -> None:
    op_admin = Principal(uuid.uuid4(), "op-admin", (Grant(Role.ADMINISTRATOR, seeded.operation_id),))
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        reg.create_operation(s, actor=op_admin, code="LBN", name="Lebanon operation", country_iso3="LBN")


def test_a_global_grant_covers_everything() -> None:
    admin = Principal(uuid.uuid4(), "admin", (Grant(Role.ADMINISTRATOR),))
    assert admin.can(Permission.OPERATION_MANAGE)
    assert admin.can(Permission.USER_MANAGE, operation_id=OTHER_OP, site_id=OFFICE)
    assert ROLE_PERMISSIONS[Role.ADMINISTRATOR] == frozenset(Permission)


def test_require_raises_permission_denied_naming_the_permission() -> None:
    viewer = Principal(uuid.uuid4(), "viewer", (Grant(Role.VIEWER, OP, OFFICE),))
    viewer.require(Permission.HOUSEHOLD_VIEW, operation_id=OP, site_id=OFFICE)
    with pytest.raises(PermissionDenied, match="HOUSEHOLD_CREATE"):
        viewer.require(Permission.HOUSEHOLD_CREATE, operation_id=OP, site_id=OFFICE)
    assert PermissionDenied.status == 403


def test_scope_lists_what_a_permission_reaches() -> None:
    mixed = Principal(
        uuid.uuid4(),
        "mixed",
        (Grant(Role.REGISTRATION_CLERK, OP, CAMP), Grant(Role.VIEWER, OTHER_OP)),
    )
    create = mixed.scope(Permission.HOUSEHOLD_CREATE)
    assert (create.everything, create.operation_ids, create.site_ids) == (False, frozenset(), {CAMP})
    view = mixed.scope(Permission.HOUSEHOLD_VIEW)
    assert (view.operation_ids, view.site_ids) == ({OTHER_OP}, {CAMP})
    assert mixed.scope(Permission.USER_MANAGE).empty
    assert Principal(None, "admin", (Grant(Role.ADMINISTRATOR),)).scope(Permission.USER_MANAGE).everything
    assert mixed.can_anywhere(Permission.HOUSEHOLD_CREATE) and not mixed.can_anywhere(Permission.USER_MANAGE)


def test_principal_for_reads_the_grants_of_the_seeded_users(container: Container, seeded: Seed) -> None:
    clerk = principal(container, "clerk")
    assert clerk.roles() == {Role.REGISTRATION_CLERK}
    assert clerk.grants == (Grant(Role.REGISTRATION_CLERK, seeded.operation_id, seeded.camp_id),)
    protection = principal(container, "protection")
    assert protection.can(
        Permission.NEEDS_SENSITIVE_VIEW, operation_id=seeded.operation_id, site_id=seeded.office_id
    )
    viewer = principal(container, "viewer")
    assert viewer.can(Permission.INDIVIDUAL_VIEW, operation_id=seeded.operation_id, site_id=seeded.office_id)
    assert not viewer.can(
        Permission.INDIVIDUAL_VIEW, operation_id=seeded.operation_id, site_id=seeded.camp_id
    )


# --- signing in -----------------------------------------------------------------------------------------


def test_the_right_password_signs_in(container: Container, seeded: Seed) -> None:
    user = _login(container, " Clerk ", PASSWORD)
    assert user.username == "clerk" and user.last_login_at is not None
    with unit_of_work(container.sessions) as s:
        (attempt,) = s.scalars(select(LoginAttempt)).all()
        assert (attempt.username, attempt.success, attempt.client_hash) == ("clerk", True, CLIENT)


def test_every_failure_says_the_same_thing(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        sec.get_user(s, "viewer").is_active = False
    messages = set()
    for username, password in (("clerk", "wrong password!"), ("nobody", PASSWORD), ("viewer", PASSWORD)):
        with pytest.raises(AuthenticationFailed) as caught:
            _login(container, username, password)
        assert not isinstance(caught.value, TooManyAttempts)
        messages.add(str(caught.value))
    assert len(messages) == 1
    with unit_of_work(container.sessions) as s:
        assert [a.success for a in s.scalars(select(LoginAttempt))] == [False, False, False]


def _fail_in_turn(container: Container, username: str, times: int, start: dt.datetime, client: str = CLIENT):
    """`times` failed sign-ins, each as soon as the delay allows; returns the time of the last one."""
    at = start
    for n in range(times):
        while True:
            with clock.frozen(at):
                try:
                    _login(container, username, f"wrong password {n}", client=client)
                except TooManyAttempts as exc:
                    at += dt.timedelta(seconds=exc.retry_after)
                    continue
                except AuthenticationFailed:
                    break
        if n < times - 1:
            at += dt.timedelta(milliseconds=1)
    return at


def test_failures_delay_that_account_at_that_address_with_a_growing_wait(
    container: Container, seeded: Seed
) -> None:
    """A delay, never a lock: three failures pass, then each asks for a wait that doubles; the right
    password goes through as soon as the wait has passed (issue 14: five typos once locked an account,
    admin included, for 15 minutes even with the right password)."""
    start = clock.now()
    with clock.frozen(start):
        for n in range(throttle.PAIR.free):
            with pytest.raises(AuthenticationFailed) as caught:
                _login(container, "admin", f"wrong password {n}")
            assert not isinstance(caught.value, TooManyAttempts)
        with pytest.raises(TooManyAttempts) as caught:
            _login(container, "admin", "a fourth guess at once")
        assert caught.value.retry_after == 1 and caught.value.status == 429
        assert "1 seconds" in str(caught.value)
    last = _fail_in_turn(container, "admin", 2, start + dt.timedelta(seconds=1))  # waits 1 s, then 2 s
    assert dt.timedelta(seconds=3) <= last - start < dt.timedelta(seconds=4)
    with clock.frozen(last):
        with pytest.raises(TooManyAttempts) as caught:  # even the right password waits: 4 s now
            _login(container, "admin", PASSWORD)
        assert caught.value.retry_after == 4
        assert _login(container, "admin", PASSWORD, client="the-admins-own-laptop").username == "admin"
        assert _login(container, "clerk", PASSWORD).username == "clerk"  # a colleague at the same address
    with clock.frozen(last + dt.timedelta(seconds=4)):
        assert _login(container, "admin", PASSWORD).username == "admin"
        with pytest.raises(AuthenticationFailed) as caught:  # the success starts the count again
            _login(container, "admin", "one more typo")
        assert not isinstance(caught.value, TooManyAttempts)


def test_the_wait_is_capped(container: Container, seeded: Seed) -> None:
    assert throttle.delay(throttle.PAIR.free - 1, throttle.PAIR) == dt.timedelta(0)
    assert throttle.delay(throttle.PAIR.free, throttle.PAIR) == dt.timedelta(seconds=1)
    assert throttle.delay(throttle.PAIR.free + 3, throttle.PAIR) == dt.timedelta(seconds=8)
    assert throttle.delay(10_000, throttle.PAIR) == throttle.PAIR.cap
    assert throttle.delay(10_000, throttle.ADDRESS) == throttle.ADDRESS.cap <= dt.timedelta(minutes=1)


def test_guessing_one_account_from_many_addresses_delays_it_everywhere(
    container: Container, seeded: Seed
) -> None:
    start = clock.now()
    with clock.frozen(start):
        for n in range(throttle.ACCOUNT.free):
            with pytest.raises(AuthenticationFailed):
                _login(container, "clerk", f"wrong password {n}", client=f"client-{n}")
        with pytest.raises(TooManyAttempts) as caught:
            _login(container, "clerk", PASSWORD, client="a-new-client")
        assert caught.value.retry_after == 1
        assert _login(container, "admin", PASSWORD, client="a-new-client").username == "admin"
    with clock.frozen(start + dt.timedelta(seconds=1)):
        assert _login(container, "clerk", PASSWORD, client="a-new-client").username == "clerk"


def test_a_site_behind_one_address_is_not_locked_by_its_typos(container: Container, seeded: Seed) -> None:
    """Twenty typos by colleagues behind one NAT once blocked every user there for 15 minutes."""
    with clock.frozen(clock.now()):
        for n in range(20):
            with pytest.raises(AuthenticationFailed) as caught:
                _login(container, f"colleague{n % 7}", f"typo {n}", client="one-nat")
            assert not isinstance(caught.value, TooManyAttempts)
        assert _login(container, "clerk", PASSWORD, client="one-nat").username == "clerk"


def test_many_failures_from_one_address_add_only_short_delays(container: Container, seeded: Seed) -> None:
    start = clock.now()
    with clock.frozen(start):
        for n in range(throttle.ADDRESS.free):
            with pytest.raises(AuthenticationFailed):
                _login(container, f"guess{n}", PASSWORD, client="one-client")
        with pytest.raises(TooManyAttempts) as caught:
            _login(container, "clerk", PASSWORD, client="one-client")
        assert caught.value.retry_after == 1
        assert _login(container, "clerk", PASSWORD, client="another-client").username == "clerk"
    with clock.frozen(start + dt.timedelta(seconds=1)):
        assert _login(container, "clerk", PASSWORD, client="one-client").username == "clerk"


def test_a_delay_beginning_is_audited_once_and_an_administrator_can_clear_it(
    container: Container, seeded: Seed
) -> None:
    from refugio.security.models import AuditEntry

    last = _fail_in_turn(container, "viewer", throttle.PAIR.free + 3, clock.now())
    with clock.frozen(last):
        with pytest.raises(TooManyAttempts):
            _login(container, "viewer", PASSWORD)
        with unit_of_work(container.sessions) as s:
            delayed = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "login.delayed")))
            assert len(delayed) == 1 and delayed[0].details["username"] == "viewer"
            viewer = sec.get_user(s, "viewer")
            with pytest.raises(PermissionDenied):
                sec.unlock_user(s, actor=principal(container, "viewer"), user=viewer)
        with unit_of_work(container.sessions) as s:
            assert sec.unlock_user(s, actor=SYSTEM, user=sec.get_user(s, "viewer")) == throttle.PAIR.free + 3
        assert _login(container, "viewer", PASSWORD).username == "viewer"
        with unit_of_work(container.sessions) as s:
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock")) is not None


def test_client_hash_is_keyed() -> None:
    one, two = sec.client_hash("192.0.2.10", b"k" * 32), sec.client_hash("192.0.2.10", b"j" * 32)
    assert one != two and "192.0.2.10" not in one and len(one) == 64


# --- web sessions ---------------------------------------------------------------------------------------


def test_a_session_resolves_slides_and_ends(container: Container, seeded: Seed) -> None:
    start = clock.now()
    with clock.frozen(start), unit_of_work(container.sessions) as s:
        token, row = sec.start_session(s, user=sec.get_user(s, "clerk"))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
        assert len(row.csrf_token) >= 32
    later = start + sec.SESSION_IDLE - dt.timedelta(minutes=5)
    with clock.frozen(later), unit_of_work(container.sessions) as s:
        found = sec.resolve_session(s, token)
        assert found is not None and found[1].username == "clerk"
    # used shortly before expiry, so it lives on for another idle period
    with (
        clock.frozen(later + sec.SESSION_IDLE - dt.timedelta(minutes=5)),
        unit_of_work(container.sessions) as s,
    ):
        assert sec.resolve_session(s, token) is not None
        sec.end_session(s, token)
    with unit_of_work(container.sessions) as s:
        assert sec.resolve_session(s, token) is None
        assert sec.resolve_session(s, "a-token-never-issued") is None


def test_an_idle_session_expires(container: Container, seeded: Seed) -> None:
    start = clock.now()
    with clock.frozen(start), unit_of_work(container.sessions) as s:
        token, _row = sec.start_session(s, user=sec.get_user(s, "clerk"))
    with (
        clock.frozen(start + sec.SESSION_IDLE + dt.timedelta(seconds=1)),
        unit_of_work(container.sessions) as s,
    ):
        assert sec.resolve_session(s, token) is None


def test_a_disabled_user_loses_their_sessions(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        token, _row = sec.start_session(s, user=sec.get_user(s, "clerk"))
        sec.get_user(s, "clerk").is_active = False
    with unit_of_work(container.sessions) as s:
        assert sec.resolve_session(s, token) is None


def test_setting_a_password_revokes_every_session(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        clerk = sec.get_user(s, "clerk")
        tokens = [sec.start_session(s, user=clerk)[0] for _ in range(2)]
        other, _row = sec.start_session(s, user=sec.get_user(s, "admin"))
    with unit_of_work(container.sessions) as s:
        sec.set_password(s, actor=SYSTEM, user=sec.get_user(s, "clerk"), password="a brand new passphrase")
    with unit_of_work(container.sessions) as s:
        assert [sec.resolve_session(s, t) for t in tokens] == [None, None]
        assert sec.resolve_session(s, other) is not None
        with pytest.raises(ValidationFailed):
            sec.set_password(s, actor=SYSTEM, user=sec.get_user(s, "clerk"), password="short")
    with pytest.raises(AuthenticationFailed):
        _login(container, "clerk", PASSWORD)
    assert _login(container, "clerk", "a brand new passphrase").username == "clerk"


# --- API tokens -----------------------------------------------------------------------------------------


def test_an_api_token_is_shown_once_and_only_its_hash_is_stored(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        secret, row = sec.issue_api_token(s, actor=SYSTEM, user=sec.get_user(s, "imo"), name=" reporting ")
    assert secret.startswith(sec.TOKEN_PREFIX) and len(secret) > 40
    with unit_of_work(container.sessions) as s:
        stored = s.get(ApiToken, row.id)
        assert stored is not None and stored.name == "reporting"
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        columns = [getattr(stored, c.key) for c in ApiToken.__table__.columns]
        assert not any(isinstance(v, str) and secret in v for v in columns)
        assert secret.startswith(stored.prefix)
        assert sec.resolve_api_token(s, secret).username == "imo"
    with unit_of_work(container.sessions) as s:
        stored = s.get(ApiToken, row.id)
        assert stored is not None and stored.last_used_at is not None


def test_an_expired_revoked_or_unknown_token_is_refused(container: Container, seeded: Seed) -> None:
    start = clock.now()
    with clock.frozen(start), unit_of_work(container.sessions) as s:
        im = sec.get_user(s, "imo")
        short, _row = sec.issue_api_token(s, actor=SYSTEM, user=im, name="one day", valid_days=1)
        revoked, revoked_row = sec.issue_api_token(s, actor=SYSTEM, user=im, name="to revoke")
        forever, _row = sec.issue_api_token(s, actor=SYSTEM, user=im, name="no expiry", valid_days=None)
    with unit_of_work(container.sessions) as s:
        sec.revoke_api_token(s, actor=SYSTEM, token_id=revoked_row.id)
        with pytest.raises(NotFound):
            sec.revoke_api_token(s, actor=SYSTEM, token_id=uuid.uuid4())
    with clock.frozen(start + dt.timedelta(days=2)), unit_of_work(container.sessions) as s:
        for secret in (short, revoked, sec.TOKEN_PREFIX + "never-issued"):
            with pytest.raises(AuthenticationFailed):
                sec.resolve_api_token(s, secret)
        assert sec.resolve_api_token(s, forever).username == "imo"
    with unit_of_work(container.sessions) as s:
        sec.get_user(s, "imo").is_active = False
    with unit_of_work(container.sessions) as s, pytest.raises(AuthenticationFailed):
        sec.resolve_api_token(s, forever)


def test_a_token_needs_a_name(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        sec.issue_api_token(s, actor=SYSTEM, user=sec.get_user(s, "imo"), name="  ")
    assert caught.value.errors[0].field == "name"


def test_session_rows_hold_no_cookie_token(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        token, row = sec.start_session(s, user=sec.get_user(s, "clerk"))
        stored = s.get(WebSession, row.id)
        assert stored is not None
        values = [getattr(stored, c.key) for c in WebSession.__table__.columns]
        assert not any(isinstance(v, str) and token in v for v in values)
