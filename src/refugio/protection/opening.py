"""Opening a protection case (directly for a registered person, or from a specific-needs flag) and
linking other people to it. Also owns the two checks the assignment verbs share: a person the actor may
see, and a user who may hold a role on the case. Keyword-only writes that flush, never commit;
refugio.protection.service re-exports the verbs.

Imports protection (policy, common, models, schemas), registration (models, policy), security and core;
never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, FieldError, UnknownReference, ValidationFailed
from refugio.protection import policy
from refugio.protection.common import (
    audited,
    ensure_editable,
    event,
    gbv_name_errors,
    is_child,
    load_case,
    load_user,
    new_code,
    raise_if,
)
from refugio.protection.enums import (
    NEED_CASE_TYPES,
    UASC_CODES,
    AssignmentRole,
    CaseStatus,
    CaseType,
    MemberRole,
    RiskLevel,
)
from refugio.protection.models import (
    CaseAssignment,
    CaseIndividual,
    ProtectionCase,
)
from refugio.protection.schemas import (
    CaseFromNeed,
    CaseOpen,
    MemberLink,
)
from refugio.registration.models import Individual, Operation, SpecificNeed
from refugio.registration.policy import can_see_need
from refugio.security import service as security
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def visible_person(session: Session, actor: Principal, individual_id: uuid.UUID, field: str) -> Individual:
    """The registered person, when the actor may see them (otherwise "no such registered person")."""
    person = session.get(Individual, individual_id)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise UnknownReference.single(field, "no such registered person", "not_found")
    return person


def assignable(
    session: Session, case: ProtectionCase, user_id: uuid.UUID, role: AssignmentRole, field: str
) -> uuid.UUID:
    """The user's id, when they may hold `role` on the case (the permission it needs, for its site)."""
    user = load_user(session, user_id, field)
    if not policy.may_hold(security.principal_for(session, user), role, case):
        needed = "CASE_MANAGE" if role is AssignmentRole.CASEWORKER else "CASE_SUPERVISE"
        raise ValidationFailed.single(
            field,
            f"{user.username} may not be a {role.value} here ({needed} needed for the case's site)",
            "not_permitted",
        )
    return user.id


def _case_errors(
    session: Session, *, person: Individual, case_type: CaseType, uasc: bool, summary: str
) -> list[FieldError]:
    """What is wrong with opening a case of this type for this person."""
    errors: list[FieldError] = []
    if person.status == "deceased":
        errors.append(FieldError("individual_id", "the person is recorded as deceased", "deceased"))
    if case_type is CaseType.CHILD_PROTECTION and not is_child(person):
        errors.append(
            FieldError("case_type", "a child protection case is for a person under 18", "not_a_child")
        )
    if uasc and case_type is not CaseType.CHILD_PROTECTION:
        errors.append(
            FieldError("uasc", "only a child protection case can be for an unaccompanied or separated child")
        )
    if case_type is CaseType.GBV:
        errors += gbv_name_errors(session, None, {"summary": summary}, [person])
    return errors


def _caseworker(
    actor: Principal, person: Individual, caseworker_id: uuid.UUID | None, errors: list[FieldError]
) -> uuid.UUID | None:
    """The case's caseworker: the one named (by the opener, or by a supervisor for someone else), else
    the opener when they may manage cases at the person's site."""
    supervising = actor.can(
        Permission.CASE_SUPERVISE, operation_id=person.operation_id, site_id=person.site_id
    )
    if caseworker_id is None:
        if actor.user_id is None or not actor.can(
            Permission.CASE_MANAGE, operation_id=person.operation_id, site_id=person.site_id
        ):
            errors.append(FieldError("caseworker_id", "name the caseworker of the case", "required"))
        else:
            caseworker_id = actor.user_id
    elif caseworker_id != actor.user_id and not supervising:
        errors.append(
            FieldError("caseworker_id", "only a supervisor assigns a case to someone else", "not_permitted")
        )
    return caseworker_id


def _staff(
    session: Session,
    *,
    actor: Principal,
    case: ProtectionCase,
    person: Individual,
    caseworker_id: uuid.UUID,
    supervisor_id: uuid.UUID | None,
) -> None:
    """The new case's primary person, caseworker and (optional) supervisor."""
    worker = assignable(session, case, caseworker_id, AssignmentRole.CASEWORKER, "caseworker_id")
    supervisor = None
    if supervisor_id is not None:
        supervisor = assignable(session, case, supervisor_id, AssignmentRole.SUPERVISOR, "supervisor_id")
    session.add(
        CaseIndividual(
            case_id=case.id, individual_id=person.id, role=MemberRole.PRIMARY.value, added_by=actor.label
        )
    )
    session.add(CaseAssignment(case_id=case.id, user_id=worker, role="caseworker", assigned_by=actor.label))
    if supervisor is not None:
        session.add(
            CaseAssignment(case_id=case.id, user_id=supervisor, role="supervisor", assigned_by=actor.label)
        )


