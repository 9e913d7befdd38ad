"""Name and date preparation that makes refugee records comparable across scripts and spellings.

What this module produces, per name part (given, middle = father's name, family):

* `latin` — one Latin rendering, folded (lower case, ASCII letters, single spaces): the recorded
  Latin name when there is one, else the best romanisation of the original script.
* `canon` — a canonical form robust to transliteration: each name unit is mapped to the Arabic-script
  name it is an attested spelling of, using the attested-spellings dictionary shipped inside the
  UNICEF `arabic-name-romanizer` package (Mohammed, Muhammad, Mohamad, Mohamed → محمد; العلي and
  Al-Ali → علي). An Arabic-script unit is its own canonical form. A Latin unit the dictionary does
  not know gets a vowel-class key (`~husin` for Hussein / Husayn / Hossein).
* `skels` — consonant skeletons (`mhmt` for Muhammad, Mohamed and Mehmet; `hsn` for Hassan and
  Hussein): a weaker key, used for blocking and for a weaker comparison level. Arabic-script input
  contributes the skeletons of its Latin candidates (the romanizer's top attested spellings).

Name-order swaps, father's names given as family names and compound names are handled downstream
by comparing units across parts (`units`: every canonical unit of a person's name).

The romanizer runs fully offline: its dictionary (SQLite) and ONNX model ship inside the wheel, and
nothing is downloaded at run time. We use its dictionary and its rule-based fallback only
(`auto_load_model=False`): the neural model adds ~1 s of start-up and little for spelling keys, and
the dictionary plus rules are deterministic. Scripts other than Arabic (Cyrillic, Ethiopic, Myanmar…)
go through `anyascii`.

Dates of birth are kept with their precision: `exact`, `month`, `year` or `estimated` (from a stated
age). See `PartialDate` in `refugio.dedup.keys` (re-exported here with the identifier keys).

Imports only the standard library, `anyascii` and `arabic_name_romanizer` (lazily); no refugio domain.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from refugio.dedup.keys import (
    PRECISIONS,
    PartialDate,
    document_key,
    parse_partial_date,
    phone_key,
    sex_key,
)

if TYPE_CHECKING:
    from arabic_name_romanizer import Transliterator

_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f]")
_NON_LETTER = re.compile(r"[^a-z ]+")
_SPACE = re.compile(r"\s+")
# Latin particles that belong to the next word (Abd al-Rahman, Abu Bakr, bin Laden…) or are an article
_ARTICLES = frozenset({"al", "el", "ul", "al-", "el-"})
_JOIN_NEXT = frozenset(
    {"abd", "abdul", "abdel", "abdal", "abdol", "abdu", "abdi", "abu", "abou", "bin", "ben", "ibn"}
)
_ABD = re.compile(r"^abd(?:[aeiou]l|[aeiou])?(?=[a-z]{2,})")
_ARTICLE_PREFIX = re.compile(r"^(?:al|el)(?=[bcdfghjklmnpqrstvwxz]{0,1}[a-z]{3,})")

_CONSONANT_RULES: tuple[tuple[str, str], ...] = (
    ("sch", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "h"),
    ("gh", "g"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("dj", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("c", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("v", "w"),
    ("p", "b"),
)
_VOWEL_CLASS: tuple[tuple[str, str], ...] = (
    ("ee", "i"),
    ("ei", "i"),
    ("ey", "i"),
    ("ai", "i"),
    ("ay", "i"),
    ("ie", "i"),
    ("iy", "i"),
    ("ou", "u"),
    ("oo", "u"),
    ("aa", "a"),
    ("e", "a"),
    ("y", "i"),
    ("o", "u"),
)
_VOWELS = frozenset("aeiouy")


def has_arabic_script(text: str | None) -> bool:
    return bool(text) and bool(_ARABIC_LETTER.search(text or ""))


def fold_latin(text: str | None) -> str:
    """Lower-case ASCII letters and single spaces (other scripts via anyascii, Arabic left out)."""
    if not text:
        return ""
    if not text.isascii():
        if has_arabic_script(text):
            text = _ARABIC_LETTER.sub(" ", text)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        if not text.isascii():
            from anyascii import anyascii

            text = anyascii(text)
    text = text.lower().replace("'", "").replace("`", "")
    return _SPACE.sub(" ", _NON_LETTER.sub(" ", text.replace("-", " "))).strip()


def latin_units(folded: str) -> list[str]:
    """Name units of a folded Latin name: articles dropped, `abd`/`abu`/`bin` joined to the next word."""
    words = [w for w in folded.split(" ") if w]
    units: list[str] = []
    carry = ""
    for i, w in enumerate(words):
        if w in _ARTICLES and i + 1 < len(words):
            continue
        if w in _JOIN_NEXT and i + 1 < len(words):
            carry += w
            continue
        units.append(carry + w)
        carry = ""
    if carry:
        units.append(carry)
    return units


@lru_cache(maxsize=200_000)
def latin_unit_key(unit: str) -> str:
    """One Latin unit in a spelling-neutral form: `abd` compounds and a glued article normalised."""
    m = _ABD.match(unit)
    if m:
        rest = unit[m.end() :]
        rest = re.sub(r"^(?:al|el|ul)(?=[a-z]{3,})", "", rest) if not m.group(0).endswith("l") else rest
        if len(rest) > 1 and rest[0] == rest[1]:  # abdur-rahman, abdus-salam: assimilated article
            rest = rest[1:]
        return "abd" + rest
    for prefix in ("abu", "abou"):
        if unit.startswith(prefix) and len(unit) > len(prefix) + 2:
            return "abu" + unit[len(prefix) :]
    return unit


def _apply(text: str, rules: Iterable[tuple[str, str]]) -> str:
    for a, b in rules:
        text = text.replace(a, b)
    return text


def _collapse(text: str) -> str:
    out: list[str] = []
    for c in text:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=200_000)
def skeleton(unit: str) -> str:
    """Consonant skeleton of a Latin unit: Muhammad, Mohamed, Mehmet → `mhmt`; Hussein, Hassan → `hsn`."""
    if not unit:
        return ""
    u = unit
    if u.startswith("ou") and len(u) > 2 and u[2] in _VOWELS:  # French "Oualid" = Walid
        u = "w" + u[2:]
    u = _apply(u, _CONSONANT_RULES)
    if len(u) > 2 and u.endswith("h") and u[-2] in _VOWELS:  # Hamzah / Hamza, Fatimah / Fatima
        u = u[:-1]
    head = "a" if u[0] in _VOWELS else u[0]
    body = "".join(c for c in u[1:] if c not in _VOWELS)
    key = _collapse(head + body)
    if len(key) > 1 and key.endswith("d"):  # final devoicing: Ahmed/Ahmet, Mohamed/Mehmet
        key = key[:-1] + "t"
    return key


@lru_cache(maxsize=200_000)
def vowel_key(unit: str) -> str:
    """A finer key than the skeleton: consonant classes plus three vowel classes (a, i, u)."""
    if not unit:
        return ""
    u = unit
    if u.startswith("ou") and len(u) > 2 and u[2] in _VOWELS:
        u = "w" + u[2:]
    u = _apply(u, _CONSONANT_RULES)
    if len(u) > 2 and u.endswith("h") and u[-2] in _VOWELS:
        u = u[:-1]
    u = _apply(u, _VOWEL_CLASS)
    key = _collapse(u)
    if len(key) > 1 and key.endswith("d"):
        key = key[:-1] + "t"
    return key


# ---------------------------------------------------------------------------------------------
# the attested-spellings dictionary (arabic-name-romanizer)


def _arabic_canonical(key: str) -> str:
    """An Arabic lookup key without spaces and without the definite article (العلي → علي)."""
    parts = []
    for w in key.split(" "):
        if w.startswith("ال") and len(w) > 4:
            w = w[2:]
        parts.append(w)
    joined = "".join(parts)
    return joined.replace("عبدال", "عبد") if len(joined) > 6 else joined


class _Dictionary:
    """Latin unit key → canonical Arabic unit, built once from the romanizer's attested spellings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reverse: dict[str, str] | None = None
        self._translit: Transliterator | None = None

    def reverse(self) -> dict[str, str]:
        if self._reverse is None:
            with self._lock:
                if self._reverse is None:
                    self._reverse = self._build_reverse()
        return self._reverse

    @staticmethod
    def _build_reverse() -> dict[str, str]:
        from arabic_name_romanizer.normalize import lookup_key

        path = resources.files("arabic_name_romanizer").joinpath("resources/names.sqlite3")
        totals: dict[str, dict[str, int]] = {}
        with resources.as_file(path) as real:
            conn = sqlite3.connect(f"file:{real}?mode=ro", uri=True)
            try:
                rows = conn.execute(
                    "SELECT arabic_key, latin, SUM(count) FROM units GROUP BY arabic_key, latin"
                )
                for arabic, latin, count in rows:
                    units = latin_units(fold_latin(latin))
                    if len(units) != 1:
                        continue
                    key = latin_unit_key(units[0])
                    canon = _arabic_canonical(lookup_key(arabic))
                    bucket = totals.setdefault(key, {})
                    bucket[canon] = bucket.get(canon, 0) + int(count)
            finally:
                conn.close()
        reverse: dict[str, str] = {}
        for key, counts in totals.items():
            canon, best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            if best >= 2:
                reverse[key] = canon
        return reverse

    def transliterator(self) -> Transliterator:
        if self._translit is None:
            with self._lock:
                if self._translit is None:
                    from arabic_name_romanizer import Transliterator

                    self._translit = Transliterator(auto_load_model=False)
        return self._translit


