"""The service directory and referrals: writes. Keyword-only arguments; they flush, never commit; every
write is audited.

    create_organisation / add_service / deactivate_service      the directory (SERVICE_DIRECTORY_MANAGE)
    add_service_member / remove_service_member                  who answers a service's referrals
    refer                       a worker of the case refers the person, with consent and minimum data
    accept_referral / reject_referral / complete_referral       the receiving service answers
    revoke_referral             the referring worker withdraws it: the service loses access at once

A referral carries a copy of only the fields selected (by default a minimal set: for GBV cases no name
at all) and the reason written for the service; the receiving service never sees the case. It is
answered within the service-level time of its urgency (`SLA_HOURS`); refugio.protection.queries lists
those past their deadline.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, UnknownReference, ValidationFailed
from refugio.protection import policy
from refugio.protection.common import (
    age_on,
    audited,
    ensure_not_closing,
    event,
    gbv_name_errors,
    is_child,
    load_case,
    load_user,
    new_code,
    not_in_future,
    primary_person,
    raise_if,
)
from refugio.protection.enums import (
    DEFAULT_SHARED,
    GBV_DEFAULT_SHARED,
    SLA_HOURS,
    ApprovalStatus,
    CaseType,
    ConsentBy,
    ReferralStatus,
    SharedField,
)
from refugio.protection.models import (
    BestInterestsAssessment,
    ProtectionCase,
    ProtectionService,
    Referral,
    ReferralEvent,
    ServiceMember,
    ServiceOrganisation,
)
from refugio.protection.schemas import OrganisationCreate, OrganisationRead, ReferralCreate, ServiceCreate
from refugio.registration.models import Individual, Operation, Site, SpecificNeed
from refugio.registration.policy import can_see_need
from refugio.security import audit
from refugio.security import service as security
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

# ---------------------------------------------------------------------------------------------
# the directory


def create_organisation(session: Session, *, actor: Principal, data: OrganisationCreate) -> OrganisationRead:
    """An organisation of the service directory of an operation."""
    if session.get(Operation, data.operation_id) is None:
        raise UnknownReference.single("operation_id", "no such operation", "not_found")
    policy.require_directory(actor, data.operation_id)
    clash = session.scalar(
        select(ServiceOrganisation.id).where(
            ServiceOrganisation.operation_id == data.operation_id, ServiceOrganisation.name == data.name
        )
    )
    if clash is not None:
        raise Conflict(
            f"organisation {data.name!r} is already in the directory", [FieldError("name", "already used")]
        )
    row = ServiceOrganisation(**data.model_dump())
    row.kind = data.kind.value
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="directory.organisation",
        object_type="service_organisation",
        object_id=str(row.id),
        details={"name": row.name},
    )
    return OrganisationRead.model_validate(row)


def add_service(session: Session, *, actor: Principal, data: ServiceCreate) -> ProtectionService:
    """A service of an organisation (type, location, contacts), in the organisation's operation."""
    org = session.get(ServiceOrganisation, data.organisation_id)
    if org is None:
        raise UnknownReference.single("organisation_id", "no such organisation", "not_found")
    policy.require_directory(actor, org.operation_id)
    if data.site_id is not None:
        site = session.get(Site, data.site_id)
        if site is None or site.operation_id != org.operation_id:
            raise ValidationFailed.single(
                "site_id", "no such site in the organisation's operation", "not_found"
            )
    row = ProtectionService(**data.model_dump(), operation_id=org.operation_id, created_by=actor.label)
    row.service_type = data.service_type.value
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="directory.service",
        object_type="protection_service",
        object_id=str(row.id),
        details={"name": row.name, "service_type": row.service_type},
    )
    return row


def _service(session: Session, service_id: uuid.UUID) -> ProtectionService:
    row = session.get(ProtectionService, service_id)
    if row is None:
        raise NotFound("no such service")
    return row


