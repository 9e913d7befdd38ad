"""The synthetic-household generator: deterministic, valid for the service, and plausible."""

from __future__ import annotations

import collections
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.helpers import container  # noqa: F401 - the fixture, once per database backend

from refugio.core import clock
from refugio.main import Container
from refugio.registration import queries, rules, service, synthetic
from refugio.registration.models import Household, IdentityDocument, Individual, SpecificNeed
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.validation import check_household, detect_script, normalise_document_number
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Grant, Principal
from refugio.store.uow import unit_of_work

START, END = dt.date(2025, 1, 1), dt.date(2026, 10, 31)
SITES = [uuid.UUID(int=1), uuid.UUID(int=2)]
ADMIN = Principal(user_id=None, username="synthetic-admin", grants=(Grant(Role.ADMINISTRATOR),))


def dicts(count: int, seed: int = 0, **kwargs: Any) -> list[dict[str, Any]]:
    return list(
        synthetic.generate_household_dicts(
            count=count, site_ids=SITES, seed=seed, start=START, end=END, **kwargs
        )
    )


@dataclass(frozen=True)
class _Facts:
    date_of_birth: dt.date
    sex: str
    relationship_to_focal_point: str


@pytest.fixture(scope="module")
def sample() -> list[HouseholdCreate]:
    return list(synthetic.generate_households(count=4000, site_ids=SITES, seed=11, start=START, end=END))


def test_same_seed_same_households_other_seed_others() -> None:
    assert dicts(200, seed=3) == dicts(200, seed=3)
    assert dicts(200, seed=3) != dicts(200, seed=4)


def test_every_household_passes_validation(sample: list[HouseholdCreate]) -> None:
    today = clock.today()
    for k, item in enumerate(sample):
        errors, _dobs = check_household(item, today)
        assert errors == [], (k, errors)


def test_document_numbers_are_unique_across_a_run_and_across_seeds(sample: list[HouseholdCreate]) -> None:
    def keys(items: list[HouseholdCreate]) -> list[tuple[str, str, str]]:
        return [
            (d.doc_type.value, d.issuing_country, normalise_document_number(d.number))
            for item in items
            for m in item.members
            for d in m.documents
        ]

    first = keys(sample)
    assert len(first) > 1000
    assert len(set(first)) == len(first)
    other = keys(
        list(synthetic.generate_households(count=500, site_ids=SITES, seed=12, start=START, end=END))
    )
    assert not set(first) & set(other)


def test_dates_follow_arrival_and_never_lie_in_the_future(sample: list[HouseholdCreate]) -> None:
    today = clock.today()
    arrivals = [item.arrival_date for item in sample]
    assert arrivals == sorted(arrivals)  # in order of arrival
    for item in sample:
        assert item.arrival_date is not None and item.registration_date is not None
        assert START <= item.arrival_date <= END
        assert (
            item.arrival_date
            <= item.registration_date
            <= min(today, item.arrival_date + dt.timedelta(days=10))
        )
    assert (arrivals[-1] - arrivals[0]).days > 500  # spread over the whole period


def test_composition_is_plausible_and_rules_fire_at_low_rates(sample: list[HouseholdCreate]) -> None:
    ruleset = rules.default_ruleset()
    sizes: list[int] = []
    precisions: collections.Counter[str] = collections.Counter()
    flags: collections.Counter[str] = collections.Counter()
    children = flagged_children = arabic = people = 0
    for item in sample:
        _errors, dobs = check_household(item, clock.today())
        assert item.registration_date is not None
        facts = rules.household_facts(
            [
                _Facts(dob.value, m.sex.value, m.relationship.value)
                for dob, m in zip(dobs, item.members, strict=True)
                if dob is not None
            ],
            item.registration_date,
        )
        sizes.append(len(item.members))
        for member, dob, person in zip(item.members, dobs, facts, strict=True):
            assert dob is not None
            people += 1
            precisions[dob.precision] += 1
            arabic += member.original_script == "Arab"
            codes = {f.code for f in rules.evaluate(ruleset, person)}
            flags.update(codes)
            if person["is_child"]:
                children += 1
                flagged_children += bool(codes & {"SC-UC", "SC-SC", "SC-CH"})
    mean = sum(sizes) / len(sizes)
    assert 3.5 <= mean <= 5.5
    assert sizes.count(1) > 0 and max(sizes) >= 9  # people alone and large families
    assert precisions["year"] > 0.05 * people and precisions["estimated"] > 0.05 * people
    assert precisions["month"] > 0 and precisions["exact"] > 0.4 * people
    assert arabic > 0.2 * people
    assert 0.3 < children / people < 0.6
    for code in ("SC-UC", "SC-SC", "SC-CH", "ER-NF", "SP-PT"):
        assert flags[code] > 0, code
    assert 0 < flagged_children < 0.03 * children
    assert flags["ER-NF"] < 0.05 * len(sample)


