"""Responsibility sharing under /api/v1/sharing: named keys, computing a key (with the indicators in the
body or from imported data of a year), its sensitivity and chart, indicator values, pledges and their
updates, and the key-vs-pledge-vs-fulfilment ledger (disclosure control applied to the UNHCR counts).
Permissions SHARING_VIEW / SHARING_MANAGE, checked by refugio.sharing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.core.errors import ValidationFailed
from refugio.security.principals import Principal
from refugio.sharing import policy, queries, service
from refugio.sharing.schemas import (
    ContributionCreate,
    ContributionRead,
    FundingSummary,
    IndicatorImportRead,
    IndicatorTable,
    IndicatorValueRead,
    KeySpec,
    PlanCreate,
    PlanRead,
    PledgeCreate,
    PledgeRead,
    PledgeUpdateCreate,
    PledgeUpdateRead,
    ProgressReport,
    RequirementRead,
    RequirementSet,
)
from refugio.stats.disclosure import DisclosureRule

router = APIRouter(prefix="/sharing", tags=["sharing"], responses=responses(401, 403, 404, 422))


class IndicatorRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(min_length=3, max_length=3)
    population: float | None = None
    gdp: float | None = None
    unemployment_rate: float | None = None
    asylum_per_million: float | None = None


class KeyRequest(BaseModel):
    """A named key (`key`) or a YAML key (`key_yaml`), the total, and the indicators: rows in the body,
    or the imported data of `year` for `participants`."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = None
    key_yaml: str | None = Field(default=None, max_length=20_000)
    total: int = Field(ge=0, le=1_000_000_000)
    cap: float | None = Field(default=None, gt=0)
    indicators: list[IndicatorRow] | None = Field(default=None, max_length=500)
    year: int | None = None
    participants: list[str] | None = Field(default=None, max_length=500)


class SensitivityRequest(KeyRequest):
    vary: Literal["weight", "cap", "drop"]
    criterion: str = ""
    values: list[float] = Field(default_factory=list, max_length=200)


class KeyRowOut(BaseModel):
    country: str
    share: float
    allocation: int


class KeyOut(BaseModel):
    key: str
    title: str
    source: str
    cap: float | None
    total: int
    rows: list[KeyRowOut]
    provenance: list[dict[str, Any]]


def _spec(body: KeyRequest) -> KeySpec:
    if bool(body.key) == bool(body.key_yaml):
        raise ValidationFailed.single("key", "give either key (a named key) or key_yaml")
    if body.key:
        if body.key not in queries.NAMED_KEYS:
            raise ValidationFailed.single("key", f"unknown key; one of {', '.join(queries.NAMED_KEYS)}")
        spec = queries.NAMED_KEYS[body.key]
    else:
        spec = queries.parse_key(body.key_yaml or "", where="key_yaml")
    return spec.with_cap(body.cap) if body.cap is not None else spec


def _table(body: KeyRequest, session: Db, actor: Principal) -> IndicatorTable:
    if body.indicators is not None:
        if body.year is not None:
            raise ValidationFailed.single("year", "give either indicators or year and participants")
        rows = {r.country.upper(): r.model_dump(exclude={"country"}) for r in body.indicators}
        if len(rows) != len(body.indicators):
            raise ValidationFailed.single("indicators", "a country is listed twice")
        table = queries.table_from_rows(rows, "request body")
        return table.subset(body.participants) if body.participants else table
    if body.year is None or not body.participants:
        raise ValidationFailed.single("indicators", "give indicators, or year and participants")
    return queries.indicator_table(session, year=body.year, participants=body.participants, actor=actor)


@router.get("/keys")
def named_keys(actor: Caller) -> list[dict[str, Any]]:
    """The named keys with their criteria and sources."""
    policy.require_view(actor)
    return [
        {
            "name": k.name,
            "version": k.version,
            "title": k.title,
            "source": k.source,
            "cap": k.cap,
            "criteria": [c.__dict__ for c in k.criteria],
        }
        for k in queries.NAMED_KEYS.values()
    ]


@router.post("/keys/compute")
def compute_key(body: KeyRequest, session: Db, actor: Caller) -> KeyOut:
    """Shares and whole allocations summing exactly to `total`."""
    policy.require_view(actor)
    spec = _spec(body)
    table = _table(body, session, actor)
    result = queries.compute_key(table, spec, body.total)
    return KeyOut(
        key=spec.label,
        title=spec.title,
        source=spec.source,
        cap=spec.cap,
        total=result.total,
        rows=[KeyRowOut(country=c, share=s, allocation=a) for c, s, a in result.rows()],
        provenance=[
            {"country": c, "indicator": i, **p.__dict__} for (c, i), p in sorted(table.provenance.items())
        ],
    )


@router.post("/keys/sensitivity")
def key_sensitivity(
    body: SensitivityRequest,
    session: Db,
    actor: Caller,
    chart: Annotated[Literal["png", "svg"] | None, Query(description="Return the chart instead.")] = None,
) -> Any:
    """Allocations under each scenario and the change against the key as it stands."""
    policy.require_view(actor)
    result = queries.analyse_sensitivity(
        _table(body, session, actor),
        _spec(body),
        body.total,
        vary=body.vary,
        criterion=body.criterion,
        values=body.values,
    )
    if chart:
        return Response(
            queries.sensitivity_chart(result, chart),
            media_type=queries.CHART_MEDIA_TYPES[chart],
        )
    return {
        "key": result.key.label,
        "vary": result.vary,
        "countries": result.countries,
        "base": result.base,
        "scenarios": [s.__dict__ for s in result.scenarios],
        "extremes": [
            {"country": c, "largest_loss": lo, "largest_gain": hi} for c, lo, hi in result.extremes()
        ],
    }


