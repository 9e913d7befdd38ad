"""Issue 13 item 6, browsing: the households and people lists are filtered (site, arrival period,
population type, specific need, status, sex, age) and sorted in SQL, paged with the true count; a
wrong filter is refused with its field named; a need filter never reaches people whose need the
actor may not see. Search takes the same person filters, pages by offset, and lists the spelling
variants the caller passes after the name matches.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tests.helpers import Seed, household_payload
from tests.registration.support import register

from refugio.core.errors import ValidationFailed
from refugio.main import Container
from refugio.registration import queries
from refugio.registration import service as reg
from refugio.registration.schemas import BrowseFilters, NeedFlag
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

FAMILIES = [  # family, site, arrival, population type, members
    ("Haddad", "camp", "2026-11-01", "refugee", 4),
    ("Nasser", "camp", "2026-10-15", "refugee", 2),
    ("Saleh", "camp", "2026-09-20", "asylum_seeker", 3),
    ("Khoury", "office", "2026-11-20", "refugee", 1),
    ("Darwish", "office", "2026-08-05", "asylum_seeker", 5),
]


@pytest.fixture
def registry(container: Container, seeded: Seed, admin: Principal) -> dict[str, Any]:
    households = {}
    for family, site, arrival, population, members in FAMILIES:
        site_id = seeded.camp_id if site == "camp" else seeded.office_id
        payload = household_payload(
            site_id, members=members, family=family, arrival_date=arrival, population_type=population
        )
        households[family] = register(container, admin, payload)
    with unit_of_work(container.sessions) as s:
        reg.flag_need(
            s,
            actor=admin,
            individual_id=households["Saleh"].focal_point_id,
            data=NeedFlag(code="ER-FR", reason="cannot walk unaided"),
        )
        reg.flag_need(
            s,
            actor=admin,
            individual_id=households["Nasser"].focal_point_id,
            data=NeedFlag(code="SV-VF", reason="disclosed at interview"),
        )
    return households


def _households(container: Container, actor: Principal, **kw: Any) -> Any:
    with unit_of_work(container.sessions) as s:
        return queries.households(s, actor=actor, **kw)


def _people(container: Container, actor: Principal, **kw: Any) -> Any:
    with unit_of_work(container.sessions) as s:
        return queries.people(s, actor=actor, **kw)


def test_households_page_with_the_true_count_and_each_filter_narrows(
    container: Container, seeded: Seed, admin: Principal, registry: dict[str, Any]
) -> None:
    first = _households(container, admin, limit=2)
    assert first.total == 5 and len(first.items) == 2
    second = _households(container, admin, limit=2, offset=2)
    third = _households(container, admin, limit=2, offset=4)
    refs = [h.ref for p in (first, second, third) for h in p.items]
    assert len(set(refs)) == 5 and len(third.items) == 1

    def refs_of(**filters: Any) -> set[str]:
        page = _households(container, admin, filters=BrowseFilters(**filters))
        assert page.total == len(page.items)
        return {h.ref for h in page.items}

    ref = {family: hh.ref for family, hh in registry.items()}
    assert refs_of(site_id=seeded.office_id) == {ref["Khoury"], ref["Darwish"]}
    assert refs_of(arrived_from="2026-10-01", arrived_to="2026-11-10") == {ref["Haddad"], ref["Nasser"]}
    assert refs_of(population_type="asylum_seeker") == {ref["Saleh"], ref["Darwish"]}
    assert refs_of(need="ER-FR") == {ref["Saleh"]}
    assert refs_of(need="ER") == {ref["Saleh"]}
    assert refs_of(status="closed") == set()
    assert refs_of(status="active") == set(ref.values())


def test_households_sort(container: Container, admin: Principal, registry: dict[str, Any]) -> None:
    by_size = _households(container, admin, sort="size").items
    assert [h.size for h in by_size] == sorted((h.size for h in by_size), reverse=True)
    by_arrival = [h.arrival_date for h in _households(container, admin, sort="arrival").items]
    assert by_arrival == sorted(by_arrival, reverse=True)
    by_ref = [h.ref for h in _households(container, admin, sort="ref").items]
    assert by_ref == sorted(by_ref)


def test_people_filters_sort_and_scope(
    container: Container, seeded: Seed, admin: Principal, clerk: Principal, registry: dict[str, Any]
) -> None:
    everyone = _people(container, admin)
    assert everyone.total == 15
    names = [(p.family_name.lower(), p.given_name.lower()) for p in everyone.items]
    assert names == sorted(names)
    women = _people(container, admin, filters=BrowseFilters(sex="F"))
    assert women.total == 6 and {p.sex for p in women.items} == {"F"}
    adults = _people(container, admin, filters=BrowseFilters(age_min=18))
    assert adults.total == 9 and all(p.date_of_birth.year <= 1988 for p in adults.items)
    children = _people(container, admin, filters=BrowseFilters(age_max=12, sex="M"))
    assert {p.given_name for p in children.items} == {"Yusuf", "Adam"} and children.total == 4
    youngest = _people(container, admin, sort="youngest").items
    assert [p.date_of_birth for p in youngest] == sorted((p.date_of_birth for p in youngest), reverse=True)
    assert _people(container, clerk).total == 9  # the clerk sees the camp only
    assert _people(container, clerk, filters=BrowseFilters(site_id=seeded.office_id)).total == 0


def test_a_need_filter_reaches_only_needs_the_actor_may_see(
    container: Container, admin: Principal, clerk: Principal, protection: Principal, registry: dict[str, Any]
) -> None:
    assert [
        p.family_name for p in _people(container, protection, filters=BrowseFilters(need="SV")).items
    ] == ["Nasser"]
    assert _people(container, clerk, filters=BrowseFilters(need="SV-VF")).total == 0
    assert _households(container, clerk, filters=BrowseFilters(need="SV")).total == 0


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"sort": "shoe size"}, "sort"),
        ({"filters": BrowseFilters(status="asleep")}, "status"),
        ({"filters": BrowseFilters(need="XX-YY")}, "need"),
        ({"filters": BrowseFilters(age_min=40, age_max=20)}, "age_max"),
        ({"filters": BrowseFilters(age_min=200)}, "age_min"),
        ({"filters": BrowseFilters(arrived_from="2026-11-01", arrived_to="2026-10-01")}, "arrived_to"),
        ({"limit": 500}, "limit"),
    ],
)
def test_wrong_filters_are_refused_with_their_field(
    container: Container, admin: Principal, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _people(container, admin, **kw)
    assert field in {e.field for e in caught.value.errors}


def test_search_filters_pages_and_variants(
    container: Container, seeded: Seed, admin: Principal, registry: dict[str, Any]
) -> None:
    with unit_of_work(container.sessions) as s:
        all_khaled = queries.search_counted(s, actor=admin, query="khaled")
        assert all_khaled.total == 5
        page = queries.search_counted(s, actor=admin, query="khaled", limit=2, offset=4)
        assert len(page.hits) == 1 and page.total == 5 and page.offset == 4
        camp = queries.search_counted(
            s, actor=admin, query="khaled", filters=BrowseFilters(site_id=seeded.camp_id)
        )
        assert camp.total == 3 and {h.household_ref for h in camp.hits} == {
            registry[f].ref for f in ("Haddad", "Nasser", "Saleh")
        }
        assert (
            queries.search_counted(s, actor=admin, query="khaled", filters=BrowseFilters(sex="F")).total == 0
        )
        variant = registry["Darwish"].focal_point_id
        found = queries.search_counted(
            s, actor=admin, query="Khaled Haddad", variants=[variant, uuid.uuid4()]
        )
        assert [h.matched_by for h in found.hits] == ["name", "variant"]
        assert found.hits[0].person.family_name == "Haddad" and found.hits[1].person.id == variant
        with pytest.raises(ValidationFailed) as caught:
            queries.search_counted(
                s, actor=admin, query="khaled", filters=BrowseFilters(age_min=9, age_max=3)
            )
        assert caught.value.errors[0].field == "age_max"
