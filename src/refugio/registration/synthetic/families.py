"""The people of one synthetic household before they become input: their composition (couples,
single parents, extended families, children without parents…), ages that follow from the parents'
ages, relationships and names by the origin's naming custom. Every draw comes from one seeded
`random.Random`, in a fixed order: the same seed gives the same people.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from refugio.core import clock
from refugio.registration.enums import Relationship
from refugio.registration.synthetic.origins import (
    _NUMBER_MODULUS,
    _NUMBER_MULTIPLIER,
    _SEED_BLOCK,
    NameEntry,
    NameList,
    Origin,
    _weights,
    origins,
)

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


class Families:
    """The random draws of the generator and the people of one household: who lives in it, their ages,
    sexes, relationships and names. Every draw comes from `self.rng`, in a fixed order."""

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
        """A mobile number valid in Jordan (077/078/079, then 5-9: 0773, 0784 and the like are not)."""
        r = self.rng
        return f"+{self.phone_cc} 7{r.choice('789')} {r.randint(500, 999)} {r.randint(1000, 9999)}"

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
        """The people of a household of composition `kind` (with the absent parents the names need)."""
        build = {
            "couple_children": self._couple_children,
            "extended": self._couple_children,
            "couple": self._couple_only,
            "older_couple": self._older_couple,
            "single_mother": self._single_parent,
            "single_father": self._single_parent,
            "single_adult": self._single_adult,
            "older_alone": self._older_alone,
            "three_generations": self._three_generations,
            "grandparent_carer": self._grandparent_carer,
            "sibling_group": self._siblings,
            "child_headed": self._siblings,
            "unaccompanied_child": self._siblings,
            "polygamous": self._polygamous,
        }.get(kind)
        if build is None:
            raise ValueError(f"unknown composition {kind!r}")
        return build(kind, origin)

    def _couple_children(self, kind: str, origin: Origin) -> list[_Person]:
        husband, wife = self.couple(origin)
        mean = origin.children_mean
        people = [husband, wife, *self.children_of(wife.age, husband, wife, 2, mean, at_least_one=True)]
        if kind == "extended":
            people += self.relatives(husband, wife, origin)
        return people

    def _couple_only(self, kind: str, origin: Origin) -> list[_Person]:
        husband, wife = self.couple(origin)
        return [husband, wife]

    def _older_couple(self, kind: str, origin: Origin) -> list[_Person]:
        return list(self.couple(origin, older=True))

    def _single_parent(self, kind: str, origin: Origin) -> list[_Person]:
        sex = "F" if kind == "single_mother" else "M"
        parent = _Person(sex, self.tri(18, 56, 29), Relationship.FOCAL_POINT.value, 1)
        other = _Person("M" if sex == "F" else "F", parent.age, None, 1)
        father, mother = (other, parent) if sex == "F" else (parent, other)
        mother.husband = father
        parent.marital = self.pick(("married", "widowed", "separated", "divorced"), (30, 60, 85, 100))
        mother_age = parent.age if sex == "F" else max(18, parent.age - self.tri(0, 12, 4))
        kids = self.children_of(mother_age, father, mother, 2, origin.children_mean, at_least_one=True)
        parent.extra["absent_partner"] = True
        return [parent, other, *kids]

    def _single_adult(self, kind: str, origin: Origin) -> list[_Person]:
        sex = "M" if self.chance(0.72) else "F"
        age = self.tri(18, 50, 24)
        marital = "married" if self.chance(0.25) else "single"
        return [_Person(sex, age, Relationship.FOCAL_POINT.value, 1, marital=marital)]

    def _older_alone(self, kind: str, origin: Origin) -> list[_Person]:
        sex = "F" if self.chance(0.65) else "M"
        age = self.tri(60, 94, 67)
        marital = self.pick(("widowed", "married", "single", "divorced"), (70, 85, 93, 100))
        return [_Person(sex, age, Relationship.FOCAL_POINT.value, 1, marital=marital)]

    def _three_generations(self, kind: str, origin: Origin) -> list[_Person]:
        grandfather, grandmother = self.couple(origin)
        grandfather.age = max(grandfather.age, self.tri(48, 75, 58))
        grandmother.age = max(18, grandfather.age - self.tri(0, 10, 4))
        son_age = max(18, grandmother.age - self.tri(18, 28, 21))
        son = _Person(
            "M", son_age, Relationship.SON_DAUGHTER.value, 2, grandfather, grandmother, marital="married"
        )
        in_law_age = max(18, son.age - self.tri(0, 8, 3))
        daughter_in_law = _Person(
            "F", in_law_age, Relationship.IN_LAW.value, 2, husband=son, marital="married"
        )
        grandchildren = self.children_of(
            daughter_in_law.age, son, daughter_in_law, 3, origin.children_mean, at_least_one=True
        )
        for child in grandchildren:
            child.relationship = Relationship.GRANDCHILD.value
        return [grandfather, grandmother, son, daughter_in_law, *grandchildren]

    def _grandparent_carer(self, kind: str, origin: Origin) -> list[_Person]:
        sex = "F" if self.chance(0.7) else "M"
        carer = _Person(sex, self.tri(55, 80, 62), Relationship.FOCAL_POINT.value, 1, marital="widowed")
        father, mother = self.absent_parents(max(20, carer.age - self.tri(20, 30, 24)), 2)
        if sex == "M":
            father.father = carer
        else:
            father.mother = carer
        kids = self.children_of(mother.age, father, mother, 3, origin.children_mean, at_least_one=True)
        kids = [k for k in kids if k.age < 18] or kids
        for kid in kids:
            kid.relationship = Relationship.GRANDCHILD.value
        return [carer, father, mother, *kids]

    def _siblings(self, kind: str, origin: Origin) -> list[_Person]:
        """Sibling groups, child-headed households and unaccompanied children: parents absent."""
        head_age = {
            "sibling_group": self.tri(18, 24, 19),
            "child_headed": self.tri(14, 17, 16),
            "unaccompanied_child": self.tri(12, 17, 16),
        }[kind]
        father, mother = self.absent_parents(head_age + self.tri(18, 30, 22), 1)
        head_sex = "M" if self.chance(0.7) else "F"
        head = _Person(
            head_sex, head_age, Relationship.FOCAL_POINT.value, 2, father, mother, marital="single"
        )
        people = [father, mother, head]
        if kind != "unaccompanied_child":
            for _ in range(1 + self.poisson(0.8)):
                age = self.rng.randint(max(0, head_age - 12), max(0, head_age - 1))
                sex = "M" if self.chance(0.5) else "F"
                people.append(_Person(sex, age, Relationship.SIBLING.value, 2, father, mother))
        return people

    def _polygamous(self, kind: str, origin: Origin) -> list[_Person]:
        husband, wife = self.couple(origin)
        husband.relationship, wife.relationship = Relationship.FOCAL_POINT.value, Relationship.SPOUSE.value
        husband.age = max(husband.age, self.tri(32, 65, 42))
        second_age = max(18, wife.age - self.tri(2, 15, 7))
        second = _Person("F", second_age, Relationship.SPOUSE.value, 1, husband=husband, marital="married")
        mean = origin.children_mean
        return [
            husband,
            wife,
            second,
            *self.children_of(wife.age, husband, wife, 2, mean, at_least_one=True),
            *self.children_of(second.age, husband, second, 2, mean * 0.7, at_least_one=False),
        ]

    def relatives(self, husband: _Person, wife: _Person, origin: Origin) -> list[_Person]:
        """One or two relatives living with a couple: a widowed parent or both parents, an adult
        sibling, a parent-in-law, or a nephew or niece whose parents are dead or elsewhere."""
        fp = husband if husband.relationship == Relationship.FOCAL_POINT.value else wife
        out: list[_Person] = []
        for _ in range(1 + int(self.chance(0.3))):
            kind = self.pick(
                ("parent", "parents", "sibling", "in_law", "nephew_niece"), (40, 55, 82, 96, 100)
            )
            if kind in {"parent", "parents"} and fp.age > 62:
                kind = "sibling"
            if kind in {"parent", "parents"}:
                self._parents_join(fp, out, both=kind == "parents")
            elif kind == "sibling":
                self._sibling_joins(fp, out)
            elif kind == "in_law":
                self._in_law_joins(wife if fp is husband else husband, out)
            else:
                self._nephew_or_niece_joins(fp, out)
        return out

    def _parents_of(self, fp: _Person, out: list[_Person]) -> tuple[_Person, _Person]:
        """The focal point's parents, made (and added to `out`, not yet members) when unknown."""
        if fp.father is None or fp.mother is None:
            father = _Person("M", min(95, fp.age + self.tri(22, 38, 28)), None, 0, marital="married")
            mother_age = min(95, max(fp.age + 17, father.age - self.tri(0, 10, 4)))
            mother = _Person("F", mother_age, None, 0, husband=father, marital="married")
            fp.father, fp.mother = father, mother
            out.extend((father, mother))
        assert fp.father is not None and fp.mother is not None
        return fp.father, fp.mother

    def _parents_join(self, fp: _Person, out: list[_Person], *, both: bool) -> None:
        father, mother = self._parents_of(fp, out)
        if mother.relationship is not None:
            return
        mother.relationship = Relationship.PARENT.value
        if both:
            father.relationship = Relationship.PARENT.value
        else:
            mother.marital = "widowed"

    def _sibling_joins(self, fp: _Person, out: list[_Person]) -> None:
        father, mother = self._parents_of(fp, out)
        sex = "M" if self.chance(0.45) else "F"
        age = min(max(18, fp.age + self.rng.randint(-12, 8)), mother.age - 16)
        marital = "single" if self.chance(0.6) else "widowed"
        out.append(_Person(sex, max(18, age), Relationship.SIBLING.value, 1, father, mother, marital=marital))

    def _in_law_joins(self, other: _Person, out: list[_Person]) -> None:
        if other.father is not None or other.age > 62:
            return
        sex = "F" if self.chance(0.7) else "M"
        age = min(95, other.age + self.tri(20, 36, 27))
        parent = _Person(sex, age, Relationship.IN_LAW.value, 0, marital="widowed")
        if sex == "F":
            other.mother = parent
        else:
            other.father = parent
        out.append(parent)

    def _nephew_or_niece_joins(self, fp: _Person, out: list[_Person]) -> None:
        """A nephew or niece whose parents are dead or elsewhere."""
        father, mother = self.absent_parents(max(20, fp.age + self.rng.randint(-10, 5)), 1)
        age = self.rng.randint(1, min(17, mother.age - 16))
        sex = "M" if self.chance(0.5) else "F"
        out += [father, mother, _Person(sex, age, Relationship.NEPHEW_NIECE.value, 2, father, mother)]
