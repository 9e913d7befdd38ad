"""The log of people and vessels in distress (¶28), kept in the shape of an IAMSAR situation report
(SITREP: A identity, B position, C situation, D persons on board, E assistance required, F
coordinating rescue centre, G actions taken, H further reports), and its sharing with
search-and-rescue partners — only under a data-sharing agreement of refugio.agreements for the distress
log (recorded by the data protection officer: partner, purpose search and rescue, the SITREP paragraphs
allowed, legal basis, retention, expiry) that is in force on the day; each share has its manifest and
is audited like every share to a partner (decision 0013).

Permissions: TRACKING_MANAGE for the operation to log and update, TRACKING_VIEW to read,
TRACKING_SHARE to share. Writes flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.agreements import manifest
from refugio.agreements import queries as agreement_queries
from refugio.agreements import service as agreements_service
from refugio.agreements.enums import ShareDataset
from refugio.agreements.schemas import AgreementRead, Share
from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.models import DistressReport
from refugio.tracking.schemas import DistressCreate, DistressRead


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


def distress_reports(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[DistressRead]:
    """The distress log of an operation, newest first."""
    actor.require(Permission.TRACKING_VIEW, operation_id=operation_id)
    stmt = select(DistressReport).where(DistressReport.operation_id == operation_id)
    return [
        DistressRead.model_validate(r) for r in session.scalars(stmt.order_by(DistressReport.serial.desc()))
    ]


def agreements(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[AgreementRead]:
    """The operation's data-sharing agreements for the distress log (refugio.agreements)."""
    actor.require(Permission.TRACKING_VIEW, operation_id=operation_id)
    return agreement_queries.dataset_agreements(
        session, operation_id=operation_id, dataset=ShareDataset.DISTRESS_LOG.value
    )


def sitrep(report: DistressRead, fields: Collection[str] | None = None) -> str:
    """One report as an IAMSAR SITREP (plain text, the lettered paragraphs A–H); with `fields` (those
    of an agreement), a paragraph outside them reads WITHHELD."""

    def lines(entries: list[dict[str, str]]) -> str:
        return "; ".join(f"{e['at']} {e['text']}" for e in entries) or "NIL"

    lat = f"{abs(report.latitude):.4f}{'N' if report.latitude >= 0 else 'S'}"
    lon = f"{abs(report.longitude):.4f}{'E' if report.longitude >= 0 else 'W'}"
    persons = "UNKNOWN" if report.persons_on_board is None else str(report.persons_on_board)
    status = "FINAL" if report.status == "closed" else str(len(report.further_reports) + 1)
    paragraphs = [
        ("identity", "A. IDENTITY OF CASUALTY", report.identity),
        ("position", "B. POSITION", f"{lat} {lon} AT {report.position_at.isoformat(timespec='minutes')}"),
        ("situation", "C. SITUATION", report.situation),
        ("persons_on_board", "D. NUMBER OF PERSONS", persons),
        ("assistance_required", "E. ASSISTANCE REQUIRED", report.assistance_required),
        ("coordinating_centre", "F. COORDINATING RCC", report.coordinating_centre),
        ("actions", "G. ACTIONS TAKEN", lines(report.actions)),
        ("further_reports", "H. FURTHER REPORTS", lines(report.further_reports)),
    ]
    shown = [
        f"{title}: {text if fields is None or name in fields else 'WITHHELD'}"
        for name, title, text in paragraphs
    ]
    return "\n".join([f"SITREP {status} (DISTRESS {report.serial:04d})", *shown])


def share_distress_log(
    session: Session, *, actor: Principal, agreement_id: uuid.UUID, report_ids: list[uuid.UUID] | None = None
) -> Share:
    """The SITREPs of the operation's distress log (or of `report_ids`) for the partner of a distress-log
    agreement (refugio.agreements), with the agreement's fields only and its manifest; refused unless
    the agreement is active and in force today and the actor holds TRACKING_SHARE. Audited like every
    share (`agreement.share`, kind distress_log, the reports' serials)."""
    operation_id = agreement_queries.agreement_operation(session, agreement_id)
    if operation_id is None:
        raise NotFound("no such data-sharing agreement")
    if not actor.can(Permission.TRACKING_SHARE, operation_id=operation_id):
        raise PermissionDenied(f"{actor.username} lacks {Permission.TRACKING_SHARE.value}")
    agreement, fields = agreements_service.agreement_for_share(
        session, agreement_id=agreement_id, fields=None, dataset=ShareDataset.DISTRESS_LOG
    )
    reports = distress_reports(session, actor=actor, operation_id=operation_id)
    if report_ids is not None:
        wanted = set(report_ids)
        reports = [r for r in reports if r.id in wanted]
        if len(reports) != len(wanted):
            raise NotFound("a distress report to share is not in this operation")
    stamp = f"{clock.now():%Y-%m-%d %H:%M} UTC"
    header = (
        f"DISTRESS LOG FOR {agreement.partner} — PURPOSE: {agreement.notes or agreement.purpose} — {stamp}"
    )
    text = "\n\n".join([header, *(sitrep(r, fields) for r in reports)]) + "\n"
    return agreements_service.record_share(
        session,
        actor=actor,
        agreement=agreement,
        kind=ShareDataset.DISTRESS_LOG.value,
        filename=f"distress-sitreps-{manifest.slug(agreement.partner)}-{clock.today()}.txt",
        fields=fields,
        content=text.encode("utf-8"),
        rows=len(reports),
        details={"reports": [r.serial for r in reports]},
    )


__all__ = [
    "add_to_report",
    "agreements",
    "distress_reports",
    "log_distress",
    "share_distress_log",
    "sitrep",
]
