"""Reads of the incidents in transit (Missing Migrants Project): summaries by year, route, region,
country or cause, the list, and the points of the map.

A summary counts each incident once: by cause, an incident with several causes is counted under the
combination MMP recorded ("Drowning; Violence"), so the rows add up to the total. Imports store (via
models) and core only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.enums import SummaryBy
from refugio.tracking.models import Incident

SUMMARY_COLUMNS = ["incidents", "dead_and_missing", "dead", "missing", "survivors"]
NOT_RECORDED = "(not recorded)"


def _key(by: SummaryBy, row: Any) -> str:
    if by is SummaryBy.YEAR:
        return str(row.incident_date.year)
    if by is SummaryBy.ROUTE:
        return str(row.route or NOT_RECORDED)
    if by is SummaryBy.REGION:
        return str(row.region or NOT_RECORDED)
    if by is SummaryBy.COUNTRY:
        return str(row.country_iso3 or row.country_name or NOT_RECORDED)
    return "; ".join(row.causes) or NOT_RECORDED


def summary(session: Session, *, actor: Principal, by: SummaryBy) -> list[dict[str, Any]]:
    """One row per year / route / region / country / cause, with the incidents, the dead and missing
    (and dead, missing where recorded apart; empty when no incident of the row has them) and the
    survivors, largest dead and missing first (years in
    order)."""
    policy.require_view(actor)
    i = Incident
    stmt = select(i.incident_date, i.route, i.region, i.country_iso3, i.country_name, i.causes,
                  i.dead_and_missing, i.dead, i.missing, i.survivors)  # fmt: skip
    totals: dict[str, dict[str, int | None]] = defaultdict(
        lambda: {"incidents": 0, "dead_and_missing": 0, "dead": None, "missing": None, "survivors": 0}
    )
    for row in session.execute(stmt):
        t = totals[_key(by, row)]
        t["incidents"] = (t["incidents"] or 0) + 1
        t["dead_and_missing"] = (t["dead_and_missing"] or 0) + row.dead_and_missing
        if row.dead is not None:  # recorded apart from the missing (the full MMP download)
            t["dead"] = (t["dead"] or 0) + row.dead
        if row.missing is not None:
            t["missing"] = (t["missing"] or 0) + row.missing
        t["survivors"] = (t["survivors"] or 0) + (row.survivors or 0)
    keys = (
        sorted(totals)
        if by is SummaryBy.YEAR
        else sorted(totals, key=lambda k: (-(totals[k]["dead_and_missing"] or 0), k))
    )
    return [{by.value: k, **totals[k]} for k in keys]


@dataclass(frozen=True)
class IncidentRead:
    id: str
    incident_type: str
    incident_date: dt.date
    route: str | None
    region: str | None
    country: str | None
    dead_and_missing: int
    dead: int | None
    missing: int | None
    survivors: int | None
    causes: list[str]
    nationalities: list[str]
    location: str | None
    latitude: float | None
    longitude: float | None


def incidents(
    session: Session, *, actor: Principal, year: int | None = None, country: str | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[int, list[IncidentRead]]:  # fmt: skip
    """The incidents, newest first, with the number matching."""
    policy.require_view(actor)
    stmt = select(Incident)
    if year is not None:
        stmt = stmt.where(
            Incident.incident_date >= dt.date(year, 1, 1), Incident.incident_date < dt.date(year + 1, 1, 1)
        )
    if country:
        stmt = stmt.where(Incident.country_iso3 == country.upper())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Incident.incident_date.desc(), Incident.line).limit(limit).offset(offset)
    )
    return total, [
        IncidentRead(
            str(r.id),
            r.incident_type,
            r.incident_date,
            r.route,
            r.region,
            r.country_iso3 or r.country_name,
            r.dead_and_missing,
            r.dead,
            r.missing,
            r.survivors,
            list(r.causes),
            list(r.nationalities),
            r.location,
            r.latitude,
            r.longitude,
        )
        for r in rows
    ]


def map_points(session: Session, *, actor: Principal, year: int | None = None) -> list[list[Any]]:
    """[latitude, longitude, dead and missing, year] of every located incident (compact, for the map)."""
    policy.require_view(actor)
    stmt = select(
        Incident.latitude, Incident.longitude, Incident.dead_and_missing, Incident.incident_date
    ).where(Incident.latitude.is_not(None), Incident.longitude.is_not(None))
    if year is not None:
        stmt = stmt.where(
            Incident.incident_date >= dt.date(year, 1, 1), Incident.incident_date < dt.date(year + 1, 1, 1)
        )
    return [[round(r[0] or 0.0, 4), round(r[1] or 0.0, 4), r[2], r[3].year] for r in session.execute(stmt)]


__all__ = ["NOT_RECORDED", "SUMMARY_COLUMNS", "IncidentRead", "incidents", "map_points", "summary"]
