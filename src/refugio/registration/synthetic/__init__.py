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

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from refugio.core import clock
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.synthetic.origins import (
    DEFAULT_COMPOSITION,
    NameEntry,
    Origin,
    origins,
    parse_name,
)
from refugio.registration.synthetic.records import Generator

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
) -> Generator:
    if count < 0:
        raise ValueError("count must not be negative")
    if not site_ids:
        raise ValueError("give at least one site id")
    end = min(end, clock.today())
    if start > end:
        raise ValueError(f"start {start} is after end {end} (the end is capped at today)")
    if not phone_country_code.lstrip("+").isdigit():
        raise ValueError("phone_country_code takes digits, e.g. 962")
    return Generator(
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
