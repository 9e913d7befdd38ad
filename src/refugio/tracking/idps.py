"""Reads of the DTM figures: the HDX HAPI "IDPs" table, the DTM-shaped table (CSV, HXL, JSON), rounds
with their change since the previous round, and the additivity of admin levels.

Every total leaves out the rows flagged `duplicate`. The HAPI table follows OCHA's HDX pipeline: one
row per location, admin level, assessment type, operation, reporting date, round and operation
status, the IDPs summed over displacement reasons and origins, the admin codes normalised and named
from the gazetteer, the P-code warnings joined with `|`. Imports store (via models) and core only.
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
from refugio.tracking.models import AdminArea, DtmFigure

HAPI_COLUMNS = [
    "location_code", "has_hrp", "in_gho", "provider_admin1_name", "provider_admin2_name", "admin1_code",
    "admin1_name", "admin2_code", "admin2_name", "admin_level", "operation", "assessment_type", "population",
    "reporting_round", "reference_period_start", "reference_period_end", "dataset_hdx_id",
    "resource_hdx_id", "warning", "error",
]  # fmt: skip

DTM_HXL = {
    "id": "#id+code", "operation": "#operation+name", "admin0Name": "#country+name",
    "admin0Pcode": "#country+code", "admin1Name": "#adm1+name", "admin1Pcode": "#adm1+code",
    "admin2Name": "#adm2+name", "admin2Pcode": "#adm2+code", "adminLevel": "#adm+level",
    "numPresentIdpInd": "#affected+idps", "reportingDate": "#date+reported",
    "yearReportingDate": "#date+year+reported", "monthReportingDate": "#date+month+reported",
    "roundNumber": "#round+code", "displacementReason": "#cause+type", "numberMales": "#affected+idps+m",
    "numberFemales": "#affected+idps+f", "idpOriginAdmin1Name": "#adm1+name+origin",
    "idpOriginAdmin1Pcode": "#adm1+code+origin", "assessmentType": "#assessment+type",
    "operationStatus": "#operation+status", "warning": "#meta+warning",
}  # fmt: skip
DTM_COLUMNS = list(DTM_HXL)

# Countries with a humanitarian response plan / in the Global Humanitarian Overview (2025 cycle);
# HAPI's has_hrp / in_gho columns. Pass others to `hapi_rows` when the list changes.
HRP_COUNTRIES = frozenset(
    [
        "AFG",
        "BFA",
        "CAF",
        "CMR",
        "COD",
        "COL",
        "ETH",
        "HTI",
        "MLI",
        "MMR",
        "MOZ",
        "NER",
        "NGA",
        "PSE",
        "SDN",
        "SOM",
        "SSD",
        "SYR",
        "TCD",
        "UKR",
        "VEN",
        "YEM",
    ]
)
GHO_COUNTRIES = HRP_COUNTRIES | frozenset(
    ["BDI", "GTM", "HND", "SLV", "LBN", "IRQ", "LBY", "ZWE", "BGD", "PAK"]
)


def _gazetteer_names(session: Session) -> dict[str, str]:
    return {row[0]: row[1] for row in session.execute(select(AdminArea.pcode, AdminArea.name))}


def _figures(session: Session, country: str | None = None) -> list[DtmFigure]:
    stmt = select(DtmFigure).where(DtmFigure.duplicate.is_(False))
    if country:
        stmt = stmt.where(DtmFigure.country_iso3 == country.upper())
    return list(session.scalars(stmt))


def _hapi_key(f: DtmFigure) -> tuple[Any, ...]:
    return (
        f.country_iso3, f.provider_admin1_pcode or "", f.provider_admin2_pcode or "", f.country_name,
        f.provider_admin1_name or "", f.provider_admin2_name or "", f.admin_level, f.assessment_type,
        f.operation, f.reporting_date, f.round_number, f.operation_status or "",
    )  # fmt: skip


def hapi_rows(
    session: Session,
    *,
    actor: Principal,
    dataset_hdx_id: str = "",
    resource_hdx_id: str = "",
    hrp: frozenset[str] = HRP_COUNTRIES,
    gho: frozenset[str] = GHO_COUNTRIES,
) -> list[dict[str, Any]]:
    """The HDX HAPI "IDPs" table of every round, admin levels 0–2."""
    policy.require_view(actor)
    names = _gazetteer_names(session)
    groups: dict[tuple[Any, ...], list[DtmFigure]] = defaultdict(list)
    for f in _figures(session):
        groups[_hapi_key(f)].append(f)
    rows = []
    for key in sorted(groups):
        first = groups[key][0]
        level = first.admin_level
        a1 = first.admin1_pcode or "" if level >= 1 else ""
        a2 = first.admin2_pcode or "" if level >= 2 else ""
        day = first.reporting_date.isoformat()
        rows.append(
            {
                "location_code": first.country_iso3,
                "has_hrp": "Y" if first.country_iso3 in hrp else "N",
                "in_gho": "Y" if first.country_iso3 in gho else "N",
                "provider_admin1_name": first.provider_admin1_name or "",
                "provider_admin2_name": first.provider_admin2_name or "",
                "admin1_code": a1,
                "admin1_name": names.get(a1, "") if a1 else "",
                "admin2_code": a2,
                "admin2_name": names.get(a2, "") if a2 else "",
                "admin_level": level,
                "operation": first.operation,
                "assessment_type": first.assessment_type,
                "population": sum(f.idps for f in groups[key]),
                "reporting_round": first.round_number,
                "reference_period_start": day,
                "reference_period_end": day,
                "dataset_hdx_id": dataset_hdx_id,
                "resource_hdx_id": resource_hdx_id,
                "warning": "|".join(w for w in first.warnings if w.startswith("PCode")),
                "error": "",
            }
        )
    return rows


def dtm_rows(session: Session, *, actor: Principal, country: str | None = None) -> list[dict[str, Any]]:
    """The figures in the DTM API shape (OCHA P-codes, duplicates left out), in file order."""
    policy.require_view(actor)
    out = []
    figures = sorted(_figures(session, country), key=lambda f: (f.import_id.hex, f.line))
    for f in figures:
        out.append(
            {
                "id": f.source_id or "", "operation": f.operation, "admin0Name": f.country_name,
                "admin0Pcode": f.country_iso3, "admin1Name": f.provider_admin1_name or "",
                "admin1Pcode": f.admin1_pcode or "", "admin2Name": f.provider_admin2_name or "",
                "admin2Pcode": f.admin2_pcode or "", "adminLevel": f.admin_level,
                "numPresentIdpInd": f.idps, "reportingDate": f.reporting_date.isoformat(),
                "yearReportingDate": f.reporting_date.year, "monthReportingDate": f.reporting_date.month,
                "roundNumber": f.round_number, "displacementReason": "; ".join(f.reasons),
                "numberMales": "" if f.males is None else f.males,
                "numberFemales": "" if f.females is None else f.females,
                "idpOriginAdmin1Name": f.origin_admin1_name or "",
                "idpOriginAdmin1Pcode": f.origin_admin1_pcode or "",
                "assessmentType": f.assessment_type, "operationStatus": f.operation_status or "",
                "warning": "|".join(f.warnings),
            }
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class RoundFigure:
    """The IDPs of one location in one round, and the change since the location's previous round."""

    country_iso3: str
    admin_level: int
    pcode: str
    operation: str
    assessment_type: str
    round_number: int
    reporting_date: dt.date
    idps: int
    previous: int | None
    change: int | None


