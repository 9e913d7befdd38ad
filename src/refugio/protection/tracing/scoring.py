"""Tracing scores: how well a person fits the description of the person sought, with the reasons in
words. Pure functions on prepared data: no database, no session.

Profiles. Every person taking part — a sought person, an enquirer, a registered individual — becomes a
`Profile`: the prepared row of `refugio.dedup.names.prepare` (Latin form, canonical attested name and
spelling skeletons per name part, Arabic script romanised to Latin candidates, so "محمد الأحمد"
meets "Mohammed Al-Ahmad"), a `PartialDate` of birth with its precision and a tolerance in years when
it was estimated from a stated age, places (prepared the same way: "حمص" meets "Homs"), and for a
sought person the relationship to the enquirer.

Scoring (`score`): per-field comparisons whose levels are those of refugio's dedup model — first level
that applies wins — each worth log2(m/u), the Fellegi-Sunter weight of that level (m: how often the
level holds for the same person as described by a relative; u: for two random people):

    given / family name   same Latin form (both typed in Latin) · same name, other spelling · same
                          spelling skeleton · found in another part of the name (order swaps, compound
                          names) · similar spelling (Jaro-Winkler ≥ 0.88) · different
    father's name         same · same skeleton · crossed with the family name · different
    date of birth / age   same date · one typo or day and month swapped · same month (one side known
                          to the month) · same year (one side known only to the year: weak, by design)
                          · within a year of an estimated age (the same year counts no more: the age
                          was stated) · within its tolerance · same year, other month or day ·
                          one year apart · a few years beyond the estimate · far apart
    sex · country of origin · last known phone (same or other: compared as match tokens, keyed hashes
                          of the last nine digits, `dedup.phones`; no partial match of the digits)
    places                same place of origin · origin is where last seen · other places
    family link           the candidate's father's name is the enquirer's name (a sought child), the
                          same father's name as the enquirer (a sibling), …
    relationship          the age gap fits the relationship (a sought parent is older than the enquirer,
                          a child younger by twelve years or more) · does not fit
    reciprocal            the other side is looking for this enquirer (someone looking for the enquirer:
                          strong evidence), added by the caller

A missing value on either side is no evidence (weight 0). The total is a sum of weights (no prior): a
candidate is kept from `MIN_WEIGHT`, shown as possible, likely (`LIKELY_WEIGHT`) or strong.

Imports refugio.dedup.names and .phones and this package's models (read as plain objects) only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import object_session

from refugio.core import clock
from refugio.dedup import names, phones
from refugio.protection.tracing.models import SoughtPerson, TracingRequest
from refugio.registration.models import Individual

MIN_WEIGHT = 3.0  # below this a candidate is not kept
LIKELY_WEIGHT = 9.0
STRONG_WEIGHT = 15.0


def _w(m: float, u: float) -> float:
    return round(math.log2(m / u), 2)


# (label, m, u) per comparison, in order; the first level that applies wins
LEVELS: dict[str, dict[str, float]] = {
    "name": {
        "same Latin form": _w(0.6, 0.004),
        "same name, other spelling": _w(0.25, 0.01),
        "same spelling skeleton": _w(0.08, 0.02),
        "found in another part of the name": _w(0.05, 0.005),
        "similar spelling": _w(0.04, 0.03),
        "different": _w(0.03, 0.931),
    },
    "father_name": {
        "same": _w(0.7, 0.02),
        "same spelling skeleton": _w(0.08, 0.02),
        "crossed with the family name": _w(0.05, 0.005),
        "different": _w(0.17, 0.955),
    },
    "date_of_birth": {
        "same date": _w(0.55, 0.0003),
        "one typo or day and month swapped": _w(0.08, 0.003),
        "same month (one side known to the month)": _w(0.1, 0.004),
        "same year (one side known only to the year)": _w(0.15, 0.02),
        "within a year of an estimated age": _w(0.6, 0.04),
        "within the tolerance of an estimated age": _w(0.25, 0.05),
        "same year, other month or day": _w(0.04, 0.02),
        "one year apart": _w(0.05, 0.04),
        "a few years beyond the estimate": _w(0.04, 0.1),
        "far apart": _w(0.02, 0.78),
    },
    "sex": {"same": _w(0.97, 0.5), "different": _w(0.03, 0.5)},
    "country_of_origin": {"same": _w(0.95, 0.4), "different": _w(0.05, 0.6)},
    "phone": {"same number": _w(0.5, 0.0001), "other number": _w(0.5, 0.9999)},
    "places": {
        "same place of origin": _w(0.5, 0.03),
        "origin is the place last seen": _w(0.2, 0.03),
        "other places": _w(0.5, 0.97),
    },
    "family_link": {
        "father's name is the enquirer's given name": _w(0.5, 0.01),
        "same father's name as the enquirer": _w(0.5, 0.02),
        "given name is the enquirer's father's name": _w(0.5, 0.01),
    },
    "relationship": {"age gap fits the relationship": _w(0.95, 0.5), "age gap does not fit": _w(0.05, 0.6)},
    "reciprocal": {
        "the other side is looking for the enquirer": _w(0.5, 0.005),
        "the other side is looking for the enquirer, relationships agree": _w(0.6, 0.002),
    },
}

FIELDS = {
    "given_name": "given name",
    "family_name": "family name",
    "father_name": "father's name",
    "date_of_birth": "date of birth / age",
    "sex": "sex",
    "country_of_origin": "country of origin",
    "phone": "phone",
    "places": "places",
    "family_link": "family link",
    "relationship": "relationship",
    "reciprocal": "reciprocal request",
}


@dataclass(frozen=True)
class Reason:
    """One field's part in a candidate's weight, in words."""

    field: str
    level: str
    weight: float

    @property
    def text(self) -> str:
        return f"{FIELDS.get(self.field, self.field)}: {self.level} ({self.weight:+.1f})"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "level": self.level, "weight": self.weight}


@dataclass(frozen=True)
class Profile:
    """A person as tracing compares them (see the module docstring)."""

    prepared: dict[str, Any]
    born: names.PartialDate | None = None
    tolerance: int = 0
    places: tuple[names.PreparedName, ...] = ()
    origin_place: names.PreparedName = names.EMPTY_NAME
    relationship: str | None = None
    romanised: frozenset[str] = frozenset()  # name parts whose Latin form is machine-made (from the script)

    @property
    def has_name(self) -> bool:
        return bool(self.prepared.get("given_canon") or self.prepared.get("family_canon"))


@dataclass
class Score:
    weight: float
    reasons: list[Reason] = field(default_factory=list)

    def add(self, comparison: str, field_name: str, level: str) -> None:
        w = LEVELS[comparison][level]
        self.reasons.append(Reason(field_name, level, w))
        self.weight = round(self.weight + w, 2)

    @property
    def strength(self) -> str:
        return strength(self.weight)


def strength(weight: float) -> str:
    if weight >= STRONG_WEIGHT:
        return "strong"
    if weight >= LIKELY_WEIGHT:
        return "likely"
    return "possible"


# ---------------------------------------------------------------------------------------------
# profiles


def estimated_tolerance(age: int) -> int:
    """Years either side of a birth year estimated from a stated age (ages are rounded more with age)."""
    if age < 18:
        return 2
    if age < 50:
        return 3
    return 5


def birth_of(
    date_of_birth: str | None, age: int | None, age_on: dt.date | None
) -> tuple[names.PartialDate | None, int]:
    """A partial date of birth and its tolerance: from the date when known, else from the stated age."""
    if date_of_birth:
        born = names.parse_partial_date(date_of_birth)
        if born is not None:
            return born, 0
    if age is not None:
        on = age_on or clock.today()
        return names.PartialDate(on.year - age, None, None, "estimated"), estimated_tolerance(age)
    return None, 0


def _place(text: str | None, country: str | None) -> names.PreparedName:
    return names.prepare_name(text, None, country) if text else names.EMPTY_NAME


def _prepared(
    record_id: str,
    fields: Any,
    *,
    sex: str | None,
    born: names.PartialDate | None,
    country: str | None,
    phone: str | None,
    owner: Any,
) -> dict[str, Any]:
    """The prepared row of a person in a request (`owner`: the ORM object whose session's database key
    turns the phone into its match token, as the dedup index holds it: `dedup.phones`)."""
    row = names.prepare(
        names.PersonInput(
            record_id=record_id,
            given_name=fields.given_name,
            middle_name=fields.middle_name,
            family_name=fields.family_name,
            given_name_original=fields.given_name_original,
            middle_name_original=fields.middle_name_original,
            family_name_original=fields.family_name_original,
            sex=sex,
            date_of_birth=born,
            country_of_origin=country,
            phone=phone,
        )
    )
    if row.get("phone"):
        phones.tokenise(object_session(owner), [row])
    return row


def romanised_parts(fields: Any) -> frozenset[str]:
    """Name parts known only in a non-Latin script: their Latin form is a romanisation, not a spelling."""
    out = set()
    for part in ("given", "middle", "family"):
        latin = getattr(fields, f"{part}_name", None)
        original = getattr(fields, f"{part}_name_original", None)
        if (not latin and original) or (latin and not latin.isascii() and names.has_arabic_script(latin)):
            out.add(part)
    return frozenset(out)


def sought_profile(person: SoughtPerson) -> Profile:
    """The profile of a sought person, from what the enquirer knows."""
    born, tolerance = birth_of(person.date_of_birth, person.age, person.age_on)
    country = person.country_of_origin
    prepared = _prepared(
        str(person.id), person, sex=person.sex, born=born, country=country, phone=person.phone, owner=person
    )
    places = tuple(
        p for p in (_place(person.place_of_origin, country), _place(person.place_last_seen, country))
    )
    return Profile(
        prepared,
        born,
        tolerance,
        places=places,
        origin_place=places[0],
        relationship=person.relationship,
        romanised=romanised_parts(person),
    )


@dataclass(frozen=True)
class _Names:
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None


def enquirer_profile(
    request: TracingRequest, registered: Individual | None = None, place: str | None = None
) -> Profile:
    """The profile of a request's enquirer: the registered record when there is one, else as described."""
    if registered is not None:
        stored = names.PartialDate.from_stored(registered.date_of_birth, registered.dob_precision)
        country = registered.country_of_origin
        prepared = _prepared(
            str(request.id),
            registered,
            sex=registered.sex,
            born=stored,
            country=country,
            phone=registered.phone,
            owner=registered,
        )
        tolerance = 2 if registered.dob_precision == "estimated" else 0
        origin = _place(place, country)
        return Profile(prepared, stored, tolerance, places=(origin,), origin_place=origin)
    born, tolerance = birth_of(request.enquirer_date_of_birth, None, None)
    fields = _Names(
        request.enquirer_given_name,
        request.enquirer_middle_name,
        request.enquirer_family_name,
        request.enquirer_given_name_original,
        request.enquirer_middle_name_original,
        request.enquirer_family_name_original,
    )
    country = request.enquirer_country_of_origin
    prepared = _prepared(
        str(request.id),
        fields,
        sex=request.enquirer_sex,
        born=born,
        country=country,
        phone=request.enquirer_phone,
        owner=request,
    )
    return Profile(prepared, born, tolerance)


