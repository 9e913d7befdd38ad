"""Reference code lists: ISO 3166-1 alpha-3 countries, ISO 639 languages, ISO 15924 scripts.

Read from the `pycountry` package (no network); looked up once and cached.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Codes used in humanitarian data that ISO 3166-1 does not assign.
EXTRA_COUNTRIES = {
    "XXA": "Stateless",
    "XXB": "Refugee (1951 Convention travel document)",
    "UNK": "Unknown",
    "XKX": "Kosovo",
}


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    table = {c.alpha_3: c.name for c in pycountry.countries}
    table.update(EXTRA_COUNTRIES)
    return dict(sorted(table.items(), key=lambda kv: kv[1]))


@lru_cache(maxsize=1)
def languages() -> dict[str, str]:
    """ISO 639-3 codes that have a two-letter code or are widely spoken by displaced populations."""
    out: dict[str, str] = {}
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_3", None)
        if code and (hasattr(lang, "alpha_2") or code in _EXTRA_LANGUAGES):
            out[code] = lang.name
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


_EXTRA_LANGUAGES = {
    "apc",
    "ajp",
    "acm",
    "arz",
    "apd",
    "prs",
    "pbt",
    "kmr",
    "ckb",
    "tir",
    "din",
    "nus",
    "rhg",
    "fuv",
    "hau",
    "lin",
    "swc",
    "kin",
    "run",
    "nuer",
    "tig",
    "bej",
    "zag",
    "fvr",
}

SCRIPTS = {
    "Latn": "Latin",
    "Arab": "Arabic",
    "Cyrl": "Cyrillic",
    "Ethi": "Ethiopic",
    "Mymr": "Myanmar",
    "Deva": "Devanagari",
    "Hebr": "Hebrew",
    "Armn": "Armenian",
    "Geor": "Georgian",
    "Thai": "Thai",
    "Hans": "Chinese (simplified)",
    "Tibt": "Tibetan",
    "Beng": "Bengali",
}


def is_country(code: str) -> bool:
    return code in countries()


def is_language(code: str) -> bool:
    return code in languages()


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return countries().get(code, code)
