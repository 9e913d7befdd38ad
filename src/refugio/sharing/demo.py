"""Demo data of the sharing domain: a few pledges of the kinds a Global Refugee Forum would record
(resettlement places, financial, technical, policy) with dated updates and evidence, some supporting
the demo operation and some global; a response plan with its requirements and contributions; and,
when the reference files are beside the project (../shared/data/external/worldbank), the World Bank
indicators. Uses the sharing services only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from refugio.security.principals import Principal
from refugio.sharing import indicators, service
from refugio.sharing.schemas import (
    ContributionCreate,
    PlanCreate,
    PledgeCreate,
    PledgeUpdateCreate,
    RequirementSet,
)

WORLDBANK = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "external" / "worldbank"

_PLEDGES: list[dict[str, Any]] = [
    {
        "pledger": "Government of Canada",
        "country": "CAN",
        "pledge_type": "places",
        "title": "Resettlement of 1,200 refugees from Jordan",
        "places": 1200,
        "pledged_on": dt.date(2023, 12, 13),
        "updates": [(dt.date(2024, 6, 30), "in_progress", 450, "IRCC quarterly arrivals report Q2 2024")],
    },
    {
        "pledger": "Government of Germany",
        "country": "DEU",
        "pledge_type": "financial",
        "title": "Education in host communities",
        "amount": Decimal("25000000.00"),
        "currency": "EUR",
        "pledged_on": dt.date(2023, 12, 13),
        "updates": [(dt.date(2024, 9, 1), "in_progress", Decimal("10000000.00"), "FTS flow 2024-09")],
    },
    {
        "pledger": "Government of Brazil",
        "country": "BRA",
        "pledge_type": "places",
        "title": "Humanitarian visas (complementary pathway)",
        "places": 300,
        "pledged_on": dt.date(2019, 12, 17),
        "global": True,
        "updates": [(dt.date(2022, 3, 1), "fulfilled", 300, "CONARE decisions 2020-2021")],
    },
    {
        "pledger": "World Bank",
        "pledger_kind": "organisation",
        "pledge_type": "technical",
        "title": "Socio-economic data on refugees and hosts",
        "pledged_on": dt.date(2023, 12, 13),
        "updates": [],
    },
    {
        "pledger": "Government of Jordan",
        "country": "JOR",
        "pledge_type": "policy",
        "title": "Work permits for refugees in more sectors",
        "pledged_on": dt.date(2023, 12, 13),
        "updates": [],
    },
]


def seed_demo(
    session: Session,
    *,
    operation_id: uuid.UUID,
    actor: Principal,
    echo: Callable[[str], Any] = print,
    worldbank: Path = WORLDBANK,
) -> int:
    """Record the demo pledges (and the World Bank indicators when the files are there); returns the
    number of pledges. Prints what it left out."""
    for item in _PLEDGES:
        data = {k: v for k, v in item.items() if k not in ("updates", "global")}
        pledge = service.record_pledge(
            session,
            data=PledgeCreate(**data, operation_id=None if item.get("global") else operation_id),
            actor=actor,
        )
        for on, status, delivered, evidence in item["updates"]:
            places = delivered if pledge.places is not None else None
            amount = delivered if pledge.amount is not None else None
            service.update_pledge(
                session,
                pledge_id=pledge.id,
                data=PledgeUpdateCreate(
                    on_date=on,
                    status=status,
                    places_delivered=places,
                    amount_delivered=amount,
                    evidence=evidence,
                ),
                actor=actor,
            )
    _seed_plan(session, operation_id=operation_id, actor=actor)
    echo("Sharing: response plan JOR-3RP-2024 with its requirements and contributions")
    if worldbank.is_dir():
        reports = indicators.import_worldbank_dir(session, directory=worldbank, actor=actor)
        echo(f"Sharing: World Bank indicators imported ({sum(r.rows_loaded for r in reports):,} values)")
        echo(
            "  asylum applications per million need `refugio stats import`, "
            "then `refugio sharing indicators derive`"
        )
    else:
        echo(f"Sharing: left out the World Bank indicators ({worldbank} is absent); paste a CSV on /sharing")
    return len(_PLEDGES)


_REQUIREMENTS = [
    ("Protection", "48000000"),
    ("Education", "61000000"),
    ("Health", "37500000"),
    ("Shelter", "52000000"),
]
_CONTRIBUTIONS: list[tuple[str, str | None, str | None, str, dt.date]] = [
    ("Government of Germany", "DEU", "Education", "10000000", dt.date(2024, 2, 15)),
    ("European Union", None, "Protection", "18500000", dt.date(2024, 3, 30)),
    ("Government of the United States", "USA", "Health", "12000000", dt.date(2024, 5, 10)),
    ("Government of Japan", "JPN", None, "4000000", dt.date(2024, 6, 20)),
    ("Government of Canada", "CAN", "Shelter", "7500000", dt.date(2024, 9, 5)),
]


def _seed_plan(session: Session, *, operation_id: uuid.UUID, actor: Principal) -> None:
    plan = service.create_plan(
        session,
        data=PlanCreate(
            code="JOR-3RP-2024",
            name="Regional Refugee and Resilience Plan, Jordan chapter",
            year=2024,
            currency="USD",
            operation_id=operation_id,
        ),
        actor=actor,
    )
    for need, amount in _REQUIREMENTS:
        service.set_requirement(
            session, plan_id=plan.id, data=RequirementSet(sector=need, amount=Decimal(amount)), actor=actor
        )
    for donor, country, sector, amount, on in _CONTRIBUTIONS:
        service.record_contribution(
            session,
            plan_id=plan.id,
            data=ContributionCreate(
                donor=donor, donor_country=country, sector=sector, amount=Decimal(amount), received_on=on
            ),
            actor=actor,
        )
