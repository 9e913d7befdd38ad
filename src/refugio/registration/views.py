"""Turn the records that registration.queries reads into the read models of registration.schemas.

Only what the query layer already filtered is rendered: documents and needs come from the record
(scope and sensitivity checked there), never from the ORM relationships, which hold everything.
queries.py calls these; channels never see an ORM row. Must not import fastapi, jinja2 or typer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from refugio.registration.needs import CODES
from refugio.registration.schemas import (
    CertificateListed,
    DocumentRead,
    EventRead,
    HouseholdItem,
    HouseholdRead,
    HouseholdRecordRead,
    IndividualRead,
    IndividualSummary,
    NeedRead,
    NeedShown,
    PersonDetail,
    PersonRecordRead,
    SearchHitRead,
    SiteRead,
)

if TYPE_CHECKING:
    from refugio.registration.models import Individual, RegistrationEvent, SpecificNeed
    from refugio.registration.queries import HouseholdRecord, NeedView, PersonRecord
    from refugio.registration.queries_search import SearchHit

_PERSON_EXTRAS = frozenset({"household_ref", "documents", "needs"})


def _attrs(obj: object, names: Iterable[str], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names if name not in skip}


def need(row: SpecificNeed, label: str | None = None) -> NeedRead:
    """A specific-needs flag, labelled from the catalogue unless `label` is given."""
    code = CODES.get(row.code)
    fields = _attrs(row, NeedRead.model_fields, frozenset({"label"}))
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


def household(record: HouseholdRecord) -> HouseholdRead:
    fields = _attrs(record.household, HouseholdRead.model_fields, frozenset({"members", "member_needs"}))
    needs: dict[uuid.UUID, list[NeedRead]] = {
        member_id: [_need_view(v) for v in views]
        for member_id, views in record.needs_by_member.items()
        if views
    }
    return HouseholdRead.model_validate(
        {**fields, "members": [summary(m) for m in record.members], "member_needs": needs}
    )


def hit(h: SearchHit) -> SearchHitRead:
    fields = _attrs(h.person, SearchHitRead.model_fields, frozenset({"household_ref", "matched_by"}))
    return SearchHitRead.model_validate(
        {**fields, "household_ref": h.household_ref, "matched_by": h.matched_by}
    )


def _shown(view: NeedView) -> NeedShown:
    return NeedShown(need=_need_view(view), label=view.label, sensitive=view.sensitive)


def _detail(
    row: Individual, household_ref: str, documents: list[DocumentRead], needs: list[NeedRead]
) -> PersonDetail:
    fields = _attrs(row, PersonDetail.model_fields, _PERSON_EXTRAS)
    return PersonDetail.model_validate(
        {**fields, "household_ref": household_ref, "documents": documents, "needs": needs}
    )


def person_record(record: PersonRecord) -> PersonRecordRead:
    """The person's page, from a record `queries.get_individual` filtered for the actor."""
    documents = [DocumentRead.model_validate(d) for d in record.documents]
    needs = [_shown(v) for v in record.needs]
    return PersonRecordRead(
        person=_detail(record.person, record.household.ref, documents, [n.need for n in needs]),
        household=HouseholdItem.model_validate(record.household),
        site=SiteRead.model_validate(record.site),
        documents=documents,
        needs=needs,
        hidden_needs=record.hidden_needs,
        events=[event(e) for e in record.events],
        certificates=[CertificateListed.model_validate(c) for c in record.certificates],
    )


def household_record(record: HouseholdRecord) -> HouseholdRecordRead:
    """The household's page, from a record `queries.get_household` filtered for the actor."""
    ref = record.household.ref
    return HouseholdRecordRead(
        household=household(record),
        site=SiteRead.model_validate(record.site),
        members=[_detail(m, ref, [], []) for m in record.members],
        events=[event(e) for e in record.events],
        needs_by_member={k: [_shown(v) for v in views] for k, views in record.needs_by_member.items()},
    )
