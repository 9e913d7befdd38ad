"""Tracking pages: an overview, administrative areas (P-codes), displacement sites (list and a form to
add one), flow monitoring points with their daily counts, DTM rounds with the change since the
previous round and the additivity check, incidents in transit with their summaries, the distress
log (SITREPs and the agreements it is shared under), and the map (Leaflet with world-atlas
outlines, served from the checkout's node_modules under /tracking/vendor/… — offline, no tile
server; the page keeps its tables when the libraries are absent). Downloads (IDPs as
HAPI/HXL/CSV/JSON, incident summaries as CSV) are audited and pass through the disclosure control
(refugio.stats.tracking_charts), which keeps these imported published aggregates exact and protects
refugio's own figures (a site's population on the map).

Permissions are checked by refugio.tracking (TRACKING_VIEW to read, TRACKING_MANAGE to add sites).
Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.registration import queries as reg_queries
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.stats import tracking_charts
from refugio.tracking import policy, queries, service
from refugio.tracking.enums import IdpFormat, SummaryBy
from refugio.tracking.schemas import SiteCreate
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, state_of
from refugio.web.forms import plain_input
from refugio.web.tracking import assessments, distress, downloads, flows
from refugio.web.tracking.labels import (
    ASSESSMENT_TYPES,
    SITE_KINDS,
    SITE_STATUSES,
    SUMMARY_BY,
)

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
VENDOR = {  # name in the URL → folder under node_modules
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
    "topojson": "topojson-client/dist",
    "world-atlas": "world-atlas",
}
VENDOR_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}
SITE_FIELDS = (
    "code",
    "name",
    "kind",
    "status",
    "admin_pcode",
    "latitude",
    "longitude",
    "capacity",
    "population",
    "managing_agency",
    "registration_site_id",
)


@lru_cache(maxsize=1)
def node_modules() -> Path | None:
    """node_modules of the source checkout (the first parent holding package.json), if installed."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "package.json").is_file():
            folder = parent / "node_modules"
            return folder if folder.is_dir() else None
    return None


def vendor_file(package: str, name: str) -> Path | None:
    """A file of a whitelisted front-end package, or None (unknown, absent, or outside the package)."""
    root = node_modules()
    if root is None or package not in VENDOR or Path(name).suffix not in VENDOR_TYPES:
        return None
    base = (root / VENDOR[package]).resolve()
    path = (base / name).resolve()
    return path if path.is_file() and path.is_relative_to(base) else None


def libraries_installed() -> bool:
    return all(
        vendor_file(p, n) is not None
        for p, n in (
            ("leaflet", "leaflet.js"),
            ("topojson", "topojson-client.min.js"),
            ("world-atlas", "countries-110m.json"),
        )
    )