def _open(
    session: Session,
    *,
    actor: Principal,
    person: Individual,
    case_type: CaseType,
    uasc: bool,
    risk_level: RiskLevel,
    summary: str,
    caseworker_id: uuid.UUID | None,
    supervisor_id: uuid.UUID | None,
    need: SpecificNeed | None = None,
) -> ProtectionCase:
    policy.require_open(actor, operation_id=person.operation_id, site_id=person.site_id)
    errors = _case_errors(session, person=person, case_type=case_type, uasc=uasc, summary=summary)
    caseworker_id = _caseworker(actor, person, caseworker_id, errors)
    raise_if(errors)
    assert caseworker_id is not None
    operation = session.get(Operation, person.operation_id)
    assert operation is not None
    case = ProtectionCase(
        code=new_code(session, operation, "PC"),
        operation_id=person.operation_id,
        site_id=person.site_id,
        case_type=case_type.value,
        uasc=uasc,
        status=CaseStatus.ASSESSMENT.value,
        risk_level=risk_level.value,
        summary=summary,
        opened_by=actor.label,
        opened_from_need_id=need.id if need else None,
    )
    session.add(case)
    session.flush()
    _staff(
        session,
        actor=actor,
        case=case,
        person=person,
        caseworker_id=caseworker_id,
        supervisor_id=supervisor_id,
    )
    how = f" from specific need {need.code}" if need else ""
    event(session, case, actor, "opened", f"case opened{how}", {"case_type": case.case_type, "uasc": uasc})
    audited(
        session,
        actor,
        "case.open",
        case,
        {
            "case_type": case.case_type,
            "individual_id": str(person.id),
            "need_id": str(need.id) if need else None,
        },
    )
    return case


def open_case(session: Session, *, actor: Principal, data: CaseOpen) -> ProtectionCase:
    """Open a case for a registered person; the opener is its caseworker unless one is named."""
    person = visible_person(session, actor, data.individual_id, "individual_id")
    return _open(
        session,
        actor=actor,
        person=person,
        case_type=data.case_type,
        uasc=data.uasc,
        risk_level=data.risk_level,
        summary=data.summary,
        caseworker_id=data.caseworker_id,
        supervisor_id=data.supervisor_id,
    )


def open_case_from_need(session: Session, *, actor: Principal, data: CaseFromNeed) -> ProtectionCase:
    """Open a case from a person's specific-needs flag: SC/CR → child protection (SC-UC/SC-SC: UASC),
    SV → GBV, ER → older person, DS → disability, any other → other protection."""
    need = session.get(SpecificNeed, data.need_id)
    person = session.get(Individual, need.individual_id) if need is not None else None
    if (
        need is None
        or person is None
        or not actor.can(Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id)
        or not can_see_need(actor, need.code, operation_id=person.operation_id, site_id=person.site_id)
    ):
        raise UnknownReference.single("need_id", "no such specific need", "not_found")
    if not need.active:
        raise ValidationFailed.single("need_id", "the specific need was removed", "inactive")
    already = session.scalar(select(ProtectionCase.id).where(ProtectionCase.opened_from_need_id == need.id))
    if already is not None:
        raise Conflict(
            "a case was already opened from this specific need", [FieldError("need_id", "already used")]
        )
    case_type = NEED_CASE_TYPES.get(need.category, CaseType.OTHER)
    if case_type is CaseType.CHILD_PROTECTION and not is_child(person):
        case_type = CaseType.OTHER
    return _open(
        session,
        actor=actor,
        person=person,
        case_type=case_type,
        uasc=case_type is CaseType.CHILD_PROTECTION and need.code in UASC_CODES,
        risk_level=data.risk_level,
        summary=data.summary,
        caseworker_id=data.caseworker_id,
        supervisor_id=data.supervisor_id,
        need=need,
    )


def link_individual(
    session: Session, *, actor: Principal, case_id: uuid.UUID, data: MemberLink
) -> CaseIndividual:
    """Link another registered person (caregiver, family member) to the case."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_editable(case)
    if case.case_type == CaseType.GBV:
        raise ValidationFailed.single(
            "individual_id",
            "a GBV case is linked to the survivor only (minimum identifying data)",
            "gbv_minimum",
        )
    if data.role is MemberRole.PRIMARY:
        raise ValidationFailed.single("role", "the case already has its primary person", "invalid")
    person = visible_person(session, actor, data.individual_id, "individual_id")
    if person.operation_id != case.operation_id:
        raise ValidationFailed.single(
            "individual_id", "the person is registered in another operation", "other_operation"
        )
    if session.get(CaseIndividual, (case.id, person.id)) is not None:
        raise Conflict(
            "the person is already linked to this case", [FieldError("individual_id", "already linked")]
        )
    link = CaseIndividual(
        case_id=case.id, individual_id=person.id, role=data.role.value, added_by=actor.label
    )
    session.add(link)
    event(
        session,
        case,
        actor,
        "linked",
        f"{person.ref} linked as {data.role.value}",
        {"individual_id": str(person.id)},
    )
    audited(session, actor, "case.link", case, {"individual_id": str(person.id), "role": data.role.value})
    return link
