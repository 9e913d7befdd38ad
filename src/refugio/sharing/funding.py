"""Funding (writes and reads): response plans, their requirements per sector, the contributions
received (by donor, for a sector or unearmarked, possibly fulfilling a pledge), and the summary of a
plan — required, funded, gap, by sector, by donor and over time. Scoped like pledges: a plan of an
operation needs SHARING_VIEW / SHARING_MANAGE for it; a regional plan a global grant. Writes flush,
never commit; audited. Imports SQLAlchemy, the sharing models, security and core.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, NotFound, ValidationFailed
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.sharing import policy
from refugio.sharing.models import (
    SharingContribution,
    SharingPledge,
    SharingRequirement,
    SharingResponsePlan,
)
from refugio.sharing.schemas import (
    ContributionCreate,
    ContributionRead,
    DonorFunding,
    FundingSummary,
    PlanCreate,
    PlanRead,
    RequirementRead,
    RequirementSet,
    SectorFunding,
)


def _plan(
    session: Session, plan_id: uuid.UUID, actor: Principal, permission: Permission
) -> SharingResponsePlan:
    plan = session.get(SharingResponsePlan, plan_id)
    if plan is None or not actor.can(Permission.SHARING_VIEW, operation_id=plan.operation_id):
        raise NotFound("no such response plan")
    policy.require_pledge(actor, permission, plan.operation_id)
    return plan


def create_plan(session: Session, *, data: PlanCreate, actor: Principal) -> PlanRead:
    policy.require_pledge(actor, Permission.SHARING_MANAGE, data.operation_id)
    if session.scalar(select(SharingResponsePlan.id).where(SharingResponsePlan.code == data.code)):
        raise Conflict(f"a response plan {data.code} exists already")
    plan = SharingResponsePlan(**data.model_dump(), created_by=actor.username)
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sharing.plan.create",
        object_type="sharing_response_plan",
        object_id=str(plan.id),
        details={"code": plan.code},
    )
    return PlanRead.model_validate(plan)


def set_requirement(
    session: Session, *, plan_id: uuid.UUID, data: RequirementSet, actor: Principal
) -> RequirementRead:
    """Set (or revise) what the plan requires for a sector."""
    _plan(session, plan_id, actor, Permission.SHARING_MANAGE)
    row = session.scalar(
        select(SharingRequirement).where(
            SharingRequirement.plan_id == plan_id, SharingRequirement.sector == data.sector
        )
    )
    before = None if row is None else str(row.amount)
    if row is None:
        row = SharingRequirement(plan_id=plan_id, sector=data.sector, amount=data.amount)
        session.add(row)
    else:
        row.amount = data.amount
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sharing.requirement.set",
        object_type="sharing_response_plan",
        object_id=str(plan_id),
        details={"sector": data.sector, "amount": str(data.amount), "before": before},
    )
    return RequirementRead.model_validate(row)


def record_contribution(
    session: Session, *, plan_id: uuid.UUID, data: ContributionCreate, actor: Principal
) -> ContributionRead:
    plan = _plan(session, plan_id, actor, Permission.SHARING_MANAGE)
    sector = data.sector or None
    if sector is not None and not session.scalar(
        select(SharingRequirement.id).where(
            SharingRequirement.plan_id == plan_id, SharingRequirement.sector == sector
        )
    ):
        raise ValidationFailed.single("sector", f"the plan {plan.code} has no requirement for {sector!r}")
    if data.pledge_id is not None:
        pledge = session.get(SharingPledge, data.pledge_id)
        if pledge is None or pledge.pledge_type != "financial":
            raise ValidationFailed.single("pledge_id", "not a financial pledge")
    row = SharingContribution(
        plan_id=plan_id,
        sector=sector,
        donor=data.donor,
        donor_country=data.donor_country,
        amount=data.amount,
        received_on=data.received_on,
        pledge_id=data.pledge_id,
        reference=data.reference,
        recorded_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sharing.contribution.record",
        object_type="sharing_response_plan",
        object_id=str(plan_id),
        details={"donor": data.donor, "amount": str(data.amount), "sector": sector},
    )
    return ContributionRead.model_validate(row)


def list_plans(session: Session, *, actor: Principal) -> list[PlanRead]:
    policy.require_view(actor)
    rows = session.scalars(
        select(SharingResponsePlan)
        .where(policy.pledge_clause(actor, SharingResponsePlan.operation_id))
        .order_by(SharingResponsePlan.year.desc(), SharingResponsePlan.code)
    )
    return [PlanRead.model_validate(r) for r in rows]


def summary(session: Session, plan_id: uuid.UUID, *, actor: Principal) -> FundingSummary:
    """Required, funded and the gap of a plan, by sector, by donor and cumulated by month."""
    plan = _plan(session, plan_id, actor, Permission.SHARING_VIEW)
    required = {
        r.sector: r.amount
        for r in session.scalars(select(SharingRequirement).where(SharingRequirement.plan_id == plan_id))
    }
    funded: dict[str, Decimal] = defaultdict(Decimal)
    donors: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    months: dict[str, Decimal] = defaultdict(Decimal)
    unearmarked = Decimal(0)
    for c in session.scalars(select(SharingContribution).where(SharingContribution.plan_id == plan_id)):
        if c.sector is None:
            unearmarked += c.amount
        else:
            funded[c.sector] += c.amount
        donors[(c.donor, c.donor_country)] += c.amount
        months[c.received_on.strftime("%Y-%m")] += c.amount
    running = Decimal(0)
    by_month = []
    for month in sorted(months):
        running += months[month]
        by_month.append((month, running))
    return FundingSummary(
        plan=PlanRead.model_validate(plan),
        sectors=[
            SectorFunding(sector=s, required=a, funded=funded.get(s, Decimal(0)))
            for s, a in sorted(required.items())
        ],
        unearmarked=unearmarked,
        required=sum(required.values(), Decimal(0)),
        funded=sum(funded.values(), Decimal(0)) + unearmarked,
        donors=[
            DonorFunding(donor=d, donor_country=c, amount=a)
            for (d, c), a in sorted(donors.items(), key=lambda kv: (-kv[1], kv[0][0]))
        ],
        by_month=by_month,
    )
