"""Corrections and status changes of registered people: a person's details corrected (with the reason
and every old value kept), and their registration status, legal status or population type changed.

Imports registration models and validation; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, ValidationFailed
from refugio.registration import names
from refugio.registration.enums import EventType, IndividualStatus
from refugio.registration.models import Household, Individual, Operation
from refugio.registration.reference import is_language
from refugio.registration.schemas import IndividualUpdate, StatusChange
from refugio.registration.service.certificates import revoke_certificates
from refugio.registration.service.common import (
    add_event,
    jsonable,
    load_individual,
    refresh_name_index,
    refresh_size,
)
from refugio.registration.service.rows import NAME_FIELDS
from refugio.registration.service.specific_needs import reapply_rules
from refugio.registration.validation import Checker, detect_script, normalise_phone, parse_partial_date
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

_NAMES = NAME_FIELDS[:6]  # given, middle and family names, in Latin script and in the original one

# fields printed on (or signed into) a certificate: correcting one revokes the valid certificates
_ON_CERTIFICATE = {*_NAMES, "sex", "date_of_birth", "country_of_origin"}

_UPDATABLE = (
    *_NAMES,
    "original_script",
    "other_names",
    "sex",
    "nationality",
    "country_of_origin",
    "languages",
    "phone",
    "marital_status",
)


def change_status(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    data: StatusChange,
    permission: Permission = Permission.EVENT_RECORD,
) -> Individual:
    """Change a person's registration status, legal status or population type, with the reason.
    `permission` is the one the actor needs on the person (another domain's own, e.g. RSD_DECIDE for a
    legal status set by a final asylum decision)."""
    person = load_individual(session, actor=actor, individual_id=individual_id, permission=permission)
    c = Checker(clock.today())
    c.date_not_future("effective_date", data.effective_date, "effective date")
    if data.status == IndividualStatus.DECEASED:
        c.add("status", "record a death with its date instead (death event)")
    if data.status is None and data.legal_status is None and data.population_type is None:
        c.add("status", "nothing to change: give a status, legal status or population type", "required")
    if c.errors:
        raise ValidationFailed(c.errors)
    changes: dict[str, list[Any]] = {}
    for field in ("status", "legal_status", "population_type"):
        value = getattr(data, field)
        if value is not None and value.value != getattr(person, field):
            changes[field] = [getattr(person, field), value.value]
            setattr(person, field, value.value)
    if "status" in changes and changes["status"][0] == IndividualStatus.DECEASED.value:
        # a death recorded in error: the date of death goes too (kept in this event's details)
        changes["date_of_death"] = [jsonable(person.date_of_death), None]
        person.date_of_death = None
    if not changes:
        raise ValidationFailed.single("status", "the new values equal the current ones")
    person.version += 1
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.STATUS_CHANGE,
        actor=actor,
        occurred_on=data.effective_date,
        summary=f"Status of {person.ref} changed: "
        + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in changes.items()),
        details={**changes, "reason": data.reason},
    )
    session.flush()
    if "status" in changes:
        refresh_name_index(session, individual_ids=[person.id])
        household = session.get(Household, person.household_id)
        assert household is not None
        if person.status != IndividualStatus.ACTIVE.value:
            revoke_certificates(
                session, actor=actor, person=person, reason=f"holder's status is {person.status}"
            )
        refresh_size(session, household)
        reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="individual.status_change",
        object_type="individual",
        object_id=str(person.id),
        details={"fields": sorted(changes)},
    )
    return person


def update_individual(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    data: IndividualUpdate,
    expected_version: int | None = None,
) -> Individual:
    """Correct a person's details; the history keeps every old value and the reason."""
    person = load_individual(session, actor=actor, individual_id=individual_id)
    if expected_version is not None and expected_version != person.version:
        raise Conflict(
            f"{person.ref} was changed by someone else (version {person.version}, you edited "
            f"{expected_version}): reload and try again"
        )
    operation = session.get(Operation, person.operation_id)
    country = operation.country_iso3 if operation else None
    new_dob = _check_update(person, data, country)
    changes = _apply_update(person, data, new_dob, country)
    person.given_norm = names.normalise(person.given_name)
    person.family_norm = names.normalise(person.family_name)
    person.version += 1
    refresh_name_index(session, individual_ids=[person.id])
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.DETAILS_UPDATED,
        actor=actor,
        summary=f"Details of {person.ref} corrected ({', '.join(changes)})",
        details={**changes, "reason": data.reason},
    )
    session.flush()
    if changes.keys() & _ON_CERTIFICATE:
        revoke_certificates(session, actor=actor, person=person, reason="details shown on it were corrected")
    if "date_of_birth" in changes:
        household = session.get(Household, person.household_id)
        assert household is not None
        reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="individual.update",
        object_type="individual",
        object_id=str(person.id),
        details={"fields": sorted(changes)},
    )
    return person