@router.get("/indicators")
def indicator_values(
    session: Db, actor: Caller, year: int, indicator: str | None = None
) -> list[IndicatorValueRead]:
    """Indicator values of a year with their provenance."""
    return queries.indicator_values(session, actor=actor, indicator=indicator, year=year)


@router.get("/indicators/imports")
def indicator_imports(session: Db, actor: Caller) -> list[IndicatorImportRead]:
    """Imports with their reports (codes not matched, missing values)."""
    return queries.list_imports(session, actor=actor)


@router.get("/pledges")
def list_pledges(
    session: Db,
    actor: Caller,
    country: str | None = None,
    pledge_type: str | None = None,
    status: str | None = None,
) -> list[PledgeRead]:
    return queries.list_pledges(session, actor=actor, country=country, pledge_type=pledge_type, status=status)


@router.post("/pledges", status_code=201)
def record_pledge(body: PledgeCreate, session: Db, actor: Caller) -> PledgeRead:
    pledge = service.record_pledge(session, data=body, actor=actor)
    return queries.get_pledge(session, pledge.id, actor=actor)


@router.get("/pledges/{pledge_id}")
def get_pledge(pledge_id: str, session: Db, actor: Caller) -> PledgeRead:
    return queries.get_pledge(session, parse_id(pledge_id, "pledge"), actor=actor)


@router.post("/pledges/{pledge_id}/updates", status_code=201)
def update_pledge(pledge_id: str, body: PledgeUpdateCreate, session: Db, actor: Caller) -> PledgeUpdateRead:
    pid: uuid.UUID = parse_id(pledge_id, "pledge")
    return service.update_pledge(session, pledge_id=pid, data=body, actor=actor)


@router.post("/ledger")
def ledger(
    body: KeyRequest,
    session: Db,
    actor: Caller,
    resettled_from: int | None = None,
    resettled_to: int | None = None,
) -> dict[str, Any]:
    """Key vs pledge vs fulfilment (places) per State; UNHCR resettlement over the years given counts
    as fulfilment. Published through disclosure control."""
    policy.require_view(actor)
    result = queries.compute_key(_table(body, session, actor), _spec(body), body.total)
    years = list(range(resettled_from, (resettled_to or resettled_from) + 1)) if resettled_from else []
    rows = queries.ledger(session, actor=actor, result=result, resettlement_years=years)
    return queries.ledger_table(rows, result.key, DisclosureRule()).as_dict()


@router.get("/funding/plans")
def list_plans(session: Db, actor: Caller) -> list[PlanRead]:
    return queries.list_plans(session, actor=actor)


@router.post("/funding/plans", status_code=201)
def create_plan(body: PlanCreate, session: Db, actor: Caller) -> PlanRead:
    return service.create_plan(session, data=body, actor=actor)


class FundingOut(BaseModel):
    summary: FundingSummary
    gap: str
    coverage: float | None
    sectors: list[dict[str, Any]]


@router.get("/funding/plans/{plan_id}")
def plan_summary(plan_id: str, session: Db, actor: Caller) -> FundingOut:
    """Required, funded and the gap, by sector, by donor and cumulated by month."""
    f = queries.funding_summary(session, parse_id(plan_id, "response plan"), actor=actor)
    return FundingOut(
        summary=f,
        gap=str(f.gap),
        coverage=f.coverage,
        sectors=[{"sector": r.sector, "gap": str(r.gap), "coverage": r.coverage} for r in f.sectors],
    )


@router.put("/funding/plans/{plan_id}/requirements")
def set_requirement(plan_id: str, body: RequirementSet, session: Db, actor: Caller) -> RequirementRead:
    return service.set_requirement(
        session, plan_id=parse_id(plan_id, "response plan"), data=body, actor=actor
    )


@router.post("/funding/plans/{plan_id}/contributions", status_code=201)
def record_contribution(
    plan_id: str, body: ContributionCreate, session: Db, actor: Caller
) -> ContributionRead:
    return service.record_contribution(
        session, plan_id=parse_id(plan_id, "response plan"), data=body, actor=actor
    )


@router.get("/reports")
def progress_report(session: Db, actor: Caller, as_of: dt.date, country: str | None = None) -> ProgressReport:
    """The progress report of a State (ISO3) or overall, as of a date."""
    return queries.progress_report(session, actor=actor, country=country, as_of=as_of)


@router.get("/reports.pdf", response_class=Response)
def progress_report_pdf(session: Db, actor: Caller, as_of: dt.date, country: str | None = None) -> Response:
    report = queries.progress_report(session, actor=actor, country=country, as_of=as_of)
    return Response(queries.progress_report_pdf(report), media_type="application/pdf")


@router.get("/frameworks/{name}/values", responses=responses(404))
def framework_values(
    name: Annotated[str, Path(json_schema_extra={"enum": queries.named_frameworks()})],
    session: Db,
    actor: Caller,
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 code of the State.")],
    year: Annotated[int, Query(ge=1990, le=2100, description="A year of the indicator values.")],
) -> dict[str, Any]:
    """The values of an indicator framework (`gcr`) for a State and year, with their sources, as a
    published table (counts of people pass disclosure control). 404 for a framework not shipped."""
    chosen = queries.named_framework(name)
    values = queries.framework_values(session, actor=actor, framework=chosen, country=country, year=year)
    return queries.framework_table(values, chosen, country.upper(), year, DisclosureRule()).as_dict()
