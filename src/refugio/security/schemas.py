"""Read models of the security layer, for the channels (which never see its ORM rows)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict


class UserRead(BaseModel):
    """A user as the user list shows it: the roles granted, whatever their scope."""

    id: uuid.UUID
    username: str
    full_name: str
    is_active: bool
    roles: list[str]


class AuditEntryRead(BaseModel):
    """One entry of the audit log as the audit page shows it."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    purpose: str | None
    details: dict[str, Any]
