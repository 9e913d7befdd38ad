"""Dates of birth with their precision (`PartialDate`: exact, month, year or estimated) and the
identifier keys the linkage compares (phone, document number, sex). Standard library only; re-exported
by `refugio.dedup.names`, which prepares whole records with them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

PRECISIONS = ("exact", "month", "year", "estimated")


@dataclass(frozen=True)
class PartialDate:
    """A date of birth as known: `exact` (Y-M-D), `month` (Y-M), `year` (Y) or `estimated` (Y±)."""

    year: int
    month: int | None
    day: int | None
    precision: str

    @property
    def iso(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @classmethod
    def from_stored(cls, value: dt.date, precision: str) -> PartialDate:
        """From a registered person's date of birth and its precision (the date's unknown parts ignored)."""
        if precision == "exact":
            return cls(value.year, value.month, value.day, "exact")
        if precision == "month":
            return cls(value.year, value.month, None, "month")
        return cls(value.year, None, None, "estimated" if precision == "estimated" else "year")


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(text: str | None) -> PartialDate | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` (or empty → None); ValueError names what is wrong."""
    if text is None or not text.strip():
        return None
    return _parse_partial_date(text)


@lru_cache(maxsize=100_000)
def _parse_partial_date(text: str) -> PartialDate:
    m = _ISO_PARTIAL.match(text.strip())
    if not m:
        raise ValueError(f"date of birth {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(m.group(1))
    if year < 1000:
        raise ValueError(f"date of birth {text!r} has no four-digit year")
    if m.group(2) is None:
        return PartialDate(year, None, None, "year")
    month = int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"date of birth {text!r} has no month {month}")
    if m.group(3) is None:
        return PartialDate(year, month, None, "month")
    day = int(m.group(3))
    try:
        dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"date of birth {text!r} is not a calendar date") from None
    return PartialDate(year, month, day, "exact")


# ---------------------------------------------------------------------------------------------
# other identifiers


def phone_key(phone: str | None) -> str | None:
    """The last nine digits of a phone number (country prefixes and leading zeros vary)."""
    if not phone:
        return None
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-9:] if len(digits) >= 6 else None


def document_key(number: str | None) -> str | None:
    """A document number in upper-case letters and digits only."""
    if not number:
        return None
    key = "".join(c for c in unicodedata.normalize("NFKC", number).upper() if c.isalnum())
    return key or None


def sex_key(sex: str | None) -> str | None:
    s = (sex or "").strip().upper()
    return s if s in {"M", "F"} else None
