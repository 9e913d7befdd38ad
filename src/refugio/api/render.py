"""Turn the records returned by registration queries into the Read models the API sends.

Only what the query layer already filtered is rendered: documents and needs come from the record
(scope and sensitivity checked there), never from the ORM relationships, which hold everything.
Imports refugio.registration (queries, schemas, needs, models) and refugio.api.schemas.
"""

from __future__ import annotations

import uuid
from typing import Any

from refugio.api.schemas import HouseholdOut, SearchHitOut
from refugio.registration.models import Individual, RegistrationEvent, SpecificNeed
from refugio.registration.needs import CODES
from refugio.registration.queries import HouseholdRecord, NeedView, PersonRecord, SearchHit
from refugio.registration.schemas import (
    DocumentRead,
    EventRead,
    HouseholdRead,
    IndividualRead,
    IndividualSummary,
    NeedRead,
)

_PERSON_EXTRAS = {"household_ref", "documents", "needs"}


def _attrs(obj: object, names: Any, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names if name not in skip}


def need(row: SpecificNeed, label: str | None = None) -> NeedRead:
    code = CODES.get(row.code)
    fields = _attrs(row, NeedRead.model_fields, {"label"})
    return NeedRead.model_validate({**fields, "label": label or (code.label if code else row.code)})


def _need_view(view: NeedView) -> NeedRead:
    return need(view.need, view.label)


def event(row: RegistrationEvent) -> EventRead:
    return EventRead.model_validate(row)


def person(record: PersonRecord) -> IndividualRead:
    fields = _attrs(record.person, IndividualRead.model_fields, _PERSON_EXTRAS)
    return IndividualRead.model_validate(
        {
            **fields,
            "household_ref": record.household.ref,
            "documents": [DocumentRead.model_validate(d) for d in record.documents],
            "needs": [_need_view(v) for v in record.needs],
        }
    )


def summary(row: Individual) -> IndividualSummary:
    return IndividualSummary.model_validate(_attrs(row, IndividualSummary.model_fields))


def household(record: HouseholdRecord) -> HouseholdOut:
    fields = _attrs(record.household, HouseholdRead.model_fields, {"members"})
    needs: dict[uuid.UUID, list[NeedRead]] = {
        member_id: [_need_view(v) for v in views]
        for member_id, views in record.needs_by_member.items()
        if views
    }
    return HouseholdOut.model_validate(
        {
            **fields,
            "members": [summary(m) for m in record.members],
            "member_needs": needs,
        }
    )


def hit(h: SearchHit) -> SearchHitOut:
    p = h.person
    return SearchHitOut(
        id=p.id,
        ref=p.ref,
        household_ref=h.household_ref,
        site_id=p.site_id,
        given_name=p.given_name,
        middle_name=p.middle_name,
        family_name=p.family_name,
        given_name_original=p.given_name_original,
        middle_name_original=p.middle_name_original,
        family_name_original=p.family_name_original,
        sex=p.sex,
        date_of_birth=p.date_of_birth,
        dob_precision=p.dob_precision,
        status=p.status,
        matched_by=h.matched_by,
    )
