"""Reads of the tracking domain: administrative areas, sites (scoped to the operations where the
actor holds TRACKING_VIEW), imports, and the latest IDPs per country for the map. The DTM figures
are read in idps.py, the incidents in incidents.py; both are re-exported here (with the table
renderer of exports.py) so that channels use `queries` only. Reads registration through its queries only.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, ValidationFailed
from refugio.registration import queries as registration
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal
from refugio.tracking import policy
from refugio.tracking.assessment_reads import AssessmentRound, assessment_rounds, assessments, sector_needs
from refugio.tracking.distress import agreements, distress_reports, sitrep
from refugio.tracking.exports import render
from refugio.tracking.figures import CHARTS, chart_image, map_image
from refugio.tracking.idps import (
    DTM_COLUMNS,
    DTM_HXL,
    HAPI_COLUMNS,
    Additivity,
    AdditivityGap,
    RoundFigure,
    additivity,
    dtm_rows,
    hapi_rows,
    rounds,
)  # fmt: skip
from refugio.tracking.incidents import SUMMARY_COLUMNS, IncidentRead, incidents, map_points, summary
from refugio.tracking.models import AdminArea, DtmFigure, FlowCount, FlowPoint, TrackedSite, TrackingImport
from refugio.tracking.schemas import AdminAreaRead, CountryIdps, FlowDay, FlowPointRead, ImportRead, SiteRead
from refugio.tracking.survey_reads import SURVEY_BREAKDOWNS, flow_surveys, survey_breakdown


def areas(
    session: Session, *, actor: Principal, country: str | None = None, level: int | None = None,
    parent: str | None = None, query: str | None = None, limit: int = 200,
) -> list[AdminAreaRead]:  # fmt: skip
    """Administrative areas, by P-code."""
    policy.require_view(actor)
    stmt = select(AdminArea).order_by(AdminArea.pcode).limit(limit)
    if country:
        stmt = stmt.where(AdminArea.country_iso3 == country.upper())
    if level is not None:
        stmt = stmt.where(AdminArea.level == level)
    if parent:
        stmt = stmt.where(AdminArea.parent_pcode == parent)
    if query:
        stmt = stmt.where(
            func.lower(AdminArea.name).contains(query.lower()) | (AdminArea.pcode == query.upper())
        )
    return [AdminAreaRead.model_validate(a) for a in session.scalars(stmt)]


def area_counts(session: Session, *, actor: Principal) -> list[tuple[str, int, int]]:
    """(country, level, number of areas) for every loaded country."""
    policy.require_view(actor)
    stmt = (
        select(AdminArea.country_iso3, AdminArea.level, func.count())
        .group_by(AdminArea.country_iso3, AdminArea.level)
        .order_by(AdminArea.country_iso3, AdminArea.level)
    )
    return [(r[0], r[1], r[2]) for r in session.execute(stmt)]


def _site_read(site: TrackedSite, names: dict[str, str], reg_codes: dict[uuid.UUID, str]) -> SiteRead:
    read = SiteRead.model_validate(site)
    read.admin_name = names.get(site.admin_pcode or "")
    read.registration_site_code = (
        reg_codes.get(site.registration_site_id) if site.registration_site_id else None
    )
    return read


def sites(session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None) -> list[SiteRead]:
    """The sites of the operations (or registration sites) where `actor` holds TRACKING_VIEW."""
    stmt = select(TrackedSite).where(
        registration.scope_clause(
            actor, Permission.TRACKING_VIEW, TrackedSite.operation_id, TrackedSite.registration_site_id
        )
    )
    if operation_id is not None:
        stmt = stmt.where(TrackedSite.operation_id == operation_id)
    found = list(session.scalars(stmt.order_by(TrackedSite.code)))
    codes = {s.admin_pcode for s in found if s.admin_pcode}
    names = {
        r[0]: r[1]
        for r in session.execute(select(AdminArea.pcode, AdminArea.name).where(AdminArea.pcode.in_(codes)))
    }
    reg_codes = {s.id: s.code for s in registration.visible_sites(session, actor=SYSTEM)}
    return [_site_read(s, names, reg_codes) for s in found]


def get_site(session: Session, *, actor: Principal, site_id: uuid.UUID) -> SiteRead:
    """One site; NotFound when it does not exist or is outside the actor's scope."""
    site = session.get(TrackedSite, site_id)
    if site is None or not actor.can(
        Permission.TRACKING_VIEW, operation_id=site.operation_id, site_id=site.registration_site_id
    ):
        raise NotFound("no such site")
    area = session.get(AdminArea, site.admin_pcode) if site.admin_pcode else None
    reg_codes = {s.id: s.code for s in registration.visible_sites(session, actor=SYSTEM)}
    return _site_read(site, {area.pcode: area.name} if area else {}, reg_codes)


