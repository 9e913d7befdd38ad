"""Writes of the security area: users, role grants, authentication with throttling, web sessions and
API tokens. Functions flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

from sqlalchemy import Uuid, column, select, table
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import AuthenticationFailed, Conflict, NotFound, TooManyAttempts, ValidationFailed
from refugio.security import audit, passwords, throttle
from refugio.security.models import ApiToken, LoginAttempt, RoleGrant, User, WebSession
from refugio.security.permissions import Permission, Role
from refugio.security.principals import SYSTEM, Grant, Principal

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
SESSION_IDLE = dt.timedelta(hours=8)
SESSION_ABSOLUTE = dt.timedelta(hours=24)
TOKEN_PREFIX = "rfg_"  # noqa: S105 - a public marker, not a secret


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    actor: Principal,
    username: str,
    full_name: str,
    password: str,
    email: str | None = None,
    locale: str = "en",
) -> User:
    """Create a user with an argon2id password hash."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValidationFailed.single(
            "username",
            "use 3-80 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    if not full_name.strip():
        raise ValidationFailed.single("full_name", "is required")
    passwords.check_policy(password, username=username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email,
        locale=locale,
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=str(user.id),
        details={"username": username},
    )
    return user


def grant_role(
    session: Session,
    *,
    actor: Principal,
    user: User,
    role: Role,
    operation_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
) -> RoleGrant:
    """Give `user` a role for a scope (everywhere, one operation, or one site)."""
    if site_id is not None and operation_id is None:
        raise ValidationFailed.single("operation", "a site grant needs its operation")
    if operation_id is not None:
        # the scope tables are referenced by name only: security knows no domain model
        operations = table("operation", column("id", Uuid()))
        if session.scalar(select(operations.c.id).where(operations.c.id == operation_id)) is None:
            raise ValidationFailed.single("operation", "no such operation", "not_found")
    if site_id is not None:
        sites = table("site", column("id", Uuid()), column("operation_id", Uuid()))
        site_operation = session.scalar(select(sites.c.operation_id).where(sites.c.id == site_id))
        if site_operation is None:
            raise ValidationFailed.single("site", "no such site", "not_found")
        if site_operation != operation_id:
            raise ValidationFailed.single("site", "the site belongs to another operation")
    grant = RoleGrant(
        user_id=user.id, role=role.value, operation_id=operation_id, site_id=site_id, granted_by=actor.label
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.grant_role",
        object_type="user",
        object_id=str(user.id),
        details={"role": role.value, "operation_id": operation_id, "site_id": site_id},
    )
    return grant


def principal_for(session: Session, user: User, *, purpose: str = "registration") -> Principal:
    grants = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return Principal(
        user_id=user.id,
        username=user.username,
        grants=tuple(Grant(Role(g.role), g.operation_id, g.site_id) for g in grants),
        purpose=purpose,
    )


def client_hash(client: str, key: bytes) -> str:
    """Keyed hash of a client address, so throttling works without storing addresses."""
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


def check_throttle(session: Session, *, username: str, client: str) -> None:
    """Refuse an attempt that comes before the delay its recent failures ask for (see
    refugio.security.throttle); the refusal says how many seconds are left."""
    seconds, key = throttle.wait(session, username=username, client=client)
    if seconds > 0 and key is not None:
        raise TooManyAttempts(
            f"too many failed sign-in attempts; try again in {seconds} seconds",
            retry_after=seconds,
        )


def authenticate(session: Session, *, username: str, password: str, client: str) -> User:
    """Check a username and password, with throttling; records the attempt (caller commits)."""
    username = username.strip().lower()
    check_throttle(session, username=username, client=client)
    user = session.scalar(select(User).where(User.username == username))
    ok = passwords.verify_password(user.password_hash if user else passwords.dummy_hash(), password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(username=username[:80], client_hash=client, success=ok))
    session.flush()
    if not ok or user is None:
        _audit_delays(session, username=username[:80], client=client, user=user)
        raise AuthenticationFailed("unknown user or wrong password")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = clock.now()
    return user


