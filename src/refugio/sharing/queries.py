"""Reads of the sharing domain: pledges (scoped, see policy), indicator values and imports, the
indicator table a key runs on (from imported data of one year), and the key-vs-pledge-vs-fulfilment
ledger. Tables that leave the system pass disclosure control (refugio.stats.tables.measure_table).
Imports SQLAlchemy, refugio.stats (queries, tables, disclosure), security and core.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.security.principals import Principal
from refugio.sharing import frameworks_data, funding, key_files, keys, policy, reports, sensitivity
from refugio.sharing.enums import Indicator, PledgeType
from refugio.sharing.frameworks_data import Framework, FrameworkValue
from refugio.sharing.keys import IndicatorTable, KeyResult, KeySpec, Provenance
from refugio.sharing.models import SharingIndicatorImport, SharingIndicatorValue, SharingPledge
from refugio.sharing.schemas import (
    FundingSummary,
    IndicatorImportRead,
    IndicatorValueRead,
    LedgerRow,
    PlanRead,
    PledgeRead,
    ProgressReport,
)
from refugio.sharing.sensitivity import Sensitivity
from refugio.stats import queries as stats_queries
from refugio.stats.disclosure import DisclosureRule
from refugio.stats.tables import Column, Rate, Table, measure_table

KEY_INDICATORS = (
    Indicator.POPULATION,
    Indicator.GDP,
    Indicator.UNEMPLOYMENT_RATE,
    Indicator.ASYLUM_PER_MILLION,
)


def list_pledges(
    session: Session,
    *,
    actor: Principal,
    country: str | None = None,
    pledge_type: str | None = None,
    status: str | None = None,
    operation_id: uuid.UUID | None = None,
) -> list[PledgeRead]:
    policy.require_view(actor)
    stmt = (
        select(SharingPledge)
        .options(selectinload(SharingPledge.updates))
        .where(policy.pledge_clause(actor, SharingPledge.operation_id))
        .order_by(SharingPledge.pledged_on.desc(), SharingPledge.ref)
    )
    if country:
        stmt = stmt.where(SharingPledge.country == country.upper())
    if pledge_type:
        stmt = stmt.where(SharingPledge.pledge_type == pledge_type)
    if status:
        stmt = stmt.where(SharingPledge.status == status)
    if operation_id:
        stmt = stmt.where(SharingPledge.operation_id == operation_id)
    return [PledgeRead.model_validate(p) for p in session.scalars(stmt)]


def get_pledge(session: Session, pledge_id: uuid.UUID, *, actor: Principal) -> PledgeRead:
    policy.require_view(actor)
    row = session.scalar(
        select(SharingPledge)
        .options(selectinload(SharingPledge.updates))
        .where(SharingPledge.id == pledge_id, policy.pledge_clause(actor, SharingPledge.operation_id))
    )
    if row is None:
        raise NotFound("no such pledge")
    return PledgeRead.model_validate(row)


def indicator_values(
    session: Session, *, actor: Principal, indicator: str | None = None, year: int | None = None
) -> list[IndicatorValueRead]:
    policy.require_view(actor)
    V = SharingIndicatorValue
    stmt = select(V).order_by(V.indicator, V.year, V.country)
    if indicator:
        stmt = stmt.where(V.indicator == indicator)
    if year:
        stmt = stmt.where(V.year == year)
    return [
        IndicatorValueRead(
            indicator=v.indicator,
            country=v.country,
            year=v.year,
            value=v.value,
            source=v.source,
            retrieved=v.retrieved,
            transformation=v.transformation,
        )
        for v in session.scalars(stmt.limit(100_000))
    ]


def indicator_years(session: Session, *, actor: Principal) -> dict[str, list[int]]:
    policy.require_view(actor)
    V = SharingIndicatorValue
    out: dict[str, list[int]] = {}
    for ind, year in session.execute(select(V.indicator, V.year).distinct().order_by(V.indicator, V.year)):
        out.setdefault(ind, []).append(int(year))
    return out


def list_imports(session: Session, *, actor: Principal) -> list[IndicatorImportRead]:
    policy.require_view(actor)
    rows = session.scalars(select(SharingIndicatorImport).order_by(SharingIndicatorImport.imported_at.desc()))
    return [IndicatorImportRead.model_validate(r) for r in rows]


def indicator_table(
    session: Session, *, year: int, participants: Sequence[str], actor: Principal
) -> IndicatorTable:
    """The key indicators of `year` for `participants` (ISO3) from the imported values, with their
    provenance. A participant with no value at all is an error; a missing indicator stays NaN (the key
    names it when it needs it)."""
    policy.require_view(actor)
    wanted = [p.strip().upper() for p in participants if p.strip()]
    if not wanted:
        raise ValidationFailed.single("participants", "give at least one participant (ISO3 codes)")
    V = SharingIndicatorValue
    rows = session.scalars(
        select(V).where(
            V.year == year, V.country.in_(wanted), V.indicator.in_([i.value for i in KEY_INDICATORS])
        )
    )
    data: dict[str, dict[str, float | None]] = {p: {i.value: None for i in KEY_INDICATORS} for p in wanted}
    provenance: dict[tuple[str, str], Provenance] = {}
    seen: set[str] = set()
    for v in rows:
        data[v.country][v.indicator] = v.value
        provenance[(v.country, v.indicator)] = Provenance(v.source, v.year, v.retrieved, v.transformation)
        seen.add(v.country)
    nodata = [p for p in wanted if p not in seen]
    if nodata:
        raise ValidationFailed(
            [FieldError("participants", f"{p}: no imported data for {year}", "no_data") for p in nodata]
        )
    table = IndicatorTable.from_rows(data, provenance)
    return table.subset(wanted)


def pledged_places(session: Session, *, actor: Principal) -> dict[str, tuple[int, int]]:
    """Places pledged and delivered per State (ISO3) over the pledges `actor` may see."""
    out: dict[str, tuple[int, int]] = {}
    for p in list_pledges(session, actor=actor, pledge_type=PledgeType.PLACES.value):
        if not p.country:
            continue
        pledged, delivered = out.get(p.country, (0, 0))
        out[p.country] = (pledged + (p.places or 0), delivered + p.delivered_places)
    return out


def resettled(session: Session, *, years: Sequence[int]) -> dict[str, int]:
    """UNHCR resettlement arrivals per country of resettlement (ISO3) over `years`."""
    to_iso = {c.unhcr_code: c.iso3 for c in stats_queries.countries(session)}
    out: dict[str, int] = {}
    for coa, n in stats_queries.resettlement_arrivals(session, years=years).items():
        iso = to_iso.get(coa)
        if iso:
            out[iso] = out.get(iso, 0) + n
    return out


def ledger(
    session: Session, *, actor: Principal, result: KeyResult, resettlement_years: Sequence[int] = ()
) -> list[LedgerRow]:
    """Key vs pledge vs fulfilment (places) per State of the key's result."""
    places = pledged_places(session, actor=actor)
    arrived = resettled(session, years=resettlement_years) if resettlement_years else {}
    return [
        LedgerRow(
            country=country,
            key_share=share,
            fair_share=alloc,
            pledged=places.get(country, (0, 0))[0],
            delivered=places.get(country, (0, 0))[1],
            resettled=arrived.get(country) if resettlement_years else None,
        )
        for country, share, alloc in result.rows()
    ]