def deactivate_service(session: Session, *, actor: Principal, service_id: uuid.UUID) -> ProtectionService:
    """Take a service out of the directory (no new referrals; those in progress continue)."""
    row = _service(session, service_id)
    policy.require_directory(actor, row.operation_id)
    row.active = False
    audit.record(
        session,
        actor=actor,
        action="directory.deactivate",
        object_type="protection_service",
        object_id=str(row.id),
    )
    return row


def add_service_member(
    session: Session, *, actor: Principal, service_id: uuid.UUID, user_id: uuid.UUID
) -> ServiceMember:
    """A user who receives the service's referrals (must hold REFERRAL_RECEIVE where the service is)."""
    row = _service(session, service_id)
    policy.require_directory(actor, row.operation_id)
    user = load_user(session, user_id, "user_id")
    member = security.principal_for(session, user)
    if not member.can(Permission.REFERRAL_RECEIVE, operation_id=row.operation_id, site_id=row.site_id):
        raise ValidationFailed.single(
            "user_id", f"{user.username} lacks REFERRAL_RECEIVE for this service's operation", "not_permitted"
        )
    if session.get(ServiceMember, (row.id, user.id)) is not None:
        raise Conflict(
            f"{user.username} is already a member of the service", [FieldError("user_id", "already a member")]
        )
    link = ServiceMember(service_id=row.id, user_id=user.id, added_by=actor.label)
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="directory.member_add",
        object_type="protection_service",
        object_id=str(row.id),
        details={"user_id": str(user.id)},
    )
    return link


def remove_service_member(
    session: Session, *, actor: Principal, service_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    row = _service(session, service_id)
    policy.require_directory(actor, row.operation_id)
    link = session.get(ServiceMember, (row.id, user_id))
    if link is None:
        raise ValidationFailed.single("user_id", "not a member of the service", "not_member")
    session.delete(link)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="directory.member_remove",
        object_type="protection_service",
        object_id=str(row.id),
        details={"user_id": str(user_id)},
    )


# ---------------------------------------------------------------------------------------------
# referrals


def _shared_data(
    session: Session, actor: Principal, case: ProtectionCase, person: Individual, fields: list[SharedField]
) -> dict[str, Any]:
    """The copy of the selected fields the service will see (nothing else of the person or the case)."""
    out: dict[str, Any] = {}
    for f in fields:
        if f is SharedField.GIVEN_NAME:
            out[f.value] = person.given_name
        elif f is SharedField.FAMILY_NAME:
            out[f.value] = person.family_name
        elif f is SharedField.SEX:
            out[f.value] = person.sex
        elif f is SharedField.AGE:
            out[f.value] = age_on(person)
        elif f is SharedField.DATE_OF_BIRTH:
            dob = person.date_of_birth
            out[f.value] = {"year": f"{dob.year:04d}", "month": f"{dob.year:04d}-{dob.month:02d}"}.get(
                person.dob_precision, dob.isoformat()
            )
        elif f is SharedField.PHONE:
            out[f.value] = person.phone
        elif f is SharedField.LANGUAGES:
            out[f.value] = list(person.languages or [])
        elif f is SharedField.NATIONALITY:
            out[f.value] = person.nationality
        elif f is SharedField.SITE:
            site = session.get(Site, person.site_id)
            out[f.value] = site.name if site else None
        elif f is SharedField.SPECIFIC_NEEDS:
            needs = session.scalars(
                select(SpecificNeed.code).where(
                    SpecificNeed.individual_id == person.id, SpecificNeed.active.is_(True)
                )
            )
            out[f.value] = sorted(
                {
                    c
                    for c in needs
                    if can_see_need(actor, c, operation_id=person.operation_id, site_id=person.site_id)
                }
            )
    return out


