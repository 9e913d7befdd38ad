"""Search at the registration desk: names in either script (any order, word prefixes, Arabic letter
variants), household and individual references, document numbers and phones; only within the sites
the user may see; every search and every read of a record audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from tests.helpers import Seed, household_payload
from tests.registration.support import register

from refugio.core import clock
from refugio.core.errors import NotFound, ValidationFailed
from refugio.main import Container
from refugio.registration import queries
from refugio.registration import service as reg
from refugio.registration.models import Household
from refugio.registration.schemas import DeathRecord
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


@dataclass
class Registry:
    haddad: Household  # camp ZAA: Khaled (focal point, passport, phone), Mariam, Yusuf, Lina
    masri: Household  # camp ZAA: Ahmad al-Masri, Arabic names with hamza and article
    office: Household  # office AMM: another Khaled Haddad, phone +962 78 999 0000
    passport: str  # Khaled Haddad's (camp) passport number


@pytest.fixture
def registry(container: Container, seeded: Seed, admin: Principal) -> Registry:
    haddad = household_payload(seeded.camp_id, members=4)
    masri = household_payload(seeded.camp_id, members=1, family="Masri")
    masri["members"][0].update(
        given_name="Ahmad",
        given_name_original="أحمد",
        family_name_original="المصري",
        phone="+962 78 111 2222",
    )
    masri["members"][0]["documents"] = []
    office = household_payload(seeded.office_id, members=1)
    office["members"][0]["phone"] = "+962 78 999 0000"
    return Registry(
        haddad=register(container, admin, haddad),
        masri=register(container, admin, masri),
        office=register(container, admin, office),
        passport=haddad["members"][0]["documents"][0]["number"],
    )


def _search(container: Container, actor: Principal, query: str, **options: object) -> list[queries.SearchHit]:
    with unit_of_work(container.sessions) as s:
        return queries.search(s, actor=actor, query=query, **options)  # type: ignore[arg-type]


def _found(container: Container, actor: Principal, query: str) -> list[str]:
    """The given names found, in result order."""
    return [h.person.given_name for h in _search(container, actor, query)]


def _audit_count(container: Container, action: str) -> int:
    with unit_of_work(container.sessions) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


# --- names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Khaled Haddad", "haddad khaled", "  KHALED   haddad ", "kha had", "Khaled-Haddad", "Khâled"]
)
def test_latin_names_in_any_order_and_by_prefix(
    container: Container, registry: Registry, clerk: Principal, query: str
) -> None:
    hits = _search(container, clerk, query)
    assert [h.person.id for h in hits] == [registry.haddad.focal_point_id]
    assert hits[0].matched_by == "name" and hits[0].household_ref == registry.haddad.ref


def test_a_family_name_finds_the_whole_family(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    assert sorted(_found(container, clerk, "haddad")) == ["Khaled", "Lina", "Mariam", "Yusuf"]
    assert _found(container, clerk, "Haddad Zeinab") == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("أحمد", id="with-hamza"),
        pytest.param("احمد", id="without-hamza"),
        pytest.param("المصري", id="with-article"),
        pytest.param("مصري", id="without-article"),
        pytest.param("احمد المصري", id="both-words"),
        pytest.param("المصري أحمد", id="reversed"),
        pytest.param("أح", id="prefix"),
        pytest.param("ahmad masri", id="latin"),
    ],
)
def test_arabic_script_with_and_without_hamza_and_article(
    container: Container, registry: Registry, clerk: Principal, query: str
) -> None:
    assert _found(container, clerk, query) == ["Ahmad"]


def test_names_in_the_original_script_are_folded(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    payload = household_payload(seeded.camp_id, members=1, family="Mustafa")
    payload["members"][0].update(
        given_name="Fatima", sex="F", given_name_original="فاطمة", family_name_original="مصطفى"
    )
    register(container, clerk, payload)
    assert _found(container, clerk, "فاطمه مصطفي") == ["Fatima"]  # taa marbuta and alef maqsura
    assert _found(container, clerk, "فَاطِمَة") == ["Fatima"]  # short-vowel marks


@pytest.mark.parametrize("query", ["الحداد", "Al-Haddad", "Alhaddad khaled"])
def test_the_article_in_the_query_is_optional_too(
    container: Container, registry: Registry, clerk: Principal, query: str
) -> None:
    found = _found(container, clerk, query)
    # only Khaled has his names in Arabic script; the whole family shares the Latin family name
    assert found == ["Khaled"] if query != "Al-Haddad" else "Khaled" in found


# --- references, documents, phones ----------------------------------------------------------------------


def test_a_household_reference_returns_all_its_members(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    hits = _search(container, clerk, registry.haddad.ref.lower())
    assert [h.person.ref for h in hits] == sorted(m.ref for m in registry.haddad.members)
    assert {h.matched_by for h in hits} == {"id"}


def test_an_individual_reference_returns_that_person(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    mariam = next(m for m in registry.haddad.members if m.given_name == "Mariam")
    hits = _search(container, clerk, f" {mariam.ref} ")
    assert [(h.person.id, h.matched_by) for h in hits] == [(mariam.id, "id")]


def test_a_document_number_in_any_spelling(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    for query in (
        registry.passport,
        registry.passport.lower(),
        f"{registry.passport[:3]} {registry.passport[3:]}",
    ):
        hits = _search(container, clerk, query)
        assert [(h.person.id, h.matched_by) for h in hits] == [(registry.haddad.focal_point_id, "document")]


@pytest.mark.parametrize(
    "query", ["+962 79 555 0101", "+962-79-555-0101", "+962795550101", "+962 (79) 555 0101"]
)
def test_a_phone_in_several_formats(
    container: Container, registry: Registry, clerk: Principal, query: str
) -> None:
    hits = _search(container, clerk, query)
    assert [(h.person.id, h.matched_by) for h in hits] == [(registry.haddad.focal_point_id, "phone")]


@pytest.mark.parametrize("query", ["962 79 555 0101", "962795550101"])
def test_a_phone_without_the_plus_sign(
    container: Container, registry: Registry, clerk: Principal, query: str
) -> None:
    hits = _search(container, clerk, query)
    assert [h.person.id for h in hits] == [registry.haddad.focal_point_id]


# --- scope ----------------------------------------------------------------------------------------------


def test_a_clerk_never_sees_people_of_another_site(
    container: Container, registry: Registry, clerk: Principal, viewer: Principal
) -> None:
    office_person = registry.office.members[0]
    assert _found(container, clerk, "Khaled Haddad") == ["Khaled"]
    assert _search(container, clerk, registry.office.ref) == []
    assert _search(container, clerk, office_person.ref) == []
    assert _search(container, clerk, "+962 78 999 0000") == []
    with unit_of_work(container.sessions) as s:
        with pytest.raises(NotFound):
            queries.get_individual(s, actor=clerk, key=office_person.id)
        with pytest.raises(NotFound):
            queries.get_household(s, actor=clerk, key=registry.office.ref)
    # and the office viewer the other way round
    assert [h.person.id for h in _search(container, viewer, "Khaled Haddad")] == [office_person.id]
    assert _search(container, viewer, registry.passport) == []


def test_an_administrator_sees_every_site(container: Container, registry: Registry, admin: Principal) -> None:
    hits = _search(container, admin, "khaled haddad")
    assert {h.household_ref for h in hits} == {registry.haddad.ref, registry.office.ref}


def test_the_deceased_are_found_unless_excluded(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    lina = next(m for m in registry.haddad.members if m.given_name == "Lina")
    with unit_of_work(container.sessions) as s:
        reg.record_death(s, actor=clerk, individual_id=lina.id, data=DeathRecord(date_of_death=clock.today()))
    assert _found(container, clerk, "lina haddad") == ["Lina"]
    assert _search(container, clerk, "lina haddad", include_inactive=False) == []


# --- bad queries and the audit trail --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"), [("k", "too_short"), ("   ", "too_short"), ("x" * 201, "too_long")]
)
def test_a_query_too_short_or_too_long_is_named(
    container: Container, registry: Registry, clerk: Principal, query: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _search(container, clerk, query)
    assert [(e.field, e.code) for e in caught.value.errors] == [("q", code)]


def test_every_search_is_audited_even_when_nothing_is_found(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    before = _audit_count(container, "individual.search")
    _search(container, clerk, "Khaled Haddad")
    _search(container, clerk, "nobody by this name")
    assert _audit_count(container, "individual.search") == before + 2
    with unit_of_work(container.sessions) as s:
        last = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "individual.search").order_by(AuditEntry.seq.desc())
        ).all()
    assert last[0].actor == "clerk" and last[0].details["results"] == []
    assert last[1].details["results"] == [str(registry.haddad.focal_point_id)]
    assert "Khaled" not in str(last[1].details)  # the query itself (personal data) is not logged


def test_every_read_of_a_record_is_audited(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    person_reads = _audit_count(container, "individual.read")
    household_reads = _audit_count(container, "household.read")
    focal = registry.haddad.focal_point_id
    assert focal is not None
    with unit_of_work(container.sessions) as s:
        queries.get_individual(s, actor=clerk, key=focal)
        queries.get_individual(s, actor=clerk, key=registry.haddad.members[1].ref)
        queries.get_household(s, actor=clerk, key=registry.haddad.id)
    assert _audit_count(container, "individual.read") == person_reads + 2
    assert _audit_count(container, "household.read") == household_reads + 1
    with unit_of_work(container.sessions) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "individual.read").order_by(AuditEntry.seq)
        ).all()[-2]
    assert (entry.actor, entry.object_id) == ("clerk", str(focal))


def test_a_record_outside_scope_reads_as_not_found_and_unknown_keys_too(
    container: Container, registry: Registry, clerk: Principal
) -> None:
    with unit_of_work(container.sessions) as s:
        for key in (uuid.uuid4(), "JOR-99-999999-01", "not-a-ref"):
            with pytest.raises(NotFound):
                queries.get_individual(s, actor=clerk, key=key)


def test_a_refused_read_of_a_person_is_audited_though_the_work_is_rolled_back(
    container: Container, seeded: Seed, clerk: Principal, viewer: Principal
) -> None:
    """Issue 14 item 10: the refusal rolled the unit of work back with its audit entry."""
    from sqlalchemy import select
    from tests.helpers import household_payload
    from tests.registration.support import register

    from refugio.core.errors import NotFound
    from refugio.registration import queries
    from refugio.security.models import AuditEntry
    from refugio.store.uow import unit_of_work

    hh = register(container, clerk, household_payload(seeded.camp_id))  # the viewer sees only the office
    with unit_of_work(container.sessions) as s:
        from refugio.registration.models import Individual

        person_id = s.scalar(select(Individual.id).where(Individual.household_id == hh.id).limit(1))
    with pytest.raises(NotFound), unit_of_work(container.sessions) as s:
        queries.get_individual(s, actor=viewer, key=person_id)
    with unit_of_work(container.sessions) as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "individual.read_refused")).all()
        assert [(e.actor, e.object_id) for e in refused] == [(viewer.label, str(person_id))]
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "individual.read")) is None
    from refugio.security.audit import verify_chain

    with unit_of_work(container.sessions) as s:
        assert verify_chain(s).ok
