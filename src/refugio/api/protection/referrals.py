"""Protection API, referrals and the service directory: a case's referrals (sending, revocation), the
receiving service's inbox and answers, the referrals past their service-level time, the organisations
and services of the directory.

Confidentiality is enforced by refugio.protection (in its queries and services), whatever the route:
a case's details go only to its assigned caseworkers and supervisors; a caller who may not know a case
exists gets 404, a supervisor or administrator who sees it in the register gets 403. The receiving
service sees a referral's shared copy only. Every read of a case is audited.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from fastapi.responses import Response

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.protection import queries, service
from refugio.protection.schemas import (
    FeedbackIn,
    MemberIn,
    NoteIn,
    OrganisationCreate,
    OrganisationRead,
    ReasonIn,
    ReceivedReferralRead,
    ReferralCreate,
    ReferralRead,
    ServiceCreate,
    ServiceRead,
    SlaBreachRead,
)

router = APIRouter()


def _case_id(value: str) -> uuid.UUID:
    return parse_id(value, "case")


# ---------------------------------------------------------------------------------------------
# referrals


@router.get("/cases/{case_id}/referrals", response_model=list[ReferralRead], summary="A case's referrals")
def case_referrals(case_id: str, session: Db, principal: Caller) -> list[ReferralRead]:
    return queries.read_case(session, actor=principal, key=_case_id(case_id)).referrals


@router.post(
    "/cases/{case_id}/referrals",
    response_model=ReferralRead,
    status_code=201,
    responses=responses(409),
    summary="Refer the person to a service (consent and the minimum data)",
)
def refer(case_id: str, data: ReferralCreate, session: Db, principal: Caller) -> ReferralRead:
    row = service.refer(session, actor=principal, case_id=_case_id(case_id), data=data)
    record = queries.read_case(session, actor=principal, key=row.case_id, audit_read=False)
    return next(r for r in record.referrals if r.id == row.id)


@router.post(
    "/referrals/{referral_id}/revoke",
    status_code=204,
    responses=responses(409),
    summary="Revoke a referral (the service loses access)",
)
def revoke(referral_id: str, data: ReasonIn, session: Db, principal: Caller) -> Response:
    service.revoke_referral(
        session, actor=principal, referral_id=parse_id(referral_id, "referral"), reason=data.reason
    )
    return Response(status_code=204)


@router.get("/referrals/inbox", response_model=list[ReceivedReferralRead], summary="Referrals to my services")
def inbox(
    session: Db, principal: Caller, status: str | None = Query(default=None, max_length=12)
) -> list[ReceivedReferralRead]:
    return queries.referral_inbox(session, actor=principal, status=status)


@router.get(
    "/referrals/overdue",
    response_model=list[SlaBreachRead],
    summary="Referrals past their service-level time",
)
def breaching(session: Db, principal: Caller) -> list[SlaBreachRead]:
    return queries.referrals_breaching_sla(session, actor=principal)


@router.get(
    "/referrals/{referral_id}",
    response_model=ReceivedReferralRead,
    summary="A referral to my service (audited)",
)
def received(referral_id: str, session: Db, principal: Caller) -> ReceivedReferralRead:
    return queries.received_referral(session, actor=principal, referral_id=parse_id(referral_id, "referral"))


def _answered(session: Db, principal: Caller, referral_id: uuid.UUID) -> ReceivedReferralRead:
    return queries.received_referral(session, actor=principal, referral_id=referral_id)


@router.post(
    "/referrals/{referral_id}/accept",
    response_model=ReceivedReferralRead,
    responses=responses(409),
    summary="Accept a referral",
)
def accept(referral_id: str, data: NoteIn, session: Db, principal: Caller) -> ReceivedReferralRead:
    rid = parse_id(referral_id, "referral")
    service.accept_referral(session, actor=principal, referral_id=rid, note=data.note)
    return _answered(session, principal, rid)


@router.post(
    "/referrals/{referral_id}/reject",
    response_model=ReceivedReferralRead,
    responses=responses(409),
    summary="Decline a referral, saying why",
)
def reject(referral_id: str, data: ReasonIn, session: Db, principal: Caller) -> ReceivedReferralRead:
    rid = parse_id(referral_id, "referral")
    service.reject_referral(session, actor=principal, referral_id=rid, reason=data.reason)
    return _answered(session, principal, rid)


@router.post(
    "/referrals/{referral_id}/complete",
    response_model=ReceivedReferralRead,
    responses=responses(409),
    summary="Report the service given",
)
def complete(referral_id: str, data: FeedbackIn, session: Db, principal: Caller) -> ReceivedReferralRead:
    rid = parse_id(referral_id, "referral")
    service.complete_referral(session, actor=principal, referral_id=rid, feedback=data.feedback)
    return _answered(session, principal, rid)


# ---------------------------------------------------------------------------------------------
# the directory


@router.get("/organisations", response_model=list[OrganisationRead], summary="Organisations of the directory")
def organisations(
    session: Db, principal: Caller, operation_id: uuid.UUID | None = None
) -> list[OrganisationRead]:
    return queries.organisations(session, actor=principal, operation_id=operation_id)


@router.post(
    "/organisations",
    response_model=OrganisationRead,
    status_code=201,
    responses=responses(409),
    summary="Add an organisation",
)
def add_organisation(data: OrganisationCreate, session: Db, principal: Caller) -> OrganisationRead:
    return service.create_organisation(session, actor=principal, data=data)


@router.get("/services", response_model=list[ServiceRead], summary="The service directory")
def services(
    session: Db,
    principal: Caller,
    operation_id: uuid.UUID | None = None,
    service_type: str | None = Query(default=None, max_length=30),
    include_inactive: bool = False,
) -> list[ServiceRead]:
    return queries.directory(
        session,
        actor=principal,
        operation_id=operation_id,
        service_type=service_type,
        include_inactive=include_inactive,
    )


@router.post("/services", response_model=ServiceRead, status_code=201, summary="Add a service")
def add_service(data: ServiceCreate, session: Db, principal: Caller) -> ServiceRead:
    row = service.add_service(session, actor=principal, data=data)
    return queries.directory_service(session, actor=principal, service_id=row.id)


@router.post(
    "/services/{service_id}/members",
    response_model=ServiceRead,
    status_code=201,
    responses=responses(409),
    summary="Add a user who answers the service's referrals",
)
def add_member(service_id: str, data: MemberIn, session: Db, principal: Caller) -> ServiceRead:
    sid = parse_id(service_id, "service")
    service.add_service_member(session, actor=principal, service_id=sid, user_id=data.user_id)
    return queries.directory_service(session, actor=principal, service_id=sid)


@router.post(
    "/services/{service_id}/deactivate",
    response_model=ServiceRead,
    summary="Take a service out of the directory",
)
def deactivate(service_id: str, session: Db, principal: Caller) -> ServiceRead:
    sid = parse_id(service_id, "service")
    service.deactivate_service(session, actor=principal, service_id=sid)
    return queries.directory_service(session, actor=principal, service_id=sid)
