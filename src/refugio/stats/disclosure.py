"""Statistical disclosure control: applied to every table and file that leaves the system.

Three safeguards, all driven by one `DisclosureRule` that every export names in its metadata:

* **Primary suppression** — a count of 1 to `threshold - 1` (1-4 by default) is never published as such:
  it is shown as a placeholder (`<5`), or, with `method="round"`, every count is rounded to a multiple of
  `rounding_base`. Cells of a sensitive category (SGBV, torture and the like) use the higher
  `sensitive_threshold`. Zeros are published: they are not small counts.
* **Secondary suppression** — in a table with totals, a suppressed cell could be recovered by subtracting
  the published cells of its row or column from their total. Every linear relation of the table (each
  line of the hypercube: the members of one dimension and their total, the other dimensions fixed) must
  therefore hold either no suppressed cell or at least two. Until that holds, the smallest non-zero
  published cell of an offending line is suppressed as well (a part before its total), and the check
  runs again, so that suppressions cascade across rows, columns and margins (the hypercube heuristic
  of tau-ARGUS). Secondary cells are shown as `x`: the placeholder of small counts would mislead.
  Zeros are never chosen: a suppressed zero would bound the primary cell by an exact value.
* **k-anonymity** of microdata — every combination of quasi-identifier values of an exported record must
  be shared by at least `k` records, or the export is refused with the reason and what would fix it.

Pure Python; imports refugio.core only.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from refugio.core.errors import ValidationFailed

Coord = tuple[int, ...]
Status = Literal["primary", "secondary"]
Method = Literal["suppress", "round"]

RULE_VERSION = "refugio-sdc/1"


@dataclass(frozen=True)
class DisclosureRule:
    """What may be published. Build with `DisclosureRule.build(...)` to have the values checked."""

    threshold: int = 5
    sensitive_threshold: int = 10
    method: Method = "suppress"
    rounding_base: int = 5
    k: int = 5
    placeholder: str = ""  # default "<{threshold}"
    secondary_placeholder: str = "x"

    @classmethod
    def build(
        cls,
        *,
        threshold: int = 5,
        sensitive_threshold: int = 10,
        method: str = "suppress",
        rounding_base: int = 5,
        k: int = 5,
    ) -> DisclosureRule:
        errors: list[tuple[str, str]] = []
        if not 2 <= threshold <= 100:
            errors.append(("threshold", "must be between 2 and 100 (counts below it are suppressed)"))
        if not threshold <= sensitive_threshold <= 1000:
            errors.append(("sensitive_threshold", "must be at least the threshold and at most 1000"))
        if method not in ("suppress", "round"):
            errors.append(("method", "must be 'suppress' or 'round'"))
        if not 2 <= rounding_base <= 100:
            errors.append(("rounding_base", "must be between 2 and 100"))
        if not 2 <= k <= 1000:
            errors.append(("k", "must be between 2 and 1000"))
        if errors:
            from refugio.core.errors import FieldError

            raise ValidationFailed([FieldError(f, m, "out_of_range") for f, m in errors])
        return cls(
            threshold=threshold,
            sensitive_threshold=sensitive_threshold,
            method="round" if method == "round" else "suppress",
            rounding_base=rounding_base,
            k=k,
        )

    @property
    def small_marker(self) -> str:
        return self.placeholder or f"<{self.threshold}"

    @property
    def id(self) -> str:
        """A short, stable name of the rule for file metadata, e.g.
        `refugio-sdc/1 suppress<5 sensitive<10 secondary=hypercube k=5`."""
        first = f"suppress<{self.threshold}" if self.method == "suppress" else f"round{self.rounding_base}"
        return f"{RULE_VERSION} {first} sensitive<{self.sensitive_threshold} secondary=hypercube k={self.k}"

    def describe(self) -> str:
        if self.method == "suppress":
            first = (
                f"Counts from 1 to {self.threshold - 1} are shown as '{self.small_marker}'"
                f" ({self.sensitive_threshold - 1} for sensitive categories such as SGBV and torture)."
            )
        else:
            first = (
                f"Every count is rounded to the nearest multiple of {self.rounding_base}, so totals may "
                f"differ from the sum of their parts; sensitive categories below "
                f"{self.sensitive_threshold} are shown as '{self.small_marker}'."
            )
        return (
            f"{first} Cells shown as '{self.secondary_placeholder}' are suppressed so that no small count "
            "can be worked out from the totals. Zeros are shown. "
            f"Record-level extracts require every combination of quasi-identifiers to be shared by at least "
            f"{self.k} records. Rule {self.id}."
        )

    def as_metadata(self) -> dict[str, Any]:
        return {
            "rule": self.id,
            "method": self.method,
            "threshold": self.threshold,
            "sensitive_threshold": self.sensitive_threshold,
            "rounding_base": self.rounding_base if self.method == "round" else None,
            "k": self.k,
            "small_marker": self.small_marker,
            "secondary_marker": self.secondary_placeholder,
            "description": self.describe(),
        }

    def rounded(self, value: int) -> int:
        base = self.rounding_base
        return ((value + base // 2) // base) * base


DEFAULT_RULE = DisclosureRule()


# ---------------------------------------------------------------------------------------------
# cell suppression on a hypercube with margins


@dataclass
class Protection:
    """Which cells are suppressed, and why."""

    status: dict[Coord, Status] = field(default_factory=dict)

    @property
    def primary(self) -> int:
        return sum(1 for s in self.status.values() if s == "primary")

    @property
    def secondary(self) -> int:
        return sum(1 for s in self.status.values() if s == "secondary")


def lines(sizes: Sequence[int], has_total: Sequence[bool]) -> Iterable[tuple[list[Coord], Coord]]:
    """Every linear relation of a hypercube: (parts, total). `sizes[d]` counts the members of dimension d
    without its total; when `has_total[d]`, index `sizes[d]` is that dimension's total."""
    extents = [range(n + 1) if t else range(n) for n, t in zip(sizes, has_total, strict=True)]
    for d, (n, t) in enumerate(zip(sizes, has_total, strict=True)):
        if not t:
            continue
        others = [e for i, e in enumerate(extents) if i != d]
        for rest in itertools.product(*others):

            def at(i: int, rest: tuple[int, ...] = rest, d: int = d) -> Coord:
                return (*rest[:d], i, *rest[d:])

            yield [at(i) for i in range(n)], at(n)