@router.get("/tracking/vendor/{package}/{name:path}")
def vendor(package: str, name: str) -> Response:
    path = vendor_file(package, name)
    if path is None:
        return Response("/* not installed: run `npm ci` */", status_code=404, media_type="text/plain")
    return FileResponse(
        path, media_type=VENDOR_TYPES[path.suffix], headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/tracking/static/{name}")
def static(name: str) -> Response:
    path = STATIC / name
    if "/" in name or not path.is_file():
        raise NotFound("no such file")
    return FileResponse(path, media_type=VENDOR_TYPES.get(path.suffix, "application/octet-stream"))


def _int(value: str | None, field: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed.single(field, f"{field} must be a number") from None
    if not low <= number <= high:
        raise ValidationFailed.single(field, f"{field} must be between {low} and {high}")
    return number


@router.get("/tracking")
def overview(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        policy.require_view(pg.principal)
        return pg.render(
            "tracking/overview.html",
            countries=queries.idps_by_country(pg.db, actor=pg.principal),
            area_counts=queries.area_counts(pg.db, actor=pg.principal),
            imports=queries.imports(pg.db, actor=pg.principal, limit=10),
            sites=queries.sites(pg.db, actor=pg.principal),
            years=tracking_charts.incident_summary(pg.db, actor=pg.principal, by=SummaryBy.YEAR),
        )


@router.get("/tracking/locations")
def locations(request: Request) -> Response:
    q = request.query_params
    with state_of(request).page(request) as pg:
        level = _int(q.get("level"), "level", 0, 2)
        found = queries.areas(
            pg.db,
            actor=pg.principal,
            country=q.get("country") or None,
            level=level,
            parent=q.get("parent") or None,
            query=q.get("q") or None,
        )
        return pg.render(
            "tracking/locations.html",
            areas=found,
            country=q.get("country", ""),
            level=level,
            parent=q.get("parent", ""),
            q=q.get("q", ""),
            counts=queries.area_counts(pg.db, actor=pg.principal),
        )


def _render_sites(request: Request, failure: Failure | None = None) -> Response:
    with state_of(request).page(request) as pg:
        found = queries.sites(pg.db, actor=pg.principal)
        ops = [
            o
            for o in reg_queries.visible_operations(pg.db, actor=pg.principal)
            if pg.can(Permission.TRACKING_MANAGE, operation_id=o.id)
        ]
        if not found and not ops:
            policy.require_view(pg.principal)
        reg_sites = reg_queries.visible_sites(
            pg.db, actor=pg.principal, permission=Permission.TRACKING_MANAGE
        )
        return pg.render(
            "tracking/sites.html",
            status=422 if failure else 200,
            sites=found,
            operations=ops,
            registration_sites=reg_sites,
            kinds=SITE_KINDS,
            statuses=SITE_STATUSES,
            kind_choices=[(k, pg.gettext(v)) for k, v in SITE_KINDS.items()],
            status_choices=[(k, pg.gettext(v)) for k, v in SITE_STATUSES.items()],
            form=form_context(failure, "site"),
        )


@router.get("/tracking/sites")
def sites_page(request: Request) -> Response:
    return _render_sites(request)


def _add_site(pg: Page, form: FormData) -> str:
    values = {k: str(form.get(k) or "").strip() for k in (*SITE_FIELDS, "operation_id")}
    try:
        data = SiteCreate.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        errors = [FieldError(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in exc.errors()]
        raise ValidationFailed(errors) from None
    service.add_site(pg.db, actor=pg.principal, data=data)
    return "/tracking/sites"


@router.post("/tracking/sites")
async def add_site(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="site",
        work=lambda pg: _add_site(pg, form),
        to_input=plain_input((*SITE_FIELDS, "operation_id")),
        on_failure=lambda f: _render_sites(request, f),
    )


@router.get("/tracking/rounds")
def rounds_page(request: Request) -> Response:
    q = request.query_params
    with state_of(request).page(request) as pg:
        level = _int(q.get("level"), "level", 0, 2) or 0
        country = (q.get("country") or "").upper() or None
        figures = queries.rounds(pg.db, actor=pg.principal, country=country, admin_level=level)
        check = queries.additivity(pg.db, actor=pg.principal, country=country)
        countries = [c.country_iso3 for c in queries.idps_by_country(pg.db, actor=pg.principal)]
        national = [r for r in figures if r.admin_level == 0 and r.assessment_type == "BA"]
        longest = max(
            sorted({r.operation for r in national}),
            key=lambda o: sum(r.operation == o for r in national),
            default="",
        )
        series = [(f"{r.reporting_date:%Y-%m}", r.idps) for r in national if r.operation == longest]
        return pg.render(
            "tracking/rounds.html",
            figures=figures[:2000],
            total=len(figures),
            check=check,
            series=series if country else [],
            series_operation=longest,
            country=country or "",
            level=level,
            countries=countries,
            assessment_types=ASSESSMENT_TYPES,
        )


@router.get("/tracking/idps.{fmt}")
def idps_file(request: Request, fmt: str) -> Response:
    kinds = {"hapi": IdpFormat.HAPI, "hxl": IdpFormat.HXL, "csv": IdpFormat.CSV, "json": IdpFormat.JSON}
    if fmt not in kinds:
        raise NotFound("no such format")
    with state_of(request).page(request) as pg:
        text = tracking_charts.idps_export(pg.db, actor=pg.principal, fmt=kinds[fmt])
        audit.record(
            pg.db,
            actor=pg.principal,
            action="tracking.idps_downloaded",
            object_type="tracking",
            details={"format": fmt},
        )
    media = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    name = f"idps-{fmt}.{'json' if fmt == 'json' else 'csv'}"
    return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _summary_by(value: str | None) -> SummaryBy:
    try:
        return SummaryBy(value or "year")
    except ValueError:
        raise ValidationFailed.single("by", "year, route, region, country or cause") from None


@router.get("/tracking/incidents")
def incidents_page(request: Request) -> Response:
    q = request.query_params
    with state_of(request).page(request) as pg:
        by = _summary_by(q.get("by"))
        year = _int(q.get("year"), "year", 1990, 2100)
        total, recent = queries.incidents(pg.db, actor=pg.principal, year=year, limit=100)
        rows = tracking_charts.incident_summary(pg.db, actor=pg.principal, by=by)
        points = [(r["year"], r["dead_and_missing"]) for r in rows] if by is SummaryBy.YEAR else []
        return pg.render(
            "tracking/incidents.html",
            by=by.value,
            choices=SUMMARY_BY,
            year=year,
            total=total,
            rows=rows,
            recent=recent,
            year_points=points,
        )


@router.get("/tracking/incidents/summary.csv")
def incidents_csv(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        by = _summary_by(request.query_params.get("by"))
        rows = tracking_charts.incident_summary(pg.db, actor=pg.principal, by=by)
        audit.record(
            pg.db,
            actor=pg.principal,
            action="tracking.incidents_downloaded",
            object_type="tracking",
            details={"by": by.value},
        )
    text = queries.render(rows, [by.value, *queries.SUMMARY_COLUMNS], "csv")
    disposition = f'attachment; filename="incidents-by-{by.value}.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


@router.get("/tracking/map")
def map_page(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        policy.require_view(pg.principal)
        year = _int(request.query_params.get("year"), "year", 1990, 2100)
        return pg.render(
            "tracking/map.html",
            installed=libraries_installed(),
            year=year,
            countries=queries.idps_by_country(pg.db, actor=pg.principal),
        )


@router.get("/tracking/map/data.json")
def map_data(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        year = _int(request.query_params.get("year"), "year", 1990, 2100)
        layers = tracking_charts.map_layers(pg.db, actor=pg.principal, year=year)
    return JSONResponse(json.loads(json.dumps(layers, default=str)))


router.include_router(flows.router)
router.include_router(assessments.router)
router.include_router(downloads.router)
router.include_router(distress.router)
