"""Matching runs in the database: a proposal computed by the solver ladder (refugio.solutions.matching)
with its figures and an explanation per placement, changes of placements with reasons, the review and
the confirmation by a person. Refused: a case already in another active run of the operation, two
cases of one household (a family is one case, never split), a change to an incompatible locality, and
a confirmation past a locality's capacity. Every step audited. Flushes, never commits."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.common import audited, new_ref
from refugio.solutions.enums import ACTIVE_RUN, RunStatus
from refugio.solutions.matching import problem as pm
from refugio.solutions.matching import solve
from refugio.solutions.models import MatchingCase, MatchingLocality, MatchingRun, MatchingScore
from refugio.solutions.schemas import MatchingRunCreate, PlacementChange


def _problem(data: MatchingRunCreate) -> pm.Problem:
    widths = {len(loc.capacities) for loc in data.localities}
    if widths not in ({1}, {3}):
        raise ValidationFailed.single(
            "localities", "every locality gives 1 capacity (people) or 3 (children, adults, seniors)"
        )
    return pm.build(
        cases=[(c.case_ref, [c.children, c.adults, c.seniors]) for c in data.cases],
        localities=[(loc.locality_ref, loc.capacities) for loc in data.localities],
        scores=[(s.case_ref, s.locality_ref, s.score) for s in data.scores],
        dimensions=pm.DIMENSIONS_1 if widths == {1} else pm.DIMENSIONS_3,
    )


def _families_once(session: Session, operation_id: uuid.UUID, data: MatchingRunCreate) -> None:
    """A household is one case in a run, and a case (or household) in one active run at a time."""
    errors: list[FieldError] = []
    seen: dict[uuid.UUID, str] = {}
    for i, c in enumerate(data.cases):
        if c.household_id is None:
            continue
        if c.household_id in seen:
            errors.append(
                FieldError(
                    f"cases.{i}.household_id",
                    f"case {c.case_ref}: the household is already case {seen[c.household_id]}; "
                    "a family is one case, never split",
                    "family_split",
                )
            )
        seen[c.household_id] = c.case_ref
        scope = registry.household_scope(session, c.household_id)
        if scope is None or scope[0] != operation_id:
            errors.append(
                FieldError(f"cases.{i}.household_id", "no such household in this operation", "unknown")
            )
    if errors:
        raise ValidationFailed(errors)
    refs = [c.case_ref for c in data.cases]
    busy = session.execute(
        select(MatchingCase.case_ref, MatchingCase.household_id, MatchingRun.ref)
        .join(MatchingRun, MatchingRun.id == MatchingCase.run_id)
        .where(
            MatchingRun.operation_id == operation_id,
            MatchingRun.status.in_(ACTIVE_RUN),
            (MatchingCase.case_ref.in_(refs)) | (MatchingCase.household_id.in_(list(seen))),
        )
    ).all()
    if busy:
        listed = ", ".join(f"{ref} (run {run})" for ref, _h, run in busy[:5])
        raise Conflict(
            f"{len(busy)} case(s) already in an active matching run: {listed}; "
            "confirm or cancel that run first",
            [
                FieldError("cases", f"case {ref} is in active run {run}", "in_active_run")
                for ref, _h, run in busy
            ],
        )


def propose(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, data: MatchingRunCreate
) -> MatchingRun:
    """Solve and store a proposal (status `proposed`)."""
    policy.require_run(actor, operation_id)
    problem = _problem(data)
    _families_once(session, operation_id, data)
    result = solve.match(problem, time_limit=data.time_limit)
    run = MatchingRun(
        ref=new_ref("MR", registry.operation_code(session, operation_id)),
        operation_id=operation_id,
        title=data.title,
        status=RunStatus.PROPOSED.value,
        dimensions=list(problem.dimensions),
        time_limit=data.time_limit,
        method=result.method,
        objective=result.objective,
        bound=result.bound,
        lp_bound=result.lp_bound,
        gap=result.gap if np.isfinite(result.gap) else 1.0,
        seconds=result.seconds,
        created_by=actor.label,
    )
    session.add(run)
    session.flush()
    for loc in data.localities:
        session.add(
            MatchingLocality(
                run_id=run.id, locality_ref=loc.locality_ref, name=loc.name, capacities=loc.capacities
            )
        )
    for i, c in enumerate(data.cases):
        at = int(result.assignment[i])
        where = problem.locality_ids[at] if at >= 0 else None
        session.add(
            MatchingCase(
                run_id=run.id,
                case_ref=c.case_ref,
                household_id=c.household_id,
                children=c.children,
                adults=c.adults,
                seniors=c.seniors,
                proposed_locality=where,
                final_locality=where,
                explanation=solve.explain(problem, result, i),
            )
        )
    session.add_all(
        MatchingScore(run_id=run.id, case_ref=s.case_ref, locality_ref=s.locality_ref, score=s.score)
        for s in data.scores
    )
    audited(
        session,
        actor,
        "matching.propose",
        "matching_run",
        str(run.id),
        run=run.ref,
        cases=len(data.cases),
        method=result.method,
        objective=result.objective,
        bound=result.bound,
        gap=run.gap,
    )
    return run


def _load(session: Session, run_id: uuid.UUID) -> MatchingRun:
    run = session.get(MatchingRun, run_id)
    if run is None:
        raise NotFound("no such matching run")
    return run


def _active(run: MatchingRun) -> None:
    if run.status not in ACTIVE_RUN:
        raise Conflict(f"run {run.ref} is {run.status}: its placements can no longer change")


def change(session: Session, *, actor: Principal, run_id: uuid.UUID, data: PlacementChange) -> MatchingCase:
    """Move a case to another compatible locality (or leave it unplaced), with a reason."""
    run = _load(session, run_id)
    policy.require_change(actor, run.operation_id)
    _active(run)
    case = session.scalar(
        select(MatchingCase).where(MatchingCase.run_id == run.id, MatchingCase.case_ref == data.case_ref)
    )
    if case is None:
        raise ValidationFailed.single("case_ref", f"no case {data.case_ref} in run {run.ref}", "unknown")
    if data.locality_ref is not None:
        compatible = session.scalar(
            select(MatchingScore.id).where(
                MatchingScore.run_id == run.id,
                MatchingScore.case_ref == data.case_ref,
                MatchingScore.locality_ref == data.locality_ref,
            )
        )
        if compatible is None:
            raise ValidationFailed.single(
                "locality_ref",
                f"case {data.case_ref} is not compatible with locality {data.locality_ref} "
                "(no score for the pair)",
                "incompatible",
            )
    before = case.final_locality
    case.final_locality = data.locality_ref
    case.changed_by = actor.label
    case.change_reason = data.reason
    if run.status == RunStatus.REVIEWED.value:
        run.status = RunStatus.PROPOSED.value  # a change after review needs a new review
    audited(
        session,
        actor,
        "matching.change",
        "matching_run",
        str(run.id),
        run=run.ref,
        case=case.case_ref,
        before=before,
        after=data.locality_ref,
    )
    return case


def over_capacity(session: Session, run: MatchingRun) -> list[FieldError]:
    """The localities whose final placements exceed a capacity, one error each."""
    dims = len(run.dimensions)
    used: dict[str, list[int]] = {}
    for case in session.scalars(select(MatchingCase).where(MatchingCase.run_id == run.id)):
        if case.final_locality is None:
            continue
        sizes = [case.children, case.adults, case.seniors]
        sizes = sizes if dims == 3 else [sum(sizes)]
        acc = used.setdefault(case.final_locality, [0] * dims)
        for d in range(dims):
            acc[d] += sizes[d]
    errors: list[FieldError] = []
    for loc in session.scalars(select(MatchingLocality).where(MatchingLocality.run_id == run.id)):
        got = used.get(loc.locality_ref, [0] * dims)
        for d, name in enumerate(run.dimensions):
            if got[d] > loc.capacities[d]:
                errors.append(
                    FieldError(
                        f"localities.{loc.locality_ref}",
                        f"locality {loc.locality_ref}: {got[d]} {name} placed "
                        f"for a capacity of {loc.capacities[d]}",
                        "over_capacity",
                    )
                )
    return errors


def review(session: Session, *, actor: Principal, run_id: uuid.UUID, note: str) -> MatchingRun:
    run = _load(session, run_id)
    policy.require_confirm(actor, run.operation_id)
    if run.status != RunStatus.PROPOSED.value:
        raise Conflict(f"run {run.ref} is {run.status}: only a proposal is reviewed")
    run.status = RunStatus.REVIEWED.value
    run.reviewed_by, run.reviewed_at, run.review_note = actor.label, clock.now(), note
    audited(session, actor, "matching.review", "matching_run", str(run.id), run=run.ref)
    return run


def confirm(session: Session, *, actor: Principal, run_id: uuid.UUID) -> MatchingRun:
    """Make the reviewed placements final; refused when a locality would be over capacity."""
    run = _load(session, run_id)
    policy.require_confirm(actor, run.operation_id)
    if run.status != RunStatus.REVIEWED.value:
        raise Conflict(f"run {run.ref} is {run.status}: a run is reviewed before it is confirmed")
    errors = over_capacity(session, run)
    if errors:
        raise ValidationFailed(
            errors, f"run {run.ref} cannot be confirmed: " + "; ".join(e.message for e in errors)
        )
    run.status = RunStatus.CONFIRMED.value
    run.confirmed_by, run.confirmed_at = actor.label, clock.now()
    audited(session, actor, "matching.confirm", "matching_run", str(run.id), run=run.ref)
    return run


def cancel(session: Session, *, actor: Principal, run_id: uuid.UUID, reason: str) -> MatchingRun:
    run = _load(session, run_id)
    policy.require_run(actor, run.operation_id)
    _active(run)
    run.status = RunStatus.CANCELLED.value
    run.cancelled_reason = reason
    audited(session, actor, "matching.cancel", "matching_run", str(run.id), run=run.ref)
    return run