def imports(session: Session, *, actor: Principal, limit: int = 50) -> list[ImportRead]:
    policy.require_view(actor)
    stmt = select(TrackingImport).order_by(TrackingImport.imported_at.desc()).limit(limit)
    return [ImportRead.model_validate(i) for i in session.scalars(stmt)]


def idps_by_country(session: Session, *, actor: Principal) -> list[CountryIdps]:
    """Per country: the admin-0 IDPs of each operation's latest round, summed (duplicates left out)."""
    policy.require_view(actor)
    f = DtmFigure
    stmt = (
        select(
            f.country_iso3, f.country_name, f.operation, f.assessment_type, f.reporting_date, func.sum(f.idps)
        )
        .where(f.duplicate.is_(False), f.admin_level == 0)
        .group_by(f.country_iso3, f.country_name, f.operation, f.assessment_type, f.reporting_date)
    )
    latest: dict[tuple[str, str, str], tuple[dt.date, int, str]] = {}
    for iso3, name, operation, kind, day, total in session.execute(stmt):
        key = (iso3, operation, kind)
        if key not in latest or day > latest[key][0]:
            latest[key] = (day, int(total), name)
    out: dict[str, CountryIdps] = {}
    for (iso3, _, _), (day, total, name) in latest.items():
        have = out.get(iso3)
        if have is None:
            out[iso3] = CountryIdps(country_iso3=iso3, country_name=name, idps=total, reporting_date=day)
        else:
            have.idps += total
            have.reporting_date = max(have.reporting_date, day)
    return sorted(out.values(), key=lambda c: -c.idps)


def map_layers(session: Session, *, actor: Principal, year: int | None = None) -> dict[str, object]:
    """What the map draws: the sites one may see, the located incidents (compact rows), and the latest
    IDPs per country with the numeric code of its outline."""
    from refugio.tracking.countries import numeric_code

    policy.require_view(actor)
    return {
        "sites": [
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "status": s.status,
                "lat": s.latitude,
                "lon": s.longitude,
                "capacity": s.capacity,
                "population": s.population,
            }
            for s in sites(session, actor=actor)
            if s.latitude is not None and s.longitude is not None
        ],
        "incidents": map_points(session, actor=actor, year=year),
        "flow_points": [
            {"code": p.code, "name": p.name, "kind": p.kind, "lat": p.latitude, "lon": p.longitude}
            for p in flow_points(session, actor=actor)
            if p.latitude is not None and p.longitude is not None
        ],
        "countries": [
            {
                "iso3": c.country_iso3,
                "numeric": numeric_code(c.country_iso3),
                "name": c.country_name,
                "idps": c.idps,
                "date": c.reporting_date.isoformat(),
            }
            for c in idps_by_country(session, actor=actor)
        ],
    }


# ---------------------------------------------------------------------------------------------------
# flow monitoring

BREAKDOWNS = ("nationality", "transport", "sex", "age_group")


def flow_points(session: Session, *, actor: Principal) -> list[FlowPointRead]:
    """The flow monitoring points of the operations where `actor` holds TRACKING_VIEW."""
    stmt = select(FlowPoint).where(
        registration.scope_clause(
            actor, Permission.TRACKING_VIEW, FlowPoint.operation_id, FlowPoint.operation_id
        )
    )
    return [FlowPointRead.model_validate(p) for p in session.scalars(stmt.order_by(FlowPoint.code))]


