"""RSD figures from arrays, vectorised (numpy): the backlog by stage, the median days spent in each
stage, and the recognition rates with UNHCR's definitions:

* refugee recognition rate = recognised / (recognised + complementary + rejected);
* total protection rate = (recognised + complementary) / (recognised + complementary + rejected);
* otherwise closed claims are left out of both; persons and cases are counted apart, never added.

Pure numpy; the database reads are in rsd_queries.py, the benchmark feeds arrays directly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from refugio.solutions.enums import OPEN_STAGES, Outcome, Stage

STAGES = [s.value for s in Stage]
OUTCOMES = [o.value for o in Outcome]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Rates:
    recognised: int
    complementary: int
    rejected: int
    otherwise_closed: int

    @property
    def substantive(self) -> int:
        return self.recognised + self.complementary + self.rejected

    @property
    def recognition_rate(self) -> float | None:
        return self.recognised / self.substantive if self.substantive else None

    @property
    def total_protection_rate(self) -> float | None:
        return (self.recognised + self.complementary) / self.substantive if self.substantive else None

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "recognised": self.recognised,
            "complementary": self.complementary,
            "rejected": self.rejected,
            "otherwise_closed": self.otherwise_closed,
            "recognition_rate": self.recognition_rate,
            "total_protection_rate": self.total_protection_rate,
        }


def rates(outcome_codes: IntArray) -> Rates:
    """From outcome codes (indices into OUTCOMES; -1 = none yet)."""
    counts = np.bincount(outcome_codes[outcome_codes >= 0], minlength=len(OUTCOMES))
    return Rates(*(int(counts[OUTCOMES.index(o.value)]) for o in Outcome))


def backlog(current_stage: IntArray) -> dict[str, int]:
    """Open claims by the stage they are at (codes are indices into STAGES)."""
    counts = np.bincount(current_stage, minlength=len(STAGES))
    return {s: int(counts[i]) for i, s in enumerate(STAGES) if s in OPEN_STAGES}


def stage_medians(claim: IntArray, stage: IntArray, at_days: FloatArray) -> dict[str, float | None]:
    """Median days a claim spends in each stage it has left: from the event that brought it into a stage
    to the next event that moved it to another one (steps that keep the stage do not split it)."""
    if len(claim) == 0:
        return dict.fromkeys(STAGES)
    span = float(at_days.max() - at_days.min()) + 1.0
    key = claim * span + (at_days - at_days.min())  # by claim, then time
    if bool((key[1:] >= key[:-1]).all()):  # already in order (as rsd_queries reads them): no sort
        c, s, t = claim, stage, at_days
    else:
        order = np.argsort(key)
        c, s, t = claim[order], stage[order], at_days[order]
    first = np.empty(len(c), dtype=bool)
    first[0] = True
    np.not_equal(c[1:], c[:-1], out=first[1:])
    moved = first.copy()
    moved[1:] |= s[1:] != s[:-1]
    c, s, t = c[moved], s[moved], t[moved]
    same = c[1:] == c[:-1]
    spent = (t[1:] - t[:-1])[same]
    where = s[:-1][same]
    out: dict[str, float | None] = {}
    for i, name in enumerate(STAGES):
        chunk = spent[where == i]
        out[name] = float(np.median(chunk)) if len(chunk) else None
    return out