def _audit_delays(session: Session, *, username: str, client: str, user: User | None) -> None:
    """One audit entry when a key's delay begins (not one per refused attempt)."""
    for c in throttle.engaged(session, username=username, client=client):
        audit.record(
            session,
            actor=SYSTEM,
            action="login.delayed",
            object_type="user",
            object_id=str(user.id) if user is not None else None,
            details={"username": username, "key": c.key.name, "failures": c.failures},
        )


def unlock_user(session: Session, *, actor: Principal, user: User) -> int:
    """Clear an account's recent failed sign-ins, so its delays end now (an administrator's act,
    audited); returns how many failures were cleared."""
    actor.require(Permission.USER_MANAGE)
    since = clock.now() - throttle.WINDOW
    failures = list(
        session.scalars(
            select(LoginAttempt).where(
                LoginAttempt.username == user.username,
                LoginAttempt.at >= since,
                LoginAttempt.success.is_(False),
            )
        )
    )
    for attempt in failures:
        session.delete(attempt)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.unlock",
        object_type="user",
        object_id=str(user.id),
        details={"failures_cleared": len(failures)},
    )
    return len(failures)


def set_password(session: Session, *, actor: Principal, user: User, password: str) -> None:
    passwords.check_policy(password, username=user.username)
    user.password_hash = passwords.hash_password(password)
    session.query(WebSession).filter(WebSession.user_id == user.id, WebSession.revoked_at.is_(None)).update(
        {WebSession.revoked_at: clock.now()}
    )
    session.query(ApiToken).filter(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).update(
        {ApiToken.revoked_at: clock.now()}
    )
    audit.record(session, actor=actor, action="user.set_password", object_type="user", object_id=str(user.id))


def start_session(session: Session, *, user: User) -> tuple[str, WebSession]:
    """Create a web session; returns the cookie token (shown once) and the row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        token_hash=_sha(token),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=clock.now() + SESSION_IDLE,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=Principal(user.id, user.username),
        action="session.start",
        object_type="user",
        object_id=str(user.id),
    )
    return token, row


def resolve_session(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The live session and user for a cookie token, sliding its expiry; None if unknown or expired."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _sha(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.created_at > SESSION_ABSOLUTE:  # even a busy session signs in again each day
        row.revoked_at = now
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
        row.expires_at = now + SESSION_IDLE
    return row, user


def end_session(session: Session, token: str) -> None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _sha(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        session.flush()


def issue_api_token(
    session: Session, *, actor: Principal, user: User, name: str, valid_days: int | None = 90
) -> tuple[str, ApiToken]:
    """Create an API token for `user`; the secret is returned once and only its hash is stored."""
    if not name.strip():
        raise ValidationFailed.single("name", "is required")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=valid_days) if valid_days else None
    row = ApiToken(
        user_id=user.id, name=name.strip(), token_hash=_sha(secret), prefix=secret[:10], expires_at=expires
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.issue",
        object_type="user",
        object_id=str(user.id),
        details={"name": row.name, "prefix": row.prefix},
    )
    return secret, row


def resolve_api_token(session: Session, secret: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha(secret)))
    now = clock.now()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise AuthenticationFailed("invalid, expired or revoked API token")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("the token's user is disabled")
    row.last_used_at = now
    return user


def api_token_for(session: Session, secret: str) -> ApiToken | None:
    """The token row for a secret (valid or not), e.g. to revoke the caller's own token."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha(secret)))


def revoke_api_token(session: Session, *, actor: Principal, token_id: uuid.UUID) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token")
    row.revoked_at = clock.now()
    audit.record(
        session,
        actor=actor,
        action="token.revoke",
        object_type="user",
        object_id=str(row.user_id),
        details={"prefix": row.prefix},
    )


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
