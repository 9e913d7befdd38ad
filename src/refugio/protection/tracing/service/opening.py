"""Opening a family tracing request (enquirer, tracing consent, sought people: every wrong field named),
putting a caseworker in charge of it, and withdrawing its tracing consent. Keyword-only writes that
flush, never commit; refugio.protection.tracing.service re-exports the verbs.

Imports tracing (common, models, schemas, enums), dedup names, registration (models, reference data),
security, store and core; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, UnknownReference, ValidationFailed
from refugio.core.names import NAME_PARTS
from refugio.dedup import names
from refugio.protection.tracing.enums import (
    CandidateStatus,
    EventType,
    RequestStatus,
)
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingKey,
    TracingRequest,
)
from refugio.protection.tracing.schemas import (
    EnquirerIn,
    RequestCreate,
    SoughtPersonIn,
)
from refugio.protection.tracing.service.common import event, load_request, not_future, write_keys
from refugio.registration.models import Individual, Operation, Site
from refugio.registration.models import Sequence as RefSequence
from refugio.registration.reference import countries
from refugio.security.models import User
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store import counters


def _allocate(session: Session, name: str) -> int:
    return counters.reserve(session, RefSequence.__table__, name=name)  # type: ignore[arg-type]


def request_ref(operation_code: str, year: int, seq: int) -> str:
    """`TR-JOR-26-000012`: operation, two-digit year, sequence (never a household or person ID)."""
    return f"TR-{operation_code.upper()}-{year % 100:02d}-{seq:06d}"


def _partial(value: str | None, where: str, errors: list[FieldError], *, what: str = "date") -> None:
    """A partial ISO date (YYYY, YYYY-MM, YYYY-MM-DD), not in the future."""
    if not value:
        return
    try:
        parsed = names.parse_partial_date(value)
    except ValueError as exc:
        errors.append(FieldError(where, str(exc).replace("date of birth", what), "bad_date"))
        return
    if parsed is None:
        return
    today = clock.today()
    if (parsed.year, parsed.month or 1, parsed.day or 1) > (today.year, today.month, today.day):
        errors.append(FieldError(where, f"{what} {value} is in the future", "future_date"))
    elif parsed.year < today.year - 130:
        errors.append(FieldError(where, f"{what} {value} is too far in the past", "implausible_date"))


def _country(value: str | None, where: str, errors: list[FieldError]) -> None:
    if value and value not in countries():
        errors.append(
            FieldError(where, f"unknown country code {value!r} (ISO 3166-1 alpha-3)", "unknown_code")
        )


def _has_name(p: Any) -> bool:
    return any(getattr(p, f, None) for f in NAME_PARTS)


def _find_individual(session: Session, data: EnquirerIn) -> Individual | None:
    if data.individual_id is not None:
        return session.get(Individual, data.individual_id)
    if data.individual_ref:
        return session.scalar(select(Individual).where(Individual.ref == data.individual_ref.upper()))
    return None


def _check_enquirer(
    session: Session, actor: Principal, data: EnquirerIn, errors: list[FieldError]
) -> Individual | None:
    if data.individual_id is not None or data.individual_ref:
        person = _find_individual(session, data)
        field = "enquirer.individual_id" if data.individual_id is not None else "enquirer.individual_ref"
        if person is None or not actor.can(
            Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
        ):
            errors.append(
                FieldError(
                    field, "no registered person with this ID among the sites you can see", "not_found"
                )
            )
            return None
        return person
    if not _has_name(data):
        errors.append(
            FieldError(
                "enquirer.given_name", "give the enquirer's name, or their registration ID", "required"
            )
        )
    if not (data.phone or data.contact):
        errors.append(
            FieldError(
                "enquirer.contact", "give a phone number or another way to reach the enquirer", "required"
            )
        )
    _partial(data.date_of_birth, "enquirer.date_of_birth", errors, what="date of birth")
    _country(data.country_of_origin, "enquirer.country_of_origin", errors)
    return None


def _check_sought(i: int, p: SoughtPersonIn, errors: list[FieldError]) -> None:
    where = f"sought.{i}"
    if not _has_name(p) and not p.other_names:
        errors.append(
            FieldError(
                f"{where}.given_name", "give at least a given or a family name (any script)", "required"
            )
        )
    _partial(p.date_of_birth, f"{where}.date_of_birth", errors, what="date of birth")
    _partial(p.date_of_separation, f"{where}.date_of_separation", errors, what="date of separation")
    not_future(p.age_on, f"{where}.age_on", errors, "date")
    _country(p.country_of_origin, f"{where}.country_of_origin", errors)


def _search_text(request: TracingRequest, people: Sequence[SoughtPerson], enquirer: Individual | None) -> str:
    parts: list[str] = [request.ref.lower()]
    sources: list[Any] = [enquirer or request, *people]
    for src in sources:
        for f in ("given_name", "middle_name", "family_name"):
            value = getattr(src, f, None) if src is not request else getattr(request, f"enquirer_{f}")
            if value:
                parts.append(names.fold_latin(value))
                parts.append(value.casefold())
        for f in ("given_name_original", "middle_name_original", "family_name_original"):
            base = f"enquirer_{f}" if src is request else f
            value = getattr(src, base, None)
            if value:
                parts.append(value.casefold())
    return " ".join(dict.fromkeys(p for p in parts if p))[:4000]


def _checked(session: Session, actor: Principal, data: RequestCreate) -> Individual | None:
    """Every wrong field of a new request named at once (refused without tracing consent); the
    enquirer's registered record when they are a registered person."""
    errors: list[FieldError] = []
    if not data.consent.given:
        errors.append(
            FieldError(
                "consent.given",
                "tracing needs consent: record that it was given, by whom and when (no consent, no request)",
                "tracing_consent_required",
            )
        )
    if not data.consent.given_by:
        errors.append(
            FieldError(
                "consent.given_by",
                "say who gave the consent (the enquirer, a parent, a guardian …)",
                "required",
            )
        )
    not_future(data.consent.date, "consent.date", errors, "consent date")
    not_future(data.lodged_on, "lodged_on", errors, "date")
    enquirer = _check_enquirer(session, actor, data.enquirer, errors)
    for i, p in enumerate(data.sought):
        _check_sought(i, p, errors)
    if data.assigned_to and session.scalar(select(User.id).where(User.username == data.assigned_to)) is None:
        errors.append(FieldError("assigned_to", f"no user {data.assigned_to!r}", "unknown_user"))
    if errors:
        raise ValidationFailed(errors)
    return enquirer


