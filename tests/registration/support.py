"""Small helpers shared by the registration tests: building members and households, registering them
in their own unit of work, counting rows, and reading a person's active specific-needs codes.

Everything goes through the domain services and queries, so it runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.helpers import household_payload

from refugio.core import clock
from refugio.core.errors import FieldError, ValidationFailed
from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.models import (
    Household,
    IdentityDocument,
    Individual,
    RegistrationEvent,
    SpecificNeed,
)
from refugio.registration.schemas import HouseholdCreate
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

COUNTED = {
    "household": Household,
    "individual": Individual,
    "identity_document": IdentityDocument,
    "specific_need": SpecificNeed,
    "registration_event": RegistrationEvent,
    "audit_log": AuditEntry,
}


def dob_for_age(years: int, *, days_past_birthday: int = 40) -> str:
    """An exact date of birth (YYYY-MM-DD) of someone who is `years` old today."""
    today = clock.today()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return (birthday - dt.timedelta(days=days_past_birthday)).isoformat()


def member(relationship: str, given: str, sex: str, age: int, **extra: Any) -> dict[str, Any]:
    """One member of a household payload, `age` years old today (exact date of birth)."""
    return {
        "relationship": relationship,
        "given_name": given,
        "family_name": extra.pop("family_name", "Haddad"),
        "sex": sex,
        "date_of_birth": dob_for_age(age),
        **extra,
    }


def household(site_id: uuid.UUID, *members: dict[str, Any], **overrides: Any) -> HouseholdCreate:
    """A valid household payload (consent, origin, arrival) with exactly these members."""
    overrides.setdefault("arrival_date", (clock.today() - dt.timedelta(days=3)).isoformat())
    payload = household_payload(site_id, members=1, **overrides)
    payload["members"] = list(members)
    return HouseholdCreate.model_validate(payload)


def register(container: Container, actor: Principal, data: HouseholdCreate | dict[str, Any]) -> Household:
    """Register one household in its own unit of work; returns the (detached) household."""
    if isinstance(data, dict):
        data = HouseholdCreate.model_validate(data)
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(s, actor=actor, data=data)
        _ = hh.members  # load the members before the session closes
        return hh


def counts(container: Container) -> dict[str, int]:
    """Rows in the tables a registration writes to."""
    with unit_of_work(container.sessions) as s:
        return {
            name: s.scalar(select(func.count()).select_from(model)) or 0 for name, model in COUNTED.items()
        }


def rejected(container: Container, write: Callable[[Session], object]) -> list[FieldError]:
    """Run `write` in a unit of work that COMMITS after catching the ValidationFailed it must raise, and
    check that no row was written anyway: a service validates everything before it writes anything."""
    before = counts(container)
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        write(s)
    assert counts(container) == before, "a rejected write left rows behind"
    return caught.value.errors


def fields(errors: list[FieldError]) -> set[str]:
    return {e.field for e in errors}


def error_at(errors: list[FieldError], field: str) -> FieldError:
    found = [e for e in errors if e.field == field]
    assert found, f"no error at {field!r}; errors: {[(e.field, e.message) for e in errors]}"
    return found[0]


def active_codes(container: Container, individual_id: uuid.UUID) -> set[str]:
    with unit_of_work(container.sessions) as s:
        return set(
            s.scalars(
                select(SpecificNeed.code).where(
                    SpecificNeed.individual_id == individual_id, SpecificNeed.active.is_(True)
                )
            )
        )


def needs_of(container: Container, individual_id: uuid.UUID) -> list[SpecificNeed]:
    with unit_of_work(container.sessions) as s:
        return list(
            s.scalars(
                select(SpecificNeed)
                .where(SpecificNeed.individual_id == individual_id)
                .order_by(SpecificNeed.flagged_at)
            )
        )


def events_of(container: Container, individual_id: uuid.UUID) -> list[RegistrationEvent]:
    with unit_of_work(container.sessions) as s:
        return list(
            s.scalars(
                select(RegistrationEvent)
                .where(RegistrationEvent.individual_id == individual_id)
                .order_by(RegistrationEvent.recorded_at)
            )
        )


def person(container: Container, individual_id: uuid.UUID) -> Individual:
    with unit_of_work(container.sessions) as s:
        found = s.get(Individual, individual_id)
        assert found is not None
        return found


def household_row(container: Container, household_id: uuid.UUID) -> Household:
    with unit_of_work(container.sessions) as s:
        found = s.get(Household, household_id)
        assert found is not None
        return found
