"""Periodic progress reports (reads): for one State or overall, the pledges as of a date (updates after
it are left out), tallied by type and status with places and amounts pledged and delivered, the
contributions to response plans, and the State's latest indicators with their sources. Rendered as
HTML by the web channel and as PDF by `report_pdf_fpdf`. Imports SQLAlchemy, the sharing models,
security and core.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.security.principals import Principal
from refugio.sharing import policy
from refugio.sharing.models import SharingContribution, SharingIndicatorValue, SharingResponsePlan
from refugio.sharing.schemas import IndicatorValueRead, PledgeRead, PledgeTally, ProgressReport

REPORT_INDICATORS = ("population", "gdp", "unemployment_rate", "asylum_per_million", "refugees_per_1000")


def _as_of(pledge: PledgeRead, as_of: dt.date) -> PledgeRead | None:
    """The pledge as it stood on `as_of` (None if made later)."""
    if pledge.pledged_on > as_of:
        return None
    updates = [u for u in pledge.updates if u.on_date <= as_of]
    status = updates[-1].status if updates else "planning"
    return pledge.model_copy(update={"updates": updates, "status": status})


def _tally(pledges: list[PledgeRead]) -> list[PledgeTally]:
    groups: dict[str, list[PledgeRead]] = defaultdict(list)
    for p in pledges:
        groups[p.pledge_type].append(p)
    out = []
    for kind, items in sorted(groups.items()):
        by_status: dict[str, int] = defaultdict(int)
        pledged: dict[str, Decimal] = defaultdict(Decimal)
        delivered: dict[str, Decimal] = defaultdict(Decimal)
        for p in items:
            by_status[p.status] += 1
            if p.amount is not None and p.currency:
                pledged[p.currency] += p.amount
                delivered[p.currency] += p.delivered_amount
        out.append(
            PledgeTally(
                pledge_type=kind,
                count=len(items),
                by_status=dict(by_status),
                places_pledged=sum(p.places or 0 for p in items),
                places_delivered=sum(p.delivered_places for p in items),
                amounts_pledged=dict(pledged),
                amounts_delivered=dict(delivered),
            )
        )
    return out


def progress_report(
    session: Session, *, actor: Principal, country: str | None, as_of: dt.date, pledges: list[PledgeRead]
) -> ProgressReport:
    """The report of `country` (ISO3; None: overall) as of `as_of`, over `pledges` (those `actor` may
    see, from queries.list_pledges)."""
    policy.require_view(actor)
    if country is not None and len(country) != 3:
        raise ValidationFailed.single("country", "an ISO3 code, or none for the overall report")
    chosen = [
        q
        for p in pledges
        if (country is None or p.country == country) and (q := _as_of(p, as_of)) is not None
    ]
    C, Plan = SharingContribution, SharingResponsePlan
    stmt = (
        select(Plan.code, C.donor, C.amount, Plan.currency)
        .join(Plan, Plan.id == C.plan_id)
        .where(C.received_on <= as_of, policy.pledge_clause(actor, Plan.operation_id))
        .order_by(Plan.code, C.received_on)
    )
    if country is not None:
        stmt = stmt.where(C.donor_country == country)
    contributions = [(code, donor, amount, cur) for code, donor, amount, cur in session.execute(stmt)]
    indicators: list[IndicatorValueRead] = []
    if country is not None:
        V = SharingIndicatorValue
        for name in REPORT_INDICATORS:
            latest = session.scalar(
                select(func.max(V.year)).where(
                    V.indicator == name, V.country == country, V.year <= as_of.year
                )
            )
            row = session.get(V, (name, country, latest)) if latest is not None else None
            if row is not None:
                indicators.append(
                    IndicatorValueRead(
                        indicator=row.indicator,
                        country=row.country,
                        year=row.year,
                        value=row.value,
                        source=row.source,
                        retrieved=row.retrieved,
                        transformation=row.transformation,
                    )
                )
    return ProgressReport(
        country=country,
        as_of=as_of,
        tallies=_tally(chosen),
        pledges=chosen,
        contributions=contributions,
        indicators=indicators,
    )
