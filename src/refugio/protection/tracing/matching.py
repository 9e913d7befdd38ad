"""Tracing matches: who might be the person sought, with a match weight and the reasons in words.

Profiles. Every person taking part — a sought person, an enquirer, a registered individual — becomes a
`Profile`: the prepared row of `refugio.dedup.names.prepare` (Latin form, canonical attested name and
spelling skeletons per name part, Arabic script romanised to Latin candidates, so "محمد الأحمد"
meets "Mohammed Al-Ahmad"), a `PartialDate` of birth with its precision and a tolerance in years when
it was estimated from a stated age, places (prepared the same way: "حمص" meets "Homs"), and for a
sought person the relationship to the enquirer.

Scoring (`score`): per-field comparisons whose levels are those of refugio's dedup model — first level
that applies wins — each worth log2(m/u), the Fellegi-Sunter weight of that level (m: how often the
level holds for the same person as described by a relative; u: for two random people):

    given / family name   same Latin form · same name, other spelling · same spelling skeleton ·
                          found in another part of the name (order swaps, compound names) ·
                          similar spelling (Jaro-Winkler ≥ 0.88) · different
    father's name         same · same skeleton · crossed with the family name · different
    date of birth / age   same date · one typo or day and month swapped · same month (one side known
                          to the month) · same year (one side known only to the year: weak, by design)
                          · within a year of an estimated age (the same year counts no more: the age
                          was stated) · within its tolerance · same year, other month or day ·
                          one year apart · a few years beyond the estimate · far apart
    sex · country of origin · last known phone
    places                same place of origin · origin is where last seen · other places
    family link           the candidate's father's name is the enquirer's name (a sought child), the
                          same father's name as the enquirer (a sibling), …
    relationship          the age gap fits the relationship (a sought parent is older than the enquirer,
                          a child younger by twelve years or more) · does not fit
    reciprocal            the other side is looking for this enquirer (someone looking for the enquirer:
                          strong evidence), added by the caller

A missing value on either side is no evidence (weight 0). The total is a sum of weights (no prior): a
candidate is kept from `MIN_WEIGHT`, shown as possible, likely (`LIKELY_WEIGHT`) or strong.

Blocking (`registered_candidates`, `request_candidates`): one request against a million registered
people must take well under a second, so candidates come from indexed look-ups — the dedup index's
keys (given|family skeletons, with the birth year over the tolerance of the age, name-order swaps,
the father's name recorded as family name, exact dates, canonical names, phone) for registered people,
and this package's `TracingKey` for other requests. The scope is the caller's: registered people in
operations/sites where the worker holds INDIVIDUAL_VIEW, requests where they hold TRACING_VIEW, and
only requests with tracing consent, open, and not withdrawn.

Reads only; imports refugio.dedup (names, index, models), registration models and scope helpers.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, select, union_all
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.dedup import index as dedup_index
from refugio.dedup import names
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.protection.tracing.enums import (
    OPEN_STATUSES,
    RECIPROCAL_RELATIONSHIP,
    CandidateKind,
)
from refugio.protection.tracing.models import SoughtPerson, TracingKey, TracingRequest
from refugio.registration.models import Household, Individual, Operation, Site
from refugio.registration.queries import scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MIN_WEIGHT = 3.0  # below this a candidate is not kept
LIKELY_WEIGHT = 9.0
STRONG_WEIGHT = 15.0
PER_PERSON = 20  # candidates kept per sought person and kind
BLOCK_PER_KIND = 2000  # rows read per key kind among the keys of other requests
BLOCK_PER_VALUE = 400  # dedup-index rows read per key value
YEARLESS_BELOW = 100  # name pairs without the year are looked up when the years found fewer people
SCORE_LIMIT = 800  # candidates scored per sought person (best blocking score first)
DETAIL_LIMIT = 60  # best candidates read in full (places, visibility) before the final ranking
INDEX_SYNC_LAG = 500  # audit entries behind: bring the dedup index up to date first
REGISTERED_STATUSES = ("active", "deceased", "departed")


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
) -> dict[str, Any]:
    return names.prepare(
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
        str(person.id), person, sex=person.sex, born=born, country=country, phone=person.phone
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


# ---------------------------------------------------------------------------------------------
# blocking keys


def _years(profile: Profile) -> list[int]:
    if profile.born is None:
        return []
    spread = profile.tolerance + 1 if profile.born.precision == "estimated" else 1
    return list(range(profile.born.year - spread, profile.born.year + spread + 1))


def probe_keys(profile: Profile) -> dict[str, set[str]]:
    """Dedup-index keys (kind → values) to look up for a sought person."""
    row = profile.prepared
    g_skels = list(row.get("given_skels") or [])
    f_skels = list(row.get("family_skels") or [])
    m_skel = row.get("middle_skel")
    pairs: set[tuple[str, str]] = set()
    for g in g_skels:
        for f in f_skels:
            pairs |= {(g, f), (f, g)}  # and the name-order swap
        if m_skel:
            pairs.add((g, m_skel))  # the father's name recorded as family name
    keys: dict[str, set[str]] = defaultdict(set)
    for g, f in pairs:
        keys["gf"].add(f"{g}|{f}"[:120])
        for y in _years(profile):
            keys["gfy"].add(f"{g}|{f}|{y}"[:120])
    born = profile.born
    if born is not None and born.precision == "exact":
        for g in g_skels:
            keys["gd"].add(f"{g}|{born.iso}"[:120])
        for f in f_skels:
            keys["fd"].add(f"{f}|{born.iso}"[:120])
    if row.get("given_canon") and row.get("family_canon") and row.get("middle_canon"):
        keys["gmf"].add(f"{row['given_canon']}|{row['middle_canon']}|{row['family_canon']}"[:120])
    if row.get("phone"):
        keys["tel"].add(row["phone"])
    return keys


def request_keys(profile: Profile) -> set[tuple[str, str]]:
    """The stored keys of a person in a request: given|family skeletons (both orders), phone."""
    row = profile.prepared
    keys: set[tuple[str, str]] = set()
    for g in row.get("given_skels") or []:
        for f in row.get("family_skels") or []:
            keys.add(("gf", f"{g}|{f}"[:120]))
            keys.add(("gf", f"{f}|{g}"[:120]))
    if row.get("phone"):
        keys.add(("tel", row["phone"]))
    return keys


def _flat(keys: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(k, v) for k, values in keys.items() for v in values}


# ---------------------------------------------------------------------------------------------
# candidates among registered people


@dataclass(frozen=True)
class Found:
    """A scored candidate (not yet stored)."""

    kind: CandidateKind
    target: str
    operation_id: uuid.UUID
    weight: float
    reasons: tuple[Reason, ...]
    individual_id: uuid.UUID | None = None
    other_request_id: uuid.UUID | None = None
    other_person_id: uuid.UUID | None = None
    reciprocal: bool = False

    @property
    def strength(self) -> str:
        return strength(self.weight)


def _operations_in_scope(session: Session, actor: Principal, permission: Permission) -> list[uuid.UUID]:
    scope = actor.scope(permission)
    if scope.everything:
        return list(session.scalars(select(Operation.id)))
    ops = set(scope.operation_ids)
    if scope.site_ids:
        ops |= set(session.scalars(select(Site.operation_id).where(Site.id.in_(scope.site_ids))))
    return sorted(ops)


def _keyed_ids(
    session: Session, operations: Sequence[uuid.UUID], keys: dict[str, set[str]]
) -> dict[uuid.UUID, float]:
    """Registered people sharing keys with the probe, with a blocking score: the kinds of key shared,
    rare keys counting more than common ones. Each name key is looked up on its own (at most
    `BLOCK_PER_VALUE` rows), so that a common pair (Fatima|Mohammed) never crowds out a rare one
    (Fatima|Qadri). Name pairs without the year are looked up only when the years found too little."""
    hits: dict[uuid.UUID, float] = defaultdict(float)

    def take(kind: str, values: Sequence[str], weight: float, limit: int) -> int:
        """One statement: for each value, at most `limit` people (a UNION ALL of limited look-ups)."""
        if not values:
            return 0
        parts = [
            select(DedupKey.individual_id, DedupKey.value)
            .where(DedupKey.operation_id.in_(operations), DedupKey.kind == kind, DedupKey.value == value)
            .limit(limit)
            .subquery()
            for value in values
        ]
        selects = [select(p.c.individual_id, p.c.value) for p in parts]
        stmt = selects[0] if len(selects) == 1 else union_all(*selects)
        by_value: dict[str, list[uuid.UUID]] = defaultdict(list)
        for iid, value in session.connection().execute(stmt):
            by_value[value].append(iid)
        for ids in by_value.values():
            share = weight * (1.0 + 1.0 / math.log2(2 + len(ids)))
            for iid in ids:
                hits[iid] += share
        return sum(len(v) for v in by_value.values())

    with_year = take("gfy", sorted(keys.get("gfy") or ()), 2.0, BLOCK_PER_VALUE)
    for kind in ("gmf", "gd", "fd", "tel"):
        take(kind, sorted(keys.get(kind) or ()), 2.0, BLOCK_PER_VALUE)
    if with_year < YEARLESS_BELOW:
        take("gf", sorted(keys.get("gf") or ()), 1.0, BLOCK_PER_VALUE)
    return hits


def ensure_index(session: Session) -> int:
    """Bring the dedup index up to date when it is missing or far behind; returns the remaining lag."""
    lag = dedup_index.lag(session)
    if not dedup_index.is_built(session) or lag > INDEX_SYNC_LAG:
        dedup_index.sync(session)
        return 0
    return lag


@dataclass(frozen=True)
class Registered:
    """A registered person as the matching reads them (for scoring and for the enquirer check)."""

    individual_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    prepared: dict[str, Any]


def _index_rows(session: Session, ids: Sequence[uuid.UUID]) -> list[Registered]:
    out: list[Registered] = []
    conn = session.connection()  # plain rows: no ORM bookkeeping for hundreds of index rows
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for iid, op, site, prepared in conn.execute(
            select(
                DedupPerson.individual_id, DedupPerson.operation_id, DedupPerson.site_id, DedupPerson.prepared
            ).where(DedupPerson.individual_id.in_(chunk), DedupPerson.status.in_(REGISTERED_STATUSES))
        ):
            out.append(Registered(iid, op, site, prepared))
    return out


def registered_candidates(
    session: Session,
    *,
    actor: Principal,
    sought: Profile,
    enquirer: Profile | None,
    exclude: Iterable[uuid.UUID] = (),
    lag: int = 0,
) -> list[Found]:
    """Registered people who may be `sought`, best first, among those `actor` may see."""
    if not sought.has_name and not sought.prepared.get("phone"):
        return []
    operations = _operations_in_scope(session, actor, Permission.INDIVIDUAL_VIEW)
    if not operations:
        return []
    keys = probe_keys(sought)
    hits = _keyed_ids(session, operations, keys)
    for iid in exclude:
        hits.pop(iid, None)
    ranked = sorted(hits, key=lambda i: (-hits[i], str(i)))[:SCORE_LIMIT]
    rows = {r.individual_id: r for r in _index_rows(session, ranked)}
    if lag:
        flat, excluded, op_set = _flat(keys), set(exclude), set(operations)
        for p in dedup_index.pending(session):
            if (
                p.operation_id in op_set
                and p.status in REGISTERED_STATUSES
                and p.individual_id not in excluded
                and dedup_index.keys_of(p.prepared) & flat
            ):
                rows[p.individual_id] = Registered(p.individual_id, p.operation_id, p.site_id, p.prepared)
    first = sorted(
        ((score(sought, registered_profile(r.prepared), enquirer=enquirer).weight, r) for r in rows.values()),
        key=lambda x: (-x[0], str(x[1].individual_id)),
    )
    best = [r for w, r in first[:DETAIL_LIMIT] if w >= MIN_WEIGHT - 4.5]  # places can add up to 4.1
    places = _visible_places(session, actor, [r.individual_id for r in best])
    found: list[Found] = []
    for r in best:
        if r.individual_id not in places:
            continue  # outside the worker's sites
        s = score(sought, registered_profile(r.prepared, places[r.individual_id]), enquirer=enquirer)
        if s.weight >= MIN_WEIGHT:
            found.append(
                Found(
                    CandidateKind.REGISTERED,
                    str(r.individual_id),
                    r.operation_id,
                    s.weight,
                    tuple(s.reasons),
                    individual_id=r.individual_id,
                )
            )
    found.sort(key=lambda f: (-f.weight, f.target))
    return found[:PER_PERSON]


def _visible_places(
    session: Session, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Place of origin (household) of the people `actor` may see among `ids`."""
    if not ids:
        return {}
    rows = session.execute(
        select(Individual.id, Household.place_of_origin)
        .join(Household, Household.id == Individual.household_id)
        .where(
            Individual.id.in_(list(ids)),
            scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        )
    ).all()
    return {iid: place for iid, place in rows}


