"""The name index behind search (`name_search`, FTS5 on SQLite, GIN on PostgreSQL): every write that
changes a person's names, site or status keeps it in step; scope and status apply inside the index,
before the candidates are capped; whole-word matches come before prefix matches.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.helpers import Seed, household_payload, name_index_out_of_step
from tests.registration.support import register

from refugio.core import clock
from refugio.main import Container
from refugio.registration import name_index, queries
from refugio.registration import service as reg
from refugio.registration.enums import IndividualStatus
from refugio.registration.models import Individual
from refugio.registration.schemas import (
    AddressChange,
    BirthCreate,
    DeathRecord,
    HouseholdMove,
    IndividualUpdate,
    StatusChange,
)
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _found(container: Container, actor: Principal, query: str, **options: object) -> list[str]:
    with unit_of_work(container.sessions) as s:
        hits = queries.search(s, actor=actor, query=query, **options)  # type: ignore[arg-type]
        return [f"{h.person.given_name} {h.person.family_name}" for h in hits]


def _one(container: Container, actor: Principal, payload: dict[str, object]) -> Individual:
    household = register(container, actor, payload)
    return household.members[0]


def test_registration_writes_one_index_row_per_person(
    container: Container, seeded: Seed, admin: Principal
) -> None:
    register(container, admin, household_payload(seeded.camp_id, members=4))
    register(container, admin, household_payload(seeded.office_id, members=2, family="Khoury"))
    assert name_index_out_of_step(container) == {}


def test_a_corrected_name_is_found_and_the_old_one_no_longer(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    person = _one(container, clerk, household_payload(seeded.camp_id, members=1))
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=clerk,
            individual_id=person.id,
            data=IndividualUpdate(
                reason="spelling on the passport",
                family_name="Al-Naimi",
                family_name_original="النعيمي",
            ),
        )
    assert _found(container, clerk, "khaled naimi") == ["Khaled Al-Naimi"]
    assert _found(container, clerk, "النعيمي") == ["Khaled Al-Naimi"]
    assert _found(container, clerk, "khaled haddad") == []
    assert _found(container, clerk, "حداد") == []
    assert name_index_out_of_step(container) == {}


def test_a_household_moved_to_another_site_is_found_there(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal, viewer: Principal
) -> None:
    household = register(container, admin, household_payload(seeded.camp_id, members=2))
    assert _found(container, viewer, "haddad") == []
    with unit_of_work(container.sessions) as s:
        reg.change_address(
            s, actor=admin, household_id=household.id, data=AddressChange(site_id=seeded.office_id)
        )
    assert sorted(_found(container, viewer, "haddad")) == ["Khaled Haddad", "Mariam Haddad"]
    assert _found(container, clerk, "haddad") == []
    assert name_index_out_of_step(container) == {}


def test_a_person_moved_into_a_household_of_another_site_follows(
    container: Container, seeded: Seed, admin: Principal, viewer: Principal
) -> None:
    camp = register(container, admin, household_payload(seeded.camp_id, members=3))
    office = register(container, admin, household_payload(seeded.office_id, members=1, family="Khoury"))
    yusuf = next(m for m in camp.members if m.given_name == "Yusuf")
    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s,
            actor=admin,
            individual_id=yusuf.id,
            data=HouseholdMove(reason="lives with his uncle", to_household_id=office.id),
        )
    assert _found(container, viewer, "yusuf") == ["Yusuf Haddad"]
    assert name_index_out_of_step(container) == {}


def test_a_newborn_is_found(container: Container, seeded: Seed, clerk: Principal) -> None:
    household = register(container, clerk, household_payload(seeded.camp_id, members=2))
    with unit_of_work(container.sessions) as s:
        reg.record_birth(
            s,
            actor=clerk,
            household_id=household.id,
            data=BirthCreate.model_validate(
                {
                    "given_name": "Salma",
                    "family_name": "Haddad",
                    "given_name_original": "سلمى",
                    "sex": "F",
                    "date_of_birth": (clock.today() - dt.timedelta(days=2)).isoformat(),
                }
            ),
        )
    assert _found(container, clerk, "salma haddad") == ["Salma Haddad"]
    assert _found(container, clerk, "سلمي") == ["Salma Haddad"]
    assert name_index_out_of_step(container) == {}


def test_status_is_kept_in_step_death_and_death_in_error(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    person = _one(container, clerk, household_payload(seeded.camp_id, members=1))
    with unit_of_work(container.sessions) as s:
        reg.record_death(
            s, actor=clerk, individual_id=person.id, data=DeathRecord(date_of_death=clock.today())
        )
    assert name_index_out_of_step(container) == {}
    assert _found(container, clerk, "khaled", include_inactive=False) == []
    with unit_of_work(container.sessions) as s:
        reg.change_status(
            s,
            actor=clerk,
            individual_id=person.id,
            data=StatusChange(reason="death recorded in error", status=IndividualStatus.ACTIVE),
        )
    assert _found(container, clerk, "khaled", include_inactive=False) == ["Khaled Haddad"]
    assert name_index_out_of_step(container) == {}


def test_scope_applies_before_the_candidates_are_capped(
    container: Container,
    seeded: Seed,
    admin: Principal,
    viewer: Principal,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many people of the camp share the name; the office viewer still finds the office's one."""
    for _ in range(3):
        register(container, admin, household_payload(seeded.camp_id, members=1))
    register(container, admin, household_payload(seeded.office_id, members=1))
    monkeypatch.setattr(name_index, "CANDIDATES", 2)
    assert _found(container, viewer, "khaled haddad") == ["Khaled Haddad"]


