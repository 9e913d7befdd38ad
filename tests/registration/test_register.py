"""Registering households: references, focal point, size, events, search tokens, dates of birth with
their precision, and every kind of bad input — each named at its field, all at once, nothing saved.

Owns: the behaviour of `service.register_household` / `register_households` seen from outside.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from tests.helpers import Seed, household_payload
from tests.registration.support import counts, error_at, fields, register, rejected

from refugio.core import clock
from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.registration import name_index, queries
from refugio.registration import service as reg
from refugio.registration.models import Individual, NameSearch, RegistrationEvent
from refugio.registration.schemas import HouseholdCreate
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

Payload = dict[str, Any]


def _days(n: int) -> str:
    return (clock.today() + dt.timedelta(days=n)).isoformat()


def _register_payload(container: Container, actor: Principal, payload: Payload) -> list[Any]:
    """Register `payload`, expecting a ValidationFailed that leaves nothing behind; its errors."""
    data = HouseholdCreate.model_validate(payload)
    return rejected(container, lambda s: reg.register_household(s, actor=actor, data=data))


# --- a valid household ------------------------------------------------------------------------------


def test_register_household_gives_references_focal_point_size_and_events(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    before = counts(container)
    hh = register(container, clerk, household_payload(seeded.camp_id, members=4))

    year = clock.today().year % 100
    assert re.fullmatch(rf"JOR-{year:02d}-\d{{6}}", hh.ref)
    refs = sorted(m.ref for m in hh.members)
    assert refs == [f"{hh.ref}-{n:02d}" for n in (1, 2, 3, 4)]
    assert hh.size == 4
    focal = next(m for m in hh.members if m.id == hh.focal_point_id)
    assert (focal.relationship_to_focal_point, focal.given_name) == ("focal_point", "Khaled")
    assert all(m.site_id == seeded.camp_id and m.household_id == hh.id for m in hh.members)

    after = counts(container)
    assert after["household"] == before["household"] + 1
    assert after["individual"] == before["individual"] + 4
    assert after["identity_document"] == before["identity_document"] + 1
    with unit_of_work(container.sessions) as s:
        event = s.scalars(select(RegistrationEvent).where(RegistrationEvent.household_id == hh.id)).one()
        assert event.event_type == "registered"
        assert event.details["members"] == refs
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        assert (entry.action, entry.object_id, entry.actor) == ("household.register", str(hh.id), "clerk")


def test_references_follow_one_sequence_and_the_registration_year(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    first = register(container, clerk, household_payload(seeded.camp_id, members=1))
    second = register(container, clerk, household_payload(seeded.camp_id, members=1))
    assert int(second.ref.rsplit("-", 1)[1]) == int(first.ref.rsplit("-", 1)[1]) + 1

    last_year = clock.today().year - 1
    late = register(
        container,
        clerk,
        household_payload(
            seeded.camp_id,
            members=1,
            registration_date=f"{last_year}-12-30",
            arrival_date=f"{last_year}-12-01",
        ),
    )
    assert late.ref == f"JOR-{last_year % 100:02d}-000001"


def test_names_in_both_scripts_are_search_tokens(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = register(container, clerk, household_payload(seeded.camp_id, members=1))
    with unit_of_work(container.sessions) as s:
        doc = s.scalar(select(NameSearch.names).where(NameSearch.individual_id == hh.focal_point_id))
        tokens = name_index.name_tokens(doc or "")
        assert {"khaled", "haddad", "خالد", "حداد"} <= tokens
        person = s.get(Individual, hh.focal_point_id)
        assert person is not None and person.original_script == "Arab"
        found = queries.search(s, actor=clerk, query="haddad khaled")
        assert [h.person.id for h in found] == [hh.focal_point_id]


def test_dates_of_birth_keep_their_precision(container: Container, seeded: Seed, clerk: Principal) -> None:
    payload = household_payload(seeded.camp_id, members=4)
    payload["members"][3]["given_name"] = "Lina"  # stated_age 6
    payload["members"].append(
        {
            "relationship": "son_daughter",
            "given_name": "Omar",
            "family_name": "Haddad",
            "sex": "M",
            "date_of_birth": "2010-03-04",
            "estimated": True,
        }
    )
    hh = register(container, clerk, payload)
    by_name = {m.given_name: (m.date_of_birth, m.dob_precision) for m in hh.members}
    today = clock.today()
    assert by_name["Khaled"] == (dt.date(1984, 5, 17), "exact")
    assert by_name["Mariam"] == (dt.date(1988, 2, 1), "month")
    assert by_name["Yusuf"] == (dt.date(2014, 1, 1), "year")
    assert by_name["Lina"][1] == "estimated"
    assert by_name["Lina"][0].year in (today.year - 6, today.year - 7)
    assert by_name["Omar"] == (dt.date(2010, 3, 4), "estimated")


def test_consent_may_be_replaced_by_another_legal_basis(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    payload = household_payload(seeded.camp_id, members=2, consent_given=False, legal_basis="vital_interest")
    hh = register(container, clerk, payload)
    assert all(not m.consent_given and m.consent_date is None for m in hh.members)
    assert {m.legal_basis for m in hh.members} == {"vital_interest"}


# --- bad input, one field at a time -----------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Payload], None]:
    """A payload edit: set the value at a dotted path such as `members.2.date_of_birth`."""

    def edit(payload: Payload) -> None:
        *parents, last = path.split(".")
        target: Any = payload
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _both(*edits: Callable[[Payload], None]) -> Callable[[Payload], None]:
    def edit(payload: Payload) -> None:
        for e in edits:
            e(payload)

    return edit


def _copy_document(src: int, dst: int, number: str) -> Callable[[Payload], None]:
    def edit(payload: Payload) -> None:
        doc = dict(payload["members"][src]["documents"][0])
        doc["number"] = number.format(number=doc["number"])
        payload["members"][dst]["documents"] = [doc]

    return edit


BAD_INPUT = [
    pytest.param(
        _set("members.2.date_of_birth", "2023-02-30"),
        "members.2.date_of_birth",
        "bad_date",
        id="impossible-date",
    ),
    pytest.param(
        _set("members.0.date_of_birth", "17/05/1984"),
        "members.0.date_of_birth",
        "bad_date",
        id="unreadable-date",
    ),
    pytest.param(
        _set("members.1.date_of_birth", "1888"),
        "members.1.date_of_birth",
        "implausible_date",
        id="dob-before-1890",
    ),
    pytest.param(
        lambda p: _set("members.1.date_of_birth", _days(1))(p),
        "members.1.date_of_birth",
        "future_date",
        id="future-dob",
    ),
    pytest.param(
        lambda p: _set("arrival_date", _days(1))(p), "arrival_date", "future_date", id="future-arrival"
    ),
    pytest.param(
        lambda p: _set("registration_date", _days(2))(p),
        "registration_date",
        "future_date",
        id="future-registration",
    ),
    pytest.param(
        lambda p: _both(_set("registration_date", _days(-10)), _set("arrival_date", _days(-5)))(p),
        "arrival_date",
        "invalid",
        id="arrival-after-registration",
    ),
    pytest.param(_set("country_of_origin", "XYZ"), "country_of_origin", "unknown_code", id="unknown-origin"),
    pytest.param(
        _set("members.1.nationality", "QQQ"),
        "members.1.nationality",
        "unknown_code",
        id="unknown-nationality",
    ),
    pytest.param(
        _set("members.0.languages", ["ara", "qqq"]),
        "members.0.languages.1",
        "unknown_code",
        id="unknown-language",
    ),
    pytest.param(
        _set("members.0.needs", [{"code": "XX-YY", "reason": "made-up code"}]),
        "members.0.needs.0.code",
        "unknown_code",
        id="unknown-need",
    ),
    pytest.param(
        _set("members.0.documents.0.issuing_country", "QQQ"),
        "members.0.documents.0.issuing_country",
        "unknown_code",
        id="unknown-document-country",
    ),
    pytest.param(
        _set("members.1.given_name", "Мариам"),
        "members.1.given_name",
        "wrong_script",
        id="cyrillic-in-latin-field",
    ),
    pytest.param(
        _set("members.2.family_name", "حداد"),
        "members.2.family_name",
        "wrong_script",
        id="arabic-in-latin-field",
    ),
    pytest.param(_set("members.0.relationship", "sibling"), "members", "no_focal_point", id="no-focal-point"),
    pytest.param(
        _set("members.1.relationship", "focal_point"),
        "members.1.relationship",
        "two_focal_points",
        id="two-focal-points",
    ),
    pytest.param(
        _both(_set("members.3.given_name", ""), _set("members.3.family_name", "")),
        "members.3.family_name",
        "required",
        id="no-names",
    ),
    pytest.param(
        _both(_set("members.3.stated_age", None), _set("members.3.date_of_birth", None)),
        "members.3.date_of_birth",
        "required",
        id="no-date-of-birth-nor-age",
    ),
    pytest.param(_set("consent_given", False), "consent_given", "consent_required", id="no-consent"),
    pytest.param(_set("legal_basis", "because"), "legal_basis", "invalid", id="unknown-legal-basis"),
    pytest.param(_set("members.0.phone", "call the neighbour"), "members.0.phone", "invalid", id="bad-phone"),
    pytest.param(
        _copy_document(0, 2, "{number}"),
        "members.2.documents.0.number",
        "duplicate_document",
        id="document-twice-in-household",
    ),
    pytest.param(
        _copy_document(0, 1, " {number} ".lower()),
        "members.1.documents.0.number",
        "duplicate_document",
        id="document-twice-normalised",
    ),
]


@pytest.mark.parametrize(("edit", "field", "code"), BAD_INPUT)
def test_bad_input_is_named_at_its_field_and_nothing_is_saved(
    container: Container,
    seeded: Seed,
    clerk: Principal,
    edit: Callable[[Payload], None],
    field: str,
    code: str,
) -> None:
    payload = household_payload(seeded.camp_id, members=4)
    edit(payload)
    errors = _register_payload(container, clerk, payload)
    assert error_at(errors, field).code == code
    assert error_at(errors, field).message


def test_every_error_of_a_form_is_reported_at_once(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    payload = household_payload(seeded.camp_id, members=4)
    payload.update(consent_given=False, country_of_origin="XYZ", arrival_date=_days(3))
    payload["members"][1].update(relationship="focal_point", given_name="Мариам")
    payload["members"][2].update(date_of_birth="2023-02-30", nationality="QQQ")
    payload["members"][3].update(given_name="", family_name="", languages=["qqq"])
    payload["members"][3]["needs"] = [{"code": "ZZ-ZZ", "reason": "unknown"}]

    errors = _register_payload(container, clerk, payload)
    assert {
        "consent_given",
        "country_of_origin",
        "arrival_date",
        "members.1.relationship",
        "members.1.given_name",
        "members.2.date_of_birth",
        "members.2.nationality",
        "members.3.family_name",
        "members.3.languages.0",
        "members.3.needs.0.code",
    } <= fields(errors)


def test_a_document_already_held_by_a_registered_person_is_refused(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    first = register(container, clerk, household_payload(seeded.camp_id, members=1))
    holder = first.members[0]
    payload = household_payload(seeded.camp_id, members=2, family="Nasser")
    taken = dict(payload["members"][0]["documents"][0])
    with unit_of_work(container.sessions) as s:
        (doc,) = s.get(Individual, holder.id).documents  # type: ignore[union-attr]
        taken["number"] = doc.number.lower().replace("n", "n-")  # same number, written differently
    payload["members"][1]["documents"] = [taken]

    errors = _register_payload(container, clerk, payload)
    error = error_at(errors, "members.1.documents.0.number")
    assert error.code == "document_taken"
    assert holder.ref in error.message
    assert fields(errors) == {"members.1.documents.0.number"}


def test_a_clerk_registers_only_at_their_own_site(
    container: Container, seeded: Seed, clerk: Principal, viewer: Principal
) -> None:
    at_office = household_payload(seeded.office_id, members=2)
    assert error_at(_register_payload(container, clerk, at_office), "site_id").code == "forbidden"
    at_camp = HouseholdCreate.model_validate(household_payload(seeded.camp_id, members=2))
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        reg.register_household(s, actor=viewer, data=at_camp)


def test_an_unknown_site_is_named(container: Container, seeded: Seed, admin: Principal) -> None:
    import uuid

    payload = household_payload(uuid.uuid4(), members=1)
    assert error_at(_register_payload(container, admin, payload), "site_id").code == "unknown_site"


# --- batches ----------------------------------------------------------------------------------------


def test_a_batch_is_saved_whole_with_consecutive_references(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    items = [
        HouseholdCreate.model_validate(household_payload(site, members=n, family=f"Family{n}"))
        for site, n in ((seeded.camp_id, 2), (seeded.office_id, 3), (seeded.camp_id, 1))
    ]
    with unit_of_work(container.sessions) as s:
        done = reg.register_households(s, actor=admin, items=items)
    seqs = [int(r.household_ref.rsplit("-", 1)[1]) for r in done]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert [len(r.member_ids) for r in done] == [2, 3, 1]
    assert counts(container)["individual"] == 6


def test_a_batch_with_one_bad_item_saves_nothing_and_prefixes_paths(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    good = household_payload(seeded.camp_id, members=2)
    bad_date = household_payload(seeded.camp_id, members=3)
    bad_date["members"][2]["date_of_birth"] = "2023-02-30"
    reused = household_payload(seeded.office_id, members=1)
    reused["members"][0]["documents"] = [dict(good["members"][0]["documents"][0])]
    items = [HouseholdCreate.model_validate(p) for p in (good, bad_date, reused)]

    errors = rejected(container, lambda s: reg.register_households(s, actor=admin, items=items))
    assert error_at(errors, "items.1.members.2.date_of_birth").code == "bad_date"
    reuse = error_at(errors, "items.2.members.0.documents.0.number")
    assert reuse.code == "duplicate_document"
    assert "items.0.members.0.documents.0.number" in reuse.message
    assert all(e.field.startswith("items.") for e in errors)
    assert not any(e.field.startswith("items.0.") for e in errors)


def test_a_batch_refuses_documents_already_registered_at_their_item(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    first = household_payload(seeded.camp_id, members=1)
    register(container, admin, first)
    again = household_payload(seeded.camp_id, members=2)
    again["members"][1]["documents"] = [dict(first["members"][0]["documents"][0])]
    items = [
        HouseholdCreate.model_validate(household_payload(seeded.camp_id, members=1)),
        HouseholdCreate.model_validate(again),
    ]
    errors = rejected(container, lambda s: reg.register_households(s, actor=admin, items=items))
    assert fields(errors) == {"items.1.members.1.documents.0.number"}
    assert errors[0].code == "document_taken"


def test_validation_failed_carries_a_summary_naming_the_fields(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    payload = household_payload(seeded.camp_id, members=3)
    payload["members"][2]["date_of_birth"] = "2023-02-30"
    data = HouseholdCreate.model_validate(payload)
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        reg.register_household(s, actor=clerk, data=data)
    assert caught.value.status == 422
    assert "members.2.date_of_birth" in str(caught.value)
