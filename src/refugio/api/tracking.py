"""Tracking (refugio.tracking): administrative areas, displacement sites, flow monitoring points and
their daily counts, DTM rounds with their change and additivity, the IDPs export (HDX HAPI, HXL, CSV,
JSON), incidents in transit and their summaries, and the distress log (IAMSAR SITREP) shared with
search-and-rescue partners under data-sharing agreements (refugio.agreements, dataset distress_log).

Permissions (checked by refugio.tracking): TRACKING_VIEW to read; TRACKING_MANAGE for the operation to
add or change sites, flow points, counts and distress reports; TRACKING_SHARE to share the
distress log (the agreements themselves are the data protection officer's: `POST /agreements`).
Downloads and shares are audited. Figures pass through the disclosure control
(refugio.stats.tracking_report / tracking_charts): refugio's own (flow counts, surveys, assessments)
protected, imported published aggregates (DTM, Missing Migrants) exact. Imports of DTM and MMP files
are done with `refugio tracking import …`.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from refugio.agreements.schemas import AgreementRead
from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.api.tracking_assessments import router as assessments_router
from refugio.api.tracking_surveys import router as surveys_router
from refugio.security import audit
from refugio.stats import tracking_charts, tracking_report
from refugio.stats.tracking_report import ControlledTable
from refugio.tracking import queries, service
from refugio.tracking.enums import IdpFormat, SummaryBy
from refugio.tracking.schemas import (
    AdminAreaRead,
    CountryIdps,
    DistressCreate,
    DistressRead,
    FlowCountIn,
    FlowPointCreate,
    FlowPointRead,
    ImportRead,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)  # fmt: skip

router = APIRouter(prefix="/tracking", tags=["tracking"], responses=responses(401, 403, 404, 422))

Country = Annotated[str | None, Query(min_length=3, max_length=3, description="ISO3 code.")]
Level = Annotated[int | None, Query(ge=0, le=2, description="Admin level 0, 1 or 2.")]


@router.get("/locations", response_model=list[AdminAreaRead])
def list_locations(
    session: Db, actor: Caller, country: Country = None, level: Level = None,
    parent: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or P-code.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AdminAreaRead]:  # fmt: skip
    """Administrative areas with their OCHA P-codes, parents and warnings."""
    return queries.areas(
        session, actor=actor, country=country, level=level, parent=parent, query=q, limit=limit
    )


@router.get("/sites", response_model=list[SiteRead])
def list_sites(session: Db, actor: Caller) -> list[SiteRead]:
    """The displacement sites of the operations one may see."""
    return queries.sites(session, actor=actor)


@router.post("/sites", response_model=SiteRead, status_code=201)
def add_site(session: Db, actor: Caller, body: SiteCreate) -> SiteRead:
    """Add a camp, collective centre, informal settlement or host community."""
    site = service.add_site(session, actor=actor, data=body)
    return queries.get_site(session, actor=actor, site_id=site.id)


@router.get("/sites/{site_id}", response_model=SiteRead)
def get_site(session: Db, actor: Caller, site_id: str) -> SiteRead:
    return queries.get_site(session, actor=actor, site_id=parse_id(site_id, "site"))


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(session: Db, actor: Caller, site_id: str, body: SiteUpdate) -> SiteRead:
    """Change a site's fields (those given)."""
    sid: uuid.UUID = parse_id(site_id, "site")
    queries.get_site(session, actor=actor, site_id=sid)  # 404 outside one's scope
    service.update_site(session, actor=actor, site_id=sid, data=body)
    return queries.get_site(session, actor=actor, site_id=sid)


@router.get("/rounds", response_model=list[queries.RoundFigure])
def list_rounds(
    session: Db, actor: Caller, country: Country = None, level: Level = None
) -> list[queries.RoundFigure]:
    """IDPs per location and round (duplicates left out) with the change since the previous round."""
    return queries.rounds(session, actor=actor, country=country, admin_level=level)


@router.get("/additivity")
def additivity(session: Db, actor: Caller, country: Country = None) -> dict[str, Any]:
    """Whether each admin level adds up to the one above, round by round; the gaps."""
    check = queries.additivity(session, actor=actor, country=country)
    return {
        "checked": check.checked,
        "consistent": check.consistent,
        "gaps": [{**g.__dict__, "reporting_date": g.reporting_date.isoformat(), "difference": g.difference}
                 for g in check.gaps],
    }  # fmt: skip