def ledger_table(rows: Sequence[LedgerRow], spec: KeySpec, rule: DisclosureRule | None = None) -> Table:
    """The ledger as a published table: the UNHCR resettlement counts pass primary suppression; the
    key's fair shares are quotas, not counts of people, and are shown whole."""
    data: list[tuple[Sequence[Any], dict[str, int | Rate | None]]] = [
        (
            [r.country],
            {
                "share": None,
                "fair_share": None,
                "pledged": None,
                "delivered": None,
                "resettled": r.resettled,
            },
        )
        for r in rows
    ]
    table = measure_table(
        name="sharing-ledger",
        title=f"Key vs pledge vs fulfilment (places), key {spec.label}",
        labels=[Column("country", "Country", "#country+code", "label")],
        measures=[
            Column("share", "Key share", "#indicator+share", "rate"),
            Column("fair_share", "Fair share (places)", "#indicator+fair_share", "text"),
            Column("pledged", "Places pledged", "#indicator+pledged", "text"),
            Column("delivered", "Places delivered", "#indicator+delivered", "text"),
            Column("resettled", "Resettled (UNHCR)", "#affected+resettled"),
        ],
        rows=data,
        rule=rule or DisclosureRule(),
        source=f"refugio sharing; {spec.source}; UNHCR resettlement statistics",
    )
    for i, r in enumerate(rows):
        table.rows[i][1:5] = [round(r.key_share, 6), r.fair_share, r.pledged, r.delivered]
    return table