# ---------------------------------------------------------------------------------------------
# candidates among other requests


def open_request_clause(actor: Principal) -> Any:
    """Requests that take part in matching and that `actor` may see."""
    return and_(
        TracingRequest.consent_given.is_(True),
        TracingRequest.consent_withdrawn_at.is_(None),
        TracingRequest.status.in_([s.value for s in OPEN_STATUSES]),
        scope_clause(actor, Permission.TRACING_VIEW, TracingRequest.operation_id, TracingRequest.site_id),
    )


@dataclass
class RequestPeople:
    """Another request, its enquirer's and sought people's profiles."""

    request: TracingRequest
    enquirer: Profile
    sought: list[tuple[SoughtPerson, Profile]]


def load_request_people(
    session: Session, requests: Sequence[TracingRequest]
) -> dict[uuid.UUID, RequestPeople]:
    enquirer_ids = [r.enquirer_individual_id for r in requests if r.enquirer_individual_id]
    registered: dict[uuid.UUID, tuple[Individual, str | None]] = {}
    if enquirer_ids:
        for ind, place in session.execute(
            select(Individual, Household.place_of_origin)
            .join(Household, Household.id == Individual.household_id)
            .where(Individual.id.in_(enquirer_ids))
        ).all():
            registered[ind.id] = (ind, place)
    out: dict[uuid.UUID, RequestPeople] = {}
    for r in requests:
        reg = registered.get(r.enquirer_individual_id) if r.enquirer_individual_id else None
        enquirer = enquirer_profile(r, reg[0], reg[1]) if reg else enquirer_profile(r)
        out[r.id] = RequestPeople(r, enquirer, [(p, sought_profile(p)) for p in r.sought])
    return out


