"""Return intentions published through the disclosure control (refugio.stats.disclosure): households
surveyed by origin area × site × intention (within 12 months, later, no, undecided), with totals on
every dimension, small counts suppressed and the suppressions made safe against subtraction from the
totals; and the conditions households cite, by condition (a household citing several counts in each).
The raw figures come from refugio.solutions.returns.queries (SOLUTIONS_VIEW in the operation).

Imports refugio.solutions.returns (its queries and enums) and refugio.stats.disclosure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel
from sqlalchemy.orm import Session

from refugio.security.principals import Principal
from refugio.solutions.returns.enums import Condition, Intention
from refugio.solutions.returns.queries import intention_figures
from refugio.stats.disclosure import (
    DEFAULT_RULE,
    RULE_VERSION,
    DisclosureRule,
    add_margins,
    protect,
    published,
)

TOTAL = "Total"
Cell = int | str | None


class IntentionCell(BaseModel):
    origin_area: str
    site: str
    intention: str
    households: Cell


class ConditionCell(BaseModel):
    condition: str
    households: Cell


class ReturnIntentionsReport(BaseModel):
    rule: str
    note: str
    intentions: list[IntentionCell]
    conditions: list[ConditionCell]


def _coords(sizes: Sequence[int]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for n in sizes:
        out = [(*c, i) for c in out for i in range(n + 1)]
    return out


def protected_table(
    counts: Mapping[tuple[str, ...], int], dims: Sequence[Sequence[str]], rule: DisclosureRule
) -> dict[tuple[str, ...], Cell]:
    """A table of counts with a Total on every dimension, protected; the published cells by labels."""
    sizes = [len(d) for d in dims]
    coords = {tuple(d.index(v) for d, v in zip(dims, k, strict=True)): n for k, n in counts.items()}
    values = add_margins(coords, sizes, [True] * len(dims))
    status = protect(values, sizes, [True] * len(dims), lambda c: rule.threshold).status
    out: dict[tuple[str, ...], Cell] = {}
    for c in _coords(sizes):
        labels = tuple(dims[i][j] if j < sizes[i] else TOTAL for i, j in enumerate(c))
        out[labels] = published(values.get(c, 0), status.get(c), rule)
    return out


def return_intentions_report(
    session: Session, *, actor: Principal, rule: DisclosureRule = DEFAULT_RULE
) -> ReturnIntentionsReport:
    """The intentions and conditions of the households surveyed (their latest survey), protected."""
    raw = intention_figures(session, actor=actor)
    areas = sorted({r.origin_area for r in raw.rows})
    sites = sorted({r.site_code for r in raw.rows})
    intentions = [i.value for i in Intention]
    counts: dict[tuple[str, ...], int] = {}
    conditions: dict[tuple[str, ...], int] = {}
    for r in raw.rows:
        for i, n in r.intentions.items():
            if n:
                counts[(r.origin_area, r.site_code, i)] = counts.get((r.origin_area, r.site_code, i), 0) + n
        for c, n in r.conditions.items():
            conditions[(c,)] = conditions.get((c,), 0) + n
    table = protected_table(counts, [areas, sites, intentions], rule) if areas else {}
    cited = [c.value for c in Condition]
    # a household may cite several conditions: the total is not a sum of the cells, so none is shown
    by_condition = {
        c: published(n, "primary" if 0 < n < rule.threshold else None, rule)
        for c, n in ((c, conditions.get((c,), 0)) for c in cited)
    }
    return ReturnIntentionsReport(
        rule=f"{RULE_VERSION} threshold {rule.threshold}",
        note="Households (their latest survey). Counts below the threshold are shown as "
        f"{rule.small_marker}; x marks a count hidden so that it cannot be worked out from the totals.",
        intentions=[
            IntentionCell(origin_area=a, site=s, intention=i, households=v) for (a, s, i), v in table.items()
        ],
        conditions=[ConditionCell(condition=c, households=v) for c, v in by_condition.items()],
    )


__all__ = ["ReturnIntentionsReport", "return_intentions_report"]
