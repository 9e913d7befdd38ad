"""Tracking's figures (issue 16 item 6) through the disclosure control every publication of refugio
uses (refugio.stats.disclosure). **A figure's source decides** (`SOURCE_OF`):

* refugio's **own collection** — people counted at its flow monitoring points, the flow monitoring
  surveys, its multi-sector location assessments, its sites — may hold small counts: every table,
  chart and file of them is protected: counts of 1-4 shown as `<5`, and secondary suppression (`x`)
  so that no small count can be worked out from a total and the other cells of its row or column;
* **published aggregates imported from outside** — IOM DTM figures (the HDX HAPI "IDPs" table and the
  DTM-shaped HXL export) and IOM Missing Migrants Project incidents — were published by their owners
  already; they stay exact (the HAPI export must reproduce the HAPI file byte for byte).

The tables: people counted at a point by day, by one breakdown (nationality, transport, sex, age
group) or by age group × sex, each with its totals; people described by the surveys of a point;
location assessments (per round: locations × population groups, × sex and × age, linked through the
individuals they share) and their rounds; households by shelter type. Each comes as a `ControlledTable`
naming its source and rule, which the web, API and CLI render as they are (HTML, JSON, CSV).

Imports refugio.tracking (its reads) and refugio.stats.disclosure.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.security.principals import Principal
from refugio.stats.disclosure import DEFAULT_RULE, DisclosureRule, Status, add_margins, protect, published
from refugio.tracking import queries
from refugio.tracking.enums import AgeGroup
from refugio.tracking.schemas import AssessmentRead, SectorNeeds

TOTAL = "Total"
Cell = int | str | None
Labels = tuple[str, ...]
DIRECTIONS = ("incoming", "outgoing")


class Source(StrEnum):
    OWN = "own"  # refugio's own collection: protected
    PUBLISHED = "published"  # a published aggregate imported from outside: exact


SOURCE_OF: dict[str, Source] = {
    "flow_counts": Source.OWN,
    "flow_surveys": Source.OWN,
    "assessments": Source.OWN,
    "sites": Source.OWN,
    "dtm": Source.PUBLISHED,
    "mmp": Source.PUBLISHED,
}
SOURCE_NOTES = {
    "dtm": "Published aggregates of IOM's Displacement Tracking Matrix, as imported: shown exact.",
    "mmp": "Published aggregates of IOM's Missing Migrants Project, as imported: shown exact.",
}


def is_exact(kind: str) -> bool:
    """Whether figures of source `kind` are published exact (imported published aggregates)."""
    if kind not in SOURCE_OF:
        raise ValidationFailed.single("source", f"unknown figure source {kind!r}")
    return SOURCE_OF[kind] is Source.PUBLISHED


def note_for(kind: str, rule: DisclosureRule = DEFAULT_RULE) -> str:
    return SOURCE_NOTES[kind] if is_exact(kind) else rule.describe()


class ControlledTable(BaseModel):
    """A table as it may be published: its cells, the source of its figures and the rule applied."""

    title: str
    source: str
    rule: str | None  # None: exact (a published aggregate)
    note: str
    columns: list[str]
    rows: list[dict[str, Cell]]

    def cell(self, key: str, column: str) -> Cell:
        """The cell of the row whose first column is `key`."""
        first = self.columns[0]
        for row in self.rows:
            if row.get(first) == key:
                return row.get(column)
        raise KeyError(key)


def _table(
    title: str, kind: str, rule: DisclosureRule, columns: list[str], rows: list[dict[str, Cell]]
) -> ControlledTable:
    return ControlledTable(
        title=title,
        source=kind,
        rule=None if is_exact(kind) else rule.id,
        note=note_for(kind, rule),
        columns=columns,
        rows=rows,
    )


def cube(
    counts: Mapping[Labels, int],
    dims: Sequence[Sequence[str]],
    rule: DisclosureRule,
    *,
    totals: Sequence[bool] | None = None,
    forced: Mapping[Labels, Status] | None = None,
) -> tuple[dict[Labels, Cell], dict[Labels, Status]]:
    """Protect a table of counts keyed by labels (`dims[d]` the members of dimension d, with a `Total`
    when `totals[d]`, all by default): (published cell by labels, suppression status by labels)."""
    has_total = list(totals) if totals is not None else [True] * len(dims)
    sizes = [len(d) for d in dims]
    index = [{v: i for i, v in enumerate(d)} for d in dims]

    def coord(labels: Labels) -> tuple[int, ...]:
        return tuple(sizes[i] if v == TOTAL else index[i][v] for i, v in enumerate(labels))

    def label(c: tuple[int, ...]) -> Labels:
        return tuple(dims[i][j] if j < sizes[i] else TOTAL for i, j in enumerate(c))

    values = add_margins({coord(k): n for k, n in counts.items()}, sizes, has_total)
    pinned = {coord(k): s for k, s in (forced or {}).items()}
    status = protect(values, sizes, has_total, lambda _c: rule.threshold, pinned).status
    extents = [range(n + 1) if t else range(n) for n, t in zip(sizes, has_total, strict=True)]
    cells = {label(c): published(values.get(c, 0), status.get(c), rule) for c in itertools.product(*extents)}
    return cells, {label(c): s for c, s in status.items()}


def single(value: int | None, rule: DisclosureRule = DEFAULT_RULE) -> Cell:
    """A count published on its own (no total beside it): primary suppression only."""
    if value is None:
        return None
    return published(value, "primary" if 0 < value < rule.threshold else None, rule)


# ---------------------------------------------------------------------------------------------------
# flow monitoring

FLOW_TABLES = ("day", *queries.BREAKDOWNS, "sex_age")
SEX_COLUMNS = {"F": "female", "M": "male", "U": "sex_unknown"}


def _ordered(found: set[str], first: Sequence[str]) -> list[str]:
    return [v for v in first if v in found or not found] + sorted(found - set(first))


def _two_way(
    counts: Mapping[Labels, int], keys: list[str], key_column: str, columns: Mapping[str, str],
    rule: DisclosureRule, *, total_row: bool = True,
) -> list[dict[str, Cell]]:  # fmt: skip
    """Rows `keys` × `columns` (value → column name) with a total column and (if `total_row`) row."""
    cells, _ = cube(counts, [keys, list(columns)], rule, totals=[total_row, True])
    return [
        {key_column: k, **{name: cells[(k, v)] for v, name in columns.items()}, "total": cells[(k, TOTAL)]}
        for k in [*keys, *([TOTAL] if total_row else [])]
    ]


def flow_table(
    session: Session, *, actor: Principal, point_id: uuid.UUID, start: dt.date, end: dt.date, by: str,
    rule: DisclosureRule = DEFAULT_RULE,
) -> ControlledTable:  # fmt: skip
    """People counted at a point from `start` to `end`: by `day`, by a breakdown (× direction) or by
    age group × sex (`sex_age`), with totals, protected."""
    if by not in FLOW_TABLES:
        raise ValidationFailed.single("by", f"one of {', '.join(FLOW_TABLES)}")
    period = f"{start.isoformat()} to {end.isoformat()}"
    if by == "sex_age":
        counts = queries.flow_cells(session, actor=actor, point_id=point_id, start=start, end=end,
                                    by=("age_group", "sex"))  # fmt: skip
        ages = _ordered({k[0] for k in counts}, [a.value for a in AgeGroup])
        sexes = {**SEX_COLUMNS, **{s: s for s in sorted({k[1] for k in counts} - set(SEX_COLUMNS))}}
        rows = _two_way(counts, ages, "age_group", sexes, rule)
        return _table(f"People counted by age group and sex, {period}", "flow_counts", rule,
                      ["age_group", *sexes.values(), "total"], rows)  # fmt: skip
    if by == "day":
        days = queries.flow_days(session, actor=actor, point_id=point_id, start=start, end=end)
        keys = [d.day.isoformat() for d in days]
        counts = {(d.day.isoformat(), x): getattr(d, x) for d in days for x in DIRECTIONS}
        rows = _two_way(counts, keys, "day", dict(zip(DIRECTIONS, DIRECTIONS, strict=True)), rule)
        return _table(f"People counted each day, {period}", "flow_counts", rule,
                      ["day", *DIRECTIONS, "total"], rows)  # fmt: skip
    found = queries.flow_breakdown(session, actor=actor, point_id=point_id, start=start, end=end, by=by)
    keys = [str(r[by]) for r in found]
    counts = {(str(r[by]), x): int(str(r[x])) for r in found for x in DIRECTIONS}
    rows = _two_way(counts, keys, by, dict(zip(DIRECTIONS, DIRECTIONS, strict=True)), rule)
    return _table(f"People counted by {by.replace('_', ' ')}, {period}", "flow_counts", rule,
                  [by, *DIRECTIONS, "total"], rows)  # fmt: skip


def survey_table(
    session: Session, *, actor: Principal, point_id: uuid.UUID, by: str, rule: DisclosureRule = DEFAULT_RULE
) -> ControlledTable:
    """People described by the surveys of a point, by `by` and direction, and the surveys, protected.
    Reasons are several per survey: their rows have no total (a group counts under each)."""
    found = queries.survey_breakdown(session, actor=actor, point_id=point_id, by=by)
    keys = [str(r[by]) for r in found]
    whole = by != "reasons"
    people: dict[Labels, int] = {(str(r[by]), x): int(str(r[x])) for r in found for x in DIRECTIONS}
    rows = _two_way(people, keys, by, dict(zip(DIRECTIONS, DIRECTIONS, strict=True)), rule, total_row=whole)
    surveys, _ = cube({(str(r[by]),): int(str(r["surveys"])) for r in found}, [keys], rule, totals=[whole])
    for row in rows:
        row["surveys"] = surveys[(str(row[by]),)]
    return _table(f"People described by the flow monitoring surveys, by {by.replace('_', ' ')}",
                  "flow_surveys", rule, [by, *DIRECTIONS, "total", "surveys"], rows)  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# location assessments

PARTS = {
    "groups": ("idps", "returnees", "migrants"),
    "sexes": ("males", "females"),
    "ages": ("children", "adults", "elderly"),
}
PEOPLE = ("individuals", *itertools.chain(*PARTS.values()))


class RoundCells(BaseModel):
    """The published people figures of one round: by assessment id, and the round's totals."""

    by_row: dict[str, dict[str, Cell]]
    totals: dict[str, Cell]


