"""HXL (Humanitarian Exchange Language): tagged CSV of any published table, and the check that a file
is valid HXL by parsing it with libhxl, the reference implementation.

Each column carries its hashtag and attributes (`#affected+f+age0_4`, `#country+code+origin`, …); a last
column `#meta+disclosure` names the disclosure rule on every row. libhxl is imported lazily, here only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from refugio.core.errors import ValidationFailed
from refugio.stats.tables import Table

_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$")
DISCLOSURE_HEADER = "disclosure_rule"
DISCLOSURE_TAG = "#meta+disclosure"


def is_hashtag(text: str) -> bool:
    return bool(_TAG.match(text))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table_rows(table: Table, *, tags: bool) -> list[list[str]]:
    """Header row, the hashtag row when `tags`, then the data; the disclosure rule as the last column."""
    for c in table.columns:
        if not is_hashtag(c.hxl):
            raise ValueError(f"column {c.key!r} has no valid HXL hashtag: {c.hxl!r}")
    out = [[c.label for c in table.columns] + [DISCLOSURE_HEADER]]
    if tags:
        out.append([c.hxl for c in table.columns] + [DISCLOSURE_TAG])
    out.extend([_cell(v) for v in row] + [table.rule.id] for row in table.rows)
    return out


def to_csv(table: Table, *, tags: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(table_rows(table, tags=tags))
    return buffer.getvalue()


def to_hxl_csv(table: Table) -> str:
    """The table as HXL-tagged CSV (hashtag row under the header row)."""
    return to_csv(table, tags=True)


@dataclass(frozen=True)
class HxlCheck:
    tags: list[str]
    headers: list[str]
    rows: int


def validate(text: str) -> HxlCheck:
    """Parse `text` with libhxl; ValidationFailed if it is not HXL or a column lacks a hashtag."""
    import hxl  # type: ignore[import-untyped]

    try:
        source = hxl.data(hxl.input.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions()))
        columns = list(source.columns)
        rows = sum(1 for _ in source)
    except hxl.HXLException as exc:
        raise ValidationFailed.single("file", f"not valid HXL: {exc}", "invalid_hxl") from None
    missing = [c.header or f"column {i + 1}" for i, c in enumerate(columns) if not c.tag]
    if missing:
        raise ValidationFailed.single(
            "file", f"columns without an HXL hashtag: {', '.join(missing)}", "no_tag"
        )
    return HxlCheck([c.display_tag for c in columns], [c.header or "" for c in columns], rows)
