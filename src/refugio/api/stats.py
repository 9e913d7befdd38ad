"""Statistics: the global tables for a year, an operation's tables and full disaggregation, key figures,
charts (PNG/SVG), the factsheet (PDF) and k-anonymous extracts. Everything has passed disclosure
control; each file names its rule (header `X-Refugio-Disclosure-Rule`, and inside the file).
Permission: STATS_VIEW (checked by refugio.stats). Exports are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.core import clock
from refugio.core.errors import ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.stats import aggregates, charts, export, factsheet, global_tables, microdata, registrations
from refugio.stats.brackets import AgeBrackets
from refugio.stats.disclosure import DisclosureRule
from refugio.stats.tables import Table

router = APIRouter(prefix="/stats", tags=["statistics"], responses=responses(401, 403, 404, 422))

FileFormat = Literal["json", "csv", "hxl", "xlsx"]
PeriodName = Literal["day", "week", "month", "year"]


def _rule(threshold: int, sensitive_threshold: int, method: str, k: int = 5) -> DisclosureRule:
    return DisclosureRule.build(
        threshold=threshold, sensitive_threshold=sensitive_threshold, method=method, k=k
    )


Threshold = Annotated[int, Query(ge=2, le=100, description="Counts from 1 to threshold-1 are suppressed.")]
Sensitive = Annotated[int, Query(ge=2, le=1000, description="Threshold for SGBV, torture and the like.")]
Method = Annotated[Literal["suppress", "round"], Query(description="Placeholder, or rounding to 5.")]


def _file(tables: list[Table], fmt: FileFormat, name: str, session: Db, actor: Principal) -> Response:
    audit.record(
        session,
        actor=actor,
        action="stats.export",
        object_type="stats",
        object_id=name,
        details={
            "tables": [t.name for t in tables],
            "format": fmt,
            "rule": tables[0].rule.id if tables else None,
        },
    )
    rule = tables[0].rule.id if tables else ""
    if fmt == "json":
        return JSONResponse(
            {"tables": [t.as_dict() for t in tables]}, headers={"X-Refugio-Disclosure-Rule": rule}
        )
    rendered = export.render(tables, fmt)
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{rendered.extension}"',
            "X-Refugio-Disclosure-Rule": rule,
        },
    )


def _reference(date: dt.date | None) -> dt.date:
    return date or clock.today()


@router.get("/global/{year}", summary="The standard global tables for a year (aggregate statistics)")
def global_for_year(
    year: Annotated[int, Path(ge=1900, le=2100, description="A year such as 2024.")],
    session: Db,
    principal: Caller,
    table: Annotated[list[str] | None, Query(description="Only these tables.")] = None,
    top: Annotated[int, Query(ge=0, le=1000, description="Top N countries (0: all).")] = 10,
    format: FileFormat = "json",
    threshold: Threshold = 5,
    sensitive_threshold: Sensitive = 10,
    method: Method = "suppress",
) -> Response:
    rule = _rule(threshold, sensitive_threshold, method)
    tables = global_tables.global_tables(session, actor=principal, year=year, rule=rule, top=top, only=table)
    return _file(tables, format, f"global-{year}", session, principal)


@router.get("/imports", summary="The log of aggregate-statistics imports")
def imports(session: Db, principal: Caller) -> list[dict[str, Any]]:
    return [
        {
            "id": str(r.id),
            "dataset": r.dataset,
            "file_name": r.file_name,
            "sha256": r.sha256,
            "rows_read": r.rows_read,
            "rows_loaded": r.rows_loaded,
            "rows_rejected": r.rows_rejected,
            "imported_at": r.imported_at.isoformat(),
            "imported_by": r.imported_by,
            "current": r.current,
        }
        for r in aggregates.list_imports(session, actor=principal)
    ]


@router.get("/operations/{operation}/tables", summary="An operation's standard tables from registrations")
def operation_tables(
    operation: str,
    session: Db,
    principal: Caller,
    date: dt.date | None = None,
    site: str | None = None,
    table: Annotated[list[str] | None, Query(description="Only these tables.")] = None,
    period: PeriodName = "month",
    brackets: str | None = None,
    format: FileFormat = "json",
    threshold: Threshold = 5,
    sensitive_threshold: Sensitive = 10,
    method: Method = "suppress",
) -> Response:
    rule = _rule(threshold, sensitive_threshold, method)
    wanted = table or list(registrations.TABLE_NAMES)
    unknown = [t for t in wanted if t not in registrations.TABLE_NAMES]
    if unknown:
        raise ValidationFailed.single(
            "table", f"unknown table {unknown[0]!r}; one of: {', '.join(registrations.TABLE_NAMES)}"
        )
    ages = AgeBrackets.parse(brackets)
    pop = registrations.load_population(session, actor=principal, operation=operation, site=site)
    tables = registrations.standard_tables(
        session,
        actor=principal,
        population=pop,
        reference=_reference(date),
        rule=rule,
        brackets=ages,
        period=period,
    )
    return _file([tables[t] for t in wanted], format, f"{pop.operation.code}-tables", session, principal)


@router.get(
    "/operations/{operation}/disaggregation",
    summary="Full disaggregation of registered people (one row per non-empty combination)",
)
def operation_disaggregation(
    operation: str,
    session: Db,
    principal: Caller,
    by: str = "sex,age,population_type,origin,site,period",
    date: dt.date | None = None,
    basis: Literal["stock", "arrivals", "registrations"] = "stock",
    period: PeriodName = "month",
    brackets: str | None = None,
    site: str | None = None,
    format: FileFormat = "json",
    threshold: Threshold = 5,
    sensitive_threshold: Sensitive = 10,
    method: Method = "suppress",
) -> Response:
    rule = _rule(threshold, sensitive_threshold, method)
    ages = AgeBrackets.parse(brackets)
    pop = registrations.load_population(session, actor=principal, operation=operation, site=site)
    table = registrations.disaggregation(
        pop,
        dims=[d.strip() for d in by.split(",") if d.strip()],
        reference=_reference(date),
        rule=rule,
        brackets=ages,
        basis=basis,
        period=period,
    )
    return _file([table], format, f"{pop.operation.code}-disaggregation", session, principal)


@router.get("/operations/{operation}/key-figures", summary="Headline figures (after disclosure control)")
def operation_key_figures(
    operation: str, session: Db, principal: Caller, date: dt.date | None = None, site: str | None = None
) -> dict[str, Any]:
    from refugio.stats.disclosure import DEFAULT_RULE

    pop = registrations.load_population(session, actor=principal, operation=operation, site=site)
    f = registrations.key_figures(
        session, actor=principal, population=pop, reference=_reference(date), rule=DEFAULT_RULE
    )
    return {
        "operation": pop.operation.code,
        "reference_date": f.reference.isoformat(),
        "people": f.people,
        "households": f.households,
        "female_pct": f.female_pct,
        "children_pct": f.children_pct,
        "arrivals_7_days": f.arrivals_7_days,
        "arrivals_30_days": f.arrivals_30_days,
        "disclosure_rule": DEFAULT_RULE.id,
    }


@router.get(
    "/operations/{operation}/charts/{name}.{ext}",
    summary="A chart (pyramid, arrivals, by-site, by-origin) as PNG or SVG",
    response_class=Response,
)
def operation_chart(
    operation: str,
    name: charts.ChartName,
    ext: Literal["png", "svg"],
    session: Db,
    principal: Caller,
    date: dt.date | None = None,
    period: PeriodName = "month",
) -> Response:
    from refugio.stats.disclosure import DEFAULT_RULE

    if name not in charts.CHARTS:
        raise ValidationFailed.single("name", f"unknown chart {name!r}; one of: {', '.join(charts.CHARTS)}")
    pop = registrations.load_population(session, actor=principal, operation=operation)
    tables = registrations.standard_tables(
        session, actor=principal, population=pop, reference=_reference(date), rule=DEFAULT_RULE, period=period
    )
    return Response(
        charts.render(tables[name], name, ext),
        media_type=charts.MEDIA_TYPES[ext],
        headers={"X-Refugio-Disclosure-Rule": DEFAULT_RULE.id},
    )


@router.get(
    "/operations/{operation}/factsheet.pdf",
    summary="The printable population factsheet of an operation on a date",
    response_class=Response,
)
def operation_factsheet(
    operation: str, session: Db, principal: Caller, date: dt.date | None = None
) -> Response:
    from refugio.stats.disclosure import DEFAULT_RULE

    ref = _reference(date)
    pop = registrations.load_population(session, actor=principal, operation=operation)
    tables = registrations.standard_tables(
        session, actor=principal, population=pop, reference=ref, rule=DEFAULT_RULE
    )
    figures = registrations.key_figures(
        session, actor=principal, population=pop, reference=ref, rule=DEFAULT_RULE
    )
    pdf = factsheet.render(
        operation=f"{pop.operation.code} {pop.operation.name}", reference=ref, figures=figures, tables=tables
    )
    audit.record(
        session,
        actor=principal,
        action="stats.export",
        object_type="stats",
        object_id=pop.operation.code,
        details={"tables": ["factsheet"], "format": "pdf", "rule": DEFAULT_RULE.id},
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="factsheet-{pop.operation.code}-{ref}.pdf"',
            "X-Refugio-Disclosure-Rule": DEFAULT_RULE.id,
        },
    )


class MicrodataRequest(BaseModel):
    fields: list[str] = Field(
        min_length=1,
        max_length=7,
        description="Any of sex, age_bracket, population_type, country_of_origin, site, arrival_year, "
        "arrival_month. Every field is a quasi-identifier.",
    )
    k: int = Field(default=5, ge=2, le=1000)
    date: dt.date | None = None
    format: Literal["json", "csv", "hxl", "xlsx"] = "hxl"


@router.post(
    "/operations/{operation}/microdata",
    summary="A k-anonymous record-level extract; 422 with the reason when k-anonymity fails",
)
def operation_microdata(operation: str, data: MicrodataRequest, session: Db, principal: Caller) -> Response:
    rule = _rule(5, 10, "suppress", data.k)
    pop = registrations.load_population(session, actor=principal, operation=operation)
    table = microdata.extract(
        session,
        actor=principal,
        population=pop,
        fields=data.fields,
        reference=_reference(data.date),
        rule=rule,
    )
    return _file([table], data.format, f"{pop.operation.code}-microdata", session, principal)