def _visible_point(session: Session, actor: Principal, point_id: uuid.UUID) -> FlowPoint:
    point = session.get(FlowPoint, point_id)
    if point is None or not actor.can(Permission.TRACKING_VIEW, operation_id=point.operation_id):
        raise NotFound("no such flow monitoring point")
    return point


def flow_days(
    session: Session, *, actor: Principal, point_id: uuid.UUID, start: dt.date, end: dt.date
) -> list[FlowDay]:
    """People counted at a point each day from `start` to `end`, by direction (days without counts: 0)."""
    _visible_point(session, actor, point_id)
    stmt = (
        select(FlowCount.day, FlowCount.direction, func.sum(FlowCount.count))
        .where(FlowCount.point_id == point_id, FlowCount.day >= start, FlowCount.day <= end)
        .group_by(FlowCount.day, FlowCount.direction)
    )
    totals: dict[tuple[dt.date, str], int] = {(r[0], r[1]): int(r[2]) for r in session.execute(stmt)}
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [FlowDay(day=d, incoming=totals.get((d, "incoming"), 0), outgoing=totals.get((d, "outgoing"), 0))
            for d in days]  # fmt: skip


def flow_breakdown(
    session: Session, *, actor: Principal, point_id: uuid.UUID, start: dt.date, end: dt.date, by: str
) -> list[dict[str, object]]:
    """People counted at a point in a period by nationality, transport, sex or age group and direction."""
    if by not in BREAKDOWNS:
        raise ValidationFailed.single("by", f"one of {', '.join(BREAKDOWNS)}")
    _visible_point(session, actor, point_id)
    column = getattr(FlowCount, by)
    stmt = (
        select(column, FlowCount.direction, func.sum(FlowCount.count))
        .where(FlowCount.point_id == point_id, FlowCount.day >= start, FlowCount.day <= end)
        .group_by(column, FlowCount.direction)
    )
    out: dict[str, dict[str, object]] = {}
    for key, direction, total in session.execute(stmt):
        row = out.setdefault(str(key), {by: str(key), "incoming": 0, "outgoing": 0})
        row[direction] = int(total)
    return sorted(out.values(), key=lambda r: -(int(str(r["incoming"])) + int(str(r["outgoing"]))))


def flow_cells(
    session: Session, *, actor: Principal, point_id: uuid.UUID, start: dt.date, end: dt.date,
    by: tuple[str, ...],
) -> dict[tuple[str, ...], int]:  # fmt: skip
    """People counted at a point in a period, by a combination of its columns (e.g. age group and sex)."""
    unknown = [b for b in by if b not in (*BREAKDOWNS, "direction")]
    if unknown or not by:
        raise ValidationFailed.single("by", f"columns among {', '.join((*BREAKDOWNS, 'direction'))}")
    _visible_point(session, actor, point_id)
    columns = [getattr(FlowCount, b) for b in by]
    stmt = (
        select(*columns, func.sum(FlowCount.count))
        .where(FlowCount.point_id == point_id, FlowCount.day >= start, FlowCount.day <= end)
        .group_by(*columns)
    )
    return {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in session.execute(stmt)}


__all__ = [
    "CHARTS",
    "DTM_COLUMNS",
    "DTM_HXL",
    "HAPI_COLUMNS",
    "SUMMARY_COLUMNS",
    "SURVEY_BREAKDOWNS",
    "Additivity",
    "AdditivityGap",
    "AssessmentRound",
    "IncidentRead",
    "RoundFigure",
    "additivity",
    "agreements",
    "area_counts",
    "areas",
    "assessment_rounds",
    "assessments",
    "chart_image",
    "distress_reports",
    "dtm_rows",
    "flow_breakdown",
    "flow_cells",
    "flow_days",
    "flow_points",
    "flow_surveys",
    "get_site",
    "hapi_rows",
    "idps_by_country",
    "imports",
    "incidents",
    "map_image",
    "map_layers",
    "render",
    "rounds",
    "sector_needs",
    "sites",
    "sitrep",
    "summary",
    "survey_breakdown",
]
