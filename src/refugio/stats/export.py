"""Files of published tables, in every format refugio offers: an aligned text table (terminal), CSV,
HXL-tagged CSV, XLSX, JSON. Several tables in CSV or HXL travel as a ZIP of one file per table.
Every format names the disclosure rule (a `disclosure_rule` column, an About sheet, a metadata object).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from refugio.core.errors import ValidationFailed
from refugio.stats.hxl import to_csv, to_hxl_csv
from refugio.stats.tables import Table

Format = Literal["table", "csv", "hxl", "xlsx", "json"]
FORMATS: tuple[str, ...] = ("table", "csv", "hxl", "xlsx", "json")


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    extension: str


def check_format(value: str, allowed: Sequence[str] = FORMATS) -> Format:
    if value not in allowed:
        raise ValidationFailed.single("format", f"unknown format {value!r}; one of: {', '.join(allowed)}")
    return value  # type: ignore[return-value]


def text_table(table: Table) -> str:
    """The table aligned for a terminal, with its title, notes and the disclosure rule."""
    cells = [[c.label for c in table.columns]] + [
        ["" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v)) for v in row]
        for row in table.rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
    numeric = [c.kind in ("count", "rate") for c in table.columns]
    lines = [table.title, "=" * len(table.title)]
    for k, row in enumerate(cells):
        lines.append(
            "  ".join(
                v.rjust(w) if numeric[i] else v.ljust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.extend(f"* {n}" for n in table.notes)
    lines.append(f"Disclosure control: {table.rule.describe()}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render(tables: Sequence[Table], fmt: Format, *, name: str = "refugio-stats") -> Rendered:
    """One file for `tables` in `fmt`."""
    if not tables:
        raise ValidationFailed.single("table", "no table to export", "empty")
    if fmt == "table":
        return Rendered("\n".join(text_table(t) for t in tables).encode(), "text/plain; charset=utf-8", "txt")
    if fmt == "json":
        body = json.dumps([t.as_dict() for t in tables], ensure_ascii=False, indent=1)
        return Rendered(body.encode(), "application/json", "json")
    if fmt == "xlsx":
        from refugio.stats.xlsx import to_xlsx

        return Rendered(
            to_xlsx(tables), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        )
    write = to_hxl_csv if fmt == "hxl" else to_csv
    suffix = "-hxl.csv" if fmt == "hxl" else ".csv"
    if len(tables) == 1:
        return Rendered(
            write(tables[0]).encode("utf-8"), "text/csv; charset=utf-8", suffix.lstrip("-").lstrip(".")
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for t in tables:
            archive.writestr(f"{t.name}{suffix}", write(t))
        archive.writestr(
            "metadata.json", json.dumps([t.metadata() for t in tables], ensure_ascii=False, indent=1)
        )
    return Rendered(buffer.getvalue(), "application/zip", "zip")
