"""Realistic synthetic registration data: seeded households for the demo, the tests and the benchmarks.

Owns the generator and reads the hand-written name lists and origin profiles in `data/` (one YAML
file per country of origin, described in data/README.md). Imports only the registration schemas,
enums and reference codes, the standard library and PyYAML; never the store, a service or a web
framework: it produces input (`HouseholdCreate`) that the caller registers through
`service.register_households`, like any other input.

    from refugio.registration.synthetic import generate_households
    items = generate_households(count=1000, site_ids=[camp_id, office_id], seed=7,
                                start=date(2026, 1, 1), end=date(2026, 10, 31))

What it models: ten countries of origin with plausible shares; names by sex and origin in Latin
transliteration and, where the origin writes another script, in that script (Arabic, Perso-Arabic,
Cyrillic, Ethiopic), with attested spelling variants now and then; each origin's naming custom
(father's name as middle name, the grandfather's name as family name, patronymics, two Spanish
surnames, wives keeping or taking a family name); household compositions (couples with children,
single mothers, older people alone, extended and three-generation families, a few unaccompanied or
separated children and child-headed households); ages that follow from the parents' ages; dates of
birth exact, to the month, to the year or estimated from a stated age; languages (ISO 639-3),
documents with numbers unique within a run, phones of focal points, arrival and registration dates,
shelters, consent, and a few specific needs set by hand.

Determinism: the same arguments (and data files) give the same households. Document numbers are
unique within one call for up to ten million documents, and across calls whose seeds differ modulo
100 (the seed selects the block of numbers), so that several runs can share one database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from refugio.core import clock
from refugio.registration import reference
from refugio.registration.enums import Relationship
from refugio.registration.schemas import HouseholdCreate

# Household compositions and their default weights (percent of households); origins override some.
DEFAULT_COMPOSITION: dict[str, float] = {
    "couple_children": 44.0,
    "couple": 5.0,
    "single_mother": 16.0,
    "single_father": 1.5,
    "single_adult": 7.0,
    "older_alone": 2.5,
    "older_couple": 2.0,
    "extended": 15.0,
    "three_generations": 0.4,
    "grandparent_carer": 0.35,
    "sibling_group": 0.4,
    "unaccompanied_child": 0.25,
    "child_headed": 0.15,
    "polygamous": 0.0,
}
NAMING_STYLES = {"lineage", "chain", "afghan", "slavic", "hispanic", "individual"}
DOB_KINDS = ("exact", "month", "year", "stated_age")
_NUMBER_MODULUS = 10**9
_NUMBER_MULTIPLIER = 387_420_489  # 3**18: coprime with 10**9, so v -> v * m mod 10**9 is a bijection
_SEED_BLOCK = 10**7
_MANUAL_NEED_REASONS: dict[str, tuple[str, ...]] = {
    "DS-PM": (
        "Walks with crutches since a shell injury",
        "Limited use of the left leg after a fracture",
        "Uses a wheelchair for longer distances",
    ),
    "DS-PS": ("Cannot walk; needs help to move", "Paralysed below the waist after an injury"),
    "DS-BD": ("Blind in both eyes", "Very poor sight, cannot read"),
    "DS-DF": ("Deaf since childhood", "Hard of hearing; needs written communication"),
    "DS-SD": ("Speech impairment; understands well", "Stammers severely; allow time at interviews"),
    "SM-CI": (
        "Diabetes, needs insulin",
        "High blood pressure, on medication",
        "Asthma, needs an inhaler",
        "Chronic kidney disease",
        "Heart condition, on medication",
    ),
    "SM-CC": ("Cancer treatment interrupted by flight", "Needs dialysis three times a week"),
    "SM-MN": ("Acutely malnourished at screening (MUAC below 12.5 cm)", "Underweight for age at screening"),
    "WR-LC": ("Breastfeeding an infant", "Lactating mother of a newborn"),
    "FU-TR": ("Husband missing since the flight", "Lost contact with a son during the journey"),
    "LP-ND": ("All documents lost during the flight", "Documents confiscated on the way"),
}


# ---------------------------------------------------------------------------------------------
# data files


@dataclass(frozen=True)
class NameEntry:
    """One name: its Latin spellings (most common first), its original-script form, derived forms."""

    spellings: tuple[str, ...]
    original: str | None
    forms: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class NameList:
    entries: tuple[NameEntry, ...]
    cumulative: tuple[float, ...]


@dataclass(frozen=True)
class DocumentRule:
    doc_type: str
    rate: float
    template: str
    issuer: str | None


@dataclass(frozen=True)
class Origin:
    country: str
    share: float
    script: str | None
    original_rate: float
    naming: str
    middle_name_rate: float
    no_family_name_rate: float
    inherit_family_rate: float
    variant_rate: float
    children_mean: float
    child_spouse_rate: float
    composition: tuple[tuple[str, ...], tuple[float, ...]]
    nationality: tuple[tuple[str, ...], tuple[float, ...]]
    population: tuple[tuple[str, ...], tuple[float, ...]]
    primary_languages: tuple[tuple[str, ...], tuple[float, ...]]
    additional_languages: tuple[tuple[str, float], ...]
    documents: tuple[DocumentRule, ...]
    dob: tuple[float, ...]
    places: tuple[str, ...]
    given_male: NameList
    given_female: NameList
    family: NameList
    family_female: NameList | None


def parse_name(text: str) -> NameEntry:
    """`"Latin|Variant = Original ; Form = Original"` → NameEntry (see data/README.md)."""
    segments = [s.strip() for s in text.split(";")]
    parsed: list[tuple[tuple[str, ...], str | None]] = []
    for segment in segments:
        latin, _, original = segment.partition("=")
        spellings = tuple(s.strip() for s in latin.split("|") if s.strip())
        if not spellings:
            raise ValueError(f"name entry {text!r}: a segment has no Latin spelling")
        parsed.append((spellings, original.strip() or None))
    (main_spellings, main_original), rest = parsed[0], parsed[1:]
    return NameEntry(main_spellings, main_original, tuple((s[0], o) for s, o in rest))


def _name_list(raw: Sequence[str] | None, where: str) -> NameList:
    if not raw:
        raise ValueError(f"{where}: the list is empty")
    entries = tuple(parse_name(str(r)) for r in raw)
    # Zipf-like frequencies: the first names of a list are much more common than the last ones
    weights = [1.0 / (rank + 1.5) ** 0.9 for rank in range(len(entries))]
    return NameList(entries, tuple(itertools.accumulate(weights)))


def _weights(raw: Mapping[str, float], where: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    if not raw or any(float(w) < 0 for w in raw.values()) or sum(float(w) for w in raw.values()) <= 0:
        raise ValueError(f"{where}: give non-negative weights that do not all vanish")
    keys = tuple(str(k) for k in raw)
    return keys, tuple(itertools.accumulate(float(raw[k]) for k in raw))


def _origin(content: dict[str, Any], name: str) -> Origin:
    country = str(content["country"])
    if not reference.is_country(country):
        raise ValueError(f"{name}: unknown country {country!r}")
    naming = str(content.get("naming", "lineage"))
    if naming not in NAMING_STYLES:
        raise ValueError(f"{name}: unknown naming style {naming!r}")
    composition = dict(DEFAULT_COMPOSITION)
    for key, weight in (content.get("composition") or {}).items():
        if key not in DEFAULT_COMPOSITION:
            raise ValueError(f"{name}: unknown composition {key!r}")
        composition[key] = float(weight)
    nationality = content.get("nationality") or {country: 1}
    for code in nationality:
        if not reference.is_country(code):
            raise ValueError(f"{name}: unknown nationality {code!r}")
    languages = content.get("languages") or {}
    for code in [*languages.get("primary", {}), *languages.get("additional", {})]:
        if not reference.is_language(code):
            raise ValueError(f"{name}: unknown language code {code!r}")
    documents = tuple(
        DocumentRule(doc_type, float(rule["rate"]), str(rule["number"]), rule.get("issuer"))
        for doc_type, rule in (content.get("documents") or {}).items()
    )
    dob = content.get("dob") or {"exact": 1}
    script = content.get("script")
    if script is not None and script not in reference.SCRIPTS:
        raise ValueError(f"{name}: unknown script {script!r}")
    return Origin(
        country=country,
        share=float(content.get("share", 1)),
        script=script,
        original_rate=float(content.get("original_rate", 0)) if script else 0.0,
        naming=naming,
        middle_name_rate=float(content.get("middle_name_rate", 0)),
        no_family_name_rate=float(content.get("no_family_name_rate", 0)),
        inherit_family_rate=float(content.get("inherit_family_rate", 1)),
        variant_rate=float(content.get("variant_rate", 0)),
        children_mean=float(content.get("children_mean", 3)),
        child_spouse_rate=float(content.get("child_spouse_rate", 0)),
        composition=_weights(composition, f"{name}: composition"),
        nationality=_weights(nationality, f"{name}: nationality"),
        population=_weights(content.get("population") or {"refugee": 1}, f"{name}: population"),
        primary_languages=_weights(languages.get("primary") or {"eng": 1}, f"{name}: languages"),
        additional_languages=tuple(
            (str(k), float(v)) for k, v in (languages.get("additional") or {}).items()
        ),
        documents=documents,
        dob=tuple(itertools.accumulate(float(dob.get(k, 0)) for k in DOB_KINDS)),
        places=tuple(str(p) for p in content.get("places") or ["Unknown"]),
        given_male=_name_list(content.get("given_male"), f"{name}: given_male"),
        given_female=_name_list(content.get("given_female"), f"{name}: given_female"),
        family=_name_list(content.get("family"), f"{name}: family"),
        family_female=_name_list(content["family_female"], f"{name}: family_female")
        if content.get("family_female")
        else None,
    )


@lru_cache(maxsize=1)
def origins() -> dict[str, Origin]:
    """The origin profiles shipped in data/, by ISO 3166-1 alpha-3 code."""
    folder = resources.files("refugio.registration").joinpath("data")
    out: dict[str, Origin] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            profile = _origin(yaml.safe_load(item.read_text("utf-8")), item.name)
            out[profile.country] = profile
    return out


# ---------------------------------------------------------------------------------------------
# people and households before they become input


@dataclass
class _Name:
    latin: str
    original: str | None
    entry: NameEntry | None = None


@dataclass(eq=False)
class _Person:
    sex: str
    age: int
    relationship: str | None  # None: not in the household (a parent elsewhere, dead or missing)
    generation: int
    father: _Person | None = None
    mother: _Person | None = None
    husband: _Person | None = None
    marital: str | None = None
    given: _Name | None = None
    middle: _Name | None = None
    family: _Name | None = None
    surnames: tuple[_Name, _Name] | None = None  # hispanic naming: paternal, maternal
    extra: dict[str, Any] = field(default_factory=dict)


def _age_on(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Generator:
    def __init__(
        self,
        *,
        seed: int,
        site_ids: Sequence[uuid.UUID],
        start: dt.date,
        end: dt.date,
        weights: Mapping[str, float] | None,
        phone_country_code: str,
        manual_needs: bool,
    ) -> None:
        table = origins()
        chosen = dict(weights) if weights is not None else {code: o.share for code, o in table.items()}
        unknown = sorted(set(chosen) - set(table))
        if unknown:
            raise ValueError(f"no origin profile for {', '.join(unknown)}; known: {', '.join(sorted(table))}")
        self.origin_codes, self.origin_cum = _weights(chosen, "origins")
        self.table = table
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
        self.site_ids = [str(s) for s in site_ids]
        self.start, self.end = start, end
        self.phone_cc = phone_country_code.lstrip("+")
        self.manual_needs = manual_needs
        self.numbers = itertools.count((seed % 100) * _SEED_BLOCK)
        self.today = clock.today()

    # -- small draws -------------------------------------------------------------------------

    def pick(self, keys: Sequence[str], cumulative: Sequence[float]) -> str:
        return keys[bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def tri(self, low: float, high: float, mode: float) -> int:
        return int(self.rng.triangular(low, high + 0.999, mode))

    def poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def document_number(self, template: str) -> str:
        n = next(self.numbers)
        if n >= _NUMBER_MODULUS:
            raise ValueError("too many documents for one run")
        return template.format(v=(n * _NUMBER_MULTIPLIER) % _NUMBER_MODULUS)

    def phone(self) -> str:
        r = self.rng
        return f"+{self.phone_cc} 7{r.choice('789')} {r.randint(100, 999)} {r.randint(1000, 9999)}"

    # -- names -------------------------------------------------------------------------------

    def name(self, names: NameList, origin: Origin) -> _Name:
        entry = names.entries[bisect.bisect_right(names.cumulative, self.rng.random() * names.cumulative[-1])]
        spelling = entry.spellings[0]
        if len(entry.spellings) > 1 and self.chance(origin.variant_rate):
            spelling = self.rng.choice(entry.spellings[1:])
        return _Name(spelling, entry.original, entry)

    def given(self, sex: str, origin: Origin) -> _Name:
        return self.name(origin.given_male if sex == "M" else origin.given_female, origin)

    def family_name(self, sex: str, origin: Origin) -> _Name:
        if sex == "F" and origin.family_female is not None:
            return self.name(origin.family_female, origin)
        return self.gendered(self.name(origin.family, origin), sex)

    @staticmethod
    def gendered(name: _Name, sex: str) -> _Name:
        """The feminine form of a family name that has one (Kovalskyi → Kovalska)."""
        if sex == "F" and name.entry is not None and name.entry.forms:
            latin, original = name.entry.forms[0]
            return _Name(latin, original, name.entry)
        return name

    @staticmethod
    def masculine(name: _Name) -> _Name:
        if name.entry is not None:
            return _Name(name.entry.spellings[0], name.entry.original, name.entry)
        return name

    def assign_names(self, people: list[_Person], origin: Origin) -> None:
        """Name everyone, parents before children and husbands before wives, by the origin's custom."""
        style = origin.naming
        taken: dict[int, set[str]] = {}  # given names already used among the children of one father
        for person in sorted(people, key=lambda p: (p.generation, p.sex == "F")):
            sex, father, mother = person.sex, person.father, person.mother
            person.given = self.given(sex, origin)
            if father is not None:
                used = taken.setdefault(id(father), {father.given.latin if father.given else ""})
                for _ in range(6):  # brothers and sisters rarely share a given name, or the father's
                    if person.given.latin not in used:
                        break
                    person.given = self.given(sex, origin)
                used.add(person.given.latin)
            if style == "hispanic":
                paternal = (
                    father.surnames[0] if father and father.surnames else self.name(origin.family, origin)
                )
                maternal = (
                    mother.surnames[0] if mother and mother.surnames else self.name(origin.family, origin)
                )
                person.surnames = (paternal, maternal)
                person.family = _Name(f"{paternal.latin} {maternal.latin}", None)
                if self.chance(origin.middle_name_rate):
                    second = self.given(sex, origin)
                    if second.latin != person.given.latin:
                        person.middle = second
                continue
            if style == "individual":
                inherit = (
                    father is not None
                    and father.family is not None
                    and self.chance(origin.inherit_family_rate)
                )
                person.family = father.family if inherit and father else self.family_name(sex, origin)
                if self.chance(origin.middle_name_rate):
                    person.middle = self.name(origin.family, origin)  # the Congolese postnom
                continue
            # father's name as middle name (a patronymic in slavic naming)
            if father is not None and father.given is not None:
                father_name = father.given
            else:
                father_name = self.given("M", origin)
            if style == "slavic":
                entry = father_name.entry
                if entry is not None and len(entry.forms) >= 2 and self.chance(origin.middle_name_rate):
                    latin, original = entry.forms[0] if sex == "M" else entry.forms[1]
                    person.middle = _Name(latin, original)
            elif self.chance(origin.middle_name_rate) or father is not None:
                person.middle = father_name
            # family name
            husband = person.husband
            if style == "chain":
                grandfather = father.middle if father is not None else None
                person.family = grandfather or self.name(origin.family, origin)
            elif style == "slavic":
                if husband is not None and husband.family is not None and self.chance(0.85):
                    person.family = self.gendered(self.masculine(husband.family), sex)
                elif father is not None and father.family is not None:
                    person.family = self.gendered(self.masculine(father.family), sex)
                else:
                    person.family = self.family_name(sex, origin)
            elif style == "afghan":
                if father is not None:
                    person.family = father.family
                elif husband is not None and self.chance(0.5):
                    person.family = husband.family
                elif not self.chance(origin.no_family_name_rate):
                    person.family = self.name(origin.family, origin)
            else:  # lineage: the father's family name; wives keep their own
                person.family = father.family if father is not None else self.name(origin.family, origin)

    # -- household compositions --------------------------------------------------------------

    def children_of(
        self,
        mother_age: int,
        father: _Person | None,
        mother: _Person | None,
        generation: int,
        mean: float,
        at_least_one: bool,
    ) -> list[_Person]:
        """Children of a mother of `mother_age`: ages follow from her age at each birth."""
        wanted = 1 + self.poisson(max(mean - 1.0, 0.0))
        children: list[_Person] = []
        birth_age = self.tri(16, 30, 19) if mother_age >= 16 else mother_age
        while len(children) < wanted and birth_age <= min(mother_age, 45):
            age = mother_age - birth_age
            keep = age < 18 or (age <= 26 and self.chance(0.6))
            if keep:
                sex = "M" if self.chance(0.51) else "F"
                children.append(
                    _Person(
                        sex,
                        age,
                        Relationship.SON_DAUGHTER.value,
                        generation,
                        father,
                        mother,
                        marital="single" if age >= 18 else None,
                    )
                )
            birth_age += max(1, self.tri(1, 5, 2))
        if at_least_one and not any(c.age < 18 for c in children):
            age = self.rng.randint(0, max(0, min(17, mother_age - 16)))
            children.append(
                _Person(
                    "M" if self.chance(0.51) else "F",
                    age,
                    Relationship.SON_DAUGHTER.value,
                    generation,
                    father,
                    mother,
                )
            )
        children.sort(key=lambda c: -c.age)
        return children

    def couple(self, origin: Origin, *, older: bool = False) -> tuple[_Person, _Person]:
        husband_age = self.tri(60, 88, 66) if older else self.tri(19, 64, 33)
        wife_age = max(18, min(husband_age + 4, husband_age - self.tri(-3, 14, 4)))
        if not older and self.chance(origin.child_spouse_rate):
            wife_age = self.rng.randint(15, 17)
            husband_age = max(husband_age, 20)
        husband = _Person("M", husband_age, None, 1, marital="married")
        wife = _Person("F", wife_age, None, 1, husband=husband, marital="married")
        # the husband is usually the focal point; sometimes the wife is
        if self.chance(0.85) or wife_age < 18:
            husband.relationship, wife.relationship = (
                Relationship.FOCAL_POINT.value,
                Relationship.SPOUSE.value,
            )
        else:
            wife.relationship, husband.relationship = (
                Relationship.FOCAL_POINT.value,
                Relationship.SPOUSE.value,
            )
        return husband, wife

    def absent_parents(self, youngest_parent_age: int, generation: int) -> tuple[_Person, _Person]:
        father = _Person("M", youngest_parent_age + self.tri(2, 12, 5), None, generation)
        mother = _Person("F", youngest_parent_age, None, generation, husband=father)
        return father, mother

    def compose(self, kind: str, origin: Origin) -> list[_Person]:
        mean = origin.children_mean
        focal, spouse, sibling = (
            Relationship.FOCAL_POINT.value,
            Relationship.SPOUSE.value,
            Relationship.SIBLING.value,
        )
        if kind in {"couple_children", "extended"}:
            husband, wife = self.couple(origin)
            people = [husband, wife, *self.children_of(wife.age, husband, wife, 2, mean, at_least_one=True)]
            if kind == "extended":
                people += self.relatives(husband, wife, origin)
            return people
        if kind == "couple":
            husband, wife = self.couple(origin)
            return [husband, wife]
        if kind == "older_couple":
            return list(self.couple(origin, older=True))
        if kind in {"single_mother", "single_father"}:
            sex = "F" if kind == "single_mother" else "M"
            parent = _Person(sex, self.tri(18, 56, 29), focal, 1)
            other = _Person("M" if sex == "F" else "F", parent.age, None, 1)
            father, mother = (other, parent) if sex == "F" else (parent, other)
            mother.husband = father
            parent.marital = self.pick(("married", "widowed", "separated", "divorced"), (30, 60, 85, 100))
            mother_age = parent.age if sex == "F" else max(18, parent.age - self.tri(0, 12, 4))
            kids = self.children_of(mother_age, father, mother, 2, mean, at_least_one=True)
            parent.extra["absent_partner"] = True
            return [parent, other, *kids]
        if kind == "single_adult":
            sex = "M" if self.chance(0.72) else "F"
            return [
                _Person(
                    sex, self.tri(18, 50, 24), focal, 1, marital="married" if self.chance(0.25) else "single"
                )
            ]
        if kind == "older_alone":
            sex = "F" if self.chance(0.65) else "M"
            return [
                _Person(
                    sex,
                    self.tri(60, 94, 67),
                    focal,
                    1,
                    marital=self.pick(("widowed", "married", "single", "divorced"), (70, 85, 93, 100)),
                )
            ]
        if kind == "three_generations":
            grandfather, grandmother = self.couple(origin)
            grandfather.age = max(grandfather.age, self.tri(48, 75, 58))
            grandmother.age = max(18, grandfather.age - self.tri(0, 10, 4))
            son = _Person(
                "M",
                max(18, grandmother.age - self.tri(18, 28, 21)),
                Relationship.SON_DAUGHTER.value,
                2,
                grandfather,
                grandmother,
                marital="married",
            )
            daughter_in_law = _Person(
                "F",
                max(18, son.age - self.tri(0, 8, 3)),
                Relationship.IN_LAW.value,
                2,
                husband=son,
                marital="married",
            )
            grandchildren = self.children_of(
                daughter_in_law.age, son, daughter_in_law, 3, mean, at_least_one=True
            )
            for child in grandchildren:
                child.relationship = Relationship.GRANDCHILD.value
            return [grandfather, grandmother, son, daughter_in_law, *grandchildren]
        if kind == "grandparent_carer":
            sex = "F" if self.chance(0.7) else "M"
            carer = _Person(sex, self.tri(55, 80, 62), focal, 1, marital="widowed")
            father, mother = self.absent_parents(max(20, carer.age - self.tri(20, 30, 24)), 2)
            if sex == "M":
                father.father = carer
            else:
                father.mother = carer
            kids = self.children_of(mother.age, father, mother, 3, mean, at_least_one=True)
            kids = [k for k in kids if k.age < 18] or kids
            for kid in kids:
                kid.relationship = Relationship.GRANDCHILD.value
            return [carer, father, mother, *kids]
        if kind in {"sibling_group", "child_headed", "unaccompanied_child"}:
            head_age = {
                "sibling_group": self.tri(18, 24, 19),
                "child_headed": self.tri(14, 17, 16),
                "unaccompanied_child": self.tri(12, 17, 16),
            }[kind]
            father, mother = self.absent_parents(head_age + self.tri(18, 30, 22), 1)
            head = _Person(
                "M" if self.chance(0.7) else "F", head_age, focal, 2, father, mother, marital="single"
            )
            people = [father, mother, head]
            if kind != "unaccompanied_child":
                for _ in range(1 + self.poisson(0.8)):
                    age = self.rng.randint(max(0, head_age - 12), max(0, head_age - 1))
                    people.append(_Person("M" if self.chance(0.5) else "F", age, sibling, 2, father, mother))
            return people
        if kind == "polygamous":
            husband, wife = self.couple(origin)
            husband.relationship, wife.relationship = focal, spouse
            husband.age = max(husband.age, self.tri(32, 65, 42))
            second = _Person(
                "F", max(18, wife.age - self.tri(2, 15, 7)), spouse, 1, husband=husband, marital="married"
            )
            return [
                husband,
                wife,
                second,
                *self.children_of(wife.age, husband, wife, 2, mean, at_least_one=True),
                *self.children_of(second.age, husband, second, 2, mean * 0.7, at_least_one=False),
            ]
        raise ValueError(f"unknown composition {kind!r}")

    def relatives(self, husband: _Person, wife: _Person, origin: Origin) -> list[_Person]:
        """One or two relatives living with a couple: a widowed parent or both parents, an adult
        sibling, a parent-in-law, or a nephew or niece whose parents are dead or elsewhere."""
        fp = husband if husband.relationship == Relationship.FOCAL_POINT.value else wife
        out: list[_Person] = []

        def parents_of_focal_point() -> tuple[_Person, _Person]:
            if fp.father is None or fp.mother is None:
                father = _Person("M", min(95, fp.age + self.tri(22, 38, 28)), None, 0, marital="married")
                mother = _Person(
                    "F",
                    min(95, max(fp.age + 17, father.age - self.tri(0, 10, 4))),
                    None,
                    0,
                    husband=father,
                    marital="married",
                )
                fp.father, fp.mother = father, mother
                out.extend((father, mother))
            assert fp.father is not None and fp.mother is not None
            return fp.father, fp.mother

        for _ in range(1 + int(self.chance(0.3))):
            kind = self.pick(
                ("parent", "parents", "sibling", "in_law", "nephew_niece"), (40, 55, 82, 96, 100)
            )
            if kind in {"parent", "parents"} and fp.age > 62:
                kind = "sibling"
            if kind in {"parent", "parents"}:
                father, mother = parents_of_focal_point()
                if mother.relationship is not None:
                    continue
                mother.relationship = Relationship.PARENT.value
                if kind == "parents":
                    father.relationship = Relationship.PARENT.value
                else:
                    mother.marital = "widowed"
            elif kind == "sibling":
                father, mother = parents_of_focal_point()
                sex = "M" if self.chance(0.45) else "F"
                age = min(max(18, fp.age + self.rng.randint(-12, 8)), mother.age - 16)
                out.append(
                    _Person(
                        sex,
                        max(18, age),
                        Relationship.SIBLING.value,
                        1,
                        father,
                        mother,
                        marital="single" if self.chance(0.6) else "widowed",
                    )
                )
            elif kind == "in_law":
                other = wife if fp is husband else husband
                if other.father is not None or other.age > 62:
                    continue
                sex = "F" if self.chance(0.7) else "M"
                parent = _Person(
                    sex,
                    min(95, other.age + self.tri(20, 36, 27)),
                    Relationship.IN_LAW.value,
                    0,
                    marital="widowed",
                )
                if sex == "F":
                    other.mother = parent
                else:
                    other.father = parent
                out.append(parent)
            else:  # a nephew or niece whose parents are dead or elsewhere
                father, mother = self.absent_parents(max(20, fp.age + self.rng.randint(-10, 5)), 1)
                age = self.rng.randint(1, min(17, mother.age - 16))
                out += [
                    father,
                    mother,
                    _Person(
                        "M" if self.chance(0.5) else "F",
                        age,
                        Relationship.NEPHEW_NIECE.value,
                        2,
                        father,
                        mother,
                    ),
                ]
        return out

    # -- one household -----------------------------------------------------------------------

    def household(self, arrival: dt.date) -> dict[str, Any]:
        rng = self.rng
        origin = self.table[self.pick(self.origin_codes, self.origin_cum)]
        kind = self.pick(*origin.composition)
        people = self.compose(kind, origin)
        self.assign_names(people, origin)
        members = [p for p in people if p.relationship is not None]
        order = {"focal_point": 0, "spouse": 1, "son_daughter": 2, "grandchild": 3}
        members.sort(key=lambda p: (order.get(p.relationship or "", 4), -p.age))
        registration = min(
            arrival + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3, 4, 5, 7, 10))), self.today
        )
        population = self.pick(*origin.population)
        legal = {"refugee": "refugee", "asylum_seeker": "asylum_seeker", "stateless": "stateless"}.get(
            population
        )
        primary = self.pick(*origin.primary_languages)
        nationality = self.pick(*origin.nationality)
        with_originals = origin.script is not None and self.chance(origin.original_rate)
        doc_factor = rng.choice((0.3, 1.0, 1.7))
        unaccompanied = kind in {"unaccompanied_child", "child_headed"}
        infants = any(p.age == 0 for p in members)
        out_members = []
        focal_phone: str | None = None
        for person in members:
            is_focal = person.relationship == Relationship.FOCAL_POINT.value
            data = self.member(
                person,
                origin,
                registration,
                with_originals=with_originals,
                primary=primary,
                nationality=nationality,
                legal=legal,
                doc_factor=doc_factor,
                focal=is_focal,
                infant_in_household=infants,
            )
            if is_focal:
                focal_phone = data.get("phone")
            out_members.append(data)
        block = rng.randint(1, 40)
        purposes = ["registration", "assistance"]
        if self.chance(0.6):
            purposes.append("protection")
        if self.chance(0.2):
            purposes.append("referral")
        item: dict[str, Any] = {
            "site_id": rng.choice(self.site_ids),
            "registration_level": "comprehensive" if self.chance(0.35) else "basic",
            "registration_date": registration.isoformat(),
            "arrival_date": arrival.isoformat(),
            "country_of_origin": origin.country,
            "place_of_origin": rng.choice(origin.places),
            "address": f"District {rng.randint(1, 12)}, Block {block}",
            "shelter": f"Block {block}, Shelter {rng.randint(1, 120)}",
            "phone": focal_phone,
            "population_type": population,
            "consent_given": not unaccompanied,
            "consent_purposes": purposes,
            "legal_basis": "vital_interest" if unaccompanied else "consent",
            "members": out_members,
        }
        return item

    def member(
        self,
        person: _Person,
        origin: Origin,
        registration: dt.date,
        *,
        with_originals: bool,
        primary: str,
        nationality: str,
        legal: str | None,
        doc_factor: float,
        focal: bool,
        infant_in_household: bool,
    ) -> dict[str, Any]:
        rng = self.rng
        upper = _years_before(registration, person.age)
        lower = _years_before(registration, person.age + 1) + dt.timedelta(days=1)
        dob = lower + dt.timedelta(days=rng.randint(0, (upper - lower).days))
        data: dict[str, Any] = {
            "relationship": person.relationship,
            "given_name": person.given.latin if person.given else "",
            "family_name": person.family.latin if person.family else "",
            "sex": person.sex,
        }
        if person.middle is not None:
            data["middle_name"] = person.middle.latin
        parts = [n for n in (person.given, person.middle, person.family) if n is not None]
        if with_originals and parts and all(n.original for n in parts):
            data["given_name_original"] = person.given.original if person.given else None
            if person.middle is not None:
                data["middle_name_original"] = person.middle.original
            if person.family is not None:
                data["family_name_original"] = person.family.original
            data["original_script"] = origin.script
        # documents first: whoever shows a document has an exact date of birth
        documents: list[dict[str, Any]] = []
        for rule in origin.documents:
            if rule.doc_type == "birth_certificate":
                eligible = person.age < 18
            elif rule.doc_type == "family_book":
                eligible = focal and person.age >= 18
            else:
                eligible = person.age >= 18
            if eligible and self.chance(min(1.0, rule.rate * doc_factor)):
                documents.append(self.document(rule, nationality, dob, registration))
        kind = (
            "exact"
            if documents
            else DOB_KINDS[bisect.bisect_right(origin.dob, rng.random() * origin.dob[-1])]
        )
        if kind != "exact" and person.age < 5 and self.chance(0.6):
            kind = "exact"
        if kind == "exact":
            data["date_of_birth"] = dob.isoformat()
        elif kind == "stated_age":
            data["stated_age"] = person.age
        else:
            shown = dob.replace(day=1) if kind == "month" else dob.replace(month=1, day=1)
            if person.age < 18 and _age_on(shown, registration) >= 18:
                data["date_of_birth"] = dob.isoformat()  # keep a child a child
            else:
                data["date_of_birth"] = dob.isoformat()[: 7 if kind == "month" else 4]
                if kind == "year" and self.chance(0.05):
                    data["estimated"] = True
        data["nationality"] = nationality
        data["country_of_origin"] = origin.country
        languages = [primary]
        if person.age >= 4:
            for code, p in origin.additional_languages:
                if (
                    code != primary
                    and code not in languages
                    and (code != "eng" or person.age >= 10)
                    and self.chance(p)
                ):
                    languages.append(code)
        data["languages"] = languages
        if legal is not None:
            data["legal_status"] = legal
        marital = person.marital or ("single" if person.age >= 15 else None)
        if marital is not None:
            data["marital_status"] = marital
        if person.age >= 16 and self.chance(0.88 if focal else 0.18):
            data["phone"] = self.phone()
        if documents:
            data["documents"] = documents
        if self.manual_needs:
            needs = self.needs(person, documents, infant_in_household)
            if needs:
                data["needs"] = needs
        return data

    def document(
        self, rule: DocumentRule, nationality: str, dob: dt.date, registration: dt.date
    ) -> dict[str, Any]:
        issuer = rule.issuer or nationality
        if issuer in {"XXA", "XXB", "UNK"}:
            issuer = "MMR" if rule.doc_type == "national_id" else "BGD"
        doc: dict[str, Any] = {
            "doc_type": rule.doc_type,
            "number": self.document_number(rule.template),
            "issuing_country": issuer,
        }
        earliest = dob + dt.timedelta(days=30)
        if rule.doc_type == "birth_certificate":
            issued = min(dob + dt.timedelta(days=self.rng.randint(1, 90)), registration)
        else:
            issued = registration - dt.timedelta(days=self.rng.randint(60, 9 * 365))
        issued = max(issued, earliest) if earliest <= registration else registration
        if rule.doc_type == "passport":
            doc["issue_date"] = issued.isoformat()
            doc["expiry_date"] = _years_before(issued, -7 if self.chance(0.5) else -10).isoformat()
        elif self.chance(0.5):
            doc["issue_date"] = issued.isoformat()
        return doc

    def needs(self, person: _Person, documents: list[dict[str, Any]], infant: bool) -> list[dict[str, Any]]:
        chosen: list[str] = []
        age = person.age
        if age >= 5 and self.chance(0.018):
            chosen.append(self.pick(("DS-PM", "DS-BD", "DS-DF", "DS-PS", "DS-SD"), (45, 62, 79, 93, 100)))
        if age >= 45 and self.chance(0.09):
            chosen.append("SM-CI")
        elif self.chance(0.003):
            chosen.append("SM-CC")
        if age < 5 and self.chance(0.012):
            chosen.append("SM-MN")
        if (
            person.sex == "F"
            and infant
            and person.relationship in {"focal_point", "spouse", "in_law"}
            and 18 <= age <= 45
            and self.chance(0.3)
        ):
            chosen.append("WR-LC")
        if person.extra.get("absent_partner") and person.marital == "married" and self.chance(0.1):
            chosen.append("FU-TR")
        if age >= 18 and not documents and self.chance(0.02):
            chosen.append("LP-ND")
        return [
            {"code": code, "reason": self.rng.choice(_MANUAL_NEED_REASONS[code])}
            for code in dict.fromkeys(chosen)
        ]

    def run(self, count: int) -> Iterator[dict[str, Any]]:
        span = (self.end - self.start).days
        offsets = sorted(self.rng.randint(0, span) for _ in range(count))
        for offset in offsets:
            yield self.household(self.start + dt.timedelta(days=offset))


