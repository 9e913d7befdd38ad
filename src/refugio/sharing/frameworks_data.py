"""Indicator frameworks as data: objectives → indicators → definitions, each with the formula that gives
its value for a country and year — an imported series (`series:<indicator>`) or a formula over
refugio's tables (`builtin:<name>`). The Global Compact on Refugees framework ships with refugio
(`frameworks/gcr.yaml`); a user's framework is YAML of the same shape, validated by pydantic (unknown
fields refused, formulas checked). Values are computed on demand with their source; counts of people
pass disclosure control when exported. Imports SQLAlchemy, pyyaml, pydantic, refugio.stats and core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, ValidationFailed
from refugio.sharing.enums import Indicator
from refugio.sharing.models import SharingContribution, SharingIndicatorValue
from refugio.sharing.schemas import PledgeRead
from refugio.stats import queries as stats_queries
from refugio.stats.disclosure import DisclosureRule
from refugio.stats.tables import Column, Rate, Table, measure_table

BUILTINS = ("funds_contributed", "resettled", "places_pledged", "places_delivered")
FRAMEWORKS_DIR = Path(__file__).parent / "frameworks"


class FrameworkIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    definition: str = Field(default="", max_length=1000)
    formula: str
    kind: Literal["count", "ratio", "money"] = "ratio"

    @field_validator("formula")
    @classmethod
    def _known(cls, value: str) -> str:
        kind, _, name = value.partition(":")
        if kind == "series" and name in {i.value for i in Indicator}:
            return value
        if kind == "builtin" and name in BUILTINS:
            return value
        raise ValueError(
            f"unknown formula {value!r}: series:<{'|'.join(i.value for i in Indicator)}> "
            f"or builtin:<{'|'.join(BUILTINS)}>"
        )


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=200)
    indicators: list[FrameworkIndicator] = Field(min_length=1)


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    version: str = "1"
    title: str = ""
    source: str = ""
    objectives: list[Objective] = Field(min_length=1)


class FrameworkValue(BaseModel):
    objective: str
    code: str
    name: str
    kind: str
    value: float | None
    source: str


def parse_framework(text: str, where: str = "framework") -> Framework:
    try:
        data = yaml.safe_load(text)
        return Framework.model_validate(data)
    except yaml.YAMLError as exc:
        raise ValidationFailed.single(where, f"not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(
                    f"{where}:" + ".".join(str(p) for p in e["loc"]),
                    "unknown field" if e["type"] == "extra_forbidden" else e["msg"],
                    e["type"],
                )
                for e in exc.errors()
            ]
        ) from None


def named_framework(name: str) -> Framework:
    path = FRAMEWORKS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ValidationFailed.single("framework", f"no framework {name!r} (known: gcr)")
    return parse_framework(path.read_text(encoding="utf-8"), where=name)


def _series(session: Session, name: str, country: str, year: int) -> tuple[float | None, str]:
    row = session.get(SharingIndicatorValue, (name, country, year))
    if row is None:
        return None, f"no {name} for {country} {year} imported"
    return row.value, f"{row.source}; {row.transformation}"


def _builtin(
    session: Session, name: str, country: str, year: int, pledges: Sequence[PledgeRead]
) -> tuple[float | None, str]:
    if name == "funds_contributed":
        total = session.scalar(
            select(func.sum(SharingContribution.amount)).where(
                SharingContribution.donor_country == country,
                SharingContribution.received_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            )
        )
        return float(total or 0), f"refugio response plans: contributions received in {year}"
    if name == "resettled":
        to_iso = {c.unhcr_code: c.iso3 for c in stats_queries.countries(session)}
        arrivals = stats_queries.resettlement_arrivals(session, years=[year])
        found = [n for code, n in arrivals.items() if to_iso.get(code) == country]
        if not found:
            return None, f"no UNHCR resettlement figure for {country} {year}"
        return float(sum(found)), "UNHCR solutions statistics (refugio stats import)"
    mine = [p for p in pledges if p.country == country and p.places is not None and p.pledged_on.year <= year]
    if name == "places_pledged":
        return float(sum(p.places or 0 for p in mine)), "refugio pledges of places"
    return float(sum(p.delivered_places for p in mine)), "refugio pledges of places, latest updates"


def framework_values(
    session: Session, framework: Framework, *, country: str, year: int, pledges: Sequence[PledgeRead]
) -> list[FrameworkValue]:
    """Every indicator of `framework` for `country` (ISO3) and `year`, with its source; a value that
    cannot be computed is None with the reason."""
    out: list[FrameworkValue] = []
    for objective in framework.objectives:
        for ind in objective.indicators:
            kind, _, name = ind.formula.partition(":")
            value, source = (
                _series(session, name, country, year)
                if kind == "series"
                else _builtin(session, name, country, year, pledges)
            )
            out.append(
                FrameworkValue(
                    objective=objective.code,
                    code=ind.code,
                    name=ind.name,
                    kind=ind.kind,
                    value=value,
                    source=source,
                )
            )
    return out


def framework_table(
    values: Sequence[FrameworkValue], framework: Framework, country: str, year: int, rule: DisclosureRule
) -> Table:
    """The values as a published table: counts of people pass primary suppression."""
    rows: list[tuple[Sequence[Any], dict[str, int | Rate | None]]] = [
        (
            [v.objective, v.code, v.name],
            {"count": int(v.value) if v.kind == "count" and v.value is not None else None},
        )
        for v in values
    ]
    table = measure_table(
        name=f"framework-{framework.name}",
        title=f"{framework.title or framework.name} · {country} · {year}",
        labels=[
            Column("objective", "Objective", "#meta+objective", "label"),
            Column("code", "Indicator", "#indicator+code", "label"),
            Column("name", "Name", "#indicator+name", "label"),
        ],
        measures=[
            Column("count", "Count", "#indicator+num"),
            Column("value", "Value", "#indicator+value", "rate"),
            Column("source", "Source", "#meta+source", "text"),
        ],
        rows=rows,
        rule=rule,
        source=framework.source or framework.name,
        context={"country": country, "year": year},
    )
    for i, v in enumerate(values):
        table.rows[i][4] = None if v.kind == "count" or v.value is None else round(v.value, 4)
        table.rows[i][5] = v.source
    return table
