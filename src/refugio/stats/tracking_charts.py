"""Tracking's charts, map and published-aggregate exports through the disclosure control
(refugio.stats.tracking_report decides by a figure's source). Charts of refugio's own collection —
individuals by location-assessment round of a country, people counted at a flow monitoring point by
age group and sex — are drawn from the protected tables (a withheld count is drawn as its marker, `<5`
or `x`, over an empty bar, and the rule is named under the chart); charts of imported published
aggregates — IDPs by DTM round, dead and missing migrants by year (IOM Missing Migrants Project) —
and the HDX HAPI / HXL exports of DTM figures stay exact. The map's layers: sites (their population
is refugio's own figure: a small one is shown as `<5`), flow monitoring points (no counts), the
incidents and the IDPs by country (published aggregates, exact).

TRACKING_VIEW (checked by refugio.tracking); the channels audit every download. Imports
refugio.tracking (reads and drawing) and refugio.stats.tracking_report.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.security.principals import Principal
from refugio.stats.disclosure import DEFAULT_RULE, DisclosureRule
from refugio.stats.tracking_report import (
    SEX_COLUMNS,
    TOTAL,
    Cell,
    assessment_rounds,
    flow_table,
    is_exact,
    note_for,
    single,
)  # fmt: skip
from refugio.tracking import figures, queries, service
from refugio.tracking.enums import IdpFormat, SummaryBy

CHARTS = ("rounds", "assessments", "incidents", "flows")
CHART_SOURCE = {"rounds": "dtm", "incidents": "mmp", "assessments": "assessments", "flows": "flow_counts"}
Points = list[tuple[str, Cell]]


def chart_points(
    session: Session, *, actor: Principal, name: str, country: str | None = None,
    point_id: uuid.UUID | None = None, days: int = 30, rule: DisclosureRule = DEFAULT_RULE,
) -> tuple[Points, str, str, str, str]:  # fmt: skip
    """(points, title, y label, source line, disclosure note) of chart `name`: rounds and assessments
    need a country, flows a flow monitoring point."""
    if name not in CHARTS:
        raise ValidationFailed.single("chart", f"unknown chart {name!r}; one of: {', '.join(CHARTS)}")
    kind = CHART_SOURCE[name]
    if is_exact(kind):
        exact, title, ylabel, source = figures.chart_points(session, actor=actor, name=name, country=country)
        return [(label, int(v)) for label, v in exact], title, ylabel, source, note_for(kind, rule)
    if name == "assessments":
        if not country:
            raise ValidationFailed.single("country", "choose a country (ISO3 code)", "required")
        iso3 = country.upper()
        table = assessment_rounds(session, actor=actor, country=iso3, rule=rule)
        points: Points = [(f"R{r['round_number']}", r["individuals"]) for r in table.rows]
        title = f"{iso3}: individuals in the locations assessed, by round"
        return points, title, "Individuals", "Source: refugio location assessments", table.note
    if point_id is None:
        raise ValidationFailed.single("point", "choose a flow monitoring point", "required")
    start, end = service.flow_day_range(days)
    table = flow_table(session, actor=actor, point_id=point_id, start=start, end=end, by="sex_age", rule=rule)
    code = next((p.code for p in queries.flow_points(session, actor=actor) if p.id == point_id), "")
    sexes = [c for c in table.columns if c not in ("age_group", "total")]
    short = {v: k for k, v in SEX_COLUMNS.items()}
    points = [
        (f"{short.get(sex, sex)} {row['age_group']}", row[sex])
        for row in table.rows
        if row["age_group"] != TOTAL
        for sex in sexes
    ]
    title = f"{code}: people counted by sex and age group, {start.isoformat()} to {end.isoformat()}"
    return points, title, "People", "Source: refugio flow monitoring", table.note


def chart_image(
    session: Session, *, actor: Principal, name: str, country: str | None, fmt: str,
    point_id: uuid.UUID | None = None, days: int = 30, rule: DisclosureRule = DEFAULT_RULE,
) -> bytes:  # fmt: skip
    """Chart `name` as PNG or SVG bytes, drawn from the figures as they may be published."""
    from refugio.tracking.matplotlib_figures import bar_chart

    points, title, ylabel, source, note = chart_points(
        session, actor=actor, name=name, country=country, point_id=point_id, days=days, rule=rule
    )
    return bar_chart(points, title=title, ylabel=ylabel, source=source, fmt=fmt, note=note)


def map_layers(
    session: Session, *, actor: Principal, year: int | None = None, rule: DisclosureRule = DEFAULT_RULE
) -> dict[str, Any]:
    """The map's layers as they may be published: a site's population (refugio's own figure) under
    the rule; incidents and IDPs by country (published aggregates) exact."""
    layers: dict[str, Any] = dict(queries.map_layers(session, actor=actor, year=year))
    assert is_exact("mmp") and is_exact("dtm") and not is_exact("sites")
    layers["sites"] = [{**s, "population": single(s.get("population"), rule)} for s in layers["sites"]]
    layers["disclosure"] = {"rule": rule.id, "note": rule.describe()}
    return layers


def map_image(
    session: Session, *, actor: Principal, year: int | None, fmt: str, rule: DisclosureRule = DEFAULT_RULE
) -> bytes:
    """The map (outlines, IDPs by country, sites, flow points, incidents) as PNG or SVG bytes."""
    from refugio.tracking.matplotlib_figures import world_map

    layers = map_layers(session, actor=actor, year=year, rule=rule)
    title = "Displacement and incidents in transit" + (f", {year}" if year else "")
    source = "Sources: IOM DTM; IOM Missing Migrants Project; outlines Natural Earth via world-atlas"
    return world_map(layers, title=title, source=source, fmt=fmt)


def idps_export(
    session: Session, *, actor: Principal, fmt: IdpFormat, dataset_hdx_id: str = "", resource_hdx_id: str = ""
) -> str:
    """The IDPs of every DTM round (HDX HAPI table, or DTM-shaped HXL / CSV / JSON): published
    aggregates imported from the DTM, exact — the HAPI export reproduces the HAPI file."""
    if not is_exact("dtm"):  # pragma: no cover - the rule of SOURCE_OF
        raise ValidationFailed.single("source", "DTM figures are no longer treated as published aggregates")
    if fmt is IdpFormat.HAPI:
        rows = queries.hapi_rows(
            session, actor=actor, dataset_hdx_id=dataset_hdx_id, resource_hdx_id=resource_hdx_id
        )
        return queries.render(rows, queries.HAPI_COLUMNS, "csv")
    return queries.render(
        queries.dtm_rows(session, actor=actor), queries.DTM_COLUMNS, fmt.value, hxl=queries.DTM_HXL
    )


def incident_summary(session: Session, *, actor: Principal, by: SummaryBy) -> list[dict[str, Any]]:
    """Incidents in transit by year, route, region, country or cause: published aggregates of the
    Missing Migrants Project, exact."""
    if not is_exact("mmp"):  # pragma: no cover - the rule of SOURCE_OF
        raise ValidationFailed.single("source", "MMP figures are no longer treated as published aggregates")
    return queries.summary(session, actor=actor, by=by)


__all__ = [
    "CHARTS",
    "CHART_SOURCE",
    "chart_image",
    "chart_points",
    "idps_export",
    "incident_summary",
    "map_image",
    "map_layers",
]