def registered_profile(prepared: dict[str, Any], place_of_origin: str | None = None) -> Profile:
    """The profile of a registered person, from the dedup index's prepared row."""
    born: names.PartialDate | None = None
    dob, precision = prepared.get("dob"), prepared.get("dob_precision")
    if dob and precision:
        parsed = names.parse_partial_date(dob)
        if parsed is not None:
            born = names.PartialDate(parsed.year, parsed.month, parsed.day, str(precision))
    tolerance = 2 if precision == "estimated" else 0
    origin = _place(place_of_origin, prepared.get("country"))
    return Profile(prepared, born, tolerance, places=(origin,), origin_place=origin)


# ---------------------------------------------------------------------------------------------
# comparisons


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (0 … 1)."""
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    reach = max(max(la, lb) // 2 - 1, 0)
    a_hit, b_hit = [False] * la, [False] * lb
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - reach), min(lb, i + reach + 1)):
            if not b_hit[j] and b[j] == ch:
                a_hit[i] = b_hit[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    transpositions, k = 0, 0
    for i in range(la):
        if a_hit[i]:
            while not b_hit[k]:
                k += 1
            if a[i] != b[k]:
                transpositions += 1
            k += 1
    jaro = (matches / la + matches / lb + (matches - transpositions / 2) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


_OTHERS = {"given": ("family", "middle"), "family": ("given", "middle")}


def _name_level(part: str, a: dict[str, Any], b: dict[str, Any], typed: bool = True) -> str | None:
    """`typed`: both Latin forms were typed (not romanised from another script)."""
    ca, cb = a.get(f"{part}_canon"), b.get(f"{part}_canon")
    if not ca or not cb:
        return None
    la, lb = a.get(f"{part}_latin") or "", b.get(f"{part}_latin") or ""
    if typed and la and la == lb:
        return "same Latin form"
    if ca == cb:
        return "same name, other spelling"
    if set(a.get(f"{part}_skels") or ()) & set(b.get(f"{part}_skels") or ()):
        return "same spelling skeleton"
    others_a = {a.get(f"{o}_canon") for o in _OTHERS[part]} - {None, ""}
    others_b = {b.get(f"{o}_canon") for o in _OTHERS[part]} - {None, ""}
    units_a, units_b = set(ca.split(" ")), set(cb.split(" "))
    if (
        ca in others_b
        or cb in others_a
        or units_a & set(b.get("name_units") or ())
        or units_b & set(a.get("name_units") or ())
    ):
        return "found in another part of the name"
    if la and lb and jaro_winkler(la, lb) >= 0.88:
        return "similar spelling"
    return "different"


def _father_level(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    ma, mb = a.get("middle_canon"), b.get("middle_canon")
    if not ma or not mb:
        return None
    if ma == mb:
        return "same"
    if a.get("middle_skel") and a.get("middle_skel") == b.get("middle_skel"):
        return "same spelling skeleton"
    if ma == b.get("family_canon") or mb == a.get("family_canon"):
        return "crossed with the family name"
    return "different"


def _one_typo(x: str, y: str) -> bool:
    if len(x) != len(y):
        return False
    return sum(1 for p, q in zip(x, y, strict=True) if p != q) <= 1


def date_level(
    a: names.PartialDate | None, a_tol: int, b: names.PartialDate | None, b_tol: int
) -> str | None:
    """How two dates of birth compare, honest about precision (see the module docstring)."""
    if a is None or b is None:
        return None
    if a.precision == "exact" and b.precision == "exact":
        if a.iso == b.iso:
            return "same date"
        if a.year == b.year and (_one_typo(a.iso, b.iso) or (a.month == b.day and a.day == b.month)):
            return "one typo or day and month swapped"
    if (
        a.month is not None
        and a.year == b.year
        and a.month == b.month
        and ("month" in (a.precision, b.precision))
    ):
        return "same month (one side known to the month)"
    tolerance = max(a_tol if a.precision == "estimated" else 0, b_tol if b.precision == "estimated" else 0)
    gap = abs(a.year - b.year)
    if tolerance:  # an age stated or estimated: the same year is no better evidence than a year off
        if gap <= 1:
            return "within a year of an estimated age"
        if gap <= tolerance:
            return "within the tolerance of an estimated age"
    elif a.year == b.year and "year" in (a.precision, b.precision):
        return "same year (one side known only to the year)"
    if a.year == b.year:
        return "same year, other month or day"
    if gap <= 1:
        return "one year apart"
    if tolerance and gap <= tolerance + 3:
        return "a few years beyond the estimate"
    return "far apart"


def _place_level(sought: Profile, other: Profile) -> str | None:
    origin = other.origin_place
    known = [p for p in sought.places if not p.empty]
    if origin.empty or not known:
        return None

    def same(x: names.PreparedName, y: names.PreparedName) -> bool:
        return x.canon == y.canon or bool(set(x.skels) & set(y.skels))

    if not sought.origin_place.empty and same(sought.origin_place, origin):
        return "same place of origin"
    if any(same(p, origin) for p in known):
        return "origin is the place last seen"
    return "other places"


# years by which the sought person is older (+) or younger (-) than the enquirer: (least, most)
_AGE_GAPS: dict[str, tuple[int, int]] = {
    "child": (-70, -12),
    "parent": (12, 70),
    "grandchild": (-110, -30),
    "grandparent": (30, 110),
    "sibling": (-25, 25),
    "spouse": (-30, 30),
    "cousin": (-40, 40),
}


def _relationship_level(relationship: str | None, candidate: Profile, enquirer: Profile | None) -> str | None:
    if not relationship or enquirer is None or candidate.born is None or enquirer.born is None:
        return None
    gap = _AGE_GAPS.get(relationship)
    if gap is None:
        return None
    slack = candidate.tolerance + enquirer.tolerance + 1
    older_by = enquirer.born.year - candidate.born.year  # how much older the candidate is
    if gap[0] - slack <= older_by <= gap[1] + slack:
        return "age gap fits the relationship"
    return "age gap does not fit"


def _family_link_level(
    relationship: str | None, candidate: dict[str, Any], enquirer: dict[str, Any]
) -> str | None:
    """Naming customs where the father's name is the middle name (Arab, Afghan, Somali, Eritrean …)."""
    if relationship == "child" and enquirer.get("sex") == "M":
        if candidate.get("middle_canon") and candidate["middle_canon"] == enquirer.get("given_canon"):
            return "father's name is the enquirer's given name"
    elif relationship == "sibling":
        if candidate.get("middle_canon") and candidate["middle_canon"] == enquirer.get("middle_canon"):
            return "same father's name as the enquirer"
    elif (
        relationship == "parent"
        and candidate.get("sex") == "M"
        and candidate.get("given_canon")
        and candidate["given_canon"] == enquirer.get("middle_canon")
    ):
        return "given name is the enquirer's father's name"
    return None


