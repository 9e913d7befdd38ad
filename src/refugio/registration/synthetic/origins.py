"""Origin profiles of the synthetic population: the hand-written name lists and household shares per
country of origin in `registration/data/*.yaml`, parsed and checked, and the constants the generator
draws with. Imports only the standard library, PyYAML and the registration reference codes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from refugio.registration import reference

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
