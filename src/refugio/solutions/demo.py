"""The demo of durable solutions: interpreters, RSD claims at every stage of the procedure (registered,
interview scheduled, interviewed, assessed, reviewed, decided, appealed, appeal decided, closed) worked
by the demo RSD officers and supervisor, one matching run proposed for registered families to five
localities, and a resettlement quota with cases identified, submitted and departed. Uses the solutions
services only; deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.security.principals import Principal
from refugio.solutions.enums import Priority, SubmissionCategory
from refugio.solutions.schemas import (
    AppealIn,
    AssessmentIn,
    ClaimOpen,
    InterpreterCreate,
    InterviewRecord,
    InterviewSchedule,
    MatchingRunCreate,
    QuotaCreate,
    ResettlementIdentify,
    ReviewIn,
)
from refugio.solutions.service import matching_runs, resettlement, rsd

LOCALITIES = [
    ("LYON", "Lyon", [14, 16, 3]),
    ("NANTES", "Nantes", [10, 12, 2]),
    ("LILLE", "Lille", [8, 10, 2]),
    ("RENNES", "Rennes", [6, 8, 1]),
    ("TOULOUSE", "Toulouse", [12, 12, 2]),
]
STEPS = [
    "registered",
    "interview_scheduled",
    "interviewed",
    "assessed",
    "reviewed",
    "recognised",
    "rejected",
    "appealed",
    "appeal_decided",
    "closed",
]
RECORD = "The applicant gave a detailed and consistent account of the events that led to flight."
REASONS = "Credible account; the fear of persecution is well founded and state protection is unavailable."


@dataclass(frozen=True)
class Staff:
    officer: Principal  # RSD officer (first instance)
    officer_id: uuid.UUID
    appeal_officer: Principal  # another RSD officer (appeals)
    appeal_officer_id: uuid.UUID
    supervisor: Principal  # RSD supervisor: assigns, reviews
    supervisor_id: uuid.UUID
    resettlement: Principal


@dataclass(frozen=True)
class Family:
    household_id: uuid.UUID
    people: list[uuid.UUID]  # focal point first
    children: int
    adults: int
    seniors: int


def _advance(
    session: Session, staff: Staff, claim_id: uuid.UUID, step: str, family: Family, interpreter: uuid.UUID
) -> None:
    """Take one claim as far as `step`."""
    order = STEPS.index(step)
    if step == "closed":
        rsd.close(
            session, actor=staff.officer, claim_id=claim_id, reason="applicant did not come to the interview"
        )
        return
    if order >= 1:
        when = clock.now() + dt.timedelta(days=7)
        iv = rsd.schedule_interview(
            session,
            actor=staff.officer,
            claim_id=claim_id,
            data=InterviewSchedule(scheduled_at=when, interpreter_id=interpreter),
        )
    if order >= 2:
        rsd.record_interview(
            session,
            actor=staff.officer,
            claim_id=claim_id,
            interview_id=iv.id,
            data=InterviewRecord(record=RECORD),
        )
    outcome = "rejected" if step in ("rejected", "appealed", "appeal_decided") else "recognised"
    basis = ["none_met"] if outcome == "rejected" else ["1951:political_opinion"]
    if order >= 3:
        rsd.assess(
            session,
            actor=staff.officer,
            claim_id=claim_id,
            data=AssessmentIn(
                outcomes={p: outcome for p in family.people}, legal_basis=basis, reasons=REASONS
            ),
        )
    if order >= 4:
        rsd.review(
            session, actor=staff.supervisor, claim_id=claim_id, data=ReviewIn(agrees=True, note="agree")
        )
    if order >= 5:
        rsd.decide(session, actor=staff.officer, claim_id=claim_id)
    if order >= 7:
        rsd.lodge_appeal(
            session, actor=staff.officer, claim_id=claim_id, data=AppealIn(grounds="new evidence submitted")
        )
        rsd.assign(
            session,
            actor=staff.supervisor,
            claim_id=claim_id,
            user_id=staff.appeal_officer_id,
            role="appeal_officer",
        )
    if order >= 8:
        rsd.assess(
            session,
            actor=staff.appeal_officer,
            claim_id=claim_id,
            data=AssessmentIn(
                outcomes={p: "complementary" for p in family.people},
                legal_basis=["complementary:serious_harm"],
                reasons=REASONS,
            ),
        )
        rsd.review(
            session, actor=staff.supervisor, claim_id=claim_id, data=ReviewIn(agrees=True, note="agree")
        )
        rsd.decide(session, actor=staff.appeal_officer, claim_id=claim_id)


def seed_demo(
    session: Session,
    *,
    operation_id: uuid.UUID,
    actor: Principal,
    staff: Staff,
    families: list[Family],
    seed: int = 7,
) -> tuple[int, str | None]:
    """Claims at every stage for the first families, a matching run for the next ones. Returns the
    number of claims and the run's reference (None when there are too few families)."""
    tongue = rsd.add_interpreter(
        session,
        actor=actor,
        operation_id=operation_id,
        data=InterpreterCreate(name="Rana Haddad", languages=["ara", "eng"], gender="F"),
    )
    rsd.add_interpreter(
        session,
        actor=actor,
        operation_id=operation_id,
        data=InterpreterCreate(name="Dilan Aziz", languages=["kur", "ara"], gender="M"),
    )
    claims = 0
    for family, step in zip(families, STEPS, strict=False):
        claim = rsd.open_claim(session, actor=staff.officer, data=ClaimOpen(
            household_id=family.household_id, principal_id=family.people[0], member_ids=family.people[1:],
            language="ara", lodged_on=clock.today() - dt.timedelta(days=60)))  # fmt: skip
        rsd.assign(
            session, actor=staff.supervisor, claim_id=claim.id, user_id=staff.supervisor_id, role="reviewer"
        )
        _advance(session, staff, claim.id, step, family, tongue.id)
        claims += 1
    group = families[len(STEPS) : len(STEPS) + 40]
    if len(group) < 5:
        return claims, None
    rng = random.Random(seed)  # noqa: S311 - demo scores, not secrets
    level = {ref: rng.uniform(0.3, 0.7) for ref, _n, _c in LOCALITIES}
    cases = [
        {
            "case_ref": f"RST-{i + 1:03d}",
            "household_id": str(f.household_id),
            "children": f.children,
            "adults": f.adults,
            "seniors": f.seniors,
        }
        for i, f in enumerate(group)
    ]
    scores = [
        {
            "case_ref": c["case_ref"],
            "locality_ref": ref,
            "score": round(min(0.99, max(0.01, level[ref] + rng.gauss(0, 0.1))), 3),
        }
        for c in cases
        for ref, _n, _c in LOCALITIES
        if rng.random() < 0.8
    ]
    data = MatchingRunCreate.model_validate(
        {
            "title": "Resettlement quota, first group (demo)",
            "time_limit": 5,
            "cases": cases,
            "localities": [
                {"locality_ref": ref, "name": name, "capacities": caps} for ref, name, caps in LOCALITIES
            ],
            "scores": scores,
        }
    )
    run = matching_runs.propose(session, actor=staff.resettlement, operation_id=operation_id, data=data)
    _resettlement(session, staff, operation_id, group[:3])
    return claims, run.ref


