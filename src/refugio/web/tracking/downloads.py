"""Maps and charts of tracking as PNG or SVG downloads: the map (/tracking/map.png|svg, optionally of
one year's incidents) and the charts (/tracking/charts/{rounds|assessments|incidents|flows}.png|svg;
rounds and assessments of a country, flows of a point over `days`). Drawn through the disclosure
control (refugio.stats.tracking_charts: refugio's own figures protected, imported DTM / Missing
Migrants aggregates exact), from the same figures the pages show; every download is audited.
TRACKING_VIEW (checked by refugio.tracking). Must not import refugio.api, cli or main.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import NotFound, ValidationFailed
from refugio.security import audit
from refugio.stats import tracking_charts
from refugio.web.context import state_of

router = APIRouter(include_in_schema=False)
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1990 <= int(value) <= 2100:
        raise ValidationFailed.single("year", "year must be between 1990 and 2100")
    return int(value)


def _file(data: bytes, fmt: str, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})  # fmt: skip


@router.get("/tracking/map.{fmt}")
def map_file(request: Request, fmt: str) -> Response:
    if fmt not in MEDIA_TYPES:
        raise NotFound("maps are png or svg")
    year = _year(request.query_params.get("year"))
    with state_of(request).page(request) as pg:
        data = tracking_charts.map_image(pg.db, actor=pg.principal, year=year, fmt=fmt)
        audit.record(pg.db, actor=pg.principal, action="tracking.map_downloaded", object_type="tracking",
                     details={"format": fmt, "year": year})  # fmt: skip
    return _file(data, fmt, f"tracking-map{'-' + str(year) if year else ''}")


@router.get("/tracking/charts/{name}.{fmt}")
def chart_file(request: Request, name: str, fmt: str) -> Response:
    if fmt not in MEDIA_TYPES or name not in tracking_charts.CHARTS:
        raise NotFound("no such chart")
    q = request.query_params
    country = (q.get("country") or "").upper() or None
    point = q.get("point") or None
    try:
        point_id = uuid.UUID(point) if point else None
        days = int(q.get("days") or 30)
    except ValueError:
        raise ValidationFailed.single("point", "a flow monitoring point id and a number of days") from None
    if not 1 <= days <= 366:
        raise ValidationFailed.single("days", "days must be between 1 and 366")
    with state_of(request).page(request) as pg:
        data = tracking_charts.chart_image(pg.db, actor=pg.principal, name=name, country=country, fmt=fmt,
                                           point_id=point_id, days=days)  # fmt: skip
        audit.record(pg.db, actor=pg.principal, action="tracking.chart_downloaded", object_type="tracking",
                     details={"chart": name, "format": fmt, "country": country, "point": point,
                              "source": tracking_charts.CHART_SOURCE[name]})  # fmt: skip
    return _file(data, fmt, f"{name}{'-' + country.lower() if country else ''}")


__all__ = ["router"]
