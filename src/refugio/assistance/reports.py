"""Raw figures of a cycle's report (issue 15 item 10), before disclosure control — refugio.stats
.assistance_report protects them (small counts suppressed, secondary suppression over the margins)
before any channel shows them; nothing here is meant to be published as is.

- coverage: people on the frozen list (targeted) and people of households served (collected at a desk,
  or paid: delivered or partially delivered), by site, sex and age bracket at the cycle's start;
- amounts by site: households targeted and served, amounts frozen, collected or delivered;
- PDM outcomes by site;
- complaints of the programme by category: count, closed, and mean days to close.

Imports refugio.assistance (models, policy, service.common) and refugio.registration.queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.models import Collection, Complaint, Entitlement, Payment, PdmOutcome
from refugio.assistance.service.common import audited, load_cycle, programme_of_cycle
from refugio.registration.queries import visible_sites
from refugio.security.principals import SYSTEM, Principal

# the age brackets of UNHCR's population statistics
AGE_BRACKETS = ((0, 4, "0-4"), (5, 11, "5-11"), (12, 17, "12-17"), (18, 59, "18-59"), (60, 200, "60+"))
SEXES = ("F", "M")
SERVED_PAYMENTS = ("delivered", "partially_delivered")


def bracket(dob: str, on: dt.date) -> str:
    born = dt.date.fromisoformat(dob)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BRACKETS if low <= max(age, 0) <= high)


@dataclass
class SiteAmounts:
    households_targeted: int = 0
    households_served: int = 0
    amount_targeted: Decimal = Decimal(0)
    amount_served: Decimal = Decimal(0)


@dataclass
class RawReport:
    cycle: str
    currency: str
    sites: list[str]
    targeted: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (site, sex, bracket)
    served: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    amounts: dict[str, SiteAmounts] = field(default_factory=dict)
    pdm: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site, outcome)
    complaints: Counter[tuple[str, bool]] = field(default_factory=Counter)  # (category, sensitive)
    closed: Counter[str] = field(default_factory=Counter)
    days_to_close: dict[str, float] = field(default_factory=dict)  # category → mean days


def raw_report(session: Session, *, actor: Principal, cycle_key: str | uuid.UUID) -> RawReport:
    cycle = load_cycle(session, cycle_key)
    programme = programme_of_cycle(session, cycle)
    policy.require_view(actor, programme.operation_id)
    codes = {s.id: s.code for s in visible_sites(session, actor=SYSTEM)}
    collected = set(
        session.scalars(
            select(Collection.entitlement_id)
            .join(Entitlement, Entitlement.id == Collection.entitlement_id)
            .where(Entitlement.cycle_id == cycle.id)
        )
    )
    paid = set(
        session.scalars(
            select(Payment.entitlement_id)
            .join(Entitlement, Entitlement.id == Payment.entitlement_id)
            .where(Entitlement.cycle_id == cycle.id, Payment.status.in_(SERVED_PAYMENTS))
        )
    )
    report = RawReport(cycle=f"{programme.code}/{cycle.number}", currency=programme.currency, sites=[])
    for ent in session.scalars(select(Entitlement).where(Entitlement.cycle_id == cycle.id)):
        site = codes.get(ent.site_id, "?")
        served = ent.id in collected or ent.id in paid
        money = report.amounts.setdefault(site, SiteAmounts())
        money.households_targeted += 1
        money.amount_targeted += ent.amount
        if served:
            money.households_served += 1
            money.amount_served += ent.amount
        for m in ent.snapshot.get("members", []):
            key = (site, str(m.get("sex", "?")), bracket(str(m["date_of_birth"]), cycle.start_date))
            report.targeted[key] += 1
            if served:
                report.served[key] += 1
    report.sites = sorted(report.amounts)
    for site_id, outcome in session.execute(
        select(PdmOutcome.site_id, PdmOutcome.outcome).where(PdmOutcome.cycle_id == cycle.id)
    ):
        report.pdm[(codes.get(site_id, "?"), outcome)] += 1
    spans: dict[str, list[float]] = {}
    for category, sensitive, received, closed in session.execute(
        select(Complaint.category, Complaint.sensitive, Complaint.received_at, Complaint.closed_at).where(
            Complaint.programme_id == programme.id
        )
    ):
        report.complaints[(category, sensitive)] += 1
        if closed is not None:
            report.closed[category] += 1
            spans.setdefault(category, []).append((closed - received).total_seconds() / 86_400)
    report.days_to_close = {k: round(sum(v) / len(v), 1) for k, v in spans.items()}
    audited(session, actor, "assistance.report.read", "assistance_cycle", cycle.id, {})
    return report
