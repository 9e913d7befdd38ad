"""Households: register (with members), list, read, history, and the household-level civil events
(birth of a child into the household, change of address, change of focal point).

Reads go through queries.get_household / get_individual, which check scope and audit the read.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from refugio.api.deps import Caller, Db, location, parse_id
from refugio.api.problems import responses
from refugio.api.registration.bodies import (
    FocalPointChange,
    HouseholdCheck,
    HouseholdRegistration,
    MemberCheck,
)
from refugio.api.registration.browsing import ListFilters, Offset, total_headers
from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.dedup import service as dedup
from refugio.dedup.schemas import DeskDocument, DeskPerson, DeskResult
from refugio.registration import queries
from refugio.registration import service as registration
from refugio.registration.schemas import (
    AddressChange,
    BirthCreate,
    EventRead,
    HouseholdCreate,
    HouseholdPage,
    HouseholdRead,
    IndividualRead,
)

router = APIRouter(tags=["households"], responses=responses(401, 404, 422))

_WRITE_ERRORS = responses(403, 409, 413, 415, 422)


def _desk_people(data: HouseholdCreate) -> list[DeskPerson]:
    """The members of a registration as the duplicate check reads them."""
    people = []
    for m in data.members:
        people.append(
            DeskPerson(
                given_name=m.given_name,
                middle_name=m.middle_name,
                family_name=m.family_name,
                given_name_original=m.given_name_original,
                middle_name_original=m.middle_name_original,
                family_name_original=m.family_name_original,
                sex=str(m.sex.value)[:1],
                date_of_birth=m.date_of_birth,
                stated_age=m.stated_age,
                estimated=bool(m.estimated),
                country_of_origin=m.nationality or data.country_of_origin,
                phone=m.phone,
                documents=[DeskDocument(number=d.number) for d in m.documents],
            )
        )
    return people


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdRead,
    responses=_WRITE_ERRORS,
    summary="Register a household with its members",
    description="All members are validated together; on any error nothing is saved and `errors` names each "
    "wrong field (e.g. `members.2.date_of_birth`). Automatic specific-needs flags are set by the rules. "
    "Every member is checked against the registry first: a member whose best match is at or above the "
    "operation's threshold needs an entry in `duplicate_checks` with a reason (else 422 at "
    "`members.N.duplicate_check.reason`); the pairs the new members form with the registry go to the "
    "review queue.",
)
def register_household(
    data: HouseholdRegistration, session: Db, principal: Caller, request: Request, response: Response
) -> HouseholdRead:
    results: dict[int, DeskResult] = {}
    # a site the caller may not use, a date that cannot be read: the registration says so below
    with contextlib.suppress(ValidationFailed, PermissionDenied, NotFound):
        results = dedup.check_members(
            session, actor=principal, site_id=data.site_id, members=_desk_people(data)
        )
    confirmations = {c.member: c for c in data.duplicate_checks}
    errors = dedup.confirmation_errors(results, confirmations)
    plain = HouseholdCreate.model_validate(data.model_dump(exclude={"duplicate_checks"}))
    if errors:  # the registry's own checks (documents held…) in the same round, nothing kept
        try:
            with session.begin_nested() as trial:
                registration.register_one(session, actor=principal, data=plain)
                trial.rollback()
        except ValidationFailed as exc:
            raise ValidationFailed([*exc.errors, *errors]) from None
        raise ValidationFailed(errors)
    result = registration.register_one(session, actor=principal, data=plain)
    dedup.record_desk_decisions(
        session, actor=principal, member_ids=result.member_ids, results=results, confirmations=confirmations
    )
    record = queries.household_read(session, actor=principal, key=result.household_id)
    response.headers["Location"] = location(request, "get_household", key=str(result.household_id))
    return record


@router.post(
    "/households/check",
    response_model=list[MemberCheck],
    responses=responses(403, 422),
    summary="Is any of these members already registered? The duplicate check of a household being typed",
    description="The check the registration runs on save, for every member (the others as its household); "
    "nothing is saved. `needs_confirmation`: registering this member will need a reason in "
    "`duplicate_checks`. One person alone: `POST /dedup/desk-check`.",
)
def check_household(data: HouseholdCheck, session: Db, principal: Caller) -> list[MemberCheck]:
    results = dedup.check_members(session, actor=principal, site_id=data.site_id, members=data.members)
    return [
        MemberCheck(member=i, needs_confirmation=r.needs_confirmation, result=r)
        for i, r in sorted(results.items())
    ]


@router.get(
    "/households",
    response_model=HouseholdPage,
    responses=responses(422),
    summary="Households the caller may see: filtered, sorted, one page at a time",
    description="Filters combine (all must hold); population type, sex, age and specific need match a "
    "household having such a member. `X-Total-Count` tells how many households match in all.",
)
def list_households(
    session: Db,
    principal: Caller,
    filters: ListFilters,
    response: Response,
    sort: Annotated[
        Literal["newest", "oldest", "ref", "size", "arrival"], Query(description="The order of the list.")
    ] = "newest",
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HouseholdPage:
    page = queries.households(
        session, actor=principal, filters=filters, sort=sort, offset=offset, limit=limit
    )
    total_headers(response, page.total)
    return page


@router.get("/households/{key}", response_model=HouseholdRead, summary="A household by id or reference")
def get_household(key: str, session: Db, principal: Caller) -> HouseholdRead:
    return queries.household_read(session, actor=principal, key=key)


@router.get(
    "/households/{key}/events",
    response_model=list[EventRead],
    summary="The household's history, newest first",
)
def household_events(key: str, session: Db, principal: Caller) -> list[EventRead]:
    return queries.household_events(session, actor=principal, key=key)


@router.post(
    "/households/{key}/births",
    status_code=201,
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Register the birth of a child into the household",
)
def record_birth(
    key: str, data: BirthCreate, session: Db, principal: Caller, request: Request, response: Response
) -> IndividualRead:
    child = registration.record_birth(
        session, actor=principal, household_id=parse_id(key, "household"), data=data
    )
    response.headers["Location"] = location(request, "get_individual", key=str(child.id))
    return queries.individual_read(session, actor=principal, key=child.id)


@router.post(
    "/households/{key}/address",
    response_model=HouseholdRead,
    responses=_WRITE_ERRORS,
    summary="Change the household's address, shelter, phone or site",
)
def change_address(key: str, data: AddressChange, session: Db, principal: Caller) -> HouseholdRead:
    household = registration.change_address(
        session, actor=principal, household_id=parse_id(key, "household"), data=data
    )
    return queries.household_read(session, actor=principal, key=household.id)


@router.post(
    "/households/{key}/focal-point",
    response_model=HouseholdRead,
    responses=_WRITE_ERRORS,
    summary="Make another active member the focal point",
)
def change_focal_point(key: str, data: FocalPointChange, session: Db, principal: Caller) -> HouseholdRead:
    household = registration.change_focal_point(
        session,
        actor=principal,
        household_id=parse_id(key, "household"),
        individual_id=data.individual_id,
        reason=data.reason,
    )
    return queries.household_read(session, actor=principal, key=household.id)
