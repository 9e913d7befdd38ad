"""Resettlement needs identified from protection data: the active specific-needs codes of registered
people (UNHCR's standardized codes) mapped to UNHCR's resettlement submission categories, household by
household (a family is one case), with a suggested primary and secondary category and priority for a
resettlement officer to confirm when opening the case. Households with an open resettlement case are
left out; codes that call for a check before any submission (alleged perpetrator, criminal record,
security threat) are shown as cautions, never as needs. Only the operations and sites where the reader
holds RESETTLEMENT_MANAGE; the read is audited (household references and counts only)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.enums import Priority, ResettlementStatus
from refugio.solutions.enums import SubmissionCategory as C
from refugio.solutions.models import ResettlementCase
from refugio.solutions.schemas import NeedsCandidate

_LPN = (
    "LP-RR",
    "LP-RD",
    "LP-DA",
    "LP-DO",
    "LP-DT",
    "LP-IH",
    "LP-WP",
    "LP-AN",
    "LP-RP",
    "LP-MS",
    "LP-AF",
    "LP-ND",
    "LP-MM",
)
_SVT = ("TR-PI", "TR-HO", "TR-WV", "SV-VA", "SV-VF", "SV-VO", "SV-GM", "SV-HP", "SV-SS")
_MED = (
    "SM-MI",
    "SM-MN",
    "SM-DP",
    "SM-CI",
    "SM-CC",
    "SM-OT",
    "SM-AD",
    "DS-BD",
    "DS-DF",
    "DS-PM",
    "DS-PS",
    "DS-MM",
    "DS-MS",
    "DS-SD",
)
_AWR = ("WR-WR", "WR-SF", "SV-HK", "SV-FM")
_CHL = (
    "SC-UC",
    "SC-SC",
    "SC-CH",
    "SC-IC",
    "SC-FC",
    "CR-CP",
    "CR-CS",
    "CR-CC",
    "CR-TP",
    "CR-LW",
    "CR-LO",
    "CR-AF",
    "CR-CL",
)
CATEGORY_OF: dict[str, C] = {
    **dict.fromkeys(_LPN, C.LEGAL_PHYSICAL_PROTECTION),
    **dict.fromkeys(_SVT, C.SURVIVOR_VIOLENCE_TORTURE),
    **dict.fromkeys(_MED, C.MEDICAL_NEEDS),
    **dict.fromkeys(_AWR, C.WOMEN_GIRLS_AT_RISK),
    "FU-FR": C.FAMILY_REUNIFICATION,
    **dict.fromkeys(_CHL, C.CHILDREN_AT_RISK),
    "LP-LS": C.NO_ALTERNATIVE_SOLUTION,
    "LP-MD": C.NO_ALTERNATIVE_SOLUTION,
}
# immediate risk to life or liberty (refoulement, detention, honour violence, a critical condition)
EMERGENCY = frozenset({"LP-RR", "LP-DA", "SV-HK", "SM-CC"})
URGENT = frozenset({"LP-RD", "LP-IH", "LP-AN", "LP-WP", "SC-UC", "TR-PI", "SV-VA", "SM-DP", "DS-PS", "DS-MS"})
CAUTION = ("LP-AP", "LP-CR", "LP-ST")  # to be checked before any submission: never a need
_RANK = {Priority.EMERGENCY: 0, Priority.URGENT: 1, Priority.NORMAL: 2}


def priority_of(code: str) -> Priority:
    return Priority.EMERGENCY if code in EMERGENCY else Priority.URGENT if code in URGENT else Priority.NORMAL


def _candidate(rows: list[registry.NeedHolder]) -> NeedsCandidate | None:
    needs = [r for r in rows if r.code in CATEGORY_OF]
    if not needs:
        return None
    count = Counter(CATEGORY_OF[r.code] for r in needs)
    best = {c: min(_RANK[priority_of(r.code)] for r in needs if CATEGORY_OF[r.code] is c) for c in count}
    order = sorted(count, key=lambda c: (best[c], -count[c], list(C).index(c)))
    priority = min((priority_of(r.code) for r in needs), key=_RANK.__getitem__)
    flagged = sorted({f"{r.ref}: {r.code}" for r in needs})
    return NeedsCandidate(
        household_id=rows[0].household_id,
        household_ref=rows[0].household_ref,
        operation_id=rows[0].operation_id,
        people=len({r.individual_id for r in needs}),
        codes=sorted({r.code for r in needs}),
        flagged=flagged,
        primary_category=order[0],
        secondary_category=order[1] if len(order) > 1 else None,
        priority=priority,
        cautions=sorted({f"{r.ref}: {r.code}" for r in rows if r.code in CAUTION}),
        summary="Specific needs recorded: " + "; ".join(flagged),
    )


def resettlement_needs(session: Session, *, actor: Principal, limit: int = 500) -> list[NeedsCandidate]:
    """Households whose people's specific needs point to a resettlement submission category, the most
    pressing first (priority, then the number of people flagged, then the household reference)."""
    operations = [
        o.id
        for o in registry.operations(session, actor=actor)
        if actor.can(Permission.RESETTLEMENT_MANAGE, operation_id=o.id)
    ]
    holders = registry.needs_by_household(
        session, codes=[*CATEGORY_OF, *CAUTION], operation_ids=operations, limit=20 * limit
    )
    busy = set(
        session.scalars(
            select(ResettlementCase.household_id).where(
                ResettlementCase.operation_id.in_(operations),
                ResettlementCase.status.in_(
                    [
                        ResettlementStatus.IDENTIFIED.value,
                        ResettlementStatus.SUBMITTED.value,
                        ResettlementStatus.ACCEPTED.value,
                        ResettlementStatus.DEPARTED.value,
                    ]
                ),
            )
        )
    )
    by_household: dict[uuid.UUID, list[registry.NeedHolder]] = defaultdict(list)
    for h in holders:
        if h.household_id not in busy and actor.can(
            Permission.RESETTLEMENT_MANAGE, operation_id=h.operation_id, site_id=h.site_id
        ):
            by_household[h.household_id].append(h)
    found = [c for rows in by_household.values() if (c := _candidate(rows)) is not None]
    found.sort(key=lambda c: (_RANK[c.priority], -c.people, c.household_ref))
    found = found[:limit]
    audit.record(
        session,
        actor=actor,
        action="resettlement.needs_read",
        object_type="resettlement_needs",
        object_id=None,
        details={"operations": len(operations), "households": len(found)},
    )
    return found


def rrf_dossier(session: Session, *, actor: Principal, case_key: uuid.UUID | str) -> tuple[str, bytes]:
    """The resettlement registration form of a case (by id or reference) as PDF, for a resettlement
    officer of its operation; the read of the family's details is audited. Returns (reference, PDF)."""
    from refugio.core.errors import NotFound
    from refugio.solutions import fpdf_rrf
    from refugio.solutions.models import ResettlementQuota

    try:
        case = session.get(ResettlementCase, uuid.UUID(str(case_key)))
    except ValueError:
        case = session.scalar(select(ResettlementCase).where(ResettlementCase.ref == str(case_key).upper()))
    if case is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=case.operation_id):
        raise NotFound("no such resettlement case")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=case.operation_id)
    ids = registry.household_member_ids(session, case.household_id)
    people = registry.people_brief(session, list(ids))
    quota = session.get(ResettlementQuota, case.quota_id) if case.quota_id else None
    household = registry.household_ref(session, case.household_id)
    form = fpdf_rrf.Rrf(
        case_ref=case.ref,
        operation=registry.operation_code(session, case.operation_id),
        household_ref=household,
        primary_category=case.primary_category,
        secondary_category=case.secondary_category,
        priority=case.priority,
        needs_summary=case.needs_summary,
        status=case.status,
        quota=f"{quota.state_iso3} {quota.year} · {quota.label}" if quota else None,
        submitted_on=case.submitted_on,
        decided_on=case.decided_on,
        departed_on=case.departed_on,
        members=[
            (p.ref, p.name, p.sex, p.date_of_birth) for p in sorted(people.values(), key=lambda p: p.ref)
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="resettlement.rrf",
        object_type="resettlement_case",
        object_id=str(case.id),
        details={"case": case.ref, "members": len(people)},
    )
    return case.ref, fpdf_rrf.render(form)