def test_origins_languages_and_scripts(sample: list[HouseholdCreate]) -> None:
    from refugio.registration import reference

    origins = collections.Counter(item.country_of_origin for item in sample)
    assert set(origins) == set(synthetic.origins())
    assert origins.most_common(1)[0][0] == "SYR"
    scripts: collections.Counter[str | None] = collections.Counter()
    for item in sample:
        for m in item.members:
            assert m.languages and all(reference.is_language(code) for code in m.languages)
            assert m.nationality is not None and reference.is_country(m.nationality)
            scripts[m.original_script] += 1
            if m.original_script is not None:
                # the recorded script is the script of the original-script names
                assert detect_script(m.given_name_original, m.family_name_original) == m.original_script
            for name in (m.given_name, m.middle_name, m.family_name):
                assert detect_script(name) is None  # Latin fields hold Latin
    assert {"Arab", "Cyrl", "Ethi", None} <= set(scripts)


def test_transliterations_pair_with_their_original_and_vary_in_spelling(
    sample: list[HouseholdCreate],
) -> None:
    """Every (Latin, Arabic) pair of a Syrian given name comes from one entry of the name list, and
    the attested variants of Mohammad all occur."""
    entries = {e.original: e for e in synthetic.origins()["SYR"].given_male.entries}
    spellings: collections.Counter[str] = collections.Counter()
    for item in sample:
        if item.country_of_origin != "SYR":
            continue
        for m in item.members:
            if m.given_name_original is None or m.sex.value != "M":
                continue
            entry = entries[m.given_name_original]
            assert m.given_name in entry.spellings
            if m.given_name_original == "محمد":
                spellings[m.given_name] += 1
    assert set(spellings) == {"Mohammad", "Mohammed", "Muhammad", "Mohamad"}
    assert spellings.most_common(1)[0][0] == "Mohammad"


def test_naming_customs(sample: list[HouseholdCreate]) -> None:
    """Children carry their father's given name as middle name (Arab naming), the grandfather's name
    as family name (Sudanese chain naming), and a patronymic (Ukrainian)."""
    checked = collections.Counter[str]()
    for item in sample:
        fathers = [
            m
            for m in item.members
            if m.relationship.value in {"focal_point", "spouse"} and m.sex.value == "M"
        ]
        if len(fathers) != 1:
            continue
        father = fathers[0]
        for child in (m for m in item.members if m.relationship.value == "son_daughter"):
            if item.country_of_origin == "SYR":
                assert child.middle_name == father.given_name and child.family_name == father.family_name
                checked["SYR"] += 1
            elif item.country_of_origin == "SDN" and father.middle_name:
                assert (child.middle_name, child.family_name) == (father.given_name, father.middle_name)
                checked["SDN"] += 1
            elif (
                item.country_of_origin == "UKR" and child.middle_name_original and father.given_name_original
            ):
                assert child.middle_name_original.startswith(father.given_name_original[:3])
                assert child.middle_name_original.endswith(("ович", "івна", "ївна"))
                checked["UKR"] += 1
    assert min(checked["SYR"], checked["SDN"], checked["UKR"]) > 20, checked


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "negative"),
        ({"site_ids": []}, "site"),
        ({"start": dt.date(2026, 5, 1), "end": dt.date(2026, 4, 1)}, "after"),
        ({"origin_weights": {"XYZ": 1}}, "XYZ"),
        ({"phone_country_code": "+9a"}, "digits"),
    ],
)
def test_wrong_arguments_are_refused_at_once(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"count": 5, "site_ids": SITES, "start": START, "end": END, **kwargs}
    with pytest.raises(ValueError, match=message):
        synthetic.generate_households(**args)


def test_origin_weights_choose_the_origins() -> None:
    items = dicts(100, origin_weights={"UKR": 1, "VEN": 1})
    assert {item["country_of_origin"] for item in items} == {"UKR", "VEN"}


def test_households_register_through_the_service(container: Container) -> None:  # noqa: F811
    with unit_of_work(container.sessions) as s:
        op = service.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan", country_iso3="JOR")
        camp = service.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari", kind="camp")
        office = service.create_site(
            s, actor=SYSTEM, operation=op, code="AMM", name="Amman", kind="urban_office"
        )
        site_ids = [camp.id, office.id]
    items = list(synthetic.generate_households(count=300, site_ids=site_ids, seed=21, start=START, end=END))
    # a second run with another seed goes into the same registry without a document conflict
    items += list(synthetic.generate_households(count=60, site_ids=site_ids, seed=22, start=START, end=END))
    for start in range(0, len(items), 90):
        with unit_of_work(container.sessions) as s:
            service.register_households(s, actor=ADMIN, items=items[start : start + 90])
    members = sum(len(item.members) for item in items)
    documents = sum(len(m.documents) for item in items for m in item.members)
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 360
        assert s.scalar(select(func.count()).select_from(Individual)) == members
        assert s.scalar(select(func.count()).select_from(IdentityDocument)) == documents
        by_source = dict(
            s.execute(select(SpecificNeed.source, func.count()).group_by(SpecificNeed.source)).all()
        )
        assert by_source.get("rule", 0) > 0 and by_source.get("manual", 0) > 0
        # a person is found by their name in Arabic script and by the Latin transliteration
        person = next(
            m
            for item in items
            for m in item.members
            if m.original_script == "Arab" and m.family_name_original
        )
        for query in (
            f"{person.given_name_original} {person.family_name_original}",
            f"{person.family_name} {person.given_name}",
        ):
            hits = queries.search(s, actor=ADMIN, query=query)
            assert any(
                h.person.given_name == person.given_name and h.person.family_name == person.family_name
                for h in hits
            ), query
