"""Multi-sector location assessments (/api/v1/tracking/assessments…) and the map and charts as PNG/SVG
(/api/v1/tracking/map.png|svg, /api/v1/tracking/charts/NAME.png|svg): import a CSV (sent in JSON as
`{"file_name", "csv"}` — the API takes JSON bodies only; line-numbered errors, nothing half-loaded, a
file sent again adds nothing), list them with
the change since the location's previous round, the rounds as a time series, and the needs by
sector with the households by shelter type of a round. Included by api/tracking.py under /tracking.

Permissions (checked by refugio.tracking): TRACKING_VIEW to read (aggregate figures), TRACKING_MANAGE
to import (audited with the file digest). People and households, and the charts of refugio's own
figures, pass through the disclosure control (refugio.stats.tracking_report / tracking_charts).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.stats import tracking_charts, tracking_report
from refugio.tracking import queries, service

router = APIRouter(responses=responses(401, 403, 422))
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
Country = Annotated[str | None, Query(min_length=3, max_length=3, description="ISO3 code.")]


class CsvUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(default="assessments.csv", min_length=1, max_length=200, pattern=r"^[^/\\]+$")
    csv: str = Field(
        min_length=1, description="The CSV text: header row, then one row per location and round."
    )


@router.post("/assessments", status_code=201)
def import_assessments(session: Db, actor: Caller, body: CsvUpload) -> dict[str, Any]:
    """Import assessments from CSV text (columns: see `refugio tracking assessments import --help`)."""
    with tempfile.TemporaryDirectory(prefix="refugio-msla-") as tmp:
        path = Path(tmp) / body.file_name
        path.write_text(body.csv, encoding="utf-8")
        report = service.import_assessments(session, actor=actor, path=path)
    return report.as_dict()


@router.get("/assessments")
def list_assessments(
    session: Db, actor: Caller, country: Country = None,
    round_number: Annotated[int | None, Query(alias="round", ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:  # fmt: skip
    """Assessments, latest round first, with the change in individuals since the previous round; the
    people and households under the disclosure rule (`<5`, `x`)."""
    return tracking_report.assessment_rows(
        session, actor=actor, country=country, round_number=round_number, limit=limit
    )


@router.get(
    "/assessments/rounds",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}, "description": "JSON or CSV"}},
)
def assessment_rounds(
    session: Db, actor: Caller, country: Country = None, format: Literal["json", "csv"] = "json"
) -> Response:
    """Each country's rounds totalled: locations, households, individuals, IDPs, returnees, migrants,
    under the disclosure rule."""
    table = tracking_report.assessment_rounds(session, actor=actor, country=country)
    if format == "json":
        return JSONResponse(table.model_dump(mode="json"))
    return Response(queries.render(table.rows, table.columns, "csv"), media_type="text/csv; charset=utf-8")


@router.get("/assessments/needs")
def sector_needs(
    session: Db, actor: Caller, country: Annotated[str, Query(min_length=3, max_length=3)],
    round_number: Annotated[int, Query(alias="round", ge=1)],
) -> dict[str, Any]:  # fmt: skip
    """Needs by sector (mean severity, locations rated 4–5, first priority) and households by shelter
    (under the disclosure rule, with their total)."""
    needs, shelter = tracking_report.shelter_table(
        session, actor=actor, country=country, round_number=round_number
    )
    return {"needs": [n.model_dump() for n in needs], "shelter": shelter.model_dump(mode="json")}


__all__ = ["router"]


@router.get(
    "/map.{fmt}", response_model=None, responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}}
)
def map_file(session: Db, actor: Caller, fmt: Literal["png", "svg"],
             year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> Response:  # fmt: skip
    """The map (country outlines, IDPs by country, sites, flow points, incidents) as PNG or SVG (audited)."""
    data = tracking_charts.map_image(session, actor=actor, year=year, fmt=fmt)
    audit.record(session, actor=actor, action="tracking.map_downloaded", object_type="tracking",
                 details={"format": fmt, "year": year})  # fmt: skip
    return Response(data, media_type=IMAGE_TYPES[fmt])


_IMAGE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}, "image/svg+xml": {}}}}
Days = Annotated[int, Query(ge=1, le=366)]


def _chart(
    session: Db, actor: Principal, name: str, fmt: str, *, country: str | None = None,
    point: uuid.UUID | None = None, days: int = 30,
) -> Response:  # fmt: skip
    data = tracking_charts.chart_image(session, actor=actor, name=name, country=country, fmt=fmt,
                                       point_id=point, days=days)  # fmt: skip
    audit.record(session, actor=actor, action="tracking.chart_downloaded", object_type="tracking",
                 details={"chart": name, "format": fmt, "country": country,
                          "point": str(point) if point else None})  # fmt: skip
    return Response(data, media_type=IMAGE_TYPES[fmt])


# one operation per parameter a chart needs (a flow point, a country, none), so that the document says
# which; the URLs are those of /charts/{name}.{fmt} before (the fixed names are declared ahead of it)


@router.get("/charts/flows.{fmt}", response_model=None, responses=_IMAGE)
def flows_chart_file(session: Db, actor: Caller, fmt: Literal["png", "svg"], point: uuid.UUID,
                     days: Days = 30) -> Response:  # fmt: skip
    """People counted at flow monitoring `point` by sex and age group over the last `days`, as PNG or
    SVG (audited), under the disclosure rule."""
    return _chart(session, actor, "flows", fmt, point=point, days=days)


@router.get("/charts/incidents.{fmt}", response_model=None, responses=_IMAGE)
def incidents_chart_file(session: Db, actor: Caller, fmt: Literal["png", "svg"]) -> Response:
    """Dead and missing migrants by year (IOM Missing Migrants Project, exact) as PNG or SVG (audited)."""
    return _chart(session, actor, "incidents", fmt)


@router.get("/charts/{name}.{fmt}", response_model=None, responses=_IMAGE)
def chart_file(session: Db, actor: Caller, name: Literal["rounds", "assessments"],
               fmt: Literal["png", "svg"],
               country: Annotated[str, Query(min_length=3, max_length=3,
                                             description="ISO3 code.")]) -> Response:  # fmt: skip
    """A country's chart as PNG or SVG (audited): IDPs by DTM round (imported, exact) or individuals
    by assessment round (under the disclosure rule). The flows and incidents charts have their own
    operations."""
    return _chart(session, actor, name, fmt, country=country)