def test_status_applies_before_the_candidates_are_capped(
    container: Container, seeded: Seed, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = [_one(container, admin, household_payload(seeded.camp_id, members=1)) for _ in range(3)]
    alive = _one(container, admin, household_payload(seeded.camp_id, members=1))
    with unit_of_work(container.sessions) as s:
        for person in dead:
            reg.record_death(
                s, actor=admin, individual_id=person.id, data=DeathRecord(date_of_death=clock.today())
            )
    monkeypatch.setattr(name_index, "CANDIDATES", 2)
    with unit_of_work(container.sessions) as s:
        hits = queries.search(s, actor=admin, query="khaled", include_inactive=False)
    assert [h.person.id for h in hits] == [alive.id]


def test_whole_words_come_before_prefixes_which_fill_the_page(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    for given in ("Alia", "Ali", "Alim"):
        payload = household_payload(seeded.camp_id, members=1, family="Omari")
        payload["members"][0].update(given_name=given, given_name_original=None, family_name_original=None)
        register(container, clerk, payload)
    assert _found(container, clerk, "ali omari") == ["Ali Omari", "Alia Omari", "Alim Omari"]
    assert _found(container, clerk, "ali omari", limit=1) == ["Ali Omari"]
    assert _found(container, clerk, "alim") == ["Alim Omari"]
    assert _found(container, clerk, "al om") == ["Ali Omari", "Alia Omari", "Alim Omari"]


def test_underscores_are_not_part_of_a_name(container: Container, seeded: Seed, clerk: Principal) -> None:
    """The index's own tokens begin with "_"; a name never yields one, so it cannot match them."""
    payload = household_payload(seeded.camp_id, members=1, family="Abu_Bakr")
    payload["members"][0].update(given_name="_status_active", given_name_original=None)
    register(container, clerk, payload)
    assert _found(container, clerk, "abu bakr") == ["_status_active Abu_Bakr"]
    assert _found(container, clerk, "abu_bakr") == ["_status_active Abu_Bakr"]
    assert _found(container, clerk, "status active") == ["_status_active Abu_Bakr"]
    assert name_index_out_of_step(container) == {}