@router.get("/countries", response_model=list[CountryIdps])
def idps_by_country(session: Db, actor: Caller) -> list[CountryIdps]:
    """The latest admin-0 IDPs per country."""
    return queries.idps_by_country(session, actor=actor)


_JSON_OR_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or CSV when `format` asks for it.",
        "content": {"application/json": {}, "text/csv": {}},
    }
}


@router.get("/idps", response_model=None, responses=_JSON_OR_CSV)
def export_idps(
    session: Db,
    actor: Caller,
    format: Annotated[IdpFormat, Query(description="hapi, hxl, csv or json")] = IdpFormat.HAPI,
) -> Response:
    """The IDPs of every round, admin levels 0–2: the HDX HAPI "IDPs" table, or the DTM-shaped table
    (HXL-tagged CSV with the DTM's hashtags, plain CSV, or JSON)."""
    audit.record(session, actor=actor, action="tracking.idps_downloaded", object_type="tracking",
                 details={"format": format.value, "channel": "api"})  # fmt: skip
    text = tracking_charts.idps_export(session, actor=actor, fmt=format)
    if format is IdpFormat.JSON:
        return Response(text, media_type="application/json")
    disposition = f'attachment; filename="idps-{format.value}.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


@router.get("/incidents")
def list_incidents(
    session: Db, actor: Caller, year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    country: Country = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:  # fmt: skip
    """Incidents in transit (Missing Migrants Project), newest first."""
    total, items = queries.incidents(
        session, actor=actor, year=year, country=country, limit=limit, offset=offset
    )
    return {"total": total, "items": items}


@router.get("/incidents/summary", response_model=None, responses=_JSON_OR_CSV)
def incidents_summary(
    session: Db, actor: Caller, by: SummaryBy = SummaryBy.YEAR, format: Literal["json", "csv"] = "json"
) -> Response:
    """Incidents, dead and missing (`dead_and_missing`), dead, missing and survivors by year, route,
    region, country or cause."""
    rows = tracking_charts.incident_summary(session, actor=actor, by=by)
    if format == "json":
        return JSONResponse(rows)
    text = queries.render(rows, [by.value, *queries.SUMMARY_COLUMNS], "csv")
    return Response(text, media_type="text/csv; charset=utf-8")


@router.get("/imports", response_model=list[ImportRead])
def list_imports(session: Db, actor: Caller) -> list[ImportRead]:
    """The DTM, MMP and P-code files imported, newest first."""
    return queries.imports(session, actor=actor)


@router.get("/flow-points", response_model=list[FlowPointRead])
def list_flow_points(session: Db, actor: Caller) -> list[FlowPointRead]:
    """The flow monitoring points of the operations one may see."""
    return queries.flow_points(session, actor=actor)


@router.post("/flow-points", response_model=FlowPointRead, status_code=201)
def add_flow_point(session: Db, actor: Caller, body: FlowPointCreate) -> FlowPointRead:
    """Add a flow monitoring point (border crossing, transit centre, bus station, port, airport)."""
    return FlowPointRead.model_validate(service.add_flow_point(session, actor=actor, data=body))


@router.post("/flow-points/{point_id}/counts", status_code=201)
def record_counts(session: Db, actor: Caller, point_id: str, body: list[FlowCountIn]) -> dict[str, int]:
    """Record the people counted on a day by direction, sex, age group, nationality and transport; a
    combination recorded again for the same day is corrected (audited)."""
    pid: uuid.UUID = parse_id(point_id, "flow monitoring point")
    return {"recorded": service.record_flow_counts(session, actor=actor, point_id=pid, counts=body)}


def _table(table: ControlledTable, fmt: str, name: str) -> Response:
    if fmt == "json":
        return JSONResponse(table.model_dump(mode="json"))
    return Response(queries.render(table.rows, table.columns, "csv"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip


@router.get("/flow-points/{point_id}/days", response_model=None, responses=_JSON_OR_CSV)
def flow_days(
    session: Db, actor: Caller, point_id: str, days: Annotated[int, Query(ge=1, le=366)] = 30,
    format: Literal["json", "csv"] = "json",
) -> Response:  # fmt: skip
    """People counted each day, in and out, over the last `days` days, with totals, under the
    disclosure rule (counts of 1-4 shown as `<5`, `x` where a total would reveal one)."""
    start, end = service.flow_day_range(days)
    pid = parse_id(point_id, "flow monitoring point")
    table = tracking_report.flow_table(session, actor=actor, point_id=pid, start=start, end=end, by="day")
    return _table(table, format, "flows-day")


@router.get("/flow-points/{point_id}/breakdown", response_model=None, responses=_JSON_OR_CSV)
def flow_breakdown(
    session: Db, actor: Caller, point_id: str,
    by: Literal["nationality", "transport", "sex", "age_group", "sex_age"] = "nationality",
    days: Annotated[int, Query(ge=1, le=366)] = 30, format: Literal["json", "csv"] = "json",
) -> Response:  # fmt: skip
    """People counted over the last `days` days by nationality, transport, sex or age group and
    direction, or by age group and sex (`sex_age`), with totals, under the disclosure rule."""
    start, end = service.flow_day_range(days)
    pid = parse_id(point_id, "flow monitoring point")
    table = tracking_report.flow_table(session, actor=actor, point_id=pid, start=start, end=end, by=by)
    return _table(table, format, f"flows-{by}")


class DistressUpdate(BaseModel):
    """G. an action taken, H. a further report, or the end of the case."""

    model_config = ConfigDict(extra="forbid")

    action: str | None = Field(default=None, max_length=4000)
    further: str | None = Field(default=None, max_length=4000)
    close: bool = False


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreement_id: uuid.UUID
    report_ids: list[uuid.UUID] | None = None


@router.get("/agreements", response_model=list[AgreementRead])
def list_agreements(session: Db, actor: Caller, operation_id: uuid.UUID) -> list[AgreementRead]:
    """The operation's data-sharing agreements for the distress log (recorded with `POST /agreements`,
    dataset `distress_log`, by the data protection officer) (TRACKING_VIEW)."""
    return queries.agreements(session, actor=actor, operation_id=operation_id)


@router.post("/distress", response_model=DistressRead, status_code=201)
def log_distress(session: Db, actor: Caller, body: DistressCreate) -> DistressRead:
    """Log people or a vessel in distress (IAMSAR SITREP fields A–G)."""
    return DistressRead.model_validate(service.log_distress(session, actor=actor, data=body))


@router.get("/distress", response_model=list[DistressRead])
def list_distress(session: Db, actor: Caller, operation_id: uuid.UUID) -> list[DistressRead]:
    """The distress log of an operation, newest first."""
    return queries.distress_reports(session, actor=actor, operation_id=operation_id)


@router.post("/distress/{report_id}/updates", response_model=DistressRead)
def update_distress(session: Db, actor: Caller, report_id: str, body: DistressUpdate) -> DistressRead:
    """Add an action taken or a further report, or close the case."""
    report = service.add_to_report(
        session,
        actor=actor,
        report_id=parse_id(report_id, "distress report"),
        action=body.action,
        further=body.further,
        close=body.close,
    )
    return DistressRead.model_validate(report)


@router.post("/distress/share", response_model=None)
def share_distress(session: Db, actor: Caller, body: ShareRequest) -> Response:
    """The distress log (or the reports named) as IAMSAR SITREPs, with the agreement's paragraphs only,
    for the partner of a distress-log agreement in force today; refused otherwise. Audited like every
    share; the manifest (JSON, ASCII) is in `X-Share-Manifest`, the file's hash in `X-Content-SHA256`."""
    share = service.share_distress_log(
        session, actor=actor, agreement_id=body.agreement_id, report_ids=body.report_ids
    )
    return Response(
        share.content,
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{share.filename}"',
            "X-Content-SHA256": share.manifest["sha256"],
            "X-Share-Manifest": json.dumps(share.manifest, ensure_ascii=True, separators=(",", ":")),
        },
    )


router.include_router(surveys_router)
router.include_router(assessments_router)
