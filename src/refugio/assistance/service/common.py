"""Helpers shared by the assistance writes: loading rows by id or code, canonical JSON and its hash,
and audit entries.

Imports refugio.assistance.models, security, store and core.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.assistance.models import Cycle, PaymentPlan, Programme
from refugio.core.errors import NotFound
from refugio.security import audit
from refugio.security.principals import Principal


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _as_uuid(key: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(key, uuid.UUID):
        return key
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def load_programme(session: Session, key: str | uuid.UUID) -> Programme:
    as_id = _as_uuid(key)
    found = (
        session.get(Programme, as_id)
        if as_id
        else session.scalar(select(Programme).where(Programme.code == str(key).strip().upper()))
    )
    if found is None:
        raise NotFound(f"no programme {key}")
    return found


def load_cycle(session: Session, key: str | uuid.UUID) -> Cycle:
    """A cycle by id or `PROGRAMME/NUMBER` (e.g. `WINTER26/2`)."""
    as_id = _as_uuid(key)
    if as_id:
        found = session.get(Cycle, as_id)
    else:
        code, _, number = str(key).partition("/")
        found = None
        if number.isdigit():
            programme = load_programme(session, code)
            found = session.scalar(
                select(Cycle).where(Cycle.programme_id == programme.id, Cycle.number == int(number))
            )
    if found is None:
        raise NotFound(f"no cycle {key} (give its id or PROGRAMME/NUMBER)")
    return found


def load_plan(session: Session, key: str | uuid.UUID, *, lock: bool = False) -> PaymentPlan:
    as_id = _as_uuid(key)
    stmt = select(PaymentPlan).where(
        PaymentPlan.id == as_id if as_id else PaymentPlan.code == str(key).strip().upper()
    )
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"no payment plan {key}")
    return found


def programme_of_cycle(session: Session, cycle: Cycle) -> Programme:
    programme = session.get(Programme, cycle.programme_id)
    assert programme is not None
    return programme


def audited(
    session: Session,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str,
    details: dict[str, Any] | None = None,
) -> None:
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
    )
