"""The P-code rules as pure functions over an in-memory gazetteer: code lengths per country and
level, the normalisation of codes written with an ISO-2 prefix (`TD07` → `TCD07`), and the check that
a provider's name matches the area its code names.

Warnings use the wording of OCHA's HDX pipelines, so exports can be compared line by line:
`PCode length TD07->TCD07`, `PCode unknown XX99`, `PCode mismatch AF1722 != Darwaz-e-Balla`.
Imports only the standard library.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

MATCH_RATIO = 0.75
"""A provider name "belongs" to another sibling area when it is at least this close to that area's
name and closer to it than to the name of the area its code gives."""


@dataclass(frozen=True)
class Area:
    pcode: str
    country_iso3: str
    level: int
    name: str
    parent_pcode: str | None


@dataclass
class Gazetteer:
    """Areas by P-code, their children, and the length rules per country."""

    areas: dict[str, Area] = field(default_factory=dict)
    country_lengths: dict[str, list[int]] = field(default_factory=dict)
    admin_lengths: dict[str, list[list[int]]] = field(default_factory=dict)
    _children: dict[str | None, list[Area]] | None = None
    _names: dict[tuple[str, str], str | None] = field(default_factory=dict)  # name checks already made

    def children(self, parent: str | None) -> list[Area]:
        if self._children is None:
            index: dict[str | None, list[Area]] = {}
            for area in self.areas.values():
                index.setdefault(area.parent_pcode, []).append(area)
            self._children = index
        return self._children.get(parent, [])

    def expected_lengths(self, iso3: str, level: int) -> set[int] | None:
        """The lengths a P-code of `level` may have in `iso3` (None when no rule is known)."""
        if iso3 not in self.country_lengths:
            return None
        admin = self.admin_lengths.get(iso3, [])
        if level > len(admin) or any(not a for a in admin[:level]):
            return None
        parts = [self.country_lengths[iso3], *admin[:level]]
        return {sum(c) for c in itertools.product(*parts)}


def parse_lengths(value: str) -> list[int]:
    """`"3"` → [3], `"3|7"` → [3, 7], `""` → []; OCHA writes -1 for "the parent's code, shortened"."""
    return [int(v) for v in value.split("|") if v.strip()] if value.strip() else []


def length_ok(gazetteer: Gazetteer, pcode: str, iso3: str, level: int) -> bool | None:
    expected = gazetteer.expected_lengths(iso3, level)
    return None if expected is None else len(pcode) in expected


_PCODE = re.compile(r"^([A-Za-z]{2,3})(\d[0-9A-Za-z]*)$")


def normalise(gazetteer: Gazetteer, code: str, iso3: str, level: int) -> tuple[str, list[str]]:
    """The OCHA P-code for `code` given by a provider, with the warnings that explain any change.

    A known code is kept. A code with a two-letter prefix where the country's rule has three (DTM's
    `TD07` for Chad) is rewritten with the ISO3 prefix when the result is a known area, or at least
    has the length the rules give (then also `PCode unknown`). Anything else is kept as given, with a
    `PCode unknown` warning.
    """
    if not code or code in gazetteer.areas:
        return code, []
    found = _PCODE.match(code)
    if found and len(found.group(1)) == 2 and 3 in gazetteer.country_lengths.get(iso3, [3]):
        candidate = iso3 + found.group(2)
        if candidate in gazetteer.areas:
            return candidate, [f"PCode length {code}->{candidate}"]
        if length_ok(gazetteer, candidate, iso3, level):
            return candidate, [f"PCode length {code}->{candidate}", f"PCode unknown {candidate}"]
    return code, [f"PCode unknown {code}"]


def simplified(name: str) -> str:
    """A name reduced for comparison: no accents, no case, no punctuation or spaces, `St.` = Saint."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\bst\.?\s", "saint ", text)
    return re.sub(r"[^0-9a-z]", "", text)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def name_mismatch(gazetteer: Gazetteer, pcode: str, provider_name: str) -> str | None:
    """`PCode mismatch CODE != NAME` when the provider's name names a sibling of the coded area rather
    than the area itself; None when it matches (or when either side is unknown)."""
    key = (pcode, provider_name)
    if key not in gazetteer._names:
        gazetteer._names[key] = _name_mismatch(gazetteer, pcode, provider_name)
    return gazetteer._names[key]


def _name_mismatch(gazetteer: Gazetteer, pcode: str, provider_name: str) -> str | None:
    area = gazetteer.areas.get(pcode)
    if area is None or not provider_name:
        return None
    given = simplified(provider_name)
    own = simplified(area.name)
    if not given or given == own or own.startswith(given) or given.startswith(own):
        return None
    own_ratio = _ratio(given, own)
    best_ratio, best = own_ratio, area
    for sibling in gazetteer.children(area.parent_pcode):
        if sibling.pcode == pcode or sibling.level != area.level:
            continue
        ratio = _ratio(given, simplified(sibling.name))
        if ratio > best_ratio:
            best_ratio, best = ratio, sibling
    if best is not area and best_ratio >= MATCH_RATIO:
        return f"PCode mismatch {pcode} != {provider_name}"
    return None


__all__ = ["Area", "Gazetteer", "length_ok", "name_mismatch", "normalise", "parse_lengths", "simplified"]