def score(sought: Profile, candidate: Profile, *, enquirer: Profile | None = None) -> Score:
    """How well `candidate` fits the description of `sought` (`enquirer`: who is looking)."""
    a, b = sought.prepared, candidate.prepared
    result = Score(0.0)
    for part in ("given", "family"):
        typed = part not in sought.romanised and part not in candidate.romanised
        level = _name_level(part, a, b, typed)
        if level is not None:
            result.add("name", f"{part}_name", level)
    level = _father_level(a, b)
    if level is not None:
        result.add("father_name", "father_name", level)
    level = date_level(sought.born, sought.tolerance, candidate.born, candidate.tolerance)
    if level is not None:
        result.add("date_of_birth", "date_of_birth", level)
    sa, sb = names.sex_key(a.get("sex")), names.sex_key(b.get("sex"))
    if sa and sb:
        result.add("sex", "sex", "same" if sa == sb else "different")
    if a.get("country") and b.get("country"):
        result.add(
            "country_of_origin", "country_of_origin", "same" if a["country"] == b["country"] else "different"
        )
    if a.get("phone") and b.get("phone"):
        result.add("phone", "phone", "same number" if a["phone"] == b["phone"] else "other number")
    level = _place_level(sought, candidate)
    if level is not None:
        result.add("places", "places", level)
    if enquirer is not None:
        level = _family_link_level(sought.relationship, b, enquirer.prepared)
        if level is not None:
            result.add("family_link", "family_link", level)
    level = _relationship_level(sought.relationship, candidate, enquirer)
    if level is not None:
        result.add("relationship", "relationship", level)
    return result


def add_reciprocal(result: Score, *, relationships_agree: bool) -> None:
    level = (
        "the other side is looking for the enquirer, relationships agree"
        if relationships_agree
        else "the other side is looking for the enquirer"
    )
    result.add("reciprocal", "reciprocal", level)
