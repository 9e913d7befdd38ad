"""Funding: a response plan's requirements per sector, contributions by donor (earmarked or not), the gap
by sector and over time; scoping; and the plan through the CLI, the API and the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from tests.helpers import Seed, principal

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import queries, service
from refugio.sharing.schemas import ContributionCreate, PlanCreate, RequirementSet
from refugio.store.uow import unit_of_work


def _plan(container: Container, operation_id: object = None) -> object:
    with unit_of_work(container.sessions) as s:
        plan = service.create_plan(
            s,
            data=PlanCreate(code="JOR-3RP-2024", name="3RP Jordan", year=2024, operation_id=operation_id),
            actor=SYSTEM,
        )
        for sector, amount in (("Education", "1000"), ("Health", "500")):
            service.set_requirement(
                s, plan_id=plan.id, data=RequirementSet(sector=sector, amount=Decimal(amount)), actor=SYSTEM
            )
        for donor, sector, amount, on in (
            ("Germany", "Education", "400", dt.date(2024, 2, 1)),
            ("Germany", "Education", "100", dt.date(2024, 3, 1)),
            ("Japan", None, "50", dt.date(2024, 3, 15)),
            ("Norway", "Health", "600", dt.date(2024, 5, 2)),
        ):
            service.record_contribution(
                s,
                plan_id=plan.id,
                data=ContributionCreate(donor=donor, sector=sector, amount=Decimal(amount), received_on=on),
                actor=SYSTEM,
            )
        return plan.id


def test_requirements_contributions_and_the_gap(container: Container, seeded: Seed) -> None:
    pid = _plan(container, seeded.operation_id)
    with unit_of_work(container.sessions) as s:
        f = queries.funding_summary(s, pid, actor=SYSTEM)
    education, health = f.sectors
    assert (education.funded, education.gap, education.coverage) == (Decimal(500), Decimal(500), 50.0)
    assert health.gap == 0  # over-funded: no negative gap
    assert f.unearmarked == 50 and f.funded == 1150 and f.required == 1500 and f.gap == 350
    assert [(d.donor, d.amount) for d in f.donors] == [("Norway", 600), ("Germany", 500), ("Japan", 50)]
    assert f.by_month == [("2024-02", 400), ("2024-03", 550), ("2024-05", 1150)]
    with unit_of_work(container.sessions) as s:
        with pytest.raises(ValidationFailed, match="no requirement for 'Shelter'"):
            service.record_contribution(
                s,
                plan_id=pid,  # type: ignore[arg-type]
                data=ContributionCreate(
                    donor="X", sector="Shelter", amount=Decimal(1), received_on=dt.date(2024, 1, 1)
                ),
                actor=SYSTEM,
            )
        with pytest.raises(Conflict):
            service.create_plan(
                s, data=PlanCreate(code="JOR-3RP-2024", name="again", year=2024), actor=SYSTEM
            )


def test_plans_are_scoped_like_pledges(container: Container, seeded: Seed) -> None:
    pid = _plan(container)  # a regional plan: global grants only
    imo = principal(container, "imo")
    with unit_of_work(container.sessions) as s:
        assert queries.list_plans(s, actor=imo) == []
        with pytest.raises(NotFound):
            queries.funding_summary(s, pid, actor=imo)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            service.create_plan(s, data=PlanCreate(code="REG-2025", name="Regional", year=2025), actor=imo)


def test_a_plan_through_the_api(
    container: Container, client: TestClient, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    h = token_for("imo")
    api = "/api/v1/sharing/funding/plans"
    r = client.post(
        api,
        headers=h,
        json={
            "code": "JOR-2025",
            "name": "Jordan 2025",
            "year": 2025,
            "operation_id": str(seeded.operation_id),
        },
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert (
        client.put(
            f"{api}/{pid}/requirements", headers=h, json={"sector": "Health", "amount": "100"}
        ).status_code
        == 200
    )
    r = client.post(
        f"{api}/{pid}/contributions",
        headers=h,
        json={"donor": "Sweden", "sector": "Health", "amount": "25", "received_on": "2025-01-10"},
    )
    assert r.status_code == 201, r.text
    summary = client.get(f"{api}/{pid}", headers=h).json()
    assert summary["gap"] == "75.00" and summary["coverage"] == 25.0
    bad = client.post(
        f"{api}/{pid}/contributions",
        headers=h,
        json={"donor": "X", "amount": "-1", "received_on": "2025-01-10"},
    )
    assert bad.status_code == 422
