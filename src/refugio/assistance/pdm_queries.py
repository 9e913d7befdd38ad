"""PDM results of a cycle: counts by outcome and the outcomes recorded, each problem with the reference
of the complaint it opened — shown as `restricted` (without its text) to whoever may not read that
complaint's sensitive category. Audited (it names households).

Imports refugio.assistance (models, schemas, policy, service), refugio.registration.queries, security.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.models import Complaint, Entitlement, PdmOutcome
from refugio.assistance.schemas import PdmOutcomeRead, PdmResults
from refugio.assistance.service.common import audited, load_cycle, programme_of_cycle
from refugio.registration.queries import visible_sites
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal

P = Permission


def pdm_results(session: Session, *, actor: Principal, cycle_key: str | uuid.UUID) -> PdmResults:
    cycle = load_cycle(session, cycle_key)
    programme = programme_of_cycle(session, cycle)
    policy.require_view(actor, programme.operation_id)
    codes = {s.id: s.code for s in visible_sites(session, actor=SYSTEM)}
    may_sensitive = actor.can(P.ASSISTANCE_COMPLAINT_SENSITIVE, operation_id=programme.operation_id)
    rows = session.execute(
        select(PdmOutcome, Entitlement.household_ref, Complaint.ref, Complaint.sensitive)
        .join(Entitlement, Entitlement.id == PdmOutcome.entitlement_id)
        .outerjoin(Complaint, Complaint.id == PdmOutcome.complaint_id)
        .where(PdmOutcome.cycle_id == cycle.id)
        .order_by(PdmOutcome.recorded_at)
    ).all()
    outcomes = [
        PdmOutcomeRead(
            id=o.id,
            household_ref=ref,
            site_code=codes.get(o.site_id, "?"),
            outcome=o.outcome,
            notes=o.notes,
            complaint_ref=("restricted" if sensitive and not may_sensitive else cref),
            recorded_at=o.recorded_at,
            recorded_by=o.recorded_by,
        )
        for o, ref, cref, sensitive in rows
    ]
    audited(session, actor, "assistance.pdm.read", "assistance_cycle", cycle.id, {"rows": len(outcomes)})
    count = {
        k: sum(1 for o in outcomes if o.outcome == k)
        for k in ("received", "not_received", "received_with_issues")
    }
    return PdmResults(
        cycle=f"{programme.code}/{cycle.number}", sampled=len(outcomes), outcomes=outcomes, **count
    )