def _new_request(
    session: Session,
    *,
    actor: Principal,
    data: RequestCreate,
    site: Site,
    enquirer: Individual | None,
    lodged: dt.date,
) -> TracingRequest:
    """The request row: its reference, the enquirer (a registered person's id, or their details) and
    the consent."""
    op = session.get(Operation, site.operation_id)
    assert op is not None
    e = data.enquirer
    request = TracingRequest(
        ref=request_ref(op.code, lodged.year, _allocate(session, f"TR-{op.code}-{lodged.year % 100:02d}")),
        operation_id=op.id,
        site_id=site.id,
        status=RequestStatus.OPEN.value,
        lodged_on=lodged,
        enquirer_individual_id=enquirer.id if enquirer else None,
        enquirer_given_name=None if enquirer else e.given_name,
        enquirer_middle_name=None if enquirer else e.middle_name,
        enquirer_family_name=None if enquirer else e.family_name,
        enquirer_given_name_original=None if enquirer else e.given_name_original,
        enquirer_middle_name_original=None if enquirer else e.middle_name_original,
        enquirer_family_name_original=None if enquirer else e.family_name_original,
        enquirer_sex=None if enquirer else e.sex,
        enquirer_date_of_birth=None if enquirer else e.date_of_birth,
        enquirer_country_of_origin=None if enquirer else e.country_of_origin,
        enquirer_phone=e.phone,
        enquirer_contact=e.contact,
        consent_given=True,
        consent_given_by=data.consent.given_by,
        consent_date=data.consent.date or clock.today(),
        consent_recorded_by=actor.label,
        assigned_to=data.assigned_to,
        case_id=data.case_id,
        notes=data.notes,
        created_by=actor.label,
        version=0,
    )
    session.add(request)
    session.flush()
    return request


