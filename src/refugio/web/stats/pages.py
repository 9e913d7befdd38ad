"""Statistics pages: the operation dashboard (key figures, population pyramid, arrivals over time, by site
and by origin, specific needs; every chart as PNG and SVG, every table as CSV, XLSX and HXL), the
factsheet PDF, and the global tables for a year. Everything shown has passed disclosure control
(refugio.stats); downloads are audited. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.core import clock
from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.registration import queries
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.stats import charts, dashboard, export, factsheet, global_tables
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.stats.tables import Table
from refugio.web.context import Page, state_of

router = APIRouter(include_in_schema=False)
FILE_FORMATS = {"csv": "csv", "xlsx": "xlsx", "hxl": "hxl"}


def _date(text: str | None) -> dt.date:
    if not text:
        return clock.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.single("date", "give a date like 2026-11-01", "bad_date") from None


def _operation(pg: Page, code: str | None) -> str:
    if not pg.can_anywhere(Permission.STATS_VIEW):
        raise PermissionDenied(f"{pg.principal.label} lacks {Permission.STATS_VIEW.value}")
    if code:
        return code
    ops = queries.visible_operations(pg.db, actor=pg.principal)
    if not ops:
        raise NotFound("no operation to show")
    return ops[0].code


def _board(pg: Page, request: Request) -> dashboard.Dashboard:
    """The dashboard's figures and tables for the query's operation, date and period (cached until a
    write changes what they show)."""
    q = request.query_params
    ref = _date(q.get("date"))
    period = q.get("period") or "month"
    if period not in ("day", "week", "month", "year"):
        raise ValidationFailed.single("period", "day, week, month or year")
    return dashboard.dashboard(
        pg.db,
        actor=pg.principal,
        operation=_operation(pg, q.get("operation")),
        reference=ref,
        period=period,  # type: ignore[arg-type]
        rule=DEFAULT_RULE,
    )


def _download(pg: Page, tables: list[Table], fmt: str, name: str) -> Response:
    if fmt not in FILE_FORMATS:
        raise NotFound("no such format")
    rendered = export.render(tables, export.check_format(FILE_FORMATS[fmt]))
    audit.record(
        pg.db,
        actor=pg.principal,
        action="stats.export",
        object_type="stats",
        object_id=name,
        details={"tables": [t.name for t in tables], "format": fmt, "rule": DEFAULT_RULE.id},
    )
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{rendered.extension}"',
            "X-Refugio-Disclosure-Rule": DEFAULT_RULE.id,
        },
    )


@router.get("/stats")
def dashboard_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        board = _board(pg, request)
        query = f"operation={board.operation_code}&date={board.reference.isoformat()}&period={board.period}"
        response = pg.render(
            "stats/dashboard.html",
            operation={"code": board.operation_code, "name": board.operation_name},
            operations=queries.visible_operations(pg.db, actor=pg.principal),
            reference=board.reference,
            figures=board.figures,
            tables=board.tables,
            titles={k: t.translated_title(pg.t.translations.gettext) for k, t in board.tables.items()},
            chart_names=charts.CHARTS,
            query=query,
            rule=DEFAULT_RULE,
        )
        # the charts, drawn once from the board's tables while the page travels (after it is rendered)
        dashboard.draw_later(
            board, language=pg.t.code, gettext=pg.t.translations.gettext, direction=pg.t.direction
        )
        return response


@router.get("/stats/charts/{name}.{ext}")
def chart(request: Request, name: str, ext: str) -> Response:
    if name not in charts.CHARTS or ext not in charts.MEDIA_TYPES:
        raise NotFound("no such chart")
    web = state_of(request)
    with web.page(request) as pg:
        board = _board(pg, request)
        translator = pg.t
        image = dashboard.chart(
            board,
            name,
            ext,  # type: ignore[arg-type]
            language=translator.code,
            gettext=translator.translations.gettext,
            direction=translator.direction,
            narrow=request.query_params.get("size") == "narrow",
        )
    return Response(
        image,
        media_type=charts.MEDIA_TYPES[ext],
        headers={"X-Refugio-Disclosure-Rule": DEFAULT_RULE.id, "Cache-Control": "private, no-cache"},
    )


@router.get("/stats/tables/{name}.{fmt}")
def table_file(request: Request, name: str, fmt: str) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        board = _board(pg, request)
        tables = board.tables
        chosen = list(tables.values()) if name == "all" else [tables[name]] if name in tables else None
        if chosen is None:
            raise NotFound("no such table")
        return _download(pg, chosen, fmt, f"{board.operation_code}-{name}-{board.reference.isoformat()}")


@router.get("/stats/factsheet.pdf")
def factsheet_pdf(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        board = _board(pg, request)
        code, ref = board.operation_code, board.reference
        pdf = factsheet.render(
            operation=f"{code} {board.operation_name}",
            reference=ref,
            figures=board.figures,
            tables=board.tables,
        )
        audit.record(
            pg.db,
            actor=pg.principal,
            action="stats.export",
            object_type="stats",
            object_id=code,
            details={"tables": ["factsheet"], "format": "pdf", "rule": DEFAULT_RULE.id},
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="factsheet-{code}-{ref}.pdf"'},
    )


def _global(pg: Page, request: Request) -> tuple[int, list[int], list[Table]]:
    if not pg.can_anywhere(Permission.STATS_VIEW):
        raise PermissionDenied(f"{pg.principal.label} lacks {Permission.STATS_VIEW.value}")
    years = global_tables.available_years(pg.db)
    text = request.query_params.get("year") or request.path_params.get("year")
    try:
        year = (
            int(text)
            if text
            else (years[-2] if len(years) > 1 else years[-1] if years else clock.today().year)
        )
    except ValueError:
        raise ValidationFailed.single("year", "give a year such as 2024") from None
    top_text = request.query_params.get("top") or "10"
    top = int(top_text) if top_text.isdigit() else 10
    if not years:
        return year, years, []
    return (
        year,
        years,
        global_tables.global_tables(pg.db, actor=pg.principal, year=year, rule=DEFAULT_RULE, top=top),
    )


@router.get("/stats/global")
def global_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        year, years, tables = _global(pg, request)
        titles = [t.translated_title(pg.t.translations.gettext) for t in tables]
        return pg.render(
            "stats/global.html", year=year, years=years, tables=tables, titles=titles, rule=DEFAULT_RULE
        )


@router.get("/stats/global/{year}.{fmt}")
def global_file(request: Request, year: int, fmt: str) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        _year, _years, tables = _global(pg, request)
        name = request.query_params.get("table")
        chosen = [t for t in tables if name in (None, t.name)]
        if not chosen:
            raise NotFound("no such table")
        return _download(pg, chosen, fmt, f"global-{year}" + (f"-{name}" if name else ""))
