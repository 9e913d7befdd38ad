"""Helpers shared by the protection writes (service, opening, assignments, closure, referrals, …):
loading a case, the closed-case guard, the case timeline and audit entries, case codes, ages, and the
GBV minimum-data check.

Imports refugio.registration (models, names), security, store and core.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.protection.enums import AssignmentRole, CaseStatus, CaseType
from refugio.protection.models import CaseAssignment, CaseEvent, CaseIndividual, ProtectionCase
from refugio.registration import names
from refugio.registration.models import Individual, Operation
from refugio.registration.models import Sequence as RefSequence
from refugio.security import audit
from refugio.security.models import User
from refugio.security.principals import Principal
from refugio.store import counters

MIN_NAME_TOKEN = 3


def load_case(session: Session, case_id: uuid.UUID) -> ProtectionCase:
    case = session.get(ProtectionCase, case_id)
    if case is None:
        raise NotFound("no such case")
    return case


def ensure_editable(case: ProtectionCase) -> None:
    """A closed case refuses every change until it is reopened."""
    if case.status == CaseStatus.CLOSED:
        raise Conflict(f"case {case.code} is closed; reopen it first")


def ensure_not_closing(case: ProtectionCase) -> None:
    ensure_editable(case)
    if case.status == CaseStatus.CLOSURE_REQUESTED:
        raise Conflict(f"case {case.code} awaits a decision on its closure; approve or reject it first")


def event(
    session: Session,
    case: ProtectionCase,
    actor: Principal,
    kind: str,
    summary: str,
    details: dict[str, Any] | None = None,
) -> CaseEvent:
    row = CaseEvent(case_id=case.id, by=actor.label, kind=kind, summary=summary, details=details or {})
    session.add(row)
    case.version += 1
    case.updated_at = clock.now()
    return row


def audited(
    session: Session,
    actor: Principal,
    action: str,
    case: ProtectionCase,
    details: dict[str, Any] | None = None,
    *,
    object_type: str = "protection_case",
    object_id: str | None = None,
) -> None:
    """An audit entry naming the case by id and code only (never a person or a narrative)."""
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id or str(case.id),
        details={"case": case.code, **(details or {})},
    )


def allocate(session: Session, name: str) -> int:
    """The next value of a named counter (the registration domain's table of counters)."""
    return counters.reserve(session, RefSequence.__table__, name=name)  # type: ignore[arg-type]


def new_code(session: Session, operation: Operation, kind: str) -> str:
    """`JOR-PC-26-00012` (a case) or `JOR-RF-26-00003` (a referral): neutral, saying nothing of the case."""
    year = clock.today().year % 100
    n = allocate(session, f"{kind.lower()}:{operation.code}:{year:02d}")
    return f"{operation.code}-{kind}-{year:02d}-{n:05d}"


def age_on(person: Individual, on: dt.date | None = None) -> int:
    today = on or clock.today()
    dob = person.date_of_birth
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def is_child(person: Individual) -> bool:
    return age_on(person) < 18


def members(session: Session, case: ProtectionCase) -> list[tuple[CaseIndividual, Individual]]:
    rows = session.execute(
        select(CaseIndividual, Individual)
        .join(Individual, Individual.id == CaseIndividual.individual_id)
        .where(CaseIndividual.case_id == case.id)
        .order_by(CaseIndividual.added_at)
    ).all()
    return [(link, person) for link, person in rows]


def primary_person(session: Session, case: ProtectionCase) -> Individual:
    for link, person in members(session, case):
        if link.role == "primary":
            return person
    raise NotFound(f"case {case.code} has no primary person")  # pragma: no cover - every case has one


def active_assignees(
    session: Session, case: ProtectionCase, role: AssignmentRole | None = None
) -> list[uuid.UUID]:
    stmt = select(CaseAssignment.user_id).where(
        CaseAssignment.case_id == case.id, CaseAssignment.active.is_(True)
    )
    if role is not None:
        stmt = stmt.where(CaseAssignment.role == role.value)
    return list(session.scalars(stmt))


def load_user(session: Session, user_id: uuid.UUID, field: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed.single(field, "no such active user", "not_found")
    return user


def gbv_name_errors(
    session: Session,
    case: ProtectionCase | None,
    texts: dict[str, str | None],
    people: list[Individual] | None = None,
) -> list[FieldError]:
    """GBV cases keep minimum identifying data: the survivor is linked by id, and their names are never
    written into the case's texts (narrative, assessment, plan, notes, tasks, referral reasons)."""
    if people is None:
        if case is None or case.case_type != CaseType.GBV:
            return []
        people = [p for _link, p in members(session, case)]
    banned: set[str] = set()
    for p in people:
        for token in names.tokens(
            p.given_name, p.family_name, p.middle_name, p.given_name_original, p.family_name_original
        ):
            if len(token) >= MIN_NAME_TOKEN:
                banned.add(token)
    errors = []
    for field, value in texts.items():
        words = names.normalise(value.replace("'", " ").replace("\u2019", " ")).split(" ") if value else []
        if banned & set(words):
            errors.append(
                FieldError(
                    field,
                    "do not write the survivor's name in a GBV case: the case is linked to the person by "
                    "their registration id",
                    "identifying_data",
                )
            )
    return errors


def not_in_future(value: dt.date | None, field: str, errors: list[FieldError]) -> None:
    if value is not None and value > clock.today():
        errors.append(FieldError(field, f"{value.isoformat()} is in the future", "future_date"))


def not_in_past(value: dt.date | None, field: str, errors: list[FieldError]) -> None:
    if value is not None and value < clock.today():
        errors.append(FieldError(field, f"{value.isoformat()} is in the past", "past_date"))


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)