def protect(
    values: Mapping[Coord, int],
    sizes: Sequence[int],
    has_total: Sequence[bool],
    threshold_of: Callable[[Coord], int],
    forced: Mapping[Coord, Status] | None = None,
) -> Protection:
    """Primary suppression of small cells, then secondary suppression until no line of the hypercube
    holds exactly one suppressed cell. Missing coordinates count as zero. `forced` cells are suppressed
    from the start (cells a linked table shares with this one and already suppresses)."""
    status: dict[Coord, Status] = {c: "primary" for c, v in values.items() if 0 < v < threshold_of(c)}
    for c, s in (forced or {}).items():
        status.setdefault(c, s)
    relations = [(parts, total) for parts, total in lines(sizes, has_total)]
    changed = bool(status)
    while changed:
        changed = False
        for parts, total in relations:
            members = [*parts, total]
            hidden = [c for c in members if c in status]
            if len(hidden) != 1:
                continue
            candidates = [c for c in parts if c not in status and values.get(c, 0) > 0]
            if not candidates:
                candidates = [total] if total not in status and values.get(total, 0) > 0 else []
            if not candidates:  # only zeros besides: the relation gives nothing away
                continue
            pick = min(candidates, key=lambda c: (values.get(c, 0), c))
            status[pick] = "secondary"
            changed = True
    return Protection(status)


def published(value: int | None, status: Status | None, rule: DisclosureRule) -> int | str | None:
    """What a count becomes in a publication under `rule`."""
    if value is None:
        return None
    if status == "primary":
        return rule.small_marker
    if status == "secondary":
        return rule.secondary_placeholder
    return rule.rounded(value) if rule.method == "round" else value


def add_margins(
    counts: Mapping[Coord, int], sizes: Sequence[int], has_total: Sequence[bool]
) -> dict[Coord, int]:
    """Counts of the interior cells plus every margin (the Total members of the dimensions that have one)."""
    out: dict[Coord, int] = {}
    for coord, n in counts.items():
        if not n:
            continue
        choices = [(c, s) if t else (c,) for c, s, t in zip(coord, sizes, has_total, strict=True)]
        for target in itertools.product(*choices):
            out[target] = out.get(target, 0) + n
    return out


# ---------------------------------------------------------------------------------------------
# k-anonymity


@dataclass(frozen=True)
class KAnonymityReport:
    k: int
    records: int
    quasi_identifiers: tuple[str, ...]
    classes: int
    small_classes: int  # equivalence classes with fewer than k records
    records_at_risk: int
    smallest_class: int
    # records still at risk if one quasi-identifier were left out, best first
    without: tuple[tuple[str, int], ...]

    @property
    def ok(self) -> bool:
        return self.records_at_risk == 0

    def reason(self) -> str:
        if self.ok:
            return (
                f"k-anonymity holds: each of the {self.classes} combinations of "
                f"{', '.join(self.quasi_identifiers)} is shared by at least {self.k} records"
            )
        text = (
            f"refused: k-anonymity with k={self.k} fails on {', '.join(self.quasi_identifiers)}: "
            f"{self.records_at_risk} of {self.records} records fall in {self.small_classes} combinations "
            f"shared by fewer than {self.k} records (the smallest by {self.smallest_class})"
        )
        if self.without:
            best, left = self.without[0]
            text += (
                f"; leaving out {best} would leave {left} record(s) at risk"
                if left
                else f"; leaving out {best} would make the extract k-anonymous"
            )
        return text + ". Ask for aggregate tables instead, or for fewer or coarser fields."


def _at_risk(rows: Sequence[tuple[Any, ...]], k: int) -> tuple[int, int, int, int]:
    sizes = Counter(rows)
    small = [n for n in sizes.values() if n < k]
    return len(sizes), len(small), sum(small), min(sizes.values(), default=0)


def check_k_anonymity(
    records: Sequence[Sequence[Any]], quasi_identifiers: Sequence[str], k: int
) -> KAnonymityReport:
    """Equivalence classes of `records` over their columns (all quasi-identifiers)."""
    rows = [tuple(r) for r in records]
    classes, small, risk, smallest = _at_risk(rows, k)
    without: list[tuple[str, int]] = []
    if risk and len(quasi_identifiers) > 1:
        for i, name in enumerate(quasi_identifiers):
            reduced = [r[:i] + r[i + 1 :] for r in rows]
            without.append((name, _at_risk(reduced, k)[2]))
        without.sort(key=lambda x: (x[1], x[0]))
    return KAnonymityReport(
        k=k,
        records=len(rows),
        quasi_identifiers=tuple(quasi_identifiers),
        classes=classes,
        small_classes=small,
        records_at_risk=risk,
        smallest_class=smallest,
        without=tuple(without),
    )