def _resettlement(session: Session, staff: Staff, operation_id: uuid.UUID, families: list[Family]) -> None:
    """A quota pledged by a resettlement State and three cases: identified, submitted, departed."""
    quota = resettlement.create_quota(
        session,
        actor=staff.resettlement,
        data=QuotaCreate(state_iso3="FRA", year=clock.today().year + 1, label="France (demo)", places=60,
                         operation_id=operation_id),
    )  # fmt: skip
    for n, family in enumerate(families):
        case = resettlement.identify(
            session,
            actor=staff.resettlement,
            data=ResettlementIdentify(
                household_id=family.household_id,
                primary_category=SubmissionCategory.LEGAL_PHYSICAL_PROTECTION,
                secondary_category=SubmissionCategory.MEDICAL_NEEDS if n == 1 else None,
                priority=Priority.URGENT if n == 0 else Priority.NORMAL,
                needs_summary="Threats in the country of asylum; no foreseeable local integration.",
            ),
        )
        if n >= 1:
            resettlement.submit(session, actor=staff.resettlement, case_id=case.id, quota_id=quota.id)
        if n >= 2:
            resettlement.record_decision(
                session,
                actor=staff.resettlement,
                case_id=case.id,
                accepted=True,
                note="accepted on the dossier",
            )
            resettlement.record_departure(session, actor=staff.resettlement, case_id=case.id)
