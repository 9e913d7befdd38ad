"""The demo of voluntary return: a few return intention surveys (as if sent through OpenRosa), one
go-and-see visit done, three returns — a whole household departed and monitored once, a partial
return planned (one member splits off), an AVRR return planned. Households with an open protection case
are passed over (their return would need the caseworker's sign-off). Uses the returns services only;
deterministic."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.registration import queries as registry
from refugio.security.principals import Principal
from refugio.solutions.returns import service, surveys, visits
from refugio.solutions.returns.enums import Condition, Intention
from refugio.solutions.returns.schemas import (
    DepartureIn,
    MonitoringIn,
    ReturnIn,
    SurveyIn,
    VisitDone,
    VisitIn,
)
from refugio.solutions.returns.survey_form import FORM_PREFIX

ANSWERS = {
    "income_sources": 3,
    "employment": 2,
    "debt": 4,
    "food_security": 4,
    "productive_assets": 2,
    "housing": 3,
    "health_access": 4,
    "education_access": 3,
    "documentation": 5,
    "safety": 4,
    "belonging": 5,
    "community_participation": 3,
    "no_discrimination": 4,
    "no_distress": 3,
    "no_wish_to_remigrate": 4,
}
DESTINATION = "SYR"
INTENTIONS = ["within_12_months", "later", "undecided", "no", "within_12_months", "later"]


def seed_returns(
    session: Session, *, operation_id: uuid.UUID, actor: Principal, households: list[uuid.UUID]
) -> tuple[int, int]:
    """Surveys of the households (from Syria where there are enough), a visit, and returns for the first
    ones without an open case.
    Returns (surveys, returns)."""
    today = clock.today()
    briefs = registry.households_brief(session, households)
    # the surveys and returns go to Syria: households from Syria first, twelve at most
    syrian = [h for h in households if h in briefs and briefs[h].country_of_origin == DESTINATION]
    households = (syrian if len(syrian) >= len(INTENTIONS) + 3 else households)[:12]
    _send_surveys(
        session, operation_id=operation_id, actor=actor, households=households, briefs=briefs, today=today
    )
    surveyed = min(len(households), len(INTENTIONS))
    free = [
        h
        for h in households
        if not service.missing_sign_offs(session, registry.household_member_ids(session, h))
    ]
    if len(free) < 3:
        return surveyed, 0
    members = {h: registry.household_member_ids(session, h) for h in free[:3]}
    _go_and_see(
        session, operation_id=operation_id, actor=actor, participants=members[free[0]][:1], today=today
    )
    return surveyed, _register_returns(
        session, actor=actor, free=free, members=members, briefs=briefs, today=today
    )


def _send_surveys(
    session: Session,
    *,
    operation_id: uuid.UUID,
    actor: Principal,
    households: list[uuid.UUID],
    briefs: dict[uuid.UUID, registry.HouseholdBrief],
    today: dt.date,
) -> None:
    """One return intention survey per household (one intention each), as if sent through OpenRosa."""
    code = registry.operation_code(session, operation_id)
    for n, hh in enumerate(households[: len(INTENTIONS)]):
        intention = INTENTIONS[n]
        answers = SurveyIn(
            household=briefs[hh].ref,
            survey_date=today - dt.timedelta(days=20 + n),
            intention=Intention(intention),
            conditions=[] if intention == "no" else [Condition.SAFETY, Condition.HOUSING],
            destination_country=DESTINATION,
            origin_area="Daraa" if n % 2 else "Homs",
            go_and_see=n < 2,
        )
        surveys.record_survey(
            session,
            actor=actor,
            operation_id=operation_id,
            form_id=f"{FORM_PREFIX}_{code.lower()}",
            instance_id=f"uuid:demo-return-{code.lower()}-{n}",
            deprecated_id=None,
            answers=answers,
            xml="<demo/>",
            replace_earlier=lambda: None,
        )


def _go_and_see(
    session: Session,
    *,
    operation_id: uuid.UUID,
    actor: Principal,
    participants: list[uuid.UUID],
    today: dt.date,
) -> None:
    """A go-and-see visit to Daraa, planned and done last week."""
    visit = visits.plan_visit(
        session,
        actor=actor,
        data=VisitIn(
            operation_id=operation_id,
            destination_iso3=DESTINATION,
            destination_area="Daraa",
            planned_on=today - dt.timedelta(days=10),
            participants=participants,
        ),
    )
    visits.record_visit(
        session,
        actor=actor,
        visit_id=visit.id,
        data=VisitDone(
            done_on=today - dt.timedelta(days=9),
            findings="Houses in the old town stand; the school reopened; water comes twice a week.",
        ),
    )


def _register_returns(
    session: Session,
    *,
    actor: Principal,
    free: list[uuid.UUID],
    members: dict[uuid.UUID, list[uuid.UUID]],
    briefs: dict[uuid.UUID, registry.HouseholdBrief],
    today: dt.date,
) -> int:
    """The three returns (whole household departed and monitored, partial planned, AVRR planned) of the
    first three households without an open case; returns how many were registered."""
    whole = service.register_return(
        session,
        actor=actor,
        data=ReturnIn(
            household_id=free[0],
            return_date=today - dt.timedelta(days=5),
            destination_iso3=DESTINATION,
            destination_area="Daraa",
            note="Family decided after the go-and-see visit.",
        ),
    )
    service.record_departure(
        session, actor=actor, return_id=whole.id, data=DepartureIn(departed_on=today - dt.timedelta(days=5))
    )
    service.record_monitoring(
        session, actor=actor, return_id=whole.id, data=MonitoringIn(visited_on=today, answers=ANSWERS)
    )
    returns = 1
    focal = briefs[free[1]].focal_point_id
    leaving = [i for i in members[free[1]] if i != focal][-1:]
    if leaving and len(members[free[1]]) > 1:
        service.register_return(
            session,
            actor=actor,
            data=ReturnIn(
                household_id=free[1],
                individual_ids=leaving,
                return_date=today + dt.timedelta(days=14),
                destination_iso3=DESTINATION,
                destination_area="Homs",
            ),
        )
        returns += 1
    service.register_return(
        session,
        actor=actor,
        data=ReturnIn(
            household_id=free[2],
            kind="avrr",
            return_date=today + dt.timedelta(days=30),
            destination_iso3=DESTINATION,
            destination_area="Aleppo",
        ),
    )
    return returns + 1
