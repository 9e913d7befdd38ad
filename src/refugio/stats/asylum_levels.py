"""The global table `asylum-decisions-by-asylum`: decisions on asylum claims in a year by country of
asylum and by decision level (first instance apart from appeals and reviews), with the refugee
recognition rate and the total protection rate, persons (P) and cases (C) on separate rows.

`dec_level` is a code of UNHCR's data (the literal `NA` is a code, not a missing value): FI first
instance; AR administrative review, JR judicial review and CA court of appeal are appeals or reviews;
FA counts first instance and appeal together; the other codes are shown as given. Reads the stats
tables; everything passes disclosure control (`tables.measure_table`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.stats.disclosure import DisclosureRule
from refugio.stats.models import StatsAsylumDecision, StatsCountry
from refugio.stats.tables import Column, Rate, Table, measure_table

LEVELS = {
    "FI": ("First instance", "first instance"),
    "AR": ("Administrative review", "appeal or review"),
    "JR": ("Judicial review", "appeal or review"),
    "CA": ("Court of appeal", "appeal or review"),
    "FA": ("First instance and appeal", "both (not separable)"),
}


def level_label(code: str) -> tuple[str, str]:
    return LEVELS.get(code, (f"Level {code}", "other"))


def asylum_decisions_by_asylum(
    session: Session,
    year: int,
    rule: DisclosureRule,
    *,
    decision_rows: Any,
    measures: Sequence[Column],
    notes: Sequence[str],
) -> Table:
    """`decision_rows` and `measures` are those of refugio.stats.global_tables (the same columns and
    rates as the other decision tables)."""
    D = StatsAsylumDecision
    grouped = session.execute(
        select(
            D.coa,
            D.dec_level,
            D.dec_pc,
            func.sum(D.recognized),
            func.sum(D.other),
            func.sum(D.rejected),
            func.sum(D.closed),
            func.sum(D.total),
        )
        .where(D.year == year)
        .group_by(D.coa, D.dec_level, D.dec_pc)
        .order_by(D.coa, D.dec_level, D.dec_pc.desc())
    ).all()
    data: list[tuple[Any, ...]] = [(f"{coa}|{level}|{pc}", *sums) for coa, level, pc, *sums in grouped]
    names = {
        code: (iso, name)
        for code, iso, name in session.execute(
            select(StatsCountry.unhcr_code, StatsCountry.iso3, StatsCountry.name)
        )
    }
    labels: dict[str, list[Any]] = {}
    for row in data:
        key = str(row[0])
        coa, level, pc = key.split("|")
        iso, name = names.get(coa, (None, coa))
        level_name, instance = level_label(level)
        labels[key] = [iso or coa, name, level, level_name, instance, pc]
    rows: Sequence[tuple[Sequence[Any], Mapping[str, int | Rate | None]]] = decision_rows(data, labels)
    return measure_table(
        name="asylum-decisions-by-asylum",
        title=f"Decisions on asylum claims in {year} by country of asylum and decision level",
        labels=[
            Column("iso3", "Country code", "#country+code+asylum", "label"),
            Column("country", "Country of asylum", "#country+name+asylum", "label"),
            Column("level", "Decision level", "#meta+level+code", "label"),
            Column("level_name", "Level", "#meta+level", "label"),
            Column("instance", "Instance", "#meta+instance", "label"),
            Column("unit", "Counted as (P persons, C cases)", "#meta+unit+code", "label"),
        ],
        measures=measures,
        rows=rows,
        rule=rule,
        notes=[
            *notes,
            "First-instance decisions (FI) and appeals or reviews (AR, JR, CA) are on separate rows; FA "
            "counts both together as reported. NA is a level code of the source, not a missing value.",
        ],
        context={"year": year},
        source="UNHCR Refugee Data Finder (refugees data package); imported into refugio",
    )
