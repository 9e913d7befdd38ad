"""Continuous registration: births, deaths, marriages, address and status changes, moves between
households and splits, a new focal point, and corrections — each an event with before/after values,
each validated field by field before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select
from tests.helpers import Seed, household_payload
from tests.registration.support import (
    active_codes,
    error_at,
    events_of,
    household,
    household_row,
    member,
    person,
    register,
    rejected,
)

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.main import Container
from refugio.registration import queries
from refugio.registration import service as reg
from refugio.registration.models import Household, Individual, RegistrationEvent
from refugio.registration.schemas import (
    AddressChange,
    BirthCreate,
    DeathRecord,
    HouseholdMove,
    IndividualUpdate,
    MarriageRecord,
    StatusChange,
)
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _days(n: int) -> dt.date:
    return clock.today() + dt.timedelta(days=n)


def _family(container: Container, actor: Principal, site: uuid.UUID, members: int = 4) -> Household:
    return register(container, actor, household_payload(site, members=members))


def _member(hh: Household, given: str) -> Individual:
    return next(m for m in hh.members if m.given_name == given)


def _events(container: Container, individual_id: uuid.UUID, kind: str) -> list[RegistrationEvent]:
    return [e for e in events_of(container, individual_id) if e.event_type == kind]


def _birth(**fields: object) -> BirthCreate:
    values: dict[str, object] = {
        "given_name": "Nour",
        "family_name": "Haddad",
        "sex": "F",
        "date_of_birth": _days(-3).isoformat(),
    }
    values.update(fields)
    return BirthCreate.model_validate(values)


# --- births ---------------------------------------------------------------------------------------------


def test_a_birth_appends_a_child_with_the_next_member_number(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        child = reg.record_birth(s, actor=clerk, household_id=hh.id, data=_birth(place_of_birth="Zaatari"))
    assert child.ref == f"{hh.ref}-05"
    assert (child.relationship_to_focal_point, child.dob_precision) == ("son_daughter", "exact")
    assert child.site_id == seeded.camp_id and child.consent_given
    assert household_row(container, hh.id).size == 5
    (event,) = _events(container, child.id, "birth")
    assert event.occurred_on == _days(-3) and event.details["place_of_birth"] == "Zaatari"


def test_member_numbers_are_never_reused_after_someone_leaves(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s, actor=clerk, individual_id=hh.members[3].id, data=HouseholdMove(reason="married, lives apart")
        )
        child = reg.record_birth(s, actor=clerk, household_id=hh.id, data=_birth())
    assert child.ref == f"{hh.ref}-05"
    assert household_row(container, hh.id).size == 4


@pytest.mark.parametrize(
    ("birth", "field", "code"),
    [
        pytest.param(
            lambda: {"date_of_birth": f"{_days(-60):%Y-%m}"}, "date_of_birth", "invalid", id="month-only"
        ),
        pytest.param(
            lambda: {"date_of_birth": None, "stated_age": 0}, "date_of_birth", "invalid", id="stated-age"
        ),
        pytest.param(lambda: {"date_of_birth": "2026-02-30"}, "date_of_birth", "bad_date", id="impossible"),
        pytest.param(
            lambda: {"date_of_birth": _days(1).isoformat()}, "date_of_birth", "future_date", id="future"
        ),
        pytest.param(lambda: {"given_name": "", "family_name": ""}, "family_name", "required", id="no-names"),
        pytest.param(lambda: {"given_name": "Нур"}, "given_name", "wrong_script", id="cyrillic"),
        pytest.param(
            lambda: {"relationship": "focal_point"}, "relationship", "invalid", id="newborn-focal-point"
        ),
        pytest.param(lambda: {"nationality": "QQQ"}, "nationality", "unknown_code", id="unknown-nationality"),
    ],
)
def test_a_bad_birth_is_named_at_its_field(
    container: Container,
    seeded: Seed,
    clerk: Principal,
    birth: Callable[[], dict[str, object]],
    field: str,
    code: str,
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    data = _birth(**birth())
    errors = rejected(container, lambda s: reg.record_birth(s, actor=clerk, household_id=hh.id, data=data))
    assert error_at(errors, field).code == code


def test_an_estimated_birth_date_is_accepted_when_marked_so(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        child = reg.record_birth(
            s,
            actor=clerk,
            household_id=hh.id,
            data=_birth(date_of_birth=f"{_days(-40):%Y-%m}", estimated=True),
        )
    assert child.dob_precision == "estimated"


def test_a_clerk_cannot_record_births_outside_their_site(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal
) -> None:
    hh = _family(container, admin, seeded.office_id)
    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
        reg.record_birth(s, actor=clerk, household_id=hh.id, data=_birth())


# --- deaths ---------------------------------------------------------------------------------------------


def test_a_death_keeps_the_person_as_deceased_and_shrinks_the_household(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    mariam = _member(hh, "Mariam")
    with unit_of_work(container.sessions) as s:
        reg.record_death(s, actor=clerk, individual_id=mariam.id, data=DeathRecord(date_of_death=_days(-1)))
    dead = person(container, mariam.id)
    assert (dead.status, dead.date_of_death, dead.version) == ("deceased", _days(-1), 2)
    assert household_row(container, hh.id).size == 3
    (event,) = _events(container, mariam.id, "death")
    assert event.details["status"] == ["active", "deceased"] and event.occurred_on == _days(-1)


def test_a_person_dies_once_and_not_before_being_born_nor_in_the_future(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled = _member(hh, "Khaled")

    def die(on: dt.date) -> list[FieldError]:
        data = DeathRecord(date_of_death=on)
        return rejected(
            container, lambda s: reg.record_death(s, actor=clerk, individual_id=khaled.id, data=data)
        )

    assert error_at(die(dt.date(1980, 1, 1)), "date_of_death").message
    assert error_at(die(_days(1)), "date_of_death").code == "future_date"
    with unit_of_work(container.sessions) as s:
        reg.record_death(s, actor=clerk, individual_id=khaled.id, data=DeathRecord(date_of_death=_days(-2)))
    assert error_at(die(_days(-1)), "date_of_death").code == "already_deceased"


# --- marriages ------------------------------------------------------------------------------------------


def test_a_marriage_of_two_registered_people_updates_both(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    (groom,) = register(
        container, clerk, household(seeded.camp_id, member("focal_point", "Samir", "M", 26))
    ).members
    (bride,) = register(
        container, clerk, household(seeded.camp_id, member("focal_point", "Huda", "F", 23, family_name="Ali"))
    ).members
    with unit_of_work(container.sessions) as s:
        reg.record_marriage(
            s,
            actor=clerk,
            individual_id=groom.id,
            data=MarriageRecord(date_of_marriage=_days(-5), spouse_id=bride.id),
        )
    for someone, other in ((groom, bride), (bride, groom)):
        assert person(container, someone.id).marital_status == "married"
        (event,) = _events(container, someone.id, "marriage")
        assert event.details["marital_status"] == [None, "married"]
        assert event.details["spouse_ref"] == other.ref


def test_a_child_marriage_flags_a_child_spouse(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = register(
        container,
        clerk,
        household(
            seeded.camp_id, member("focal_point", "Walid", "M", 45), member("son_daughter", "Rana", "F", 16)
        ),
    )
    rana = _member(hh, "Rana")
    assert "CR-CS" not in active_codes(container, rana.id)
    with unit_of_work(container.sessions) as s:
        reg.record_marriage(
            s,
            actor=clerk,
            individual_id=rana.id,
            data=MarriageRecord(date_of_marriage=_days(-10), spouse_name="Not registered"),
        )
    assert "CR-CS" in active_codes(container, rana.id)


def test_a_bad_marriage_is_named_at_its_field(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled = _member(hh, "Khaled")

    def marry(**fields: object) -> list[FieldError]:
        data = MarriageRecord.model_validate({"date_of_marriage": _days(-1), **fields})
        return rejected(
            container, lambda s: reg.record_marriage(s, actor=clerk, individual_id=khaled.id, data=data)
        )

    assert error_at(marry(), "spouse_name").code == "required"
    assert error_at(marry(spouse_id=str(khaled.id)), "spouse_id").message
    assert error_at(marry(spouse_id=str(uuid.uuid4())), "spouse_id").code == "not_found"
    errors = marry(date_of_marriage=dt.date(1970, 1, 1), spouse_name="X")
    assert error_at(errors, "date_of_marriage").message
    errors = marry(date_of_marriage=_days(2), spouse_name="X")
    assert error_at(errors, "date_of_marriage").code == "future_date"


# --- address and status ---------------------------------------------------------------------------------


def test_an_address_change_moves_the_members_with_the_household(
    container: Container, seeded: Seed, clerk: Principal, admin: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        reg.change_address(
            s,
            actor=admin,
            household_id=hh.id,
            data=AddressChange(address="Jabal Amman, 3rd circle", site_id=seeded.office_id),
        )
    moved = household_row(container, hh.id)
    assert (moved.site_id, moved.address, moved.version) == (seeded.office_id, "Jabal Amman, 3rd circle", 2)
    assert {person(container, m.id).site_id for m in hh.members} == {seeded.office_id}
    with unit_of_work(container.sessions) as s:
        (event,) = s.scalars(
            select(RegistrationEvent).where(
                RegistrationEvent.household_id == hh.id, RegistrationEvent.event_type == "address_change"
            )
        ).all()
        assert event.details["address"] == ["District 5, Block 12", "Jabal Amman, 3rd circle"]
        assert event.details["site"] == [str(seeded.camp_id), str(seeded.office_id)]
        with pytest.raises(NotFound):  # the camp clerk no longer sees them
            queries.get_individual(s, actor=clerk, key=hh.members[0].id)


def test_an_address_change_is_refused_when_empty_or_out_of_scope(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)

    def change(**fields: object) -> list[FieldError]:
        data = AddressChange.model_validate(fields)
        return rejected(
            container, lambda s: reg.change_address(s, actor=clerk, household_id=hh.id, data=data)
        )

    assert error_at(change(), "address").message
    assert error_at(change(address="District 5, Block 12"), "address").message
    assert error_at(change(site_id=str(seeded.office_id)), "site_id").code == "forbidden"
    assert error_at(change(site_id=str(uuid.uuid4())), "site_id").code == "unknown_site"
    assert error_at(change(phone="not a phone"), "phone").message


def test_a_status_change_keeps_before_after_and_reason(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    yusuf = _member(hh, "Yusuf")
    with unit_of_work(container.sessions) as s:
        reg.change_status(
            s,
            actor=clerk,
            individual_id=yusuf.id,
            data=StatusChange(status="departed", legal_status="refugee", reason="resettled with relatives"),
        )
    (event,) = _events(container, yusuf.id, "status_change")
    assert event.details["status"] == ["active", "departed"]
    assert event.details["legal_status"] == [None, "refugee"]
    assert event.details["reason"] == "resettled with relatives"
    assert household_row(container, hh.id).size == 3


def test_a_bad_status_change_is_refused(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    yusuf = _member(hh, "Yusuf")

    def change(**fields: object) -> list[FieldError]:
        data = StatusChange.model_validate({"reason": "checking", **fields})
        return rejected(
            container, lambda s: reg.change_status(s, actor=clerk, individual_id=yusuf.id, data=data)
        )

    assert error_at(change(), "status").code == "required"
    assert error_at(change(status="deceased"), "status").message
    assert error_at(change(status="active"), "status").message
    assert (
        error_at(change(status="departed", effective_date=_days(3)), "effective_date").code == "future_date"
    )


# --- moves, splits and the focal point ------------------------------------------------------------------


def test_a_move_to_another_household_keeps_the_reference_and_records_both_sides(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    origin = _family(container, clerk, seeded.camp_id)
    target = register(container, clerk, household_payload(seeded.camp_id, members=2, family="Nasser"))
    lina = _member(origin, "Lina")
    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s,
            actor=clerk,
            individual_id=lina.id,
            data=HouseholdMove(
                reason="lives with her aunt", to_household_id=target.id, relationship="nephew_niece"
            ),
        )
    moved = person(container, lina.id)
    assert (moved.household_id, moved.ref, moved.relationship_to_focal_point) == (
        target.id,
        lina.ref,
        "nephew_niece",
    )
    assert household_row(container, origin.id).size == 3
    assert household_row(container, target.id).size == 3
    events = _events(container, lina.id, "household_change")
    assert {e.household_id for e in events} == {origin.id, target.id}
    assert events[0].details["from"] == {"household": origin.ref, "relationship": "son_daughter"}
    assert events[0].details["to"] == {"household": target.ref, "relationship": "nephew_niece"}


def test_a_split_makes_a_new_household_with_the_person_as_focal_point(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    origin = _family(container, clerk, seeded.camp_id)
    mariam = _member(origin, "Mariam")
    with unit_of_work(container.sessions) as s:
        reg.move_individual(s, actor=clerk, individual_id=mariam.id, data=HouseholdMove(reason="divorced"))
    moved = person(container, mariam.id)
    split = household_row(container, moved.household_id)
    assert split.id != origin.id
    assert re.fullmatch(r"JOR-\d{2}-\d{6}", split.ref) and split.ref != origin.ref
    assert (split.focal_point_id, split.size, split.site_id) == (mariam.id, 1, seeded.camp_id)
    assert moved.relationship_to_focal_point == "focal_point"
    assert household_row(container, origin.id).size == 3


def test_the_focal_point_moves_only_after_a_new_one_is_chosen(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled, mariam = _member(hh, "Khaled"), _member(hh, "Mariam")
    errors = rejected(
        container,
        lambda s: reg.move_individual(
            s, actor=clerk, individual_id=khaled.id, data=HouseholdMove(reason="left")
        ),
    )
    assert error_at(errors, "individual").code == "focal_point"

    with unit_of_work(container.sessions) as s:
        reg.change_focal_point(
            s, actor=clerk, household_id=hh.id, individual_id=mariam.id, reason="Khaled works abroad"
        )
    changed = household_row(container, hh.id)
    assert changed.focal_point_id == mariam.id
    assert person(container, mariam.id).relationship_to_focal_point == "focal_point"
    assert person(container, khaled.id).relationship_to_focal_point == "other_relative"
    (event,) = [e for e in _events(container, mariam.id, "household_change")]
    assert event.details["focal_point"] == [khaled.ref, mariam.ref]
    assert event.details["reason"] == "Khaled works abroad"


def test_a_bad_focal_point_change_is_refused(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    other = _family(container, clerk, seeded.camp_id)

    def change(individual_id: uuid.UUID, reason: str = "a good reason") -> list[FieldError]:
        return rejected(
            container,
            lambda s: reg.change_focal_point(
                s, actor=clerk, household_id=hh.id, individual_id=individual_id, reason=reason
            ),
        )

    assert error_at(change(_member(hh, "Khaled").id), "individual_id").message
    assert error_at(change(_member(other, "Mariam").id), "individual_id").message
    assert error_at(change(_member(hh, "Mariam").id, reason=" "), "reason").code == "required"


# --- corrections ----------------------------------------------------------------------------------------


def test_a_correction_keeps_the_old_value_and_search_follows_the_new_name(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled = _member(hh, "Khaled")
    with unit_of_work(container.sessions) as s:
        updated = reg.update_individual(
            s,
            actor=clerk,
            individual_id=khaled.id,
            data=IndividualUpdate(
                reason="spelling in passport", given_name="Khalid", phone="+962 77 000 1111"
            ),
            expected_version=1,
        )
        assert updated.version == 2
    (event,) = _events(container, khaled.id, "details_updated")
    assert event.details["given_name"] == ["Khaled", "Khalid"]
    assert "phone" not in event.details and "phone" in event.summary  # phones stay encrypted (0015)
    assert event.details["reason"] == "spelling in passport"
    with unit_of_work(container.sessions) as s:
        assert [h.person.id for h in queries.search(s, actor=clerk, query="Khalid Haddad")] == [khaled.id]
        assert queries.search(s, actor=clerk, query="Khaled Haddad") == []
        record = queries.get_individual(s, actor=clerk, key=khaled.id)
        assert any(e.event_type == "details_updated" for e in record.events)


def test_a_correction_against_a_stale_version_is_a_conflict(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled = _member(hh, "Khaled")
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=clerk,
            individual_id=khaled.id,
            data=IndividualUpdate(reason="first", given_name="Khalid"),
        )
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict, match="version 2"):
        reg.update_individual(
            s,
            actor=clerk,
            individual_id=khaled.id,
            data=IndividualUpdate(reason="second", given_name="Kalid"),
            expected_version=1,
        )
    assert person(container, khaled.id).given_name == "Khalid"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        pytest.param({"given_name": "Халид"}, "given_name", "wrong_script", id="cyrillic"),
        pytest.param({"date_of_birth": "1984-02-30"}, "date_of_birth", "bad_date", id="impossible-date"),
        pytest.param({"date_of_birth": "2999"}, "date_of_birth", "future_date", id="future-date"),
        pytest.param({"nationality": "QQQ"}, "nationality", "unknown_code", id="unknown-nationality"),
        pytest.param({"phone": "ring twice"}, "phone", "invalid", id="bad-phone"),
        pytest.param({"given_name": "Khaled"}, "reason", "invalid", id="nothing-changes"),
    ],
)
def test_a_bad_correction_is_named_at_its_field(
    container: Container, seeded: Seed, clerk: Principal, change: dict[str, str], field: str, code: str
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    khaled = _member(hh, "Khaled")
    data = IndividualUpdate.model_validate({"reason": "correction", **change})
    errors = rejected(
        container, lambda s: reg.update_individual(s, actor=clerk, individual_id=khaled.id, data=data)
    )
    assert error_at(errors, field).code == code


def test_a_correction_with_an_unknown_language_is_refused(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    data = IndividualUpdate(reason="speaks more", languages=["ara", "qqq"])
    errors = rejected(
        container, lambda s: reg.update_individual(s, actor=clerk, individual_id=hh.members[0].id, data=data)
    )
    assert error_at(errors, "languages.1").code == "unknown_code"


def test_a_correction_cannot_leave_a_person_without_a_name(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    data = IndividualUpdate(reason="typo", given_name="", family_name="")
    errors = rejected(
        container, lambda s: reg.update_individual(s, actor=clerk, individual_id=hh.members[0].id, data=data)
    )
    assert error_at(errors, "family_name").code == "required"


def test_every_change_is_an_event_in_the_persons_history(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    yusuf = _member(hh, "Yusuf")
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s, actor=clerk, individual_id=yusuf.id, data=IndividualUpdate(reason="typo", given_name="Youssef")
        )
        reg.change_status(
            s,
            actor=clerk,
            individual_id=yusuf.id,
            data=StatusChange(legal_status="refugee", reason="RSD decided"),
        )
        reg.change_address(s, actor=clerk, household_id=hh.id, data=AddressChange(shelter="C-14"))
    with unit_of_work(container.sessions) as s:
        record = queries.get_individual(s, actor=clerk, key=yusuf.ref)
        kinds = [e.event_type for e in record.events]
        assert {"registered", "details_updated", "status_change", "address_change"} <= set(kinds)
        assert record.person.version == 3
        stamps = [e.recorded_at for e in record.events]
        assert stamps == sorted(stamps, reverse=True)
        assert s.get(Individual, yusuf.id).given_name == "Youssef"  # type: ignore[union-attr]


# --- consistency across events -------------------------------------------------------------------------


def test_a_birth_with_the_same_document_twice_is_named(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    certificate = {"doc_type": "birth_certificate", "issuing_country": "JOR"}
    data = _birth(documents=[{**certificate, "number": "B-1001"}, {**certificate, "number": "b1001"}])
    errors = rejected(container, lambda s: reg.record_birth(s, actor=clerk, household_id=hh.id, data=data))
    assert error_at(errors, "documents.1.number").code == "duplicate_document"


def test_a_move_to_another_operation_is_refused_or_moves_the_operation_too(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    with unit_of_work(container.sessions) as s:
        lebanon = reg.create_operation(
            s, actor=admin, code="LBN", name="Lebanon operation", country_iso3="LBN"
        )
        beirut = reg.create_site(
            s, actor=admin, operation=lebanon, code="BEY", name="Beirut", kind="urban_office"
        )
        lebanon_id, beirut_id = lebanon.id, beirut.id
    origin = _family(container, admin, seeded.camp_id)
    target = register(container, admin, household_payload(beirut_id, members=1, family="Khoury"))
    lina = _member(origin, "Lina")
    data = HouseholdMove(
        reason="joins her aunt in Beirut", to_household_id=target.id, relationship="nephew_niece"
    )
    try:
        with unit_of_work(container.sessions) as s:
            reg.move_individual(s, actor=admin, individual_id=lina.id, data=data)
    except ValidationFailed as refused:
        assert "to_household_id" in {e.field for e in refused.errors}
        return
    moved = person(container, lina.id)
    assert (moved.operation_id, moved.site_id) == (lebanon_id, beirut_id)


def test_an_active_person_never_keeps_a_date_of_death(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    mariam = _member(hh, "Mariam")
    with unit_of_work(container.sessions) as s:
        reg.record_death(s, actor=clerk, individual_id=mariam.id, data=DeathRecord(date_of_death=_days(-1)))
    data = StatusChange(status="active", reason="the death was recorded on the wrong person")
    try:
        with unit_of_work(container.sessions) as s:
            reg.change_status(s, actor=clerk, individual_id=mariam.id, data=data)
    except ValidationFailed as refused:
        assert "status" in {e.field for e in refused.errors}
        return
    revived = person(container, mariam.id)
    assert revived.status == "active" and revived.date_of_death is None
