"""Country codes for tracking: ISO 3166 alpha-3 ↔ numeric (the ids of the world-atlas outlines) and
country names → alpha-3 (the full MMP download names countries). Uses pycountry, lazily.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    import pycountry

    numeric = {c.alpha_3: c.numeric for c in pycountry.countries}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.casefold()] = c.alpha_3
    return numeric, names


def numeric_code(iso3: str) -> str | None:
    """`"AFG"` → `"004"` (None when unknown)."""
    return _tables()[0].get(iso3.upper())


def iso3_of_numeric(numeric: str) -> str | None:
    """`"004"` → `"AFG"` (None when unknown)."""
    return {v: k for k, v in _tables()[0].items()}.get(numeric)


def iso3_of(name: str | None) -> str | None:
    """The alpha-3 code of a country name as ISO writes it (None when not found)."""
    if not name:
        return None
    return _tables()[1].get(name.strip().casefold())


__all__ = ["iso3_of", "iso3_of_numeric", "numeric_code"]