def _location(level: int, country: str, a1: str | None, a2: str | None) -> str:
    return {0: country, 1: a1 or "", 2: a2 or ""}[level]


def rounds(
    session: Session, *, actor: Principal, country: str | None = None, admin_level: int | None = None
) -> list[RoundFigure]:
    """Totals per location and round (duplicates left out) with the change since the previous round of
    the same location, operation and assessment type."""
    policy.require_view(actor)
    f = DtmFigure
    cols = (f.country_iso3, f.admin_level, f.admin1_pcode, f.admin2_pcode, f.operation, f.assessment_type,
            f.round_number, f.reporting_date)  # fmt: skip
    stmt = select(*cols, func.sum(f.idps)).where(f.duplicate.is_(False)).group_by(*cols)
    if country:
        stmt = stmt.where(f.country_iso3 == country.upper())
    if admin_level is not None:
        stmt = stmt.where(f.admin_level == admin_level)
    totals: dict[tuple[Any, ...], int] = {}
    for iso3, level, a1, a2, operation, kind, rnd, day, total in session.execute(stmt):
        key = (iso3, level, _location(level, iso3, a1, a2), operation, kind, rnd, day)
        totals[key] = totals.get(key, 0) + int(total)
    out: list[RoundFigure] = []
    last: dict[tuple[Any, ...], int] = {}
    for key in sorted(totals, key=lambda k: (k[0], k[1], k[2], k[3], k[4], k[6], k[5])):
        series = key[:5]
        previous = last.get(series)
        value = totals[key]
        out.append(
            RoundFigure(key[0], key[1], key[2], key[3], key[4], key[5], key[6], value, previous,
                        None if previous is None else value - previous)
        )  # fmt: skip
        last[series] = value
    return out