def pledge_count(session: Session, *, actor: Principal) -> int:
    policy.require_view(actor)
    return int(
        session.scalar(
            select(func.count())
            .select_from(SharingPledge)
            .where(policy.pledge_clause(actor, SharingPledge.operation_id))
        )
        or 0
    )


# --- the pure key functions, for the channels (which read the domain through queries only) ----------

NAMED_KEYS = keys.NAMED_KEYS
INDICATORS = keys.INDICATORS


def compute_key(table: IndicatorTable, spec: KeySpec, total: int) -> KeyResult:
    """The key's shares and whole allocations of `total` (refugio.sharing.keys.compute)."""
    return keys.compute(table, spec, total)


def resolve_key(name_or_path: str) -> KeySpec:
    """A named key or a YAML key file."""
    return key_files.resolve_key(name_or_path)


def parse_key(text: str, where: str = "key") -> KeySpec:
    """A key written in YAML (unknown fields refused, weights summing to one)."""
    return key_files.parse_key(text, where=where)


def read_indicators_csv(data: bytes, name: str) -> IndicatorTable:
    return key_files.read_indicators_csv(data, name)


def table_from_rows(rows: dict[str, dict[str, float | None]], source: str) -> IndicatorTable:
    """An indicator table from values given by the caller, every value's provenance `source`."""
    return IndicatorTable.from_rows(rows, {(c, i): Provenance(source) for c in rows for i in keys.INDICATORS})


def analyse_sensitivity(
    table: IndicatorTable,
    spec: KeySpec,
    total: int,
    *,
    vary: str,
    criterion: str = "",
    values: Sequence[float] = (),
) -> Sensitivity:
    return sensitivity.analyse(table, spec, total, vary=vary, criterion=criterion, values=values)


def sensitivity_chart(result: Sensitivity, fmt: str = "png") -> bytes:
    """The chart of a sensitivity analysis, PNG or SVG (matplotlib, loaded on first use)."""
    from refugio.sharing import charts_matplotlib

    return charts_matplotlib.sensitivity_chart(result, fmt)


CHART_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def list_plans(session: Session, *, actor: Principal) -> list[PlanRead]:
    """The response plans `actor` may see."""
    return funding.list_plans(session, actor=actor)


def funding_summary(session: Session, plan_id: uuid.UUID, *, actor: Principal) -> FundingSummary:
    """Required, funded and the gap of a plan, by sector, by donor and over time."""
    return funding.summary(session, plan_id, actor=actor)


def progress_report(
    session: Session, *, actor: Principal, country: str | None, as_of: dt.date
) -> ProgressReport:
    """The progress report of a State (ISO3) or overall (None) as of a date, over the pledges `actor`
    may see."""
    pledges = list_pledges(session, actor=actor)
    return reports.progress_report(
        session, actor=actor, country=country.upper() if country else None, as_of=as_of, pledges=pledges
    )


def progress_report_pdf(report: ProgressReport) -> bytes:
    """The report as PDF (fpdf2, loaded on first use)."""
    from refugio.sharing import report_pdf_fpdf

    return report_pdf_fpdf.render(report)


def named_frameworks() -> list[str]:
    """The names of the indicator frameworks shipped with refugio (`gcr`)."""
    return sorted(p.stem for p in frameworks_data.FRAMEWORKS_DIR.glob("*.yaml"))


def named_framework(name: str) -> Framework:
    """A framework shipped with refugio, by name only (never a file path); NotFound for another name."""
    if name not in named_frameworks():
        raise NotFound(f"no framework {name!r} (known: {', '.join(named_frameworks())})")
    return frameworks_data.named_framework(name)


def framework(name_or_path: str) -> Framework:
    """A named indicator framework (`gcr`) or a YAML file of the same shape."""
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise ValidationFailed.single("framework", f"{path}: no such file")
        return frameworks_data.parse_framework(path.read_text(encoding="utf-8"), where=path.name)
    return frameworks_data.named_framework(name_or_path)


def framework_values(
    session: Session, *, actor: Principal, framework: Framework, country: str, year: int
) -> list[FrameworkValue]:
    """The framework's indicators for a State and year, each with its source (None: not computable)."""
    pledges = list_pledges(session, actor=actor)
    return frameworks_data.framework_values(
        session, framework, country=country.upper(), year=year, pledges=pledges
    )


def framework_table(
    values: Sequence[FrameworkValue],
    framework: Framework,
    country: str,
    year: int,
    rule: DisclosureRule | None = None,
) -> Table:
    """The values as a published table (the default disclosure rule unless one is given)."""
    return frameworks_data.framework_table(values, framework, country, year, rule or DisclosureRule())
