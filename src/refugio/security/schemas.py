"""Read models of the security layer, for the channels (which never see its ORM rows)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class UserRead(BaseModel):
    """A user as the user list shows it: the roles granted, whatever their scope."""

    id: uuid.UUID
    username: str
    full_name: str
    is_active: bool
    roles: list[str]
