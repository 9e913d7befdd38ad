"""Issue 13, registration search: phones are stored in E.164, read as dialled in the operation's
country (JOR here), so a local number finds them; an exact full name ranks above partial matches;
the count shown is how many people were found, not the size of the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpers import Seed, household_payload
from tests.registration.support import error_at, person, register, rejected

from refugio.main import Container
from refugio.registration import name_index, queries
from refugio.registration import service as reg
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate, IndividualUpdate
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _one(site_id: Any, given: str, family: str, **extra: Any) -> dict[str, Any]:
    payload = household_payload(site_id, members=1, family=family)
    payload["members"][0].pop("phone")
    payload["members"][0].update(given_name=given, documents=[], **extra)
    return payload


def _counted(container: Container, actor: Principal, query: str) -> queries.SearchResult:
    with unit_of_work(container.sessions) as s:
        return queries.search_counted(s, actor=actor, query=query)


# --- phones ---------------------------------------------------------------------------------------------


def test_a_local_number_is_stored_in_e164_for_the_operations_country(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    payload = _one(seeded.camp_id, "Omar", "Saleh", phone="079 123 4567")
    payload["phone"] = "0791234567"
    hh = register(container, admin, payload)
    assert person(container, hh.focal_point_id).phone == "+962791234567"
    assert hh.phone == "+962791234567"


def test_a_number_that_is_not_valid_in_the_country_is_named_at_its_field(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    payload = _one(seeded.camp_id, "Omar", "Saleh", phone="0712")
    payload["members"][0]["phone"] = "0123 456"
    data = HouseholdCreate.model_validate(payload)
    errors = rejected(container, lambda s: reg.register_household(s, actor=admin, data=data))
    error = error_at(errors, "members.0.phone")
    assert "not a valid phone number for JOR" in error.message and error.code == "invalid_phone"


def test_a_correction_stores_the_phone_in_e164_and_refuses_an_invalid_one(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    hh = register(container, admin, _one(seeded.camp_id, "Omar", "Saleh"))
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=admin,
            individual_id=hh.focal_point_id,
            data=IndividualUpdate(phone="0781112222", reason="new phone"),
        )
    assert person(container, hh.focal_point_id).phone == "+962781112222"
    errors = rejected(
        container,
        lambda s: reg.update_individual(
            s,
            actor=admin,
            individual_id=hh.focal_point_id,
            data=IndividualUpdate(phone="0551234", reason="new phone"),
        ),
    )
    assert "not a valid phone number for JOR" in error_at(errors, "phone").message


@pytest.mark.parametrize("query", ["0791234567", "079 123 4567", "+962 79 123 4567", "962791234567"])
def test_a_local_number_finds_the_person_stored_in_e164(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal, query: str
) -> None:
    hh = register(container, admin, _one(seeded.camp_id, "Omar", "Saleh", phone="+962 79 123 4567"))
    found = _counted(container, clerk, query)
    assert [(h.person.id, h.matched_by) for h in found.hits] == [(hh.focal_point_id, "phone")]


def test_a_number_stored_before_e164_is_still_found_by_its_digits(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal
) -> None:
    hh = register(container, admin, _one(seeded.camp_id, "Omar", "Saleh"))
    with unit_of_work(container.sessions) as s:  # as an older version stored it: digits only
        s.get_one(Individual, hh.focal_point_id).phone = "0791234567"  # encrypted: through the ORM
    found = _counted(container, clerk, "079-123-4567")
    assert [h.person.id for h in found.hits] == [hh.focal_point_id]


# --- ranking and counts ---------------------------------------------------------------------------------


def test_an_exact_arabic_full_name_ranks_first_among_partial_matches(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal
) -> None:
    def arabic(given: str, given_ar: str, family: str, family_ar: str, middle_ar: str | None = None) -> Any:
        payload = _one(seeded.camp_id, given, family)
        payload["members"][0].update(
            given_name_original=given_ar, family_name_original=family_ar, middle_name_original=middle_ar
        )
        return register(container, admin, payload)

    # by name these come first: family names "Ahmad" sort before "Al Ahmad" and "Muhammad"
    partial = [
        arabic("Ali", "علي", "Ahmad", "الأحمد", middle_ar="محمد"),
        arabic("Hasan", "حسن", "Ahmad", "الأحمد", middle_ar="محمد"),
        arabic("Muhammad", "محمد", "Ahmadi", "الأحمدي"),
        arabic("Muhammad", "محمد", "Ahmad", "الأحمد", middle_ar="خالد"),
    ]
    exact = arabic("Muhammad", "محمد", "Al Ahmad", "الأحمد")
    found = _counted(container, clerk, "محمد الأحمد")
    order = [h.person.id for h in found.hits]
    assert order[0] == exact.focal_point_id
    assert set(order) == {exact.focal_point_id, *(p.focal_point_id for p in partial)}
    assert order[-1] == partial[2].focal_point_id  # a prefix match only ("الأحمدي") comes last
    assert found.total == 5 and not found.capped


def test_the_count_is_how_many_were_found_not_the_page(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [HouseholdCreate.model_validate(_one(seeded.camp_id, f"Person{n}", "Haddad")) for n in range(53)]
    with unit_of_work(container.sessions) as s:
        reg.register_households(s, actor=admin, items=items)
    found = _counted(container, clerk, "haddad")
    assert len(found.hits) == queries.MAX_RESULTS and found.total == 53 and not found.capped
    monkeypatch.setattr(name_index, "CANDIDATES", 20)  # a registry where a name is shared by more
    found = _counted(container, clerk, "haddad")
    assert found.total == 20 and found.capped and len(found.hits) == 20
