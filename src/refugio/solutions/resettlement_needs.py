"""Resettlement needs identified from protection data: the active specific-needs codes of registered
people (UNHCR's standardized codes) mapped to UNHCR's resettlement submission categories, household by
household (a family is one case), with a suggested primary and secondary category and priority for a
resettlement officer to confirm when opening the case. Households with an open resettlement case are
left out; codes that call for a check before any submission (alleged perpetrator, criminal record,
security threat) are shown as cautions, never as needs. Only the operations and sites where the reader
holds RESETTLEMENT_MANAGE; the read is audited (household references and counts only). The case
dossier (RRF as PDF, eRRF as XML) is in refugio.solutions.rrf."""

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