def _round(rows: list[AssessmentRead], rule: DisclosureRule) -> RoundCells:
    """One round's locations × population groups, × sex, × age (each with the unknown remainder as a
    member and the individuals as the row total), linked: an individuals cell suppressed in one cube
    is suppressed in the others. Households are a table of their own."""
    locs = [str(a.id) for a in rows]
    shared: dict[Labels, Status] = {}
    cells: dict[str, dict[Labels, Cell]] = {}
    for _ in range(10):
        grew = False
        for name, parts in PARTS.items():
            counts: dict[Labels, int] = {}
            for a in rows:
                known = [int(getattr(a, p) or 0) for p in parts]
                for p, n in zip(parts, known, strict=True):
                    counts[(str(a.id), p)] = n
                counts[(str(a.id), "unknown")] = max(a.individuals - sum(known), 0)
            cells[name], status = cube(counts, [locs, [*parts, "unknown"]], rule, forced=shared)
            for labels, s in status.items():
                if labels[1] == TOTAL and labels not in shared:
                    shared[labels] = s
                    grew = True
        if not grew:
            break
    households, _ = cube({(str(a.id),): a.households or 0 for a in rows}, [locs], rule)
    by_row: dict[str, dict[str, Cell]] = {}
    for a in rows:
        out: dict[str, Cell] = {"individuals": cells["groups"][(str(a.id), TOTAL)]}
        for name, parts in PARTS.items():
            out.update({p: cells[name][(str(a.id), p)] if getattr(a, p) is not None else None for p in parts})
        out["households"] = households[(str(a.id),)] if a.households is not None else None
        by_row[str(a.id)] = out
    totals: dict[str, Cell] = {"individuals": cells["groups"][(TOTAL, TOTAL)] if rows else 0,
                               "households": households[(TOTAL,)] if rows else 0}  # fmt: skip
    for name, parts in PARTS.items():
        totals.update({p: cells[name][(TOTAL, p)] if rows else 0 for p in parts})
    return RoundCells(by_row=by_row, totals=totals)


