"""The log of people and vessels in distress (¶28), kept in the shape of an IAMSAR situation report
(SITREP: A identity, B position, C situation, D persons on board, E assistance required, F
coordinating rescue centre, G actions taken, H further reports), and its sharing with
search-and-rescue partners — only under a recorded data-sharing agreement that names the partner and
the purpose and is in force on the day; every share is audited with the agreement, the partner, the
purpose and the reports shared.

Permissions: TRACKING_MANAGE for the operation to log and update, TRACKING_VIEW to read,
TRACKING_SHARE to record agreements and share. Writes flush, never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.models import DistressReport, SharingAgreement
from refugio.tracking.schemas import AgreementCreate, AgreementRead, DistressCreate, DistressRead


def _entry(actor: Principal, text: str) -> dict[str, str]:
    return {"at": clock.now().isoformat(timespec="seconds"), "by": actor.username, "text": text}


def log_distress(session: Session, *, actor: Principal, data: DistressCreate) -> DistressReport:
    """Open a distress report (SITREP 1 of a case)."""
    policy.require_site_manage(actor, data.operation_id)
    serial = (
        session.scalar(
            select(func.max(DistressReport.serial)).where(DistressReport.operation_id == data.operation_id)
        )
        or 0
    ) + 1
    values = data.model_dump(exclude={"actions"})
    report = DistressReport(
        **values,
        serial=serial,
        reported_by=actor.username,
        actions=[_entry(actor, data.actions)] if data.actions else [],
        further_reports=[],
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tracking.distress_logged",
        object_type="tracking_distress_report",
        object_id=str(report.id),
        details={"serial": serial},
    )
    return report


def add_to_report(
    session: Session,
    *,
    actor: Principal,
    report_id: uuid.UUID,
    action: str | None = None,
    further: str | None = None,
    close: bool = False,
) -> DistressReport:
    """Add an action taken and/or a further report; `close` ends the case."""
    report = session.get(DistressReport, report_id)
    if report is None:
        raise NotFound("no such distress report")
    policy.require_site_manage(actor, report.operation_id)
    if report.status == "closed":
        raise Conflict("the distress report is closed")
    if not (action or further or close):
        raise ValidationFailed.single("action", "give an action, a further report or close the case")
    if action:
        report.actions = [*report.actions, _entry(actor, action)]
    if further:
        report.further_reports = [*report.further_reports, _entry(actor, further)]
    if close:
        report.status = "closed"
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tracking.distress_updated",
        object_type="tracking_distress_report",
        object_id=str(report.id),
        details={"action": bool(action), "further": bool(further), "closed": close},
    )
    return report


def record_agreement(session: Session, *, actor: Principal, data: AgreementCreate) -> SharingAgreement:
    """Record a data-sharing agreement with a search-and-rescue partner."""
    actor.require(Permission.TRACKING_SHARE, operation_id=data.operation_id)
    if data.valid_until < data.valid_from:
        raise ValidationFailed.single("valid_until", "the agreement ends before it starts")
    agreement = SharingAgreement(**data.model_dump(), recorded_by=actor.username)
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tracking.agreement_recorded",
        object_type="tracking_sharing_agreement",
        object_id=str(agreement.id),
        details={"partner": data.partner, "purpose": data.purpose},
    )
    return agreement


def distress_reports(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[DistressRead]:
    """The distress log of an operation, newest first."""
    actor.require(Permission.TRACKING_VIEW, operation_id=operation_id)
    stmt = select(DistressReport).where(DistressReport.operation_id == operation_id)
    return [
        DistressRead.model_validate(r) for r in session.scalars(stmt.order_by(DistressReport.serial.desc()))
    ]


def agreements(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[AgreementRead]:
    actor.require(Permission.TRACKING_VIEW, operation_id=operation_id)
    stmt = select(SharingAgreement).where(SharingAgreement.operation_id == operation_id)
    return [
        AgreementRead.model_validate(a) for a in session.scalars(stmt.order_by(SharingAgreement.valid_from))
    ]


def sitrep(report: DistressRead) -> str:
    """One report as an IAMSAR SITREP (plain text, the lettered paragraphs A–H)."""

    def lines(entries: list[dict[str, str]]) -> str:
        return "; ".join(f"{e['at']} {e['text']}" for e in entries) or "NIL"

    lat = f"{abs(report.latitude):.4f}{'N' if report.latitude >= 0 else 'S'}"
    lon = f"{abs(report.longitude):.4f}{'E' if report.longitude >= 0 else 'W'}"
    persons = "UNKNOWN" if report.persons_on_board is None else str(report.persons_on_board)
    status = "FINAL" if report.status == "closed" else str(len(report.further_reports) + 1)
    return "\n".join(
        [
            f"SITREP {status} (DISTRESS {report.serial:04d})",
            f"A. IDENTITY OF CASUALTY: {report.identity}",
            f"B. POSITION: {lat} {lon} AT {report.position_at.isoformat(timespec='minutes')}",
            f"C. SITUATION: {report.situation}",
            f"D. NUMBER OF PERSONS: {persons}",
            f"E. ASSISTANCE REQUIRED: {report.assistance_required}",
            f"F. COORDINATING RCC: {report.coordinating_centre}",
            f"G. ACTIONS TAKEN: {lines(report.actions)}",
            f"H. FURTHER REPORTS: {lines(report.further_reports)}",
        ]
    )


def share_distress_log(
    session: Session, *, actor: Principal, agreement_id: uuid.UUID, report_ids: list[uuid.UUID] | None = None
) -> str:
    """The SITREPs of the operation's distress log (or of `report_ids`) for the agreement's partner;
    refused unless the agreement is in force today and the actor holds TRACKING_SHARE. Audited."""
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound("no such data-sharing agreement")
    if not actor.can(Permission.TRACKING_SHARE, operation_id=agreement.operation_id):
        raise PermissionDenied(f"{actor.username} lacks {Permission.TRACKING_SHARE.value}")
    today = clock.today()
    if agreement.revoked_at is not None or not agreement.valid_from <= today <= agreement.valid_until:
        raise Conflict(f"the agreement with {agreement.partner} is not in force today; nothing shared")
    reports = distress_reports(session, actor=actor, operation_id=agreement.operation_id)
    if report_ids is not None:
        wanted = set(report_ids)
        reports = [r for r in reports if r.id in wanted]
        if len(reports) != len(wanted):
            raise NotFound("a distress report to share is not in this operation")
    audit.record(
        session,
        actor=actor,
        action="tracking.distress_shared",
        object_type="tracking_sharing_agreement",
        object_id=str(agreement.id),
        details={
            "partner": agreement.partner,
            "purpose": agreement.purpose,
            "reports": [r.serial for r in reports],
        },
    )
    stamp = f"{clock.now():%Y-%m-%d %H:%M} UTC"
    header = f"DISTRESS LOG FOR {agreement.partner} — PURPOSE: {agreement.purpose} — {stamp}"
    return "\n\n".join([header, *(sitrep(r) for r in reports)]) + "\n"


__all__ = [
    "add_to_report",
    "agreements",
    "distress_reports",
    "log_distress",
    "record_agreement",
    "share_distress_log",
    "sitrep",
]