# ---------------------------------------------------------------------------------------------
# public API


def _generator(
    count: int,
    site_ids: Sequence[uuid.UUID],
    seed: int,
    start: dt.date,
    end: dt.date,
    origin_weights: Mapping[str, float] | None,
    phone_country_code: str,
    manual_needs: bool,
) -> _Generator:
    if count < 0:
        raise ValueError("count must not be negative")
    if not site_ids:
        raise ValueError("give at least one site id")
    end = min(end, clock.today())
    if start > end:
        raise ValueError(f"start {start} is after end {end} (the end is capped at today)")
    if not phone_country_code.lstrip("+").isdigit():
        raise ValueError("phone_country_code takes digits, e.g. 962")
    return _Generator(
        seed=seed,
        site_ids=site_ids,
        start=start,
        end=end,
        weights=origin_weights,
        phone_country_code=phone_country_code,
        manual_needs=manual_needs,
    )


def generate_household_dicts(
    *,
    count: int,
    site_ids: Sequence[uuid.UUID],
    seed: int = 0,
    start: dt.date,
    end: dt.date,
    origin_weights: Mapping[str, float] | None = None,
    phone_country_code: str = "962",
    manual_needs: bool = True,
) -> Iterator[dict[str, Any]]:
    """`count` households as JSON-ready dicts in the shape of `HouseholdCreate` (dates as ISO text),
    arriving between `start` and `end` (capped at today), in order of arrival.

    `origin_weights` replaces the shipped shares of the countries of origin (e.g. {"SYR": 1});
    `manual_needs=False` leaves out the specific needs set by hand (the rules still apply).
    """
    gen = _generator(count, site_ids, seed, start, end, origin_weights, phone_country_code, manual_needs)
    return gen.run(count)


def generate_households(
    *,
    count: int,
    site_ids: Sequence[uuid.UUID],
    seed: int = 0,
    start: dt.date,
    end: dt.date,
    origin_weights: Mapping[str, float] | None = None,
    phone_country_code: str = "962",
    manual_needs: bool = True,
) -> Iterator[HouseholdCreate]:
    """`count` realistic households ready for `service.register_households` (see the module docstring
    and `generate_household_dicts`). Wrong arguments raise ValueError at once."""
    dicts = generate_household_dicts(
        count=count,
        site_ids=site_ids,
        seed=seed,
        start=start,
        end=end,
        origin_weights=origin_weights,
        phone_country_code=phone_country_code,
        manual_needs=manual_needs,
    )
    return (HouseholdCreate.model_validate(item) for item in dicts)


__all__ = [
    "DEFAULT_COMPOSITION",
    "NameEntry",
    "Origin",
    "generate_household_dicts",
    "generate_households",
    "origins",
    "parse_name",
]