def _location(a: AssessmentRead) -> tuple[str, str, str]:
    return a.country_iso3, a.admin2_pcode or a.admin1_pcode or "", a.location.casefold()


class AssessmentFigures(BaseModel):
    """A country's assessments as they may be published: each row (with the change since the
    location's previous round) and each round's totals."""

    rule: str
    note: str
    rows: list[dict[str, object]]
    rounds: list[dict[str, Cell]]


def assessment_figures(
    session: Session, *, actor: Principal, country: str | None = None, rule: DisclosureRule = DEFAULT_RULE
) -> AssessmentFigures:
    """Every assessment (of `country`) and every round, protected round by round. A duplicate shows
    the figures of the row it copies; a change is shown only when both rounds' individuals are."""
    found = queries.assessments(session, actor=actor, country=country, limit=10**9)
    per_round: dict[tuple[str, int], list[AssessmentRead]] = {}
    for a in found:
        if not a.duplicate:
            per_round.setdefault((a.country_iso3, a.round_number), []).append(a)
    protected = {key: _round(rows, rule) for key, rows in per_round.items()}
    shown: dict[tuple[tuple[str, str, str], int], dict[str, Cell]] = {}
    for (_, number), rows in per_round.items():
        for a in rows:
            shown[(_location(a), number)] = protected[(a.country_iso3, number)].by_row[str(a.id)]
    numbers: dict[tuple[str, str, str], list[int]] = {}
    for loc, number in sorted(shown, key=lambda k: k[1]):
        numbers.setdefault(loc, []).append(number)
    previous_round = {(loc, b): a for loc, ns in numbers.items() for a, b in itertools.pairwise(ns)}
    rows_out: list[dict[str, object]] = []
    for a in found:
        key = (_location(a), a.round_number)
        cells = shown.get(key) or dict.fromkeys(("households", *PEOPLE), rule.secondary_placeholder)
        change: Cell = None
        before = previous_round.get(key)
        if a.change is not None and before is not None:
            both = isinstance(cells["individuals"], int) and isinstance(
                shown[(key[0], before)]["individuals"], int
            )
            change = a.change if both else rule.secondary_placeholder
        rows_out.append({**a.model_dump(mode="json"), **cells, "change": change})
    rounds_out: list[dict[str, Cell]] = []
    for (iso3, number), rows in sorted(per_round.items()):
        rounds_out.append({"country_iso3": iso3, "round_number": number,
                           "last_date": max(a.assessment_date for a in rows).isoformat(),
                           "locations": len(rows), **protected[(iso3, number)].totals})  # fmt: skip
    return AssessmentFigures(rule=rule.id, note=rule.describe(), rows=rows_out, rounds=rounds_out)


