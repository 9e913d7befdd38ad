"""A cycle's assistance report (issue 15 item 10) through the disclosure control every publication of
refugio uses (refugio.stats.disclosure): coverage of people targeted and served by site × sex × age
bracket, households and amounts by site, PDM outcomes by site × outcome and complaints by category with
the time to close — each table with its totals, small counts suppressed (`<5`), sensitive complaint
categories at the higher threshold, and secondary suppression so that no small count can be worked out
from the totals. An amount is shown only beside a published household count; a mean time to close only
beside a published count of closed complaints. Without ASSISTANCE_COMPLAINT_SENSITIVE the sensitive
categories are one `restricted` line.

Imports refugio.assistance.reports (its raw figures) and refugio.stats.disclosure.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from refugio.assistance.reports import AGE_BRACKETS, RawReport, raw_report
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.stats.disclosure import DEFAULT_RULE, DisclosureRule, add_margins, protect, published

TOTAL = "Total"
SENSITIVE = ("sea", "staff_fraud")
Cell = int | str | None


class CoverageRow(BaseModel):
    site: str
    sex: str
    age: str
    targeted: Cell
    served: Cell


class SiteRow(BaseModel):
    site: str
    households_targeted: Cell
    households_served: Cell
    amount_targeted: Decimal | None
    amount_served: Decimal | None


class PdmRow(BaseModel):
    site: str
    received: Cell
    not_received: Cell
    received_with_issues: Cell
    total: Cell


class ComplaintRow(BaseModel):
    category: str
    count: Cell
    closed: Cell
    mean_days_to_close: float | None


class AssistanceReport(BaseModel):
    cycle: str
    currency: str
    rule: str
    note: str
    coverage: list[CoverageRow]
    sites: list[SiteRow]
    pdm: list[PdmRow]
    complaints: list[ComplaintRow]


def _table(
    counts: Mapping[Any, int],
    dims: Sequence[Sequence[str]],
    rule: DisclosureRule,
    threshold_of: dict[str, int] | None = None,
) -> dict[tuple[str, ...], Cell]:
    """Protect a table of counts with a Total on every dimension; published cells by labels."""
    sizes = [len(d) for d in dims]
    coords = {tuple(d.index(v) for d, v in zip(dims, key, strict=True)): n for key, n in counts.items()}
    values = add_margins(coords, sizes, [True] * len(dims))

    def threshold(c: tuple[int, ...]) -> int:
        label = dims[0][c[0]] if c[0] < sizes[0] else TOTAL
        return (threshold_of or {}).get(label, rule.threshold)

    status = protect(values, sizes, [True] * len(dims), threshold).status
    out: dict[tuple[str, ...], Cell] = {}
    for c in _all_coords(sizes):
        labels = tuple(dims[i][j] if j < sizes[i] else TOTAL for i, j in enumerate(c))
        out[labels] = published(values.get(c, 0), status.get(c), rule)
    return out


def _all_coords(sizes: Sequence[int]) -> list[tuple[int, ...]]:
    coords: list[tuple[int, ...]] = [()]
    for n in sizes:
        coords = [(*c, i) for c in coords for i in range(n + 1)]
    return coords


def _coverage(raw: RawReport, rule: DisclosureRule) -> list[CoverageRow]:
    sexes = sorted({k[1] for k in raw.targeted})
    dims = [raw.sites, sexes, [label for _, _, label in AGE_BRACKETS]]
    if not raw.sites or not sexes:
        return []
    targeted = _table(raw.targeted, dims, rule)
    served = _table(raw.served, dims, rule)
    return [
        CoverageRow(site=k[0], sex=k[1], age=k[2], targeted=targeted[k], served=served[k])
        for k in targeted
        if targeted[k] != 0
    ]


def _sites(raw: RawReport, rule: DisclosureRule) -> list[SiteRow]:
    if not raw.sites:
        return []
    dims = [raw.sites]
    targeted = _table({(s,): a.households_targeted for s, a in raw.amounts.items()}, dims, rule)
    served = _table({(s,): a.households_served for s, a in raw.amounts.items()}, dims, rule)
    rows = []
    for site in [*raw.sites, TOTAL]:
        amounts = list(raw.amounts.values()) if site == TOTAL else [raw.amounts[site]]
        rows.append(
            SiteRow(
                site=site,
                households_targeted=targeted[(site,)],
                households_served=served[(site,)],
                amount_targeted=sum((a.amount_targeted for a in amounts), Decimal(0))
                if isinstance(targeted[(site,)], int)
                else None,
                amount_served=sum((a.amount_served for a in amounts), Decimal(0))
                if isinstance(served[(site,)], int)
                else None,
            )
        )
    return rows


def _pdm(raw: RawReport, rule: DisclosureRule) -> list[PdmRow]:
    if not raw.pdm:
        return []
    outcomes = ["received", "not_received", "received_with_issues"]
    sites = sorted({s for s, _ in raw.pdm})
    cells = _table(raw.pdm, [sites, outcomes], rule)
    return [
        PdmRow(
            site=site,
            received=cells[(site, "received")],
            not_received=cells[(site, "not_received")],
            received_with_issues=cells[(site, "received_with_issues")],
            total=cells[(site, TOTAL)],
        )
        for site in [*sites, TOTAL]
    ]


def _complaints(raw: RawReport, rule: DisclosureRule, may_sensitive: bool) -> list[ComplaintRow]:
    counts: dict[str, int] = {}
    closed: dict[str, int] = {}
    for (category, sensitive), n in raw.complaints.items():
        label = category if may_sensitive or not sensitive else "restricted"
        counts[label] = counts.get(label, 0) + n
        closed[label] = closed.get(label, 0) + raw.closed.get(category, 0)
    if not counts:
        return []
    dims = [sorted(counts)]
    higher = dict.fromkeys([*SENSITIVE, "restricted"], rule.sensitive_threshold)
    published_counts = _table({(k,): n for k, n in counts.items()}, dims, rule, higher)
    published_closed = _table({(k,): n for k, n in closed.items()}, dims, rule, higher)
    rows = []
    for label in [*dims[0], TOTAL]:
        shown = published_closed[(label,)]
        days = raw.days_to_close.get(label) if label not in ("restricted", TOTAL) else None
        rows.append(
            ComplaintRow(
                category=label,
                count=published_counts[(label,)],
                closed=shown,
                mean_days_to_close=days if isinstance(shown, int) and shown > 0 else None,
            )
        )
    return rows


def assistance_report(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID, rule: DisclosureRule = DEFAULT_RULE
) -> AssistanceReport:
    raw = raw_report(session, actor=actor, cycle_key=cycle_key)
    may_sensitive = actor.can_anywhere(Permission.ASSISTANCE_COMPLAINT_SENSITIVE)
    return AssistanceReport(
        cycle=raw.cycle,
        currency=raw.currency,
        rule=rule.id,
        note=rule.describe(),
        coverage=_coverage(raw, rule),
        sites=_sites(raw, rule),
        pdm=_pdm(raw, rule),
        complaints=_complaints(raw, rule, may_sensitive),
    )
