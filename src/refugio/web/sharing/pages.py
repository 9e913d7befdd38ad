"""Sharing pages: a distribution key (parameters → table with provenance → sensitivity chart), pledges
(list, record, dated updates with evidence) and the indicator imports with what did not match.
Renders refugio.sharing's read models; must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.registration import queries as reg_queries
from refugio.security.permissions import Permission
from refugio.sharing import policy, queries, service
from refugio.sharing.schemas import (
    IndicatorTable,
    KeyResult,
    KeySpec,
    PledgeCreate,
    PledgeUpdateCreate,
    ProgressReport,
    Sensitivity,
)
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.sharing.labels import (
    KEY_INPUTS,
    PLEDGE_STATUS_LABELS,
    PLEDGE_TYPE_LABELS,
    PLEDGER_KIND_LABELS,
    VARY_LABELS,
)

router = APIRouter(include_in_schema=False)
KEY_FIELDS = ("key", "total", "cap", "year", "participants", "indicators_csv", "vary", "criterion", "values")
PLEDGE_FIELDS = (
    "pledger",
    "pledger_kind",
    "country",
    "pledge_type",
    "title",
    "description",
    "amount",
    "currency",
    "places",
    "pledged_on",
    "operation_id",
)
UPDATE_FIELDS = ("on_date", "status", "amount_delivered", "places_delivered", "evidence", "note")


def _text(form: FormData | Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str, name: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValidationFailed.single(name, "must be a number") from None


def _key_result(pg: Page, v: dict[str, str]) -> tuple[KeyResult, IndicatorTable, KeySpec]:
    spec = queries.resolve_key(v["key"] or "eu-2015-09")
    if v["cap"]:
        spec = spec.with_cap(_number(v["cap"], "cap", float))
    total = _number(v["total"] or "0", "total", int)
    if v["indicators_csv"]:
        table = queries.read_indicators_csv(v["indicators_csv"].encode(), "indicators")
        if v["participants"]:
            table = table.subset([p.strip().upper() for p in v["participants"].split(",")])
    else:
        if not v["year"]:
            raise ValidationFailed.single("year", "give the year of the imported indicators, or paste a CSV")
        table = queries.indicator_table(
            pg.db,
            year=_number(v["year"], "year", int),
            participants=v["participants"].split(","),
            actor=pg.principal,
        )
    return queries.compute_key(table, spec, total), table, spec


def _chart(result: Sensitivity) -> str:
    return base64.b64encode(queries.sensitivity_chart(result, "png")).decode()


def _keys_sync(request: Request, form: FormData | None) -> Response:
    web = state_of(request)
    values = {k: (_text(form, k) if form is not None else "") for k in KEY_FIELDS}
    values["key"] = values["key"] or "eu-2015-09"
    values["total"] = values["total"] or "1000"
    values["vary"] = values["vary"] or "drop"
    errors = forms.FormErrors()
    context: dict[str, Any] = {
        "result": None,
        "provenance": [],
        "sensitivity": None,
        "chart": "",
        "ledger": None,
    }
    status = 200
    with web.page(request) as pg:
        policy.require_view(pg.principal)
        if form is not None:
            pg.check_csrf(form)
            try:
                result, table, spec = _key_result(pg, values)
                years = [int(values["year"])] if values["year"].isdigit() else []
                rows = queries.ledger(pg.db, actor=pg.principal, result=result, resettlement_years=years)
                context.update(
                    result=result,
                    provenance=sorted(table.provenance.items()),
                    ledger=queries.ledger_table(rows, spec),
                )
                numbers = [_number(x, "values", float) for x in values["values"].split(",") if x.strip()]
                if values["vary"] != "drop" and not numbers:
                    numbers = [0.2, 0.3, 0.5] if values["vary"] == "weight" else [0, 0.3, 0.6]
                if values["vary"] == "weight" and not values["criterion"]:
                    values["criterion"] = spec.criteria[0].indicator
                sens = queries.analyse_sensitivity(
                    table,
                    spec,
                    result.total,
                    vary=values["vary"],
                    criterion=values["criterion"],
                    values=numbers,
                )
                context.update(sensitivity=sens, chart=_chart(sens))
            except ValidationFailed as exc:
                errors = forms.collect(exc.errors, lambda f: f if f in KEY_FIELDS else None)
                status = 422
        return pg.render(
            "sharing/keys.html",
            status=status,
            values=values,
            errors=errors,
            named=queries.NAMED_KEYS,
            years=queries.indicator_years(pg.db, actor=pg.principal).get("population", []),
            vary_labels=VARY_LABELS,
            inputs=KEY_INPUTS,
            indicators=queries.INDICATORS,
            **context,
        )


@router.get("/sharing")
def keys_page(request: Request) -> Response:
    return _keys_sync(request, None)


@router.post("/sharing")
async def keys_submit(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_keys_sync, request, form)


def _pledges_page(
    request: Request,
    *,
    errors: forms.FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        pledges = queries.list_pledges(pg.db, actor=pg.principal)
        return pg.render(
            "sharing/pledges.html",
            status=status,
            pledges=pledges,
            errors=errors or forms.FormErrors(),
            values=values or {},
            can_manage=pg.can_anywhere(Permission.SHARING_MANAGE),
            operations=[
                (str(o.id), f"{o.code} · {o.name}")
                for o in reg_queries.visible_operations(pg.db, actor=pg.principal)
            ],
            types=list(PLEDGE_TYPE_LABELS.items()),
            statuses=list(PLEDGE_STATUS_LABELS.items()),
            kinds=list(PLEDGER_KIND_LABELS.items()),
            type_labels=PLEDGE_TYPE_LABELS,
            status_labels=PLEDGE_STATUS_LABELS,
            done=request.query_params.get("done"),
        )


@router.get("/sharing/pledges")
def pledges_page(request: Request) -> Response:
    return _pledges_page(request)


def _save(request: Request, form: FormData, work: Any, fields: tuple[str, ...], prefix: str = "") -> Response:
    web = state_of(request)
    values = {k: _text(form, k) for k in fields}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            target = work(pg, forms.compact(values))
    except (ValidationFailed, Conflict) as exc:
        errs = getattr(exc, "errors", None) or [FieldError("", exc.message, "conflict")]
        collected = forms.collect(errs, lambda f: (prefix + f) if f in fields else None)
        return _pledges_page(
            request, errors=collected, values={prefix + k: v for k, v in values.items()}, status=422
        )
    return RedirectResponse(target, status_code=303)


@router.post("/sharing/pledges")
async def pledge_submit(request: Request) -> Response:
    form = await request.form()

    def work(pg: Page, data: dict[str, Any]) -> str:
        service.record_pledge(pg.db, data=forms.build(PledgeCreate, data, pg.t), actor=pg.principal)
        return "/sharing/pledges?done=recorded"

    return await run_in_threadpool(_save, request, form, work, PLEDGE_FIELDS)


@router.post("/sharing/pledges/{pledge_id}/updates")
async def pledge_update_submit(request: Request, pledge_id: str) -> Response:
    form = await request.form()
    pid: uuid.UUID = parse_uuid(pledge_id)

    def work(pg: Page, data: dict[str, Any]) -> str:
        service.update_pledge(
            pg.db, pledge_id=pid, data=forms.build(PledgeUpdateCreate, data, pg.t), actor=pg.principal
        )
        return "/sharing/pledges?done=updated"

    return await run_in_threadpool(_save, request, form, work, UPDATE_FIELDS, f"u{pid.hex[:8]}_")


@router.get("/sharing/indicators")
def indicators_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        imports = queries.list_imports(pg.db, actor=pg.principal)
        if imports is None:  # pragma: no cover - queries returns a list
            raise NotFound("no imports")
        return pg.render(
            "sharing/indicators.html",
            imports=imports,
            years=queries.indicator_years(pg.db, actor=pg.principal),
        )


@router.get("/sharing/funding")
def funding_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        plans = queries.list_plans(pg.db, actor=pg.principal)
        summaries = [queries.funding_summary(pg.db, p.id, actor=pg.principal) for p in plans]
        return pg.render("sharing/funding.html", summaries=summaries)


def _report(pg: Page, request: Request) -> ProgressReport:
    q = request.query_params
    try:
        as_of = dt.date.fromisoformat(q["as_of"]) if q.get("as_of") else clock.today()
    except ValueError:
        raise ValidationFailed.single("as_of", "give a date like 2026-11-01") from None
    return queries.progress_report(pg.db, actor=pg.principal, country=q.get("country") or None, as_of=as_of)


@router.get("/sharing/reports")
def report_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        report = _report(pg, request)
        framework = queries.framework("gcr")
        table = None
        if report.country:
            year = report.as_of.year
            values = queries.framework_values(
                pg.db, actor=pg.principal, framework=framework, country=report.country, year=year
            )
            table = queries.framework_table(values, framework, report.country, year)
        return pg.render(
            "sharing/report.html",
            report=report,
            framework=framework,
            framework_table=table,
            type_labels=PLEDGE_TYPE_LABELS,
            status_labels=PLEDGE_STATUS_LABELS,
            query=str(request.query_params),
        )


@router.get("/sharing/reports.pdf")
def report_pdf(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        report = _report(pg, request)
    name = f"progress-{report.country or 'all'}-{report.as_of.isoformat()}.pdf"
    return Response(
        queries.progress_report_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
