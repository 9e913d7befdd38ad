"""Helpers shared by the solutions services: references, audit entries naming objects by reference
only (never a person or a narrative). Imports security.audit, core."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from refugio.core import ids
from refugio.security import audit
from refugio.security.principals import Principal


def new_ref(prefix: str, operation_code: str) -> str:
    """A reference such as `RSD-JOR-7F3A91C2` (the random tail of a new id)."""
    return f"{prefix}-{operation_code}-{ids.new_id().hex[-8:].upper()}"


def audited(
    session: Session, actor: Principal, action: str, object_type: str, object_id: str, **details: Any
) -> None:
    session.flush()
    audit.record(
        session, actor=actor, action=action, object_type=object_type, object_id=object_id, details=details
    )
