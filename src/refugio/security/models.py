"""Security ORM models: users, role grants, API tokens, web sessions, login attempts, audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class User(UUIDPk, Timestamped, Base):
    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    last_login_at: Mapped[dt.datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleGrant(UUIDPk, Base):
    """A role for a user in a scope (operation_id/site_id None = wider scope)."""

    __tablename__ = "role_grant"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    operation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    granted_by: Mapped[str] = mapped_column(String(80))

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(UUIDPk, Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class WebSession(UUIDPk, Base):
    """A browser session; the cookie carries a random token, only its SHA-256 is stored."""

    __tablename__ = "web_session"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(UUIDPk, Base):
    """Login attempts, for throttling. Holds a keyed hash of the client address, not the address."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    username: Mapped[str] = mapped_column(String(80))
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    success: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """Append-only, hash-chained audit log of every write and every read of a person's record."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))  # e.g. household.register, individual.read
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    purpose: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain head (last seq and hash); locked while appending so the chain stays linear."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class DataKey(Base):
    """A data key (DEK) of the encrypted fields of one table, stored only wrapped by a version of the
    field master key kept outside the database (refugio.security.field_keys). The newest key of a table
    encrypts new values; older ones stay until no row uses them (`refugio keys rotate --data`)."""

    __tablename__ = "crypto_data_key"
    __table_args__ = (UniqueConstraint("table_name", "generation"),)

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    generation: Mapped[int] = mapped_column(Integer)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    wrapped_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