def _reciprocal(
    other: RequestPeople, enquirer: Profile | None, relationship: str | None
) -> tuple[bool, bool]:
    """Whether `other` looks for `enquirer` (a sought person of it fits), and whether the relationships
    agree (what we seek is to them what they seek is to us, reversed)."""
    if enquirer is None or not enquirer.has_name:
        return False, False
    best: tuple[float, str | None] = (-1e9, None)
    for person, profile in other.sought:
        s = score(profile, enquirer, enquirer=other.enquirer)
        if s.weight > best[0]:
            best = (s.weight, person.relationship)
    if best[0] < MIN_WEIGHT:
        return False, False
    agree = bool(relationship) and RECIPROCAL_RELATIONSHIP.get(relationship or "") == best[1]
    return True, agree


def request_candidates(
    session: Session,
    *,
    actor: Principal,
    request: TracingRequest,
    sought: Profile,
    enquirer: Profile | None,
) -> list[Found]:
    """Other open, consented requests whose enquirer or sought people may be `sought`, best first."""
    if not sought.has_name and not sought.prepared.get("phone"):
        return []
    operations = _operations_in_scope(session, actor, Permission.TRACING_VIEW)
    keys = request_keys(sought)
    if not operations or not keys:
        return []
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    hits: set[uuid.UUID] = set()
    for kind, values in by_kind.items():
        hits.update(
            session.scalars(
                select(TracingKey.request_id)
                .where(
                    TracingKey.operation_id.in_(operations),
                    TracingKey.kind == kind,
                    TracingKey.value.in_(values),
                    TracingKey.request_id != request.id,
                )
                .limit(BLOCK_PER_KIND)
            )
        )
    if not hits:
        return []
    others = list(
        session.scalars(
            select(TracingRequest).where(TracingRequest.id.in_(sorted(hits)), open_request_clause(actor))
        )
    )
    people = load_request_people(session, others)
    found: list[Found] = []
    for other in people.values():
        s = score(sought, other.enquirer, enquirer=enquirer)
        is_reciprocal, agree = _reciprocal(other, enquirer, sought.relationship)
        if is_reciprocal:
            add_reciprocal(s, relationships_agree=agree)
        if s.weight >= MIN_WEIGHT:
            found.append(
                Found(
                    CandidateKind.ENQUIRER,
                    f"{other.request.id}",
                    other.request.operation_id,
                    s.weight,
                    tuple(s.reasons),
                    other_request_id=other.request.id,
                    reciprocal=is_reciprocal,
                )
            )
        for person, profile in other.sought:
            s = score(sought, profile, enquirer=enquirer)
            if s.weight >= MIN_WEIGHT:
                found.append(
                    Found(
                        CandidateKind.SOUGHT,
                        f"{other.request.id}:{person.id}",
                        other.request.operation_id,
                        s.weight,
                        tuple(s.reasons),
                        other_request_id=other.request.id,
                        other_person_id=person.id,
                    )
                )
    found.sort(key=lambda f: (-f.weight, f.target))
    return found[:PER_PERSON]


