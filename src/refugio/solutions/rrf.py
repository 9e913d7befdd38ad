"""The dossier of a resettlement case for a resettlement officer of its operation: the resettlement
registration form (RRF) as PDF (`fpdf_rrf`) and the eRRF XML (`errf_xml`, validated against its XSD).
Both read the family's details, so both are audited (`resettlement.rrf`, with the format)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions.models import ResettlementCase, ResettlementQuota
from refugio.solutions.resettlement_needs import CATEGORY_OF


@dataclass
class _Dossier:
    case: ResettlementCase
    operation: str
    household: str
    people: list[registry.PersonBrief]
    quota: ResettlementQuota | None
    needs: list[tuple[str, str]]  # (member reference, code)


def _load(session: Session, actor: Principal, case_key: uuid.UUID | str) -> _Dossier:
    try:
        case = session.get(ResettlementCase, uuid.UUID(str(case_key)))
    except ValueError:
        case = session.scalar(select(ResettlementCase).where(ResettlementCase.ref == str(case_key).upper()))
    if case is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=case.operation_id):
        raise NotFound(f"no resettlement case {case_key}")
    actor.require(Permission.RESETTLEMENT_MANAGE, operation_id=case.operation_id)
    ids = registry.household_member_ids(session, case.household_id)
    people = sorted(registry.people_brief(session, list(ids)).values(), key=lambda p: p.ref)
    holders = registry.needs_by_household(
        session,
        codes=list(CATEGORY_OF),
        operation_ids=[case.operation_id],
        household_id=case.household_id,
    )
    return _Dossier(
        case=case,
        operation=registry.operation_code(session, case.operation_id),
        household=registry.household_ref(session, case.household_id),
        people=people,
        quota=session.get(ResettlementQuota, case.quota_id) if case.quota_id else None,
        needs=[(h.ref, h.code) for h in holders],
    )


def _audit(session: Session, actor: Principal, d: _Dossier, fmt: str) -> None:
    details: dict[str, Any] = {"case": d.case.ref, "members": len(d.people), "format": fmt}
    audit.record(
        session,
        actor=actor,
        action="resettlement.rrf",
        object_type="resettlement_case",
        object_id=str(d.case.id),
        details=details,
    )


def rrf_dossier(session: Session, *, actor: Principal, case_key: uuid.UUID | str) -> tuple[str, bytes]:
    """The resettlement registration form of a case (by id or reference) as PDF. Returns (reference,
    PDF)."""
    from refugio.solutions import fpdf_rrf

    d = _load(session, actor, case_key)
    case, quota = d.case, d.quota
    form = fpdf_rrf.Rrf(
        case_ref=case.ref,
        operation=d.operation,
        household_ref=d.household,
        primary_category=case.primary_category,
        secondary_category=case.secondary_category,
        priority=case.priority,
        needs_summary=case.needs_summary,
        status=case.status,
        quota=f"{quota.state_iso3} {quota.year} · {quota.label}" if quota else None,
        submitted_on=case.submitted_on,
        decided_on=case.decided_on,
        departed_on=case.departed_on,
        members=[(p.ref, p.name, p.sex, p.date_of_birth) for p in d.people],
    )
    _audit(session, actor, d, "pdf")
    return case.ref, fpdf_rrf.render(form)


def rrf_xml(session: Session, *, actor: Principal, case_key: uuid.UUID | str) -> tuple[str, bytes]:
    """The eRRF XML of a case (by id or reference), conforming to `errf-1.0.xsd`. Returns (reference,
    XML)."""
    from refugio.solutions import errf_xml

    d = _load(session, actor, case_key)
    case, quota = d.case, d.quota
    document = errf_xml.render(
        errf_xml.ErrfCase(
            case_ref=case.ref,
            operation=d.operation,
            household_ref=d.household,
            status=case.status,
            primary_category=case.primary_category,
            secondary_category=case.secondary_category,
            priority=case.priority,
            needs_summary=case.needs_summary,
            needs=d.needs,
            members=[
                errf_xml.ErrfMember(
                    ref=p.ref,
                    name=p.name,
                    sex=p.sex,
                    date_of_birth=p.date_of_birth,
                    languages=list(p.languages or []),
                    legal_status=p.legal_status,
                )
                for p in d.people
            ],
            state_iso3=quota.state_iso3 if quota else None,
            quota_year=quota.year if quota else None,
            quota_label=quota.label if quota else None,
            submitted_on=case.submitted_on,
            decided_on=case.decided_on,
            decision_note=case.decision_note,
            departed_on=case.departed_on,
        )
    )
    _audit(session, actor, d, "xml")
    return case.ref, document