def refer(session: Session, *, actor: Principal, case_id: uuid.UUID, data: ReferralCreate) -> Referral:
    """Refer the case's person to a service of the same operation, with consent and the minimum data."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    person = primary_person(session, case)
    errors: list[FieldError] = []
    service = _service_errors(session, case, data.service_id, errors)
    consent_by = _consent_errors(session, case, data, child=is_child(person), errors=errors)
    consent_on = data.consent_on or clock.today()
    not_in_future(consent_on, "consent_on", errors)
    errors += gbv_name_errors(session, case, {"reason": data.reason, "consent_note": data.consent_note})
    default = GBV_DEFAULT_SHARED if case.case_type == CaseType.GBV else DEFAULT_SHARED
    fields = list(dict.fromkeys(data.shared_fields if data.shared_fields is not None else default))
    raise_if(errors)
    assert service is not None
    operation = session.get(Operation, case.operation_id)
    assert operation is not None
    now = clock.now()
    row = Referral(
        code=new_code(session, operation, "RF"),
        case_id=case.id,
        service_id=service.id,
        operation_id=case.operation_id,
        urgency=data.urgency.value,
        reason=data.reason,
        consent_by=consent_by.value,
        consent_on=consent_on,
        consent_note=data.consent_note,
        shared_fields=[f.value for f in fields],
        shared_data=_shared_data(session, actor, case, person, fields),
        status=ReferralStatus.SENT.value,
        sent_at=now,
        sent_by=actor.label,
        respond_by=now + dt.timedelta(hours=SLA_HOURS[data.urgency]),
    )
    session.add(row)
    session.flush()
    session.add(ReferralEvent(referral_id=row.id, by=actor.label, status=row.status, note=None))
    event(
        session, case, actor, "referral", f"referral {row.code} sent to {service.name} ({data.urgency.value})"
    )
    audited(
        session,
        actor,
        "referral.send",
        case,
        {"referral": row.code, "service_id": str(service.id), "fields": row.shared_fields},
        object_type="referral",
        object_id=str(row.id),
    )
    return row


def _service_errors(
    session: Session, case: ProtectionCase, service_id: uuid.UUID, errors: list[FieldError]
) -> ProtectionService | None:
    """The service referred to, with an error when it is unknown, of another operation or inactive."""
    service = session.get(ProtectionService, service_id)
    if service is None:
        errors.append(FieldError("service_id", "no such service in the directory", "not_found"))
    elif service.operation_id != case.operation_id:
        errors.append(FieldError("service_id", "the service belongs to another operation", "other_operation"))
    elif not service.active:
        errors.append(FieldError("service_id", "the service is no longer in the directory", "inactive"))
    return service


def _consent_errors(
    session: Session, case: ProtectionCase, data: ReferralCreate, *, child: bool, errors: list[FieldError]
) -> ConsentBy:
    """Who consents (an adult themself; for a child the caregiver, or a best-interests note backed by an
    approved assessment), with an error for each rule the referral breaks."""
    if not data.consent_given:
        errors.append(
            FieldError(
                "consent_given",
                "record the consent to this referral (a child: the caregiver's, or a best-interests note)",
                "consent_missing",
            )
        )
    consent_by = data.consent_by or (ConsentBy.CAREGIVER if child else ConsentBy.PERSON)
    if child and consent_by is ConsentBy.PERSON:
        errors.append(
            FieldError(
                "consent_by",
                "a child's referral needs the caregiver's consent or a best-interests note",
                "child_consent",
            )
        )
    if not child and consent_by is not ConsentBy.PERSON:
        errors.append(FieldError("consent_by", "an adult consents to their own referral", "adult_consent"))
    if consent_by is ConsentBy.BEST_INTERESTS:
        if not (data.consent_note and len(data.consent_note) >= 3):
            errors.append(
                FieldError(
                    "consent_note", "say how the child's best interests justify the referral", "required"
                )
            )
        approved = session.scalar(
            select(BestInterestsAssessment.id).where(
                BestInterestsAssessment.case_id == case.id,
                BestInterestsAssessment.status == ApprovalStatus.APPROVED.value,
            )
        )
        if approved is None:
            errors.append(
                FieldError("consent_by", "no approved best-interests assessment on this case", "no_bia")
            )
    return consent_by


def _received(
    session: Session, actor: Principal, referral_id: uuid.UUID
) -> tuple[Referral, ProtectionService]:
    row = session.get(Referral, referral_id)
    service = session.get(ProtectionService, row.service_id) if row is not None else None
    if row is None or service is None or not policy.is_receiver(session, actor, service):
        raise NotFound("no such referral")
    if row.status == ReferralStatus.REVOKED:
        raise NotFound("no such referral")  # revoked: the service has lost access to it
    return row, service


def _answer(
    session: Session, actor: Principal, row: Referral, status: ReferralStatus, note: str | None, action: str
) -> None:
    row.status = status.value
    session.add(ReferralEvent(referral_id=row.id, by=actor.label, status=row.status, note=note))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="referral",
        object_id=str(row.id),
        details={"referral": row.code, "status": row.status},
    )


def accept_referral(
    session: Session, *, actor: Principal, referral_id: uuid.UUID, note: str = ""
) -> Referral:
    """The receiving service takes the referral on."""
    row, _service = _received(session, actor, referral_id)
    if row.status != ReferralStatus.SENT:
        raise Conflict(f"referral {row.code} was already {row.status}")
    row.responded_at, row.responded_by, row.response_note = clock.now(), actor.label, note.strip() or None
    _answer(session, actor, row, ReferralStatus.ACCEPTED, row.response_note, "referral.accept")
    return row


def reject_referral(session: Session, *, actor: Principal, referral_id: uuid.UUID, reason: str) -> Referral:
    """The receiving service declines, saying why (the worker then refers elsewhere)."""
    row, _service = _received(session, actor, referral_id)
    if row.status != ReferralStatus.SENT:
        raise Conflict(f"referral {row.code} was already {row.status}")
    reason = reason.strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed.single(
            "reason", "say why the referral is declined (3 to 2000 characters)", "required"
        )
    row.responded_at, row.responded_by, row.response_note = clock.now(), actor.label, reason
    _answer(session, actor, row, ReferralStatus.REJECTED, reason, "referral.reject")
    return row


def complete_referral(
    session: Session, *, actor: Principal, referral_id: uuid.UUID, feedback: str
) -> Referral:
    """The service reports the service given (feedback to the referring worker)."""
    row, _service = _received(session, actor, referral_id)
    if row.status != ReferralStatus.ACCEPTED:
        raise Conflict(f"referral {row.code} is {row.status}: only an accepted referral is completed")
    feedback = feedback.strip()
    if not 3 <= len(feedback) <= 4000:
        raise ValidationFailed.single("feedback", "say what was provided (3 to 4000 characters)", "required")
    row.completed_at, row.feedback = clock.now(), feedback
    _answer(session, actor, row, ReferralStatus.COMPLETED, feedback, "referral.complete")
    return row


def revoke_referral(session: Session, *, actor: Principal, referral_id: uuid.UUID, reason: str) -> Referral:
    """The referring side withdraws the referral (e.g. consent withdrawn): the data copy is erased and
    the service no longer sees it."""
    row = session.get(Referral, referral_id)
    if row is None:
        raise NotFound("no such referral")
    case = load_case(session, row.case_id)
    policy.require_work(session, actor, case)
    if row.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
        raise Conflict(f"referral {row.code} is {row.status}: only a referral in progress is revoked")
    reason = reason.strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed.single(
            "reason", "say why the referral is revoked (3 to 2000 characters)", "required"
        )
    row.shared_data = {}
    row.revoked_at, row.revoked_by, row.revocation_reason = clock.now(), actor.label, reason
    _answer(session, actor, row, ReferralStatus.REVOKED, reason, "referral.revoke")
    event(session, case, actor, "referral_revoked", f"referral {row.code} revoked: {reason}")
    return row
