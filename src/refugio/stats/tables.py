"""Publishable tables: columns with labels and HXL hashtags, rows of published values, the disclosure
status of each cell and the metadata every export carries (title, source, rule, notes).

`cube_table` and `long_table` build a table from counts over dimensions and apply the disclosure rule
(primary and secondary suppression over all margins) on the way: nothing builds a `Table` of counts
without passing through `disclosure.protect`. Pure Python; imports refugio.core and refugio.stats only.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from refugio.core import clock
from refugio.stats.disclosure import (
    DisclosureRule,
    Protection,
    Status,
    add_margins,
    protect,
    published,
)

Cell = int | float | str | None
Kind = Literal["label", "count", "rate", "year", "text"]

TOTAL = "Total"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    hxl: str
    kind: Kind = "count"


@dataclass
class Table:
    """A published table: every count in `rows` already passed disclosure control."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    rule: DisclosureRule
    status: dict[tuple[int, int], Status] = field(default_factory=dict)  # (row, column) → why hidden
    notes: list[str] = field(default_factory=list)
    source: str = "refugio"
    context: dict[str, Any] = field(default_factory=dict)  # operation, reference date, year, …
    generated_at: dt.datetime = field(default_factory=clock.now)
    total_rows: set[int] = field(default_factory=set)
    # the title as a message to translate, with %(name)s placeholders for its values (dates, years);
    # empty: `title` itself is the message
    title_msg: str = ""
    title_values: dict[str, str] = field(default_factory=dict)

    def retitle(self, message: str, **values: str) -> Table:
        """Give the table a translatable title (`message % values` in English); returns the table."""
        self.title_msg, self.title_values = message, dict(values)
        self.title = message % values if values else message
        return self

    def translated_title(self, gettext: Callable[[str], str]) -> str:
        """The title in the language of `gettext` (a catalogue lookup; values put in afterwards)."""
        if not self.title_msg:
            return gettext(self.title)
        text = gettext(self.title_msg)
        return text % self.title_values if self.title_values else text

    @property
    def suppressed(self) -> dict[str, int]:
        kinds = list(self.status.values())
        return {"primary": kinds.count("primary"), "secondary": kinds.count("secondary")}

    def column(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def value(self, row: int, key: str) -> Cell:
        return self.rows[row][self.column(key)]

    def metadata(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "title": self.title,
            "source": self.source,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.context.items()},
            "disclosure": self.rule.as_metadata(),
            "suppressed_cells": self.suppressed,
            "notes": list(self.notes),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "hxl": c.hxl, "kind": c.kind} for c in self.columns],
            "rows": [list(r) for r in self.rows],
            "suppressed": [[r, c, s] for (r, c), s in sorted(self.status.items())],
            "metadata": self.metadata(),
        }


@dataclass(frozen=True)
class Dimension:
    """One dimension of a cube: its members in display order, as (code, label)."""

    key: str
    label: str
    hxl: str
    members: Sequence[tuple[str, str]]
    total_label: str = TOTAL
    # HXL attribute per member when the dimension becomes columns (e.g. "f", "age0_4")
    member_hxl: Mapping[str, str] = field(default_factory=dict)


def _attribute(text: str) -> str:
    clean = "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")
    return clean if clean and clean[0].isalpha() else f"v{clean}"


def _index_counts(
    dims: Sequence[Dimension], counts: Mapping[tuple[str, ...], int]
) -> dict[tuple[int, ...], int]:
    positions = [{code: i for i, (code, _label) in enumerate(d.members)} for d in dims]
    out: dict[tuple[int, ...], int] = {}
    for key, n in counts.items():
        try:
            coord = tuple(p[k] for p, k in zip(positions, key, strict=True))
        except KeyError as exc:
            raise ValueError(f"count for {key!r}: {exc.args[0]!r} is not a member of its dimension") from None
        out[coord] = out.get(coord, 0) + int(n)
    return out


def _threshold_of(
    dims: Sequence[Dimension], rule: DisclosureRule, sensitive: Callable[[tuple[str, ...]], bool] | None
) -> Callable[[tuple[int, ...]], int]:
    def threshold(coord: tuple[int, ...]) -> int:
        if sensitive is None:
            return rule.threshold
        codes = tuple(
            d.members[i][0] if i < len(d.members) else TOTAL for d, i in zip(dims, coord, strict=True)
        )
        return rule.sensitive_threshold if sensitive(codes) else rule.threshold

    return threshold