_DICTIONARY = _Dictionary()


@lru_cache(maxsize=200_000)
def canonical_latin_unit(unit: str) -> str:
    """Canonical form of one Latin unit: its attested Arabic name, else `~` + its vowel-class key."""
    key = latin_unit_key(unit)
    found = _DICTIONARY.reverse().get(key)
    return found if found is not None else "~" + vowel_key(key)


_GLUED_ARTICLE = re.compile(r"^(?:al|el)([a-z]{3,})$")


@lru_cache(maxsize=200_000)
def unglued_article(unit: str) -> str:
    """A Latin unit with the Arabic article written glued to it (Alahmad, Elmasri) without it, when the
    rest is an attested name and the whole is not (Alahmad → ahmad, but Elias and Albert stay)."""
    m = _GLUED_ARTICLE.match(unit)
    if m is None:
        return unit
    reverse = _DICTIONARY.reverse()
    if latin_unit_key(unit) in reverse or latin_unit_key(m.group(1)) not in reverse:
        return unit
    return m.group(1)


@lru_cache(maxsize=100_000)
def _arabic_part(text: str, country: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical units and up to three Latin candidates (folded) of an Arabic-script name part."""
    from arabic_name_romanizer.normalize import lookup_key, normalize_arabic, split_units
    from arabic_name_romanizer.persian import normalize_persian, script_of

    script = script_of(text, country or None)
    norm = normalize_persian(text) if script == "persian" else normalize_arabic(text)
    units = tuple(_arabic_canonical(lookup_key(u)) for u in split_units(norm) if u)
    candidates = _DICTIONARY.transliterator().transliterate(text, top_k=3, country=country or None)
    latins = tuple(fold_latin(c.text) for c in candidates if c.text)
    return units, tuple(x for x in latins if x)


_ISO3_TO_ISO2 = {
    "SYR": "SY", "IRQ": "IQ", "AFG": "AF", "SDN": "SD", "SSD": "SS", "SOM": "SO", "YEM": "YE",
    "PSE": "PS", "JOR": "JO", "LBN": "LB", "EGY": "EG", "LBY": "LY", "IRN": "IR", "PAK": "PK",
    "ERI": "ER", "MAR": "MA", "DZA": "DZ", "TUN": "TN", "TUR": "TR", "SAU": "SA", "TCD": "TD",
}  # fmt: skip


@dataclass(frozen=True)
class PreparedName:
    """One name part ready for comparison (see the module docstring)."""

    latin: str
    canon: str
    skels: tuple[str, ...]
    units: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.canon


EMPTY_NAME = PreparedName("", "", (), ())


def prepare_name(latin: str | None, original: str | None = None, country: str | None = None) -> PreparedName:
    """Prepare one name part from its Latin transliteration and/or its original-script form."""
    return _prepare_name(latin or "", original or "", (country or "").upper())


@lru_cache(maxsize=300_000)
def _prepare_name(latin: str, original: str, country: str) -> PreparedName:
    iso2 = _ISO3_TO_ISO2.get(country, country if len(country) == 2 else "")
    arabic_sources = [t for t in (original, latin) if has_arabic_script(t)]
    folded = fold_latin(latin) if not has_arabic_script(latin) else ""
    if not folded and original and not has_arabic_script(original):
        folded = fold_latin(original)  # Cyrillic, Ethiopic… through anyascii
    skels: list[str] = []
    units: list[str] = []
    display = folded
    if folded:
        lu = [unglued_article(u) for u in latin_units(folded)]
        units = [canonical_latin_unit(u) for u in lu]
        skels.append("".join(skeleton(latin_unit_key(u)) for u in lu))
    if arabic_sources:
        a_units, candidates = _arabic_part(arabic_sources[0], iso2)
        if not units:
            units = list(a_units)
        for cand in candidates:
            cu = latin_units(cand)
            s = "".join(skeleton(latin_unit_key(u)) for u in cu)
            if s and s not in skels:
                skels.append(s)
        if not display and candidates:
            display = candidates[0]
    if not units:
        return EMPTY_NAME
    return PreparedName(display, " ".join(units), tuple(skels), tuple(units))


# ---------------------------------------------------------------------------------------------
# one person, prepared


@dataclass(frozen=True)
class PersonInput:
    """What the linkage knows of a person (any field may be missing but the id)."""

    record_id: str
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    given_name_original: str | None = None
    middle_name_original: str | None = None
    family_name_original: str | None = None
    sex: str | None = None
    date_of_birth: PartialDate | None = None
    country_of_origin: str | None = None
    phone: str | None = None
    document_numbers: tuple[str, ...] = ()
    site: str | None = None
    household: str | None = None


COLUMNS: tuple[str, ...] = (
    "unique_id",
    "given_latin",
    "given_canon",
    "given_skel",
    "given_skels",
    "middle_latin",
    "middle_canon",
    "middle_skel",
    "family_latin",
    "family_canon",
    "family_skel",
    "family_skels",
    "name_units",
    "sex",
    "dob",
    "dob_year",
    "dob_ym",
    "dob_precision",
    "country",
    "phone",
    "doc",
    "site",
    "household",
    "hh_names",
)


def prepare(person: PersonInput) -> dict[str, Any]:
    """The prepared row of one person (the columns of `COLUMNS` but `hh_names`, set per household)."""
    return prepare_fields(
        person.record_id,
        given_name=person.given_name,
        middle_name=person.middle_name,
        family_name=person.family_name,
        given_name_original=person.given_name_original,
        middle_name_original=person.middle_name_original,
        family_name_original=person.family_name_original,
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        country_of_origin=person.country_of_origin,
        phone=person.phone,
        document_numbers=person.document_numbers,
        site=person.site,
        household=person.household,
    )


def prepare_fields(
    record_id: str,
    *,
    given_name: str | None = None,
    middle_name: str | None = None,
    family_name: str | None = None,
    given_name_original: str | None = None,
    middle_name_original: str | None = None,
    family_name_original: str | None = None,
    sex: str | None = None,
    date_of_birth: PartialDate | None = None,
    country_of_origin: str | None = None,
    phone: str | None = None,
    document_numbers: Sequence[str] = (),
    site: str | None = None,
    household: str | None = None,
) -> dict[str, Any]:
    """`prepare` without building a `PersonInput` first (the bulk path: a million rows)."""
    country = (country_of_origin or "").upper() or None
    row = dict(
        _prepared_names(
            given_name or "",
            given_name_original or "",
            middle_name or "",
            middle_name_original or "",
            family_name or "",
            family_name_original or "",
            country or "",
        )
    )
    for key in _LIST_COLUMNS:  # lists of its own for each row (the cached ones are shared)
        if row[key] is not None:
            row[key] = list(row[key])
    dob = date_of_birth
    if len(document_numbers) == 1:
        doc = document_key(document_numbers[0])
    else:
        docs = sorted({k for k in (document_key(d) for d in document_numbers) if k})
        doc = docs[0] if docs else None
    row.update(
        unique_id=record_id,
        sex=sex_key(sex),
        dob=dob.iso if dob else None,
        dob_year=dob.year if dob else None,
        dob_ym=f"{dob.year:04d}-{dob.month:02d}" if dob and dob.month else None,
        dob_precision=dob.precision if dob else None,
        country=country,
        phone=phone_key(phone),
        doc=doc,
        site=(site or "").strip().upper() or None,
        household=household,
        hh_names=None,
    )
    return row


_LIST_COLUMNS = ("given_skels", "family_skels", "name_units")


@lru_cache(maxsize=300_000)
def _prepared_names(
    given: str,
    given_original: str,
    middle: str,
    middle_original: str,
    family: str,
    family_original: str,
    country: str,
) -> tuple[tuple[str, Any], ...]:
    """The name columns of a prepared row (cached: names repeat a great deal)."""
    g = prepare_name(given, given_original, country)
    m = prepare_name(middle, middle_original, country)
    f = prepare_name(family, family_original, country)
    units = sorted(set(g.units) | set(m.units) | set(f.units))
    return (
        ("given_latin", g.latin or None),
        ("given_canon", g.canon or None),
        ("given_skel", g.skels[0] if g.skels else None),
        ("given_skels", g.skels or None),
        ("middle_latin", m.latin or None),
        ("middle_canon", m.canon or None),
        ("middle_skel", m.skels[0] if m.skels else None),
        ("family_latin", f.latin or None),
        ("family_canon", f.canon or None),
        ("family_skel", f.skels[0] if f.skels else None),
        ("family_skels", f.skels or None),
        ("name_units", tuple(units) or None),
    )


def attach_households(rows: Sequence[dict[str, Any]]) -> None:
    """Household context: each row's `hh_names` = the given-name canons of the other members."""
    members: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("household"):
            members.setdefault(row["household"], []).append(row)
    for group in members.values():
        if len(group) < 2:
            continue
        for row in group:
            others = sorted({o["given_canon"] for o in group if o is not row and o["given_canon"]})
            row["hh_names"] = others or None


__all__ = [
    "COLUMNS",
    "EMPTY_NAME",
    "PRECISIONS",
    "PartialDate",
    "PersonInput",
    "PreparedName",
    "attach_households",
    "document_key",
    "parse_partial_date",
    "phone_key",
    "prepare",
    "prepare_fields",
    "prepare_name",
    "sex_key",
]
