"""Post-distribution monitoring outcomes: for a household of a cycle's frozen list, received, not
received or received with issues — once per entitlement (a unique constraint). A problem opens a
complaint on the PDM channel, linked to the household, its site and the programme; its description
lives in the complaint only (the outcome row keeps the link), so a sensitive problem is read only
with ASSISTANCE_COMPLAINT_SENSITIVE. Results per cycle: refugio.assistance.pdm_queries.

Imports refugio.assistance (models, enums, schemas, service), refugio.registration.queries, security,
store and core.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refugio.assistance.enums import ComplaintCategory, ComplaintChannel, PdmOutcomeKind
from refugio.assistance.models import Entitlement, PdmOutcome
from refugio.assistance.schemas import ComplaintCreate, PdmOutcomeCreate
from refugio.assistance.service.common import audited, load_cycle, programme_of_cycle
from refugio.assistance.service.complaints import lodge_complaint
from refugio.core.errors import Conflict, ValidationFailed
from refugio.registration.queries import household_id_for_key, visible_sites
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal

P = Permission
DEFAULT_CATEGORY = {
    PdmOutcomeKind.NOT_RECEIVED: ComplaintCategory.NOT_RECEIVED,
    PdmOutcomeKind.RECEIVED_WITH_ISSUES: ComplaintCategory.SERVICE_QUALITY,
}


def record_outcome(session: Session, *, actor: Principal, data: PdmOutcomeCreate) -> PdmOutcome:
    cycle = load_cycle(session, data.cycle)
    programme = programme_of_cycle(session, cycle)
    household_id = household_id_for_key(session, key=data.household_ref)
    ent = (
        session.scalar(
            select(Entitlement).where(
                Entitlement.cycle_id == cycle.id, Entitlement.household_id == household_id
            )
        )
        if household_id
        else None
    )
    if ent is None:
        raise ValidationFailed.single(
            "household_ref",
            f"{data.household_ref} is not on the frozen list of {programme.code}/{cycle.number}",
        )
    actor.require(P.ASSISTANCE_COMPLAINT, operation_id=programme.operation_id, site_id=ent.site_id)
    if session.scalar(select(PdmOutcome.id).where(PdmOutcome.entitlement_id == ent.id)) is not None:
        raise Conflict(
            f"{ent.household_ref}: a PDM outcome was recorded already for {programme.code}/{cycle.number}"
        )
    complaint = None
    if data.outcome != PdmOutcomeKind.RECEIVED:
        site_code = next(s.code for s in visible_sites(session, actor=SYSTEM) if s.id == ent.site_id)
        complaint = lodge_complaint(
            session,
            actor=actor,
            data=ComplaintCreate(
                operation_id=programme.operation_id,
                channel=ComplaintChannel.PDM,
                category=data.category or DEFAULT_CATEGORY[data.outcome],
                priority=data.priority,
                description=(data.notes or "").strip(),
                site_code=site_code,
                programme=programme.code,
                household_ref=ent.household_ref,
            ),
        )
    outcome = PdmOutcome(
        entitlement_id=ent.id,
        cycle_id=cycle.id,
        household_id=ent.household_id,
        site_id=ent.site_id,
        outcome=data.outcome.value,
        notes=None if complaint else (data.notes or "").strip() or None,
        complaint_id=complaint.id if complaint else None,
        recorded_by=actor.label,
    )
    try:
        with session.begin_nested():
            session.add(outcome)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{ent.household_ref}: a PDM outcome was recorded already") from None
    audited(
        session,
        actor,
        "assistance.pdm.record",
        "assistance_entitlement",
        ent.id,
        {
            "household": ent.household_ref,
            "outcome": outcome.outcome,
            "complaint": complaint.ref if complaint else None,
        },
    )
    return outcome