def assessment_rows(
    session: Session, *, actor: Principal, country: str | None = None, round_number: int | None = None,
    limit: int = 500, rule: DisclosureRule = DEFAULT_RULE,
) -> list[dict[str, object]]:  # fmt: skip
    """The assessments (latest round first) as they may be published."""
    rows = assessment_figures(session, actor=actor, country=country, rule=rule).rows
    chosen = [r for r in rows if round_number is None or r["round_number"] == round_number]
    return chosen[:limit]


ROUND_COLUMNS = ["country_iso3", "round_number", "last_date", "locations", "households", "individuals",
                 "idps", "returnees", "migrants"]  # fmt: skip


def assessment_rounds(
    session: Session, *, actor: Principal, country: str | None = None, rule: DisclosureRule = DEFAULT_RULE
) -> ControlledTable:
    """Each country's rounds totalled, as they may be published (locations are not people: exact)."""
    rounds = assessment_figures(session, actor=actor, country=country, rule=rule).rounds
    rows = [{c: r.get(c) for c in ROUND_COLUMNS} for r in rounds]
    return _table("Multi-sector location assessments by round", "assessments", rule, ROUND_COLUMNS, rows)


def shelter_table(
    session: Session,
    *,
    actor: Principal,
    country: str,
    round_number: int,
    rule: DisclosureRule = DEFAULT_RULE,
) -> tuple[list[SectorNeeds], ControlledTable]:
    """The needs by sector of a round (locations rated: exact) and its households by shelter type,
    protected (with their total)."""
    needs, shelter = queries.sector_needs(session, actor=actor, country=country, round_number=round_number)
    kinds = list(shelter)
    cells, _ = cube({(k,): n for k, n in shelter.items()}, [kinds], rule) if kinds else ({}, {})
    rows: list[dict[str, Cell]] = [
        {"shelter": k, "households": cells[(k,)]} for k in [*kinds, TOTAL] if kinds
    ]
    return list(needs), _table(
        "Households by shelter type", "assessments", rule, ["shelter", "households"], rows
    )


__all__ = [
    "FLOW_TABLES",
    "ROUND_COLUMNS",
    "SOURCE_OF",
    "TOTAL",
    "AssessmentFigures",
    "Cell",
    "ControlledTable",
    "Source",
    "assessment_figures",
    "assessment_rounds",
    "assessment_rows",
    "cube",
    "flow_table",
    "is_exact",
    "note_for",
    "shelter_table",
    "single",
    "survey_table",
]
