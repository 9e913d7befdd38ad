"""Individuals: read (audited), correct details (optimistic locking with If-Match), civil events (death,
marriage, status, household move), history, specific needs and identity documents.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.api.registration.bodies import ReasonIn
from refugio.api.registration.browsing import ListFilters, Offset, total_headers
from refugio.core.errors import ValidationFailed
from refugio.registration import queries
from refugio.registration import service as registration
from refugio.registration.schemas import (
    DeathRecord,
    DocumentCreate,
    DocumentRead,
    EventRead,
    HouseholdMove,
    IndividualRead,
    IndividualUpdate,
    MarriageRecord,
    NeedFlag,
    NeedRead,
    PersonPage,
    StatusChange,
)
from refugio.security.principals import Principal

router = APIRouter(tags=["individuals"], responses=responses(401, 404, 422))

_WRITE_ERRORS = responses(403, 409, 413, 415, 422)


def _etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: "3"` (also `3` or `W/"3"`) → 3; absent or `*` → None (no check)."""
    if value is None or value.strip() in ("", "*"):
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed.single(
            "If-Match", 'give the version you edited, e.g. If-Match: "3"', "invalid_version"
        )
    return int(text)


def _person(
    session: Db, principal: Principal, key: uuid.UUID | str, response: Response | None = None
) -> IndividualRead:
    """The person's record, read through the audited query (the answer to a write is a read too)."""
    record = queries.individual_read(session, actor=principal, key=key)
    if response is not None:
        response.headers["ETag"] = _etag(record.version)
    return record


@router.get(
    "/individuals",
    response_model=PersonPage,
    summary="People the caller may see: filtered, sorted, one page at a time (the read is audited)",
    description="Filters combine (all must hold). `X-Total-Count` tells how many people match in all.",
)
def list_individuals(
    session: Db,
    principal: Caller,
    filters: ListFilters,
    response: Response,
    sort: Annotated[
        Literal["name", "ref", "youngest", "eldest", "arrival"], Query(description="The order of the list.")
    ] = "name",
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PersonPage:
    page = queries.people(session, actor=principal, filters=filters, sort=sort, offset=offset, limit=limit)
    total_headers(response, page.total)
    return page


@router.get(
    "/individuals/{key}",
    response_model=IndividualRead,
    summary="A person's record by id or reference (the read is audited)",
    description="Documents and specific needs are included as far as the caller may see them. "
    "The `ETag` header carries the record's version, for `If-Match` on PATCH.",
)
def get_individual(key: str, session: Db, principal: Caller, response: Response) -> IndividualRead:
    return _person(session, principal, key, response)


@router.patch(
    "/individuals/{key}",
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Correct a person's details (the old values stay in the history)",
)
def update_individual(
    key: str,
    data: IndividualUpdate,
    session: Db,
    principal: Caller,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The version you edited (from ETag); 409 if stale.")
    ] = None,
) -> IndividualRead:
    person = registration.update_individual(
        session,
        actor=principal,
        individual_id=parse_id(key, "individual"),
        data=data,
        expected_version=parse_if_match(if_match),
    )
    return _person(session, principal, person.id, response)


@router.post(
    "/individuals/{key}/death",
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Record a death",
)
def record_death(key: str, data: DeathRecord, session: Db, principal: Caller) -> IndividualRead:
    person = registration.record_death(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
    return _person(session, principal, person.id)


@router.post(
    "/individuals/{key}/marriage",
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Record a marriage",
)
def record_marriage(key: str, data: MarriageRecord, session: Db, principal: Caller) -> IndividualRead:
    person = registration.record_marriage(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
    return _person(session, principal, person.id)


@router.post(
    "/individuals/{key}/status",
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Change registration status, legal status or population type",
)
def change_status(key: str, data: StatusChange, session: Db, principal: Caller) -> IndividualRead:
    person = registration.change_status(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
    return _person(session, principal, person.id)


@router.post(
    "/individuals/{key}/move",
    response_model=IndividualRead,
    responses=_WRITE_ERRORS,
    summary="Move a person to another household, or into a new one",
)
def move_individual(key: str, data: HouseholdMove, session: Db, principal: Caller) -> IndividualRead:
    person = registration.move_individual(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
    return _person(session, principal, person.id)


@router.get(
    "/individuals/{key}/events",
    response_model=list[EventRead],
    summary="The person's history, newest first (the read is audited)",
)
def individual_events(key: str, session: Db, principal: Caller) -> list[EventRead]:
    return queries.individual_events(session, actor=principal, key=key)


@router.get(
    "/individuals/{key}/needs",
    response_model=list[NeedRead],
    summary="The person's specific needs the caller may see, active first",
)
def individual_needs(key: str, session: Db, principal: Caller) -> list[NeedRead]:
    return queries.individual_read(session, actor=principal, key=key).needs


@router.post(
    "/individuals/{key}/needs",
    status_code=201,
    response_model=NeedRead,
    responses=_WRITE_ERRORS,
    summary="Flag a specific need by hand, with the reason",
)
def flag_need(key: str, data: NeedFlag, session: Db, principal: Caller) -> NeedRead:
    row = registration.flag_need(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
    assert row is not None  # only None with skip_if_active
    return queries.need_read(row)


@router.post(
    "/needs/{need_id}/remove",
    response_model=NeedRead,
    responses=_WRITE_ERRORS,
    summary="Retire a specific-needs flag (kept in the history with the reason)",
)
def remove_need(need_id: str, data: ReasonIn, session: Db, principal: Caller) -> NeedRead:
    row = registration.remove_need(
        session, actor=principal, need_id=parse_id(need_id, "specific need"), reason=data.reason
    )
    return queries.need_read(row)


@router.get(
    "/individuals/{key}/documents",
    response_model=list[DocumentRead],
    summary="The person's identity documents",
)
def individual_documents(key: str, session: Db, principal: Caller) -> list[DocumentRead]:
    return queries.individual_read(session, actor=principal, key=key).documents


@router.post(
    "/individuals/{key}/documents",
    status_code=201,
    response_model=DocumentRead,
    responses=_WRITE_ERRORS,
    summary="Record an identity document (a number held by someone else is refused)",
)
def add_document(key: str, data: DocumentCreate, session: Db, principal: Caller) -> DocumentRead:
    return registration.add_document(
        session, actor=principal, individual_id=parse_id(key, "individual"), data=data
    )
