"""Splitting a full name given in one column into given, middle and family name, in Latin or Arabic
script (partner lists often have a single "Name" / "الاسم الكامل" column).

The rule (documented in docs/import.md):

1. Spaces are normalised. A comma means "Family, Given Middle": `Al-Ahmad, Mohammed Ali` →
   family `Al-Ahmad`, given `Mohammed`, middle `Ali`.
2. The words are grouped into name units, reading from the right. A particle joins the unit that
   follows it, so it is never a name on its own:
   - the article `Al`, `El`, `Ul`, `ال` written apart (`Al Ahmad` is one unit, like `Al-Ahmad`);
   - the patronymic links `bin`, `ben`, `ibn`, `bint`, `bnt`, `بن`, `ابن`, `بنت`
     (`bin Ali` is one unit: "son of Ali", kept as written);
   - the compound-name heads `Abd`, `Abdel`, `Abdul`, `Abu`, `Abou`, `Umm`, `Um`, `عبد`, `أبو`, `ابو`,
     `أم`, `ام` (`Abd Al Rahman`, `عبد الله`, `أبو بكر` are one unit each).
3. The first unit is the given name, the last the family name, any units between them the middle name
   (the father's and grandfather's names in Arab naming). One unit alone is a given name.

An Arabic-script name fills the original-script fields; its Latin fields are transliterated unit by
unit with the dictionary of attested spellings shipped in `arabic_name_romanizer` (offline,
deterministic) — the caller warns that they were transliterated. A Latin name fills the Latin fields.

Pure: no database, no I/O.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_ARTICLES = frozenset({"al", "el", "ul", "ال"})
_LINKS = frozenset({"bin", "ben", "ibn", "bint", "bnt", "بن", "ابن", "بنت"})
_HEADS = frozenset({"abd", "abdel", "abdul", "abu", "abou", "umm", "um", "عبد", "أبو", "ابو", "أم", "ام"})
PARTICLES = _ARTICLES | _LINKS | _HEADS


@dataclass(frozen=True)
class SplitName:
    """The parts of a full name; `script` is `Arab` or `Latn`."""

    given: str
    middle: str | None
    family: str | None
    script: str


def is_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def _is_particle(token: str) -> bool:
    return token.lower().rstrip("-") in PARTICLES


def name_units(text: str) -> list[str]:
    """The name units of `text` (particles joined to the unit that follows them), left to right."""
    units: list[str] = []
    for token in reversed(text.split()):
        if units and _is_particle(token):
            units[-1] = f"{token} {units[-1]}"
        else:
            units.append(token)
    units.reverse()
    return units


def split_full_name(text: str) -> SplitName | None:
    """Given, middle and family name of a full name (see the module's rule); None if it is empty."""
    clean = " ".join(str(text).split())
    if not clean:
        return None
    script = "Arab" if is_arabic(clean) else "Latn"
    head, comma, tail = clean.partition(",")
    if comma and head.strip() and tail.strip():
        family = head.strip()
        rest = name_units(tail.strip())
        return SplitName(rest[0], " ".join(rest[1:]) or None, family, script)
    units = name_units(clean.replace(",", " "))
    if len(units) == 1:
        return SplitName(units[0], None, None, script)
    return SplitName(units[0], " ".join(units[1:-1]) or None, units[-1], script)


class _Romanizer:
    """The offline Arabic-name transliterator, loaded once on first use (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engine: Any = None

    def __call__(self, text: str) -> str:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from arabic_name_romanizer import Transliterator

                    self._engine = Transliterator(auto_load_model=False)
        out = self._engine.transliterate(text, top_k=1)
        return str(out if isinstance(out, str) else out[0]).strip()


romanize = _Romanizer()


def name_fields(split: SplitName) -> dict[str, str]:
    """The import fields a split name fills: Latin fields, plus original-script ones for Arabic."""
    parts = {"given_name": split.given, "middle_name": split.middle, "family_name": split.family}
    if split.script == "Latn":
        return {k: v for k, v in parts.items() if v}
    out: dict[str, str] = {}
    for key, value in parts.items():
        if value:
            out[f"{key}_original"] = value
            out[key] = romanize(value)
    return out


__all__ = ["PARTICLES", "SplitName", "is_arabic", "name_fields", "name_units", "romanize", "split_full_name"]