@dataclass(frozen=True)
class AdditivityGap:
    """A parent whose total differs from the sum of its children in one round."""

    country_iso3: str
    operation: str
    assessment_type: str
    round_number: int
    reporting_date: dt.date
    parent: str
    parent_level: int
    parent_total: int
    children_total: int
    children: int

    @property
    def difference(self) -> int:
        return self.parent_total - self.children_total


@dataclass(frozen=True)
class Additivity:
    checked: int
    consistent: int
    gaps: list[AdditivityGap]


def additivity(session: Session, *, actor: Principal, country: str | None = None) -> Additivity:
    """Admin 0 against the sum of its admin 1, each admin 1 against the sum of its admin 2, per round
    (only where both levels were reported for that round)."""
    figures = rounds(session, actor=actor, country=country)
    parents: dict[tuple[Any, ...], int] = {}
    children: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for r in figures:
        series = (r.country_iso3, r.operation, r.assessment_type, r.round_number, r.reporting_date)
        parents[(*series, r.admin_level, r.pcode)] = r.idps
    parent_of = {
        row[0]: row[1]
        for row in session.execute(
            select(DtmFigure.admin2_pcode, DtmFigure.admin1_pcode).where(DtmFigure.admin_level == 2)
        )
    }
    for r in figures:
        series = (r.country_iso3, r.operation, r.assessment_type, r.round_number, r.reporting_date)
        if r.admin_level == 1:
            children[(*series, 0, r.country_iso3)].append(r.idps)
        elif r.admin_level == 2:
            up = parent_of.get(r.pcode) or ""
            children[(*series, 1, up)].append(r.idps)
    gaps, checked = [], 0
    for key, kids in sorted(children.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if key not in parents:
            continue
        checked += 1
        total, summed = parents[key], sum(kids)
        if total != summed:
            iso3, operation, kind, rnd, day, level, parent = key
            gaps.append(
                AdditivityGap(iso3, operation, kind, rnd, day, parent=parent, parent_level=level,
                              parent_total=total, children_total=summed, children=len(kids))
            )  # fmt: skip
    return Additivity(checked=checked, consistent=checked - len(gaps), gaps=gaps)


__all__ = [
    "DTM_COLUMNS", "DTM_HXL", "HAPI_COLUMNS", "Additivity", "AdditivityGap", "RoundFigure", "additivity",
    "dtm_rows", "hapi_rows", "rounds",
]  # fmt: skip