def cube_table(
    *,
    name: str,
    title: str,
    rows: Sequence[Dimension],
    column: Dimension,
    counts: Mapping[tuple[str, ...], int],
    rule: DisclosureRule,
    value_hxl: str,
    sensitive: Callable[[tuple[str, ...]], bool] | None = None,
    totals: bool | Sequence[bool] = True,
    notes: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
    source: str = "refugio registrations",
    keep_empty_rows: bool = False,
) -> Table:
    """A cross-table: one row per combination of the row dimensions, one column per member of `column`,
    with totals on every dimension (when `totals`), protected as one hypercube.

    `counts` maps (row codes…, column code) to a count; `sensitive(codes)` says whether a cell (codes
    of its members, "Total" for a margin) belongs to a sensitive category."""
    dims = [*rows, column]
    sizes = [len(d.members) for d in dims]
    has_total = [totals] * len(dims) if isinstance(totals, bool) else list(totals)
    if len(has_total) != len(dims):
        raise ValueError("give one totals flag per dimension (rows…, column)")
    cells = add_margins(_index_counts(dims, counts), sizes, has_total)
    protection: Protection = protect(cells, sizes, has_total, _threshold_of(dims, rule, sensitive))

    columns = [Column(d.key, d.label, d.hxl, "label") for d in rows]
    col_members = list(range(len(column.members))) + ([len(column.members)] if has_total[-1] else [])
    for j in col_members:
        if j < len(column.members):
            code, label = column.members[j]
            attr = column.member_hxl.get(code) or _attribute(code)
            columns.append(Column(f"{column.key}:{code}", label, f"{value_hxl}+{attr}"))
        else:
            columns.append(Column(TOTAL.lower(), column.total_label, f"{value_hxl}+total"))

    extents = [range(n + 1) if t else range(n) for n, t in zip(sizes[:-1], has_total[:-1], strict=True)]
    table_rows: list[list[Cell]] = []
    status: dict[tuple[int, int], Status] = {}
    total_rows: set[int] = set()
    for combo in itertools.product(*extents):
        row_values = [cells.get((*combo, j), 0) for j in col_members]
        if not keep_empty_rows and not any(row_values):
            continue
        r = len(table_rows)
        labels: list[Cell] = [
            d.members[i][1] if i < len(d.members) else d.total_label for d, i in zip(rows, combo, strict=True)
        ]
        if any(i == len(d.members) for d, i in zip(rows, combo, strict=True)):
            total_rows.add(r)
        row: list[Cell] = list(labels)
        for offset, j in enumerate(col_members):
            coord = (*combo, j)
            why = protection.status.get(coord)
            row.append(published(cells.get(coord, 0), why, rule))
            if why is not None:
                status[(r, len(rows) + offset)] = why
        table_rows.append(row)
    return Table(
        name=name,
        title=title,
        columns=columns,
        rows=table_rows,
        rule=rule,
        status=status,
        notes=list(notes),
        source=source,
        context=dict(context or {}),
        total_rows=total_rows,
    )


def long_table(
    *,
    name: str,
    title: str,
    dims: Sequence[Dimension],
    counts: Mapping[tuple[str, ...], int],
    rule: DisclosureRule,
    value: Column,
    sensitive: Callable[[tuple[str, ...]], bool] | None = None,
    notes: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
    source: str = "refugio registrations",
) -> Table:
    """One row per non-zero combination of `dims` and its count, with no totals: only primary suppression
    applies (no published relation ties the cells together). Rows in dimension order."""
    sizes = [len(d.members) for d in dims]
    cells = _index_counts(dims, counts)
    protection = protect(cells, sizes, [False] * len(dims), _threshold_of(dims, rule, sensitive))
    columns = [*(Column(d.key, d.label, d.hxl, "label") for d in dims), value]
    table_rows: list[list[Cell]] = []
    status: dict[tuple[int, int], Status] = {}
    for coord in sorted(c for c, n in cells.items() if n):
        why = protection.status.get(coord)
        if why is not None:
            status[(len(table_rows), len(dims))] = why
        table_rows.append(
            [*(d.members[i][0] for d, i in zip(dims, coord, strict=True)), published(cells[coord], why, rule)]
        )
    notes = [*notes, "No totals are included: add up published cells only, suppressed cells are missing."]
    return Table(
        name=name,
        title=title,
        columns=columns,
        rows=table_rows,
        rule=rule,
        status=status,
        notes=notes,
        source=source,
        context=dict(context or {}),
    )


@dataclass(frozen=True)
class Rate:
    """A percentage with the count it is taken of: hidden when that count is small."""

    numerator: int
    denominator: int

    def value(self) -> float | None:
        return round(100.0 * self.numerator / self.denominator, 1) if self.denominator else None


def measure_table(
    *,
    name: str,
    title: str,
    labels: Sequence[Column],
    measures: Sequence[Column],
    rows: Sequence[tuple[Sequence[Cell], Mapping[str, int | Rate | None]]],
    rule: DisclosureRule,
    total_label: str | None = None,
    notes: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
    source: str = "UNHCR Refugee Data Finder (refugees data package)",
) -> Table:
    """Rows of independent measures (each count column protected on its own; when `total_label` is given
    a total row is appended and each column protected with its total). A `Rate` is shown only when its
    denominator is not small and none of its counts is hidden."""
    table_rows: list[list[Cell]] = []
    status: dict[tuple[int, int], Status] = {}
    n = len(rows)
    totals: dict[str, int] = {}
    for m in measures:
        if m.kind != "count":
            continue
        values: dict[tuple[int, ...], int] = {
            (i,): int(v) for i, (_l, data) in enumerate(rows) if isinstance(v := data.get(m.key), int)
        }
        if total_label is not None:
            totals[m.key] = sum(values.values())
            values[(n,)] = totals[m.key]
        protection = protect(values, [n], [total_label is not None], lambda _c: rule.threshold)
        for (i,), reason in protection.status.items():
            status[(i, len(labels) + [x.key for x in measures].index(m.key))] = reason
    all_rows = list(rows)
    if total_label is not None:
        all_rows.append(([total_label, *[""] * (len(labels) - 1)], {k: v for k, v in totals.items()}))
    for i, (label_values, data) in enumerate(all_rows):
        row: list[Cell] = list(label_values)
        hidden_here = any(r == i for (r, _c) in status)
        for j, m in enumerate(measures):
            v = data.get(m.key)
            why = status.get((i, len(labels) + j))
            if isinstance(v, Rate):
                small = v.denominator < rule.threshold or (hidden_here and v.numerator < rule.threshold)
                row.append(None if small else v.value())
            elif isinstance(v, int):
                row.append(published(v, why, rule))
            else:
                row.append(v)
        table_rows.append(row)
    return Table(
        name=name,
        title=title,
        columns=[*labels, *measures],
        rows=table_rows,
        rule=rule,
        status=status,
        notes=list(notes),
        source=source,
        context=dict(context or {}),
        total_rows={n} if total_label is not None else set(),
    )
