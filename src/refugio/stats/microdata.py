"""Anonymised record-level extracts ("microdata"): one row per registered person, with no name, number,
date or identifier, only generalised attributes chosen from a fixed list, and only if k-anonymous.

Every exported column is treated as a quasi-identifier: each combination of values must be shared by at
least `rule.k` people, or the extract is refused with the reason (how many records are at risk, the
smallest group, and which field to leave out to fix it). Specific needs are never part of an extract.
Rows are sorted by their values, so the order gives nothing away. The export is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.stats.brackets import DEFAULT, AgeBrackets, ymd
from refugio.stats.disclosure import DisclosureRule, check_k_anonymity
from refugio.stats.registrations import Population
from refugio.stats.tables import Column, Table

FIELDS: dict[str, Column] = {
    "sex": Column("sex", "Sex", "#gender+code", "label"),
    "age_bracket": Column("age_bracket", "Age bracket", "#age+range", "label"),
    "population_type": Column("population_type", "Population type", "#group+population+code", "label"),
    "country_of_origin": Column("country_of_origin", "Country of origin", "#country+code+origin", "label"),
    "site": Column("site", "Site", "#loc+code", "label"),
    "arrival_year": Column("arrival_year", "Year of arrival", "#date+year+arrival", "label"),
    "arrival_month": Column("arrival_month", "Month of arrival", "#date+month+arrival", "label"),
}


def extract(
    session: Session,
    *,
    actor: Principal,
    population: Population,
    fields: Sequence[str],
    reference: dt.date,
    rule: DisclosureRule,
    brackets: AgeBrackets = DEFAULT,
) -> Table:
    """The k-anonymous extract of the people in the stock on `reference`, or ValidationFailed (why)."""
    import numpy as np

    chosen = [f.strip() for f in fields if f.strip()]
    bad = [f for f in chosen if f not in FIELDS]
    if bad or not chosen or len(set(chosen)) != len(chosen):
        what = f"unknown field {bad[0]!r}" if bad else "name each field once, at least one"
        raise ValidationFailed.single("fields", f"{what}; any of: {', '.join(FIELDS)}", "bad_fields")
    frame = population.frame
    c = frame.columns
    ref = ymd(reference)
    idx = np.flatnonzero((c["entry"] <= ref) & ((c["exit"] == 0) | (c["exit"] > ref)))
    when = np.where(c["arrival"][idx] > 0, c["arrival"][idx], c["entry"][idx])
    lut = np.asarray(brackets.lookup())
    columns: dict[str, list[str]] = {}
    for f in chosen:
        if f == "sex":
            columns[f] = [frame.values["sex"][k] for k in c["sex"][idx].tolist()]
        elif f == "age_bracket":
            ages = np.clip((ref - c["dob"][idx]) // 10000, 0, len(lut) - 1)
            columns[f] = [brackets.labels[k] for k in lut[ages].tolist()]
        elif f == "population_type":
            columns[f] = [frame.values["population_type"][k] for k in c["population_type"][idx].tolist()]
        elif f == "country_of_origin":
            columns[f] = [frame.values["origin"][k] for k in c["origin"][idx].tolist()]
        elif f == "site":
            columns[f] = [frame.values["site"][k] for k in c["site"][idx].tolist()]
        elif f == "arrival_year":
            columns[f] = [str(v // 10000) for v in when.tolist()]
        else:
            columns[f] = [f"{v // 10000:04d}-{v // 100 % 100:02d}" for v in when.tolist()]
    records = sorted(zip(*(columns[f] for f in chosen), strict=True)) if chosen else []
    report = check_k_anonymity(records, chosen, rule.k)
    audit.record(
        session,
        actor=actor,
        action="stats.microdata" if report.ok else "stats.microdata_refused",
        object_type="operation",
        object_id=str(population.operation.id),
        details={"fields": chosen, "k": rule.k, "records": report.records, "at_risk": report.records_at_risk},
    )
    if not report.ok:
        raise ValidationFailed([FieldError("fields", report.reason(), "k_anonymity")], report.reason())
    return Table(
        name="microdata",
        title=f"Anonymised extract of people registered, {population.operation.code}, {reference}",
        columns=[FIELDS[f] for f in chosen],
        rows=[list(r) for r in records],
        rule=rule,
        notes=[
            report.reason() + ".",
            "Every column is a quasi-identifier; specific needs are never included.",
        ],
        context={**population.context, "reference_date": reference, "k": rule.k},
        source="refugio registrations",
    )
