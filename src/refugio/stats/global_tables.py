"""The standard global tables for a year, from the imported aggregate statistics:

* `population-types` — forcibly displaced people by population type (refugees under UNHCR's mandate,
  Palestine refugees under UNRWA's, asylum-seekers, other people in need of international protection,
  IDPs displaced by conflict according to IDMC), and the other groups UNHCR reports (not added in);
* `refugees-by-origin`, `refugees-by-host` — top N with the rest as one row, and the total (top=0: all);
* `demographics` — share of children and of women and girls, by population type, with coverage;
* `asylum-applications` — by kind of application, persons and cases apart (never added together);
* `asylum-decisions` — with the refugee recognition rate and the total protection rate (otherwise closed
  cases are left out of the denominator), persons and cases apart, by top origins, and by country of
  asylum and decision level (`asylum-decisions-by-asylum`, in asylum_levels.py);
* `solutions` — returns, resettlement, naturalisation;
* `trends` — the forcibly displaced over the ten years up to the year.

Reads the stats tables only; everything passes disclosure control (`tables.measure_table`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.stats import asylum_levels
from refugio.stats.disclosure import DisclosureRule
from refugio.stats.global_titles import translatable as _translatable
from refugio.stats.models import (
    StatsAsylumApplication,
    StatsAsylumDecision,
    StatsCountry,
    StatsDemographic,
    StatsIdmc,
    StatsPopulation,
    StatsSolution,
    StatsUnrwa,
)
from refugio.stats.tables import Column, Rate, Table, measure_table

TABLES = (
    "population-types",
    "refugees-by-origin",
    "refugees-by-host",
    "demographics",
    "asylum-applications",
    "asylum-decisions",
    "asylum-decisions-by-origin",
    "asylum-decisions-by-asylum",
    "solutions",
    "trends",
)

SOURCE = "UNHCR Refugee Data Finder (refugees data package), IDMC, UNRWA; imported into refugio"

_DISPLACED = [
    ("refugees", "Refugees under UNHCR's mandate", "#affected+refugees"),
    ("unrwa", "Palestine refugees under UNRWA's mandate", "#affected+refugees+unrwa"),
    ("asylum_seekers", "Asylum-seekers", "#affected+asylum_seekers"),
    ("oip", "Other people in need of international protection", "#affected+oip"),
    ("idmc", "Internally displaced people (IDMC, conflict and violence)", "#affected+idps+idmc"),
]
_OTHER = [
    ("idps", "IDPs protected or assisted by UNHCR"),
    ("stateless", "Stateless people"),
    ("returned_refugees", "Returned refugees"),
    ("returned_idps", "Returned IDPs"),
    ("ooc", "Others of concern to UNHCR"),
    ("hst", "Host communities"),
]

POP_TYPE_LABELS = {
    "REF": "Refugees",
    "ASY": "Asylum-seekers",
    "OIP": "Other people in need of international protection",
    "IDP": "Internally displaced people",
    "RET": "Returned refugees",
    "RDP": "Returned IDPs",
    "STA": "Stateless people",
    "OOC": "Others of concern",
    "HST": "Host communities",
}

APP_TYPES = [("N", "New"), ("R", "Repeat or reopened"), ("A", "Appeal or review")]
PC_LABELS = {"P": "Persons", "C": "Cases"}


def _require(actor: Principal) -> None:
    if not actor.can_anywhere(Permission.STATS_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {Permission.STATS_VIEW.value}")


def available_years(session: Session) -> list[int]:
    return [
        int(y)
        for y in session.scalars(select(StatsPopulation.year).distinct().order_by(StatsPopulation.year))
    ]


def _sum(session: Session, column: Any, year_col: Any, year: int) -> int | None:
    value = session.scalar(select(func.sum(column)).where(year_col == year))
    return int(value) if value is not None else None


def _names(session: Session) -> dict[str, tuple[str | None, str]]:
    return {
        code: (iso, name)
        for code, iso, name in session.execute(
            select(StatsCountry.unhcr_code, StatsCountry.iso3, StatsCountry.name)
        ).all()
    }


def _displaced(session: Session, year: int) -> dict[str, int | None]:
    P = StatsPopulation
    values: dict[str, int | None] = {
        key: _sum(session, getattr(P, key), P.year, year)
        for key in (
            "refugees",
            "asylum_seekers",
            "oip",
            "idps",
            "stateless",
            "returned_refugees",
            "returned_idps",
            "ooc",
            "hst",
        )
    }
    values["unrwa"] = _sum(session, StatsUnrwa.total, StatsUnrwa.year, year)
    values["idmc"] = _sum(session, StatsIdmc.total, StatsIdmc.year, year)
    return values


def population_types(session: Session, year: int, rule: DisclosureRule) -> Table:
    values = _displaced(session, year)
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = [
        ([label, "forcibly displaced"], {"people": values[key]}) for key, label, _tag in _DISPLACED
    ]
    table = measure_table(
        name="population-types",
        title=f"Forcibly displaced people by population type, end-{year}",
        labels=[
            Column("group", "Population group", "#group+population", "label"),
            Column("category", "Category", "#group+category", "label"),
        ],
        measures=[Column("people", "People", "#affected+total")],
        rows=rows,
        rule=rule,
        total_label="Total forcibly displaced",
        notes=[
            "Refugees under UNHCR's mandate exclude Palestine refugees under UNRWA's mandate, shown apart.",
            "Internally displaced people are IDMC's estimates of those displaced by conflict and violence.",
            "The other groups below the total are not added into it.",
            *(
                f"No figure for {label} in {year}: the total leaves it out."
                for key, label, _t in _DISPLACED
                if values[key] is None
            ),
        ],
        context={"year": year},
        source=SOURCE,
    )
    other = measure_table(
        name="other",
        title="",
        labels=table.columns[:2],
        measures=table.columns[2:],
        rows=[([label, "other group (not in the total)"], {"people": values[key]}) for key, label in _OTHER],
        rule=rule,
    )
    offset = len(table.rows)
    table.rows.extend(other.rows)
    table.status.update({(r + offset, c): s for (r, c), s in other.status.items()})
    return table


def _top(
    session: Session,
    *,
    name: str,
    title: str,
    side: str,
    year: int,
    top: int,
    rule: DisclosureRule,
) -> Table:
    P = StatsPopulation
    col = P.coo if side == "origin" else P.coa
    data = session.execute(
        select(col, func.sum(P.refugees), func.sum(P.oip))
        .where(P.year == year)
        .group_by(col)
        .having(func.coalesce(func.sum(P.refugees), 0) > 0)
        .order_by(func.sum(P.refugees).desc(), col)
    ).all()
    names = _names(session)
    total = sum(int(r or 0) for _c, r, _o in data)
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    shown = data if top <= 0 else data[:top]
    for rank, (code, refugees, oip) in enumerate(shown, start=1):
        iso, label = names.get(code, (None, code))
        rows.append(
            (
                [rank, iso or code, label],
                {
                    "refugees": int(refugees or 0),
                    "oip": int(oip) if oip is not None else None,
                    "share": Rate(int(refugees or 0), total),
                },
            )
        )
    rest = data[len(shown) :]
    if rest:
        n = sum(int(r or 0) for _c, r, _o in rest)
        o = sum(int(x or 0) for _c, _r, x in rest)
        rows.append(
            (["", "", f"Other ({len(rest)} countries)"], {"refugees": n, "oip": o, "share": Rate(n, total)})
        )
    where = "origin" if side == "origin" else "asylum"
    return measure_table(
        name=name,
        title=title,
        labels=[
            Column("rank", "Rank", "#meta+rank", "label"),
            Column("iso3", "Country code", f"#country+code+{where}", "label"),
            Column("country", "Country", f"#country+name+{where}", "label"),
        ],
        measures=[
            Column("refugees", "Refugees under UNHCR's mandate", "#affected+refugees"),
            Column("oip", "Other people in need of international protection", "#affected+oip"),
            Column("share", "% of refugees", "#indicator+pct+refugees", "rate"),
        ],
        rows=rows,
        rule=rule,
        total_label="Total",
        notes=["Country codes are ISO 3166-1 alpha-3 where one exists (UNHCR code otherwise)."],
        context={"year": year, "top": top or None},
        source=SOURCE,
    )


def demographics(session: Session, year: int, rule: DisclosureRule) -> Table:
    D = StatsDemographic
    children = _added(D, ("0_4", "5_11", "12_17"))
    age_known = _added(D, ("0_4", "5_11", "12_17", "18_59", "60"))
    data = session.execute(
        select(
            D.pop_type,
            func.sum(D.total),
            func.sum(func.coalesce(D.f_total, 0) + func.coalesce(D.m_total, 0)),
            func.sum(func.coalesce(D.f_total, 0)),
            func.sum(age_known),
            func.sum(children),
        )
        .where(D.year == year)
        .group_by(D.pop_type)
        .order_by(D.pop_type)
    ).all()
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    sums = [0, 0, 0, 0, 0]
    for pop_type, total, sex_known, female, ages, kids in data:
        vals = [int(total or 0), int(sex_known or 0), int(female or 0), int(ages or 0), int(kids or 0)]
        sums = [a + b for a, b in zip(sums, vals, strict=True)]
        rows.append(([pop_type, POP_TYPE_LABELS.get(pop_type, pop_type)], _demo_measures(vals)))
    if rows:
        rows.append((["ALL", "All population types"], _demo_measures(sums)))
    return measure_table(
        name="demographics",
        title=f"Share of children and of women and girls, end-{year}",
        labels=[
            Column("pop_type", "Code", "#group+population+code", "label"),
            Column("population", "Population type", "#group+population+name", "label"),
        ],
        measures=[
            Column("total", "People reported", "#affected+total"),
            Column("sex_known", "With sex known", "#affected+sex_known"),
            Column("female", "Women and girls", "#affected+f"),
            Column("age_known", "With age known", "#affected+age_known"),
            Column("children", "Children (0-17)", "#affected+children"),
            Column("pct_female", "% women and girls", "#indicator+pct+f", "rate"),
            Column("pct_children", "% children", "#indicator+pct+children", "rate"),
            Column("coverage", "% with sex known", "#indicator+pct+coverage", "rate"),
        ],
        rows=rows,
        rule=rule,
        notes=[
            "Shares are of the people whose sex (women and girls) or age (children) is known.",
            "Coverage is partial: not every population is reported with a sex and age breakdown.",
        ],
        context={"year": year},
        source=SOURCE,
    )


def _added(model: Any, ages: Sequence[str]) -> Any:
    """SQL sum of the female and male columns of `ages` (a missing value counts as 0)."""
    parts = [func.coalesce(getattr(model, f"{s}_{a}"), 0) for s in "fm" for a in ages]
    return functools.reduce(operator.add, parts)


def _demo_measures(v: Sequence[int]) -> dict[str, int | Rate | None]:
    total, sex_known, female, ages, kids = v
    return {
        "total": total,
        "sex_known": sex_known,
        "female": female,
        "age_known": ages,
        "children": kids,
        "pct_female": Rate(female, sex_known),
        "pct_children": Rate(kids, ages),
        "coverage": Rate(sex_known, total),
    }


def asylum_applications(session: Session, year: int, rule: DisclosureRule) -> Table:
    A = StatsAsylumApplication
    data = session.execute(
        select(A.app_pc, A.app_type, func.sum(A.applied)).where(A.year == year).group_by(A.app_pc, A.app_type)
    ).all()
    by_pc: dict[str, dict[str, int]] = {}
    for pc, kind, n in data:
        key = kind if kind in {k for k, _l in APP_TYPES} else "other"
        bucket = by_pc.setdefault(pc, {})
        bucket[key] = bucket.get(key, 0) + int(n or 0)
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    for pc in ("P", "C"):
        if pc in by_pc:
            b = by_pc[pc]
            rows.append(
                (
                    [pc, PC_LABELS[pc]],
                    {
                        **{k: b.get(k, 0) for k, _l in APP_TYPES},
                        "other": b.get("other", 0),
                        "total": sum(b.values()),
                    },
                )
            )
    return measure_table(
        name="asylum-applications",
        title=f"Asylum applications lodged in {year}",
        labels=[
            Column("unit", "Code", "#meta+unit+code", "label"),
            Column("counted_as", "Counted as", "#meta+unit", "label"),
        ],
        measures=[
            *(
                Column(k, label, f"#affected+applications+{label.split()[0].lower()}")
                for k, label in APP_TYPES
            ),
            Column("other", "Other kinds", "#affected+applications+other"),
            Column("total", "All applications", "#affected+applications+total"),
        ],
        rows=rows,
        rule=rule,
        notes=[
            "Some countries count cases (C) rather than persons (P): the two are never added together.",
            "'Other kinds' include the application types V, NR, J, RA, FA, SP and NA (a code, not a gap).",
        ],
        context={"year": year},
        source=SOURCE,
    )


def _decision_rows(
    data: Sequence[tuple[Any, ...]], labels: Mapping[str, Sequence[Any]]
) -> list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]]:
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    for key, rec, oth, rej, clo, tot in data:
        rec, oth, rej, clo, tot = (int(x or 0) for x in (rec, oth, rej, clo, tot))
        substantive = rec + oth + rej
        rows.append(
            (
                labels[key],
                {
                    "recognized": rec,
                    "other": oth,
                    "rejected": rej,
                    "closed": clo,
                    "total": tot,
                    "rrr": Rate(rec, substantive),
                    "tpr": Rate(rec + oth, substantive),
                },
            )
        )
    return rows


_DECISION_MEASURES = [
    Column("recognized", "Recognized (Convention status)", "#affected+decisions+recognized"),
    Column("other", "Complementary protection", "#affected+decisions+complementary"),
    Column("rejected", "Rejected", "#affected+decisions+rejected"),
    Column("closed", "Otherwise closed", "#affected+decisions+closed"),
    Column("total", "Total decisions", "#affected+decisions+total"),
    Column("rrr", "Refugee recognition rate %", "#indicator+pct+recognition", "rate"),
    Column("tpr", "Total protection rate %", "#indicator+pct+protection", "rate"),
]
_DECISION_NOTES = [
    "Recognition rate = recognized / (recognized + complementary protection + rejected); total protection "
    "rate = (recognized + complementary protection) / the same. Otherwise closed cases are left out.",
    "Persons (P) and cases (C) are never added together.",
]


def _decision_sums() -> tuple[Any, ...]:
    D = StatsAsylumDecision
    return (
        func.sum(D.recognized),
        func.sum(D.other),
        func.sum(D.rejected),
        func.sum(D.closed),
        func.sum(D.total),
    )


def asylum_decisions(session: Session, year: int, rule: DisclosureRule) -> Table:
    D = StatsAsylumDecision
    data = session.execute(
        select(D.dec_pc, *_decision_sums()).where(D.year == year).group_by(D.dec_pc).order_by(D.dec_pc.desc())
    ).all()
    return measure_table(
        name="asylum-decisions",
        title=f"Decisions on asylum claims in {year}",
        labels=[
            Column("unit", "Code", "#meta+unit+code", "label"),
            Column("counted_as", "Counted as", "#meta+unit", "label"),
        ],
        measures=_DECISION_MEASURES,
        rows=_decision_rows(data, {pc: [pc, PC_LABELS.get(pc, pc)] for pc in PC_LABELS}),
        rule=rule,
        notes=_DECISION_NOTES,
        context={"year": year},
        source=SOURCE,
    )


def asylum_decisions_by_origin(session: Session, year: int, top: int, rule: DisclosureRule) -> Table:
    D = StatsAsylumDecision
    stmt = (
        select(D.coo, *_decision_sums())
        .where(D.year == year, D.dec_pc == "P")
        .group_by(D.coo)
        .order_by(func.sum(D.total).desc(), D.coo)
    )
    if top > 0:
        stmt = stmt.limit(top)
    data = session.execute(stmt).all()
    names = _names(session)
    labels = {
        code: [names.get(code, (None, code))[0] or code, names.get(code, (None, code))[1]]
        for code, *_ in data
    }
    return measure_table(
        name="asylum-decisions-by-origin",
        title=f"Decisions on asylum claims in {year} by country of origin (persons)"
        + (f", top {top}" if top > 0 else ""),
        labels=[
            Column("iso3", "Country code", "#country+code+origin", "label"),
            Column("country", "Country of origin", "#country+name+origin", "label"),
        ],
        measures=_DECISION_MEASURES,
        rows=_decision_rows(data, labels),
        rule=rule,
        notes=[*_DECISION_NOTES[:1], "Decisions counted in persons only (cases are left out)."],
        context={"year": year, "top": top or None},
        source=SOURCE,
    )


def solutions(session: Session, year: int, rule: DisclosureRule) -> Table:
    S = StatsSolution
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    for key, label, tag in [
        ("returned_refugees", "Refugees returned to their country", "returnees"),
        ("resettlement", "Refugees resettled (arrivals)", "resettled"),
        ("naturalisation", "Refugees naturalised", "naturalised"),
        ("returned_idps", "IDPs returned home", "returned_idps"),
    ]:
        rows.append(([label, tag], {"people": _sum(session, getattr(S, key), S.year, year)}))
    return measure_table(
        name="solutions",
        title=f"Durable solutions in {year}",
        labels=[
            Column("solution", "Solution", "#group+solution", "label"),
            Column("code", "Code", "#group+solution+code", "label"),
        ],
        measures=[Column("people", "People", "#affected+total")],
        rows=rows,
        rule=rule,
        notes=["Empty: not reported for that year. The solutions are not added together."],
        context={"year": year},
        source=SOURCE,
    )


def trends(session: Session, year: int, rule: DisclosureRule, span: int = 10) -> Table:
    rows: list[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = []
    for y in range(year - span + 1, year + 1):
        v = _displaced(session, y)
        known = [v[k] for k, _l, _t in _DISPLACED]
        total = sum(x for x in known if x is not None)
        rows.append(
            (
                [y],
                {
                    **{k: v[k] for k, _l, _t in _DISPLACED},
                    "total": total if any(x is not None for x in known) else None,
                },
            )
        )
    return measure_table(
        name="trends",
        title=f"Forcibly displaced people, {year - span + 1}-{year}",
        labels=[Column("year", "Year", "#date+year", "label")],
        measures=[
            *(Column(k, label, tag) for k, label, tag in _DISPLACED),
            Column("total", "Total forcibly displaced", "#affected+total"),
        ],
        rows=rows,
        rule=rule,
        notes=["Empty: no figure imported for that year."],
        context={"year": year, "years": span},
        source=SOURCE,
    )


def global_tables(
    session: Session,
    *,
    actor: Principal,
    year: int,
    rule: DisclosureRule,
    top: int = 10,
    only: Sequence[str] | None = None,
) -> list[Table]:
    """The standard global tables for `year` (all, or those named in `only`)."""
    _require(actor)
    wanted = list(only or TABLES)
    unknown = [t for t in wanted if t not in TABLES]
    if unknown:
        raise ValidationFailed.single(
            "table", f"unknown table {unknown[0]!r}; one of: {', '.join(TABLES)}", "unknown_table"
        )
    if not 1900 <= year <= 2100:
        raise ValidationFailed.single("year", "give a year such as 2024", "bad_year")
    if not 0 <= top <= 1000:
        raise ValidationFailed.single("top", "between 0 (all) and 1000", "out_of_range")
    years = available_years(session)
    if year not in years:
        span = f"{years[0]}-{years[-1]}" if years else "none: import the aggregate tables first"
        raise NotFound(f"no population statistics for {year} (years available: {span})")
    build = {
        "population-types": lambda: population_types(session, year, rule),
        "refugees-by-origin": lambda: _top(
            session,
            name="refugees-by-origin",
            side="origin",
            year=year,
            top=top,
            rule=rule,
            title=f"Refugees under UNHCR's mandate by country of origin, end-{year}"
            + (f", top {top}" if top else ""),
        ),
        "refugees-by-host": lambda: _top(
            session,
            name="refugees-by-host",
            side="host",
            year=year,
            top=top,
            rule=rule,
            title=f"Refugees under UNHCR's mandate by host country, end-{year}"
            + (f", top {top}" if top else ""),
        ),
        "demographics": lambda: demographics(session, year, rule),
        "asylum-applications": lambda: asylum_applications(session, year, rule),
        "asylum-decisions": lambda: asylum_decisions(session, year, rule),
        "asylum-decisions-by-origin": lambda: asylum_decisions_by_origin(session, year, top, rule),
        "asylum-decisions-by-asylum": lambda: asylum_levels.asylum_decisions_by_asylum(
            session,
            year,
            rule,
            decision_rows=_decision_rows,
            measures=_DECISION_MEASURES,
            notes=_DECISION_NOTES,
        ),
        "solutions": lambda: solutions(session, year, rule),
        "trends": lambda: trends(session, year, rule),
    }
    return [_translatable(build[name](), year=year, top=top) for name in wanted]