def _add_sought(
    session: Session, request: TracingRequest, data: RequestCreate, lodged: dt.date
) -> list[SoughtPerson]:
    """The sought people, in the order given (an age is taken on `age_on`, else on the lodging date)."""
    people: list[SoughtPerson] = []
    for i, p in enumerate(data.sought):
        person = SoughtPerson(
            request_id=request.id,
            position=i,
            **p.model_dump(exclude={"age_on", "relationship"}),
            relationship=p.relationship.value,
            age_on=(p.age_on or lodged) if p.age is not None else None,
        )
        session.add(person)
        people.append(person)
    session.flush()
    return people


def open_request(session: Session, *, actor: Principal, data: RequestCreate) -> TracingRequest:
    """A new tracing request. Refused, every wrong field named, without tracing consent."""
    site = session.get(Site, data.site_id)
    if site is None:
        raise UnknownReference.single("site_id", "unknown site", "unknown_site")
    actor.require(Permission.TRACING_MANAGE, operation_id=site.operation_id, site_id=site.id)
    enquirer = _checked(session, actor, data)
    lodged = data.lodged_on or clock.today()
    request = _new_request(session, actor=actor, data=data, site=site, enquirer=enquirer, lodged=lodged)
    people = _add_sought(session, request, data, lodged)
    session.refresh(request, ["sought"])
    request.search_text = _search_text(request, people, enquirer)
    write_keys(session, request, enquirer)
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.OPENED,
        occurred_on=lodged,
        summary=f"Tracing request opened: {len(people)} person(s) sought; "
        f"consent given by {request.consent_given_by}",
        details={
            "sought": len(people),
            "consent_given_by": request.consent_given_by,
            "consent_date": request.consent_date.isoformat(),
            "registered_enquirer": enquirer is not None,
        },
    )
    return request


def assign_request(
    session: Session, *, actor: Principal, request_id: uuid.UUID, username: str
) -> TracingRequest:
    """Put a caseworker in charge (a user holding TRACING_MANAGE for the request)."""
    request = load_request(session, actor, request_id)
    from refugio.security import service as security

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationFailed.single("username", f"no user {username!r}", "unknown_user")
    worker = security.principal_for(session, user)
    if not worker.can(Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id):
        raise ValidationFailed.single(
            "username", f"{username} may not manage tracing requests here", "forbidden"
        )
    before = request.assigned_to
    request.assigned_to = username
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.ASSIGNED,
        summary=f"Assigned to {username}",
        details={"assigned_to": [before, username]},
    )
    return request


def withdraw_consent(
    session: Session, *, actor: Principal, request_id: uuid.UUID, reason: str
) -> TracingRequest:
    """Tracing consent withdrawn: matching stops, the request leaves everyone's candidate lists."""
    request = load_request(session, actor, request_id)
    if request.consent_withdrawn_at is not None:
        raise Conflict("consent was already withdrawn")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason", "required")
    request.consent_withdrawn_at = clock.now()
    request.consent_withdrawal_reason = reason.strip()
    session.execute(delete(TracingKey).where(TracingKey.request_id == request.id))
    touched = session.execute(
        update(TracingCandidate)
        .where(
            (TracingCandidate.request_id == request.id) | (TracingCandidate.other_request_id == request.id),
            TracingCandidate.status.in_([CandidateStatus.PENDING.value, CandidateStatus.CONFIRMED.value]),
        )
        .values(status=CandidateStatus.WITHDRAWN.value)
    )
    event(
        session,
        request=request,
        actor=actor,
        event_type=EventType.CONSENT_WITHDRAWN,
        summary=f"Tracing consent withdrawn: {reason.strip()}",
        details={"candidates_withdrawn": int(getattr(touched, "rowcount", 0) or 0)},
    )
    return request
