"""Statistics from registrations: stocks and flows of registered people by sex, age bracket, population
type, country of origin, site, specific-need category and period, as publishable tables.

Definitions (also written into each table's notes):

* a person **enters** the registered population on the registration date of the household they were
  registered with (the household whose reference prefixes theirs), or on their birth if later (children
  born into a registered household);
* a person **leaves** it when they die or their status stops being active (departed, inactive): on the
  date of death, else on the effective date of the last status change;
* the **stock** at a reference date counts those who entered on or before it and had not left by then;
  **arrivals** count people by arrival date (the household's if the person has none, else the entry);
* ages are exact, in completed years, at the reference date; population type and site are the current ones.

The people are read by `stats.population` (one SQL query per population, limited to the sites where
the actor holds STATS_VIEW) and counted with `duckdb_engine` (imported lazily). Never writes
registration data; imports no SQLAlchemy and no registration models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refugio.core.errors import ValidationFailed
from refugio.registration.enums import PopulationType, Sex
from refugio.registration.needs import CATEGORIES
from refugio.registration.reference import country_name
from refugio.security.principals import Principal
from refugio.stats.brackets import DEFAULT, AgeBrackets
from refugio.stats.disclosure import DisclosureRule, published
from refugio.stats.population import (
    Population,
    load_population,
    need_counts,
    resolve_operation,
)
from refugio.stats.tables import Column, Dimension, Table, cube_table, long_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refugio.stats.duckdb_engine import Basis, Counts, Period

SENSITIVE_CATEGORIES = frozenset({"SV", "TR"})

SEX_LABELS = {Sex.FEMALE.value: "Female", Sex.MALE.value: "Male", Sex.OTHER.value: "Other or not stated"}
SEX_HXL = {Sex.FEMALE.value: "f", Sex.MALE.value: "m", Sex.OTHER.value: "x"}
POPULATION_TYPE_LABELS = {
    PopulationType.REFUGEE.value: "Refugees",
    PopulationType.ASYLUM_SEEKER.value: "Asylum-seekers",
    PopulationType.MIGRANT.value: "Migrants",
    PopulationType.STATELESS.value: "Stateless people",
    PopulationType.IDP.value: "Internally displaced people",
    PopulationType.RETURNEE.value: "Returnees",
    PopulationType.HOST_COMMUNITY.value: "Host community",
}
DIMENSION_LABELS = {
    "sex": ("Sex", "#gender+code"),
    "age": ("Age bracket", "#age+range"),
    "population_type": ("Population type", "#group+population+code"),
    "origin": ("Country of origin", "#country+code+origin"),
    "site": ("Site", "#loc+code"),
    "period": ("Period", "#date"),
}
NOTES = [
    "People enter on the registration date of the household they were registered with (or their birth, "
    "if later) and leave on death or when their status stops being active.",
    "Ages are exact, in completed years, at the reference date; population type and site are current.",
]


def count(
    population: Population,
    *,
    dims: Sequence[str],
    reference: dt.date,
    brackets: AgeBrackets = DEFAULT,
    basis: Basis = "stock",
    period: Period = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Counts:
    from refugio.stats.duckdb_engine import count as engine_count

    if start and end and start > end:
        raise ValidationFailed.single("start", "the period starts after it ends", "bad_period")
    return engine_count(
        population.frame,
        dims=dims,
        reference=reference,
        brackets=brackets,
        basis=basis,
        period=period,
        start=start,
        end=end,
    )


# ---------------------------------------------------------------------------------------------
# dimensions and tables


def _members(
    population: Population, dim: str, present: Sequence[str], brackets: AgeBrackets
) -> list[tuple[str, str]]:
    if dim == "sex":
        order = [s for s in SEX_LABELS if s in present] + sorted(set(present) - set(SEX_LABELS))
        return [(s, SEX_LABELS.get(s, s)) for s in order]
    if dim == "age":
        return [(label, label) for label in brackets.labels]
    if dim == "population_type":
        order = [p for p in POPULATION_TYPE_LABELS if p in present] + sorted(
            set(present) - set(POPULATION_TYPE_LABELS)
        )
        return [(p, POPULATION_TYPE_LABELS.get(p, p)) for p in order]
    if dim == "origin":
        return [(c, country_name(c) if c != "UNK" else "Unknown") for c in sorted(present)]
    if dim == "site":
        return [(c, population.sites.get(c, c)) for c in sorted(present)]
    return [(p, p) for p in sorted(present)]


def dimension(population: Population, dim: str, present: Sequence[str], brackets: AgeBrackets) -> Dimension:
    label, tag = DIMENSION_LABELS[dim]
    hxl_of: dict[str, str] = {}
    if dim == "sex":
        hxl_of = SEX_HXL
    elif dim == "age":
        hxl_of = {b.label: b.hxl for b in brackets.brackets}
    return Dimension(dim, label, tag, _members(population, dim, present, brackets), member_hxl=hxl_of)


def _present(counts: Counts) -> dict[str, list[str]]:
    return {
        d: sorted({m[int(c)] for c in codes.tolist()})
        for d, m, codes in zip(counts.dims, counts.members, counts.codes, strict=True)
    }


def crosstab(
    population: Population,
    *,
    name: str,
    title: str,
    rows: Sequence[str],
    column: str,
    reference: dt.date,
    rule: DisclosureRule,
    brackets: AgeBrackets = DEFAULT,
    basis: Basis = "stock",
    period: Period = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    notes: Sequence[str] = (),
) -> Table:
    """A cross-table of people (rows × column, with every total), protected as one hypercube."""
    counts = count(
        population,
        dims=[*rows, column],
        reference=reference,
        brackets=brackets,
        basis=basis,
        period=period,
        start=start,
        end=end,
    )
    present = _present(counts)
    dims = [dimension(population, d, present.get(d, []), brackets) for d in [*rows, column]]
    ctx = {**population.context, "reference_date": reference, "basis": basis, "age_brackets": brackets.text}
    if basis != "stock":
        ctx.update({"period": period, "start": start, "end": end or reference})
    return cube_table(
        name=name,
        title=title,
        rows=dims[:-1],
        column=dims[-1],
        counts=counts.as_dict(),
        rule=rule,
        value_hxl="#affected",
        notes=[*NOTES, *notes],
        context=ctx,
    )


def pyramid(
    population: Population, *, reference: dt.date, rule: DisclosureRule, brackets: AgeBrackets = DEFAULT
) -> Table:
    return crosstab(
        population,
        name="pyramid",
        title="",
        rows=["age"],
        column="sex",
        reference=reference,
        rule=rule,
        brackets=brackets,
    ).retitle("Registered people by age and sex on %(date)s", date=reference.isoformat())


def arrivals(
    population: Population,
    *,
    reference: dt.date,
    rule: DisclosureRule,
    period: Period = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    what = {
        "day": "Arrivals by day and sex",
        "week": "Arrivals by week (starting Monday) and sex",
        "month": "Arrivals by month and sex",
        "year": "Arrivals by year and sex",
    }[period]
    return crosstab(
        population,
        name="arrivals",
        title=what,
        rows=["period"],
        column="sex",
        reference=reference,
        rule=rule,
        basis="arrivals",
        period=period,
        start=start,
        end=end,
        notes=["Arrival date of the person, else of their household, else the registration date."],
    ).retitle(what)


def by_site(population: Population, *, reference: dt.date, rule: DisclosureRule) -> Table:
    return crosstab(
        population,
        name="by-site",
        title="",
        rows=["site"],
        column="sex",
        reference=reference,
        rule=rule,
    ).retitle("Registered people by site and sex on %(date)s", date=reference.isoformat())


def by_origin(population: Population, *, reference: dt.date, rule: DisclosureRule) -> Table:
    return crosstab(
        population,
        name="by-origin",
        title="",
        rows=["origin"],
        column="sex",
        reference=reference,
        rule=rule,
    ).retitle("Registered people by country of origin and sex on %(date)s", date=reference.isoformat())


def by_population_type(
    population: Population, *, reference: dt.date, rule: DisclosureRule, brackets: AgeBrackets = DEFAULT
) -> Table:
    return crosstab(
        population,
        name="by-population-type",
        title="",
        rows=["population_type"],
        column="age",
        reference=reference,
        rule=rule,
        brackets=brackets,
    ).retitle("Registered people by population type and age on %(date)s", date=reference.isoformat())


def disaggregation(
    population: Population,
    *,
    dims: Sequence[str],
    reference: dt.date,
    rule: DisclosureRule,
    brackets: AgeBrackets = DEFAULT,
    basis: Basis = "stock",
    period: Period = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    """The full disaggregation as a long table (one row per non-empty combination)."""
    if not dims:
        raise ValidationFailed.single("by", "name at least one dimension", "required")
    unknown = [d for d in dims if d not in DIMENSION_LABELS]
    if unknown:
        raise ValidationFailed.single(
            "by",
            f"unknown dimension {unknown[0]!r}; any of: {', '.join(DIMENSION_LABELS)}",
            "unknown_dimension",
        )
    if len(set(dims)) != len(dims):
        raise ValidationFailed.single("by", "a dimension is named twice", "duplicate")
    counts = count(
        population,
        dims=dims,
        reference=reference,
        brackets=brackets,
        basis=basis,
        period=period,
        start=start,
        end=end,
    )
    present = _present(counts)
    ctx = {**population.context, "reference_date": reference, "basis": basis, "age_brackets": brackets.text}
    if "period" in dims or basis != "stock":
        ctx["period"] = period
    return long_table(
        name="disaggregation",
        title=f"Registered people by {', '.join(DIMENSION_LABELS[d][0].lower() for d in dims)}"
        + (f" on {reference.isoformat()}" if basis == "stock" else f" ({basis})"),
        dims=[dimension(population, d, present.get(d, []), brackets) for d in dims],
        counts=counts.as_dict(),
        rule=rule,
        value=Column("people", "People", "#affected+total"),
        notes=NOTES,
        context=ctx,
    )


# ---------------------------------------------------------------------------------------------
# specific needs (a separate query: a person may have several)


def needs(
    session: Session,
    *,
    actor: Principal,
    population: Population,
    rule: DisclosureRule,
) -> Table:
    """People with an active specific need, by category and sex. Categories overlap, so there is no
    total across categories; SGBV and torture use the sensitive threshold."""
    data = need_counts(session, actor=actor, population=population)
    categories = [(c, f"{c} · {label}") for c, label in CATEGORIES.items()]
    sexes = sorted(
        {s for _c, s in data} | {"F", "M"}, key=lambda s: list(SEX_LABELS).index(s) if s in SEX_LABELS else 9
    )
    sensitive: Callable[[tuple[str, ...]], bool] = lambda codes: codes[0] in SENSITIVE_CATEGORIES  # noqa: E731
    return cube_table(
        name="specific-needs",
        title="People with specific needs by category and sex (active flags)",
        rows=[Dimension("category", "Specific-need category", "#need+code", categories)],
        column=Dimension(
            "sex", "Sex", "#gender+code", [(s, SEX_LABELS.get(s, s)) for s in sexes], member_hxl=SEX_HXL
        ),
        counts=data,
        rule=rule,
        value_hxl="#affected+needs",
        sensitive=sensitive,
        totals=[False, True],
        keep_empty_rows=True,
        notes=[
            "A person with needs in several categories is counted in each: categories do not add up.",
            f"SGBV (SV) and torture (TR) are shown only from {rule.sensitive_threshold} people up.",
            "Active people with an active flag, whatever the reference date.",
        ],
        context={**population.context},
    )


# ---------------------------------------------------------------------------------------------
# key figures


@dataclass(frozen=True)
class KeyFigures:
    reference: dt.date
    people: int | str
    households: int | str
    female_pct: float | None
    children_pct: float | None
    arrivals_7_days: int | str
    arrivals_30_days: int | str
    rule: DisclosureRule


def key_figures(
    session: Session, *, actor: Principal, population: Population, reference: dt.date, rule: DisclosureRule
) -> KeyFigures:
    """The headline figures, each passed through the disclosure rule."""
    by_sex_age = count(population, dims=["sex", "age"], reference=reference).as_dict()
    people = sum(by_sex_age.values())
    female = sum(n for (s, _a), n in by_sex_age.items() if s == "F")
    sexed = sum(n for (s, _a), n in by_sex_age.items() if s in ("F", "M"))
    child_labels = {b.label for i, b in enumerate(DEFAULT.brackets) if DEFAULT.is_child(i)}
    children = sum(n for (_s, a), n in by_sex_age.items() if a in child_labels)

    def arrived(days: int) -> int:
        return count(
            population,
            dims=[],
            reference=reference,
            basis="arrivals",
            start=reference - dt.timedelta(days=days - 1),
            end=reference,
        ).total

    from refugio.stats.duckdb_engine import households as engine_households

    households = engine_households(population.frame)

    def safe(n: int) -> int | str:
        value = published(n, "primary" if 0 < n < rule.threshold else None, rule)
        assert value is not None
        return value

    big_enough = people >= rule.threshold
    return KeyFigures(
        reference=reference,
        people=safe(people),
        households=safe(households),
        female_pct=round(100 * female / sexed, 1) if sexed >= rule.threshold and big_enough else None,
        children_pct=round(100 * children / people, 1) if big_enough else None,
        arrivals_7_days=safe(arrived(7)),
        arrivals_30_days=safe(arrived(30)),
        rule=rule,
    )


def standard_tables(
    session: Session,
    *,
    actor: Principal,
    population: Population,
    reference: dt.date,
    rule: DisclosureRule,
    brackets: AgeBrackets = DEFAULT,
    period: Period = "month",
    start: dt.date | None = None,
) -> dict[str, Table]:
    """The dashboard's tables, by name."""
    return {
        "pyramid": pyramid(population, reference=reference, rule=rule, brackets=brackets),
        "arrivals": arrivals(
            population, reference=reference, rule=rule, period=period, start=start, end=reference
        ),
        "by-site": by_site(population, reference=reference, rule=rule),
        "by-origin": by_origin(population, reference=reference, rule=rule),
        "by-population-type": by_population_type(
            population, reference=reference, rule=rule, brackets=brackets
        ),
        "specific-needs": needs(session, actor=actor, population=population, rule=rule),
    }


TABLE_NAMES = ("pyramid", "arrivals", "by-site", "by-origin", "by-population-type", "specific-needs")

__all__ = [
    "TABLE_NAMES",
    "KeyFigures",
    "Population",
    "arrivals",
    "by_origin",
    "by_population_type",
    "by_site",
    "count",
    "crosstab",
    "disaggregation",
    "key_figures",
    "load_population",
    "needs",
    "pyramid",
    "resolve_operation",
    "standard_tables",
]
