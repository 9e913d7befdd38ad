"""Writes of the tracking domain for sites: add, update, link to a registration site. Keyword-only,
flush, never commit; every write audited. The imports have modules of their own (pcodes.py, dtm.py,
mmp.py), re-exported here so that channels use `service` only. Reads registration through its queries only.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, NotFound, UnknownReference
from refugio.registration import queries as registration
from refugio.security import audit
from refugio.security.principals import SYSTEM, Principal
from refugio.tracking import policy
from refugio.tracking.assessments import AssessmentReport, import_assessments
from refugio.tracking.distress import add_to_report, log_distress, share_distress_log
from refugio.tracking.dtm import DtmReport, import_dtm
from refugio.tracking.flows import add_flow_point, flow_day_range, import_flow_counts, record_flow_counts
from refugio.tracking.mmp import MmpReport, import_mmp
from refugio.tracking.models import AdminArea, TrackedSite
from refugio.tracking.pcodes import PcodeReport, load_pcodes
from refugio.tracking.positions import check_position
from refugio.tracking.schemas import SiteCreate, SiteUpdate
from refugio.tracking.survey_form import HANDLER as SURVEY_HANDLER
from refugio.tracking.surveys import may_collect, survey_form


def _check_links(
    session: Session, *, operation_id: uuid.UUID, pcode: str | None, reg_site: uuid.UUID | None
) -> None:
    if pcode and session.get(AdminArea, pcode) is None and session.scalar(select(AdminArea.pcode).limit(1)):
        raise UnknownReference.single("admin_pcode", f"unknown P-code {pcode}")
    if reg_site is not None:
        sites = {s.id: s for s in registration.visible_sites(session, actor=SYSTEM)}
        found = sites.get(reg_site)
        if found is None or found.operation_id != operation_id:
            raise UnknownReference.single(
                "registration_site_id", "no such registration site in this operation"
            )


def add_site(session: Session, *, actor: Principal, data: SiteCreate) -> TrackedSite:
    """Add a displacement site to an operation."""
    policy.require_site_manage(actor, data.operation_id)
    _check_links(
        session, operation_id=data.operation_id, pcode=data.admin_pcode, reg_site=data.registration_site_id
    )
    check_position(session, operation_id=data.operation_id, pcode=data.admin_pcode,
                   latitude=data.latitude, longitude=data.longitude)  # fmt: skip
    clash = session.scalar(
        select(TrackedSite.id).where(
            TrackedSite.operation_id == data.operation_id, TrackedSite.code == data.code
        )
    )
    if clash is not None:
        raise Conflict(f"a site {data.code} exists already in this operation")
    site = TrackedSite(**data.model_dump(mode="python"))
    session.add(site)
    session.flush()
    audit.record(session, actor=actor, action="tracking.site_added", object_type="tracking_site",
                 object_id=str(site.id), details={"code": site.code})  # fmt: skip
    return site


def update_site(session: Session, *, actor: Principal, site_id: uuid.UUID, data: SiteUpdate) -> TrackedSite:
    """Change a site's fields (those given)."""
    site = session.get(TrackedSite, site_id)
    if site is None:
        raise NotFound("no such site")
    policy.require_site_manage(actor, site.operation_id)
    changes = data.model_dump(exclude_unset=True, mode="python")
    _check_links(session, operation_id=site.operation_id, pcode=changes.get("admin_pcode"),
                 reg_site=changes.get("registration_site_id"))  # fmt: skip
    if {"latitude", "longitude", "admin_pcode"} & changes.keys():
        check_position(
            session, operation_id=site.operation_id, pcode=changes.get("admin_pcode", site.admin_pcode),
            latitude=changes.get("latitude", site.latitude),
            longitude=changes.get("longitude", site.longitude),
        )  # fmt: skip
    for key, value in changes.items():
        setattr(site, key, value)
    session.flush()
    audit.record(session, actor=actor, action="tracking.site_updated", object_type="tracking_site",
                 object_id=str(site.id), details={"fields": sorted(changes)})  # fmt: skip
    return site


def link_registration_sites(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> int:
    """Link the operation's tracked sites to the registration sites with the same code; the number linked."""
    policy.require_site_manage(actor, operation_id)
    by_code = {
        s.code: s.id
        for s in registration.visible_sites(session, actor=SYSTEM)
        if s.operation_id == operation_id
    }
    linked = 0
    for site in session.scalars(select(TrackedSite).where(TrackedSite.operation_id == operation_id)):
        if site.registration_site_id is None and site.code in by_code:
            site.registration_site_id = by_code[site.code]
            linked += 1
    session.flush()
    if linked:
        audit.record(session, actor=actor, action="tracking.sites_linked", object_type="operation",
                     object_id=str(operation_id), details={"linked": linked})  # fmt: skip
    return linked


__all__ = [
    "SURVEY_HANDLER",
    "AssessmentReport",
    "DtmReport",
    "MmpReport",
    "PcodeReport",
    "add_flow_point",
    "add_site",
    "add_to_report",
    "flow_day_range",
    "import_assessments",
    "import_dtm",
    "import_flow_counts",
    "import_mmp",
    "link_registration_sites",
    "load_pcodes",
    "log_distress",
    "may_collect",
    "record_flow_counts",
    "share_distress_log",
    "survey_form",
    "update_site",
]
