"""Reads of the solutions domain, returning the read models of schemas.py: matching runs (list and
detail with each locality's use) and, in rsd_queries.py, claims. Scope and confidentiality come from
refugio.solutions.policy; reads that show households are audited."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.models import MatchingCase, MatchingLocality, MatchingRun
from refugio.solutions.schemas import (
    LocalityUseRead,
    MatchingRunDetail,
    MatchingRunRead,
    PlacementRead,
    QuotaRead,
    ResettlementCaseRead,
)


def _run_read(run: MatchingRun, cases: int, placed: int) -> MatchingRunRead:
    return MatchingRunRead(
        id=run.id,
        ref=run.ref,
        operation_id=run.operation_id,
        title=run.title,
        status=run.status,
        dimensions=list(run.dimensions),
        method=run.method,
        objective=run.objective,
        bound=run.bound,
        lp_bound=run.lp_bound,
        gap=run.gap,
        seconds=run.seconds,
        cases=cases,
        placed=placed,
        created_by=run.created_by,
        created_at=run.created_at,
        reviewed_by=run.reviewed_by,
        review_note=run.review_note,
        confirmed_by=run.confirmed_by,
        confirmed_at=run.confirmed_at,
    )


def list_runs(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[MatchingRunRead]:
    counts = (
        select(
            MatchingCase.run_id,
            func.count().label("cases"),
            func.count(MatchingCase.final_locality).label("placed"),
        )
        .group_by(MatchingCase.run_id)
        .subquery()
    )
    stmt = (
        select(MatchingRun, counts.c.cases, counts.c.placed)
        .outerjoin(counts, counts.c.run_id == MatchingRun.id)
        .where(policy.runs_clause(actor, MatchingRun.operation_id))
        .order_by(MatchingRun.created_at.desc())
    )
    if operation_id is not None:
        stmt = stmt.where(MatchingRun.operation_id == operation_id)
    return [_run_read(run, int(c or 0), int(p or 0)) for run, c, p in session.execute(stmt).all()]


def find_run(session: Session, key: uuid.UUID | str) -> uuid.UUID:
    """A run's id from its id or its reference (`MR-JOR-…`)."""
    try:
        return uuid.UUID(str(key))
    except ValueError:
        found = session.scalar(select(MatchingRun.id).where(MatchingRun.ref == str(key).strip().upper()))
        if found is None:
            raise NotFound("no such matching run") from None
        return found


def get_run(session: Session, *, actor: Principal, run_id: uuid.UUID) -> MatchingRunDetail:
    """A run with every placement and each locality's use; the read is audited."""
    run = session.get(MatchingRun, run_id)
    if run is None or not actor.can(policy.P.SOLUTIONS_VIEW, operation_id=run.operation_id):
        raise NotFound("no such matching run")
    cases = list(
        session.scalars(
            select(MatchingCase).where(MatchingCase.run_id == run.id).order_by(MatchingCase.case_ref)
        )
    )
    dims = len(run.dimensions)
    used: dict[str, list[int]] = {}
    placements: list[PlacementRead] = []
    for c in cases:
        sizes = [c.children, c.adults, c.seniors]
        if c.final_locality is not None:
            acc = used.setdefault(c.final_locality, [0] * dims)
            for d, v in enumerate(sizes if dims == 3 else [sum(sizes)]):
                acc[d] += v
        placements.append(
            PlacementRead(
                case_ref=c.case_ref,
                household_id=c.household_id,
                children=c.children,
                adults=c.adults,
                seniors=c.seniors,
                proposed_locality=c.proposed_locality,
                final_locality=c.final_locality,
                score=c.explanation.get("score"),
                changed_by=c.changed_by,
                change_reason=c.change_reason,
                explanation=c.explanation,
            )
        )
    localities = [
        LocalityUseRead(
            locality_ref=loc.locality_ref,
            name=loc.name,
            capacities=list(loc.capacities),
            used=used.get(loc.locality_ref, [0] * dims),
            over=any(
                u > c for u, c in zip(used.get(loc.locality_ref, [0] * dims), loc.capacities, strict=True)
            ),
        )
        for loc in session.scalars(
            select(MatchingLocality)
            .where(MatchingLocality.run_id == run.id)
            .order_by(MatchingLocality.locality_ref)
        )
    ]
    audit.record(
        session,
        actor=actor,
        action="matching.read",
        object_type="matching_run",
        object_id=str(run.id),
        details={"run": run.ref},
    )
    placed = sum(1 for c in cases if c.final_locality is not None)
    return MatchingRunDetail(
        run=_run_read(run, len(cases), placed), placements=placements, localities=localities
    )


# the reads of status determination live in rsd_queries.py; the channels take them from here
from refugio.solutions.notice_queries import get_notice, person_notices  # noqa: E402
from refugio.solutions.pathway_queries import (  # noqa: E402
    find_offer,
    get_offer,
    get_profile,
    list_offers,
    pathway_figures,
)
from refugio.solutions.resettlement_needs import resettlement_needs  # noqa: E402
from refugio.solutions.rrf import rrf_dossier, rrf_xml  # noqa: E402
from refugio.solutions.rsd_queries import (  # noqa: E402
    decision_letter,
    find_claim,
    get_claim,
    list_claims,
    list_interpreters,
    readable,
    rsd_figures,
    staff,
)

__all__ = [
    "decision_letter",
    "find_claim",
    "find_offer",
    "find_run",
    "get_claim",
    "get_notice",
    "get_offer",
    "get_profile",
    "get_run",
    "list_claims",
    "list_interpreters",
    "list_offers",
    "list_runs",
    "pathway_figures",
    "person_notices",
    "readable",
    "resettlement_needs",
    "rrf_dossier",
    "rrf_xml",
    "rsd_figures",
    "staff",
]


def list_quotas(session: Session, *, actor: Principal) -> list[QuotaRead]:
    """Quotas with the persons submitted, accepted and departed against them (departures, not arrivals)."""
    from refugio.solutions.models import ResettlementCase, ResettlementQuota

    if not actor.can_anywhere(policy.P.SOLUTIONS_VIEW):
        return []
    used = dict(
        ((q, s), int(n or 0))
        for q, s, n in session.execute(
            select(ResettlementCase.quota_id, ResettlementCase.status, func.sum(ResettlementCase.persons))
            .where(ResettlementCase.quota_id.is_not(None))
            .group_by(ResettlementCase.quota_id, ResettlementCase.status)
        )
    )
    return [
        QuotaRead(
            id=q.id,
            state_iso3=q.state_iso3,
            year=q.year,
            label=q.label,
            places=q.places,
            submitted_persons=used.get((q.id, "submitted"), 0),
            accepted_persons=used.get((q.id, "accepted"), 0),
            departed_persons=used.get((q.id, "departed"), 0),
        )
        for q in session.scalars(
            select(ResettlementQuota).order_by(ResettlementQuota.year, ResettlementQuota.state_iso3)
        )
    ]


def list_resettlement_cases(session: Session, *, actor: Principal) -> list[ResettlementCaseRead]:
    from refugio.solutions.models import ResettlementCase

    rows = session.scalars(
        select(ResettlementCase)
        .where(policy.runs_clause(actor, ResettlementCase.operation_id))
        .order_by(ResettlementCase.created_at.desc())
    )
    return [ResettlementCaseRead.model_validate(r, from_attributes=True) for r in rows]


__all__ += ["list_quotas", "list_resettlement_cases"]