def _check_update(
    person: Individual, data: IndividualUpdate, country_iso3: str | None
) -> tuple[dt.date, str] | None:
    """The corrected date of birth and its precision (None: unchanged), once every field is checked
    (a phone as dialled in the operation's country `country_iso3`)."""
    c = Checker(clock.today(), country_iso3=country_iso3)
    new_dob = None
    if data.date_of_birth:
        try:
            new_dob = parse_partial_date(data.date_of_birth)
            c.date_not_future("date_of_birth", new_dob[0], "date of birth")
            c.date_plausible("date_of_birth", new_dob[0])
        except ValueError as exc:
            c.add("date_of_birth", str(exc), "bad_date")
    c.country("nationality", data.nationality)
    c.country("country_of_origin", data.country_of_origin)
    c.phone("phone", data.phone)
    for i, lang in enumerate(data.languages or []):
        if not is_language(lang.lower()):
            c.add(f"languages.{i}", f"unknown language code {lang!r} (ISO 639-3, e.g. ara)", "unknown_code")
    given = person.given_name if data.given_name is None else data.given_name
    family = person.family_name if data.family_name is None else data.family_name
    if not given and not family:
        c.add("family_name", "a person keeps at least a given or a family name (Latin script)", "required")
    for name_field in ("given_name", "middle_name", "family_name"):
        value = getattr(data, name_field)
        if value and detect_script(value) not in (None, "Latn"):
            c.add(
                name_field,
                f"this field takes the Latin transliteration; use {name_field}_original",
                "wrong_script",
            )
    if c.errors:
        raise ValidationFailed(c.errors)
    return new_dob


def _apply_update(
    person: Individual, data: IndividualUpdate, new_dob: tuple[dt.date, str] | None, country_iso3: str | None
) -> dict[str, list[Any]]:
    """Set the changed fields on `person`; returns each changed field's [old, new] values."""
    changes: dict[str, list[Any]] = {}
    for field in _UPDATABLE:
        value = getattr(data, field)
        if value is None:
            continue
        value = value.value if hasattr(value, "value") else value
        value = normalise_phone(value, country_iso3) if field == "phone" else value
        if field == "languages":
            value = [lang.lower() for lang in data.languages or []]
        if value != getattr(person, field):
            changes[field] = [jsonable(getattr(person, field)), jsonable(value)]
            setattr(person, field, value)
    if new_dob is not None and (new_dob[0], new_dob[1]) != (person.date_of_birth, person.dob_precision):
        changes["date_of_birth"] = [
            f"{person.date_of_birth} ({person.dob_precision})",
            f"{new_dob[0]} ({new_dob[1]})",
        ]
        person.date_of_birth, person.dob_precision = new_dob
    if not changes:
        raise ValidationFailed.single("reason", "nothing changed: the values equal the current ones")
    return changes


__all__ = ["change_status", "update_individual"]
