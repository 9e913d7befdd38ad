"""The figures behind the downloadable maps and charts (re-exported by queries.py), drawn by
matplotlib_figures: IDPs by DTM round of a country (national baseline figures of its longest-running
operation, as the rounds page shows), individuals by location-assessment round, dead and missing
migrants by year, and the map of what the map page shows. TRACKING_VIEW; the channel audits the download.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.security.principals import Principal
from refugio.tracking import policy
from refugio.tracking.assessment_reads import assessment_rounds
from refugio.tracking.enums import SummaryBy
from refugio.tracking.idps import rounds
from refugio.tracking.incidents import summary

CHARTS = ("rounds", "assessments", "incidents")
DTM_SOURCE = "Source: IOM Displacement Tracking Matrix (DTM), as imported in refugio"


def chart_points(
    session: Session, *, actor: Principal, name: str, country: str | None
) -> tuple[list[tuple[str, float]], str, str, str]:
    """(points, title, y label, source line) of chart `name` (rounds and assessments need a country)."""
    policy.require_view(actor)
    if name not in CHARTS:
        raise ValidationFailed.single("chart", f"unknown chart {name!r}; one of: {', '.join(CHARTS)}")
    if name == "incidents":
        rows = sorted(summary(session, actor=actor, by=SummaryBy.YEAR), key=lambda r: str(r["year"]))
        points = [(str(r["year"]), float(r["dead_and_missing"] or 0)) for r in rows]
        return (
            points,
            "Dead and missing migrants by year",
            "Dead and missing",
            "Source: IOM Missing Migrants Project",
        )
    if not country:
        raise ValidationFailed.single("country", "choose a country (ISO3 code)", "required")
    iso3 = country.upper()
    if name == "assessments":
        series = assessment_rounds(session, actor=actor, country=iso3)
        points = [(f"R{r.round_number}", float(r.individuals)) for r in series]
        return points, f"{iso3}: individuals in the locations assessed, by round", "Individuals", DTM_SOURCE
    national = [
        r for r in rounds(session, actor=actor, country=iso3, admin_level=0) if r.assessment_type == "BA"
    ]
    operations = sorted({r.operation for r in national})
    longest = max(operations, key=lambda o: sum(r.operation == o for r in national), default="")
    points = [(f"{r.reporting_date:%Y-%m}", float(r.idps)) for r in national if r.operation == longest]
    return points, f"{iso3}: IDPs by DTM round ({longest})", "IDPs", DTM_SOURCE


def chart_image(session: Session, *, actor: Principal, name: str, country: str | None, fmt: str) -> bytes:
    """Chart `name` as PNG or SVG bytes."""
    from refugio.tracking.matplotlib_figures import bar_chart

    points, title, ylabel, source = chart_points(session, actor=actor, name=name, country=country)
    return bar_chart(points, title=title, ylabel=ylabel, source=source, fmt=fmt)


def map_image(session: Session, *, actor: Principal, year: int | None, fmt: str) -> bytes:
    """The map (outlines, IDPs by country, sites, flow points, incidents) as PNG or SVG bytes."""
    from refugio.tracking.matplotlib_figures import world_map
    from refugio.tracking.queries import map_layers

    layers = map_layers(session, actor=actor, year=year)
    title = "Displacement and incidents in transit" + (f", {year}" if year else "")
    source = "Sources: IOM DTM; IOM Missing Migrants Project; outlines Natural Earth via world-atlas"
    return world_map(layers, title=title, source=source, fmt=fmt)


__all__ = ["CHARTS", "chart_image", "chart_points", "map_image"]
