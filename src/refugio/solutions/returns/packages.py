"""Return packages through the assistance module: a return grant is an assistance programme of kind
cash whose rules target households whose focal point is a `returnee` (the people of planned returns:
a partial return has split them into a household of their own), with an amount per household and per
member, and a first cycle. Everything goes through refugio.assistance's services (its checks, its
audit entries, its segregation of duties for the payment plans that follow); the caller needs
ASSISTANCE_PLAN. Flushes, never commits.
"""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance.enums import ProgrammeKind
from refugio.assistance.schemas import CycleCreate, ProgrammeCreate
from refugio.assistance.service import programmes
from refugio.security.principals import Principal
from refugio.solutions.returns.enums import ReturnStatus
from refugio.solutions.returns.models import VoluntaryReturn
from refugio.solutions.returns.schemas import GrantIn, GrantRead


def grant_rules(*, name: str, currency: str, per_household: float, per_member: float) -> str:
    """The assistance rule set (JSON) of a return grant."""
    return json.dumps(
        {
            "name": name,
            "currency": currency,
            "eligibility": {"population_types": ["returnee"]},
            "amounts": {"per_household": per_household, "per_member": per_member},
        }
    )


def create_return_grant(session: Session, *, actor: Principal, data: GrantIn) -> GrantRead:
    """A cash programme "return grant" with its rules and a first cycle starting on `start_date`."""
    name = f"Return grant {data.start_date.year}"
    programme = programmes.create_programme(
        session,
        actor=actor,
        data=ProgrammeCreate(
            operation_id=data.operation_id,
            code=data.code,
            name=name,
            kind=ProgrammeKind.CASH,
            currency=data.currency,
            usd_rate=Decimal(str(data.usd_rate)),
            start_date=data.start_date,
        ),
    )
    rules = programmes.load_rules(
        session,
        actor=actor,
        programme_id=programme.id,
        text=grant_rules(
            name=name, currency=data.currency, per_household=data.per_household, per_member=data.per_member
        ),
    )
    cycle = programmes.create_cycle(
        session,
        actor=actor,
        programme_id=programme.id,
        data=CycleCreate(name="Returns", start_date=data.start_date),
    )
    planned = session.scalar(
        select(func.count()).where(
            VoluntaryReturn.operation_id == data.operation_id,
            VoluntaryReturn.status == ReturnStatus.PLANNED.value,
            VoluntaryReturn.assisted.is_(True),
        )
    )
    return GrantRead(
        programme_id=programme.id,
        programme_code=programme.code,
        cycle_id=cycle.id,
        rule_version=rules.version,
        households_planned=planned or 0,
    )


__all__ = ["create_return_grant", "grant_rules"]