def enquirers_among(
    session: Session, *, actor: Principal, individual_ids: Sequence[uuid.UUID], exclude_request: uuid.UUID
) -> dict[uuid.UUID, RequestPeople]:
    """Open consented requests (in scope) whose enquirer is one of these registered people."""
    if not individual_ids:
        return {}
    requests = list(
        session.scalars(
            select(TracingRequest).where(
                TracingRequest.enquirer_individual_id.in_(list(individual_ids)),
                TracingRequest.id != exclude_request,
                open_request_clause(actor),
            )
        )
    )
    people = load_request_people(session, requests)
    out: dict[uuid.UUID, RequestPeople] = {}
    for p in people.values():
        assert p.request.enquirer_individual_id is not None
        out.setdefault(p.request.enquirer_individual_id, p)
    return out


def reciprocal_boost(
    found: Found, other: RequestPeople, enquirer: Profile | None, relationship: str | None
) -> Found:
    """A registered candidate who is the enquirer of a request looking for our enquirer: stronger."""
    is_reciprocal, agree = _reciprocal(other, enquirer, relationship)
    if not is_reciprocal:
        return found
    s = Score(found.weight, list(found.reasons))
    add_reciprocal(s, relationships_agree=agree)
    return replace(
        found, weight=s.weight, reasons=tuple(s.reasons), reciprocal=True, other_request_id=other.request.id
    )
