"""Households: register (with members), list, read, history, and the household-level civil events
(birth of a child into the household, change of address, change of focal point).

Reads go through queries.get_household / get_individual, which check scope and audit the read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from refugio.api.deps import Caller, Db, location, parse_id
from refugio.api.problems import responses
from refugio.api.registration.bodies import FocalPointChange
from refugio.api.registration.browsing import ListFilters, Offset, total_headers
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


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdRead,
    responses=_WRITE_ERRORS,
    summary="Register a household with its members",
    description="All members are validated together; on any error nothing is saved and `errors` names each "
    "wrong field (e.g. `members.2.date_of_birth`). Automatic specific-needs flags are set by the rules.",
)
def register_household(
    data: HouseholdCreate, session: Db, principal: Caller, request: Request, response: Response
) -> HouseholdRead:
    household = registration.register_household(session, actor=principal, data=data)
    record = queries.household_read(session, actor=principal, key=household.id)
    response.headers["Location"] = location(request, "get_household", key=str(household.id))
    return record


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
