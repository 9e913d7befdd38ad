"""Phone numbers in E.164 (`+962791234567`) with the `phonenumbers` library (imported lazily): a number
written as dialled in the operation's country (`0791234567`) is read with that country as its region.

Imports phonenumbers and pycountry only (both lazily).
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=256)
def region_of(country_iso3: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of an alpha-3 code (`JOR` → `JO`), or None if unknown."""
    if not country_iso3:
        return None
    import pycountry

    country = pycountry.countries.get(alpha_3=country_iso3.upper())
    return None if country is None else str(country.alpha_2)


@functools.lru_cache(maxsize=4096)
def to_e164(raw: str, region: str | None) -> str | None:
    """`raw` in E.164, or None when it is not a valid number (for `region`, when it has no '+').
    Remembered for the last few thousand numbers: a household's phone is often its focal point's, and
    parsing costs tens of microseconds."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@functools.lru_cache(maxsize=256)
def example(region: str) -> str | None:
    """A valid mobile number of the region as dialled there (`079 1234 5678`-like), for messages."""
    import phonenumbers

    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


__all__ = ["example", "region_of", "to_e164"]
