"""Age brackets: UNHCR's 0-4, 5-11, 12-17, 18-59, 60+ by default, configurable (e.g. 0-5, 6-11, …).

A bracket set is written as text, `"0-4,5-11,12-17,18-59,60+"`: contiguous, starting at 0, the last one
open-ended, so that every age falls in exactly one bracket and totals add up. Ages are exact completed
years at the reference date. Imports nothing but refugio.core.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from refugio.core.errors import ValidationFailed

MAX_AGE = 130
UNHCR_DEFAULT = "0-4,5-11,12-17,18-59,60+"
_PART = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|(\+))\s*$")


@dataclass(frozen=True)
class Bracket:
    low: int
    high: int | None  # None: open-ended

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    @property
    def hxl(self) -> str:
        """The HXL attribute of the bracket: `age0_4`, `age60plus`."""
        return f"age{self.low}plus" if self.high is None else f"age{self.low}_{self.high}"

    def contains(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)


@dataclass(frozen=True)
class AgeBrackets:
    brackets: tuple[Bracket, ...]

    @classmethod
    def parse(cls, text: str | None, field: str = "brackets") -> AgeBrackets:
        """Parse `"0-4,5-11,12-17,18-59,60+"`; a clear error names what is wrong."""
        text = (text or UNHCR_DEFAULT).strip()
        parts = [p for p in text.split(",") if p.strip()]
        out: list[Bracket] = []
        for i, part in enumerate(parts):
            m = _PART.match(part)
            if not m:
                raise ValidationFailed.single(
                    field, f"bracket {part.strip()!r} is not like 0-4 or 60+", "invalid_bracket"
                )
            low = int(m.group(1))
            high = None if m.group(3) else int(m.group(2))
            if high is not None and high < low:
                raise ValidationFailed.single(field, f"bracket {part.strip()!r} ends before it starts")
            if m.group(3) and i != len(parts) - 1:
                raise ValidationFailed.single(field, "only the last bracket may be open-ended (60+)")
            expected = 0 if not out else (out[-1].high or 0) + 1
            if low != expected:
                what = "start at 0" if not out else f"follow on without gap or overlap (expected {expected})"
                raise ValidationFailed.single(field, f"brackets must {what}: got {part.strip()!r}")
            out.append(Bracket(low, high))
        if not out:
            raise ValidationFailed.single(field, "give at least one bracket", "required")
        if out[-1].high is not None:
            raise ValidationFailed.single(field, "the last bracket must be open-ended, e.g. 60+")
        if len(out) > 30:
            raise ValidationFailed.single(field, "at most 30 brackets")
        return cls(tuple(out))

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.brackets]

    @property
    def text(self) -> str:
        return ",".join(self.labels)

    def index_of(self, age: int) -> int:
        for i, b in enumerate(self.brackets):
            if b.contains(age):
                return i
        raise ValueError(f"negative age {age}")

    def lookup(self) -> list[int]:
        """Bracket index for every age 0..MAX_AGE (what the engine maps ages through)."""
        return [self.index_of(a) for a in range(MAX_AGE + 1)]

    def is_child(self, index: int) -> bool:
        high = self.brackets[index].high
        return high is not None and high < 18


DEFAULT = AgeBrackets.parse(UNHCR_DEFAULT)


def exact_age(dob: dt.date, on: dt.date) -> int:
    """Completed years on `on` (a person born on 29 February turns a year older on 1 March)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def ymd(day: dt.date) -> int:
    """A date as the integer YYYYMMDD: (ref - dob) // 10000 is then the exact age."""
    return day.year * 10000 + day.month * 100 + day.day
