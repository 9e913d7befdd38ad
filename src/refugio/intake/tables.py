"""What the import readers share: the limits a file must keep, a source row, a table (headers, HXL
row, a stream of rows), the error that refuses a file, and the header checks. No file format here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from refugio.core.errors import ValidationFailed
from refugio.intake.values import EXCEL_1900

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a file may be. Trip one and the file is refused with a message naming the limit."""

    max_csv_bytes: int = 1024 * MiB
    max_xlsx_bytes: int = 100 * MiB
    max_uncompressed_bytes: int = 2048 * MiB  # all parts of an XLSX, as declared in the zip
    max_ratio: int = 100  # uncompressed / compressed, for parts over 1 MiB
    max_zip_entries: int = 10_000
    max_rows: int = 5_000_000
    max_columns: int = 1000
    max_cell_chars: int = 32_767  # Excel's own cell limit


DEFAULT_LIMITS = Limits()


@dataclass
class SourceRow:
    """One data row: its number as a person sees it (spreadsheet row, counting the header as 1)."""

    number: int
    cells: list[Any]
    sheet: str | None = None
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (column index, message, code)


@dataclass
class Table:
    kind: str  # csv | xlsx
    headers: list[str]
    hxl: list[str] | None
    rows: Iterator[SourceRow]
    encoding: str | None = None
    sheet: str | None = None
    epoch: dt.date = EXCEL_1900
    warnings: list[str] = field(default_factory=list)
    total_bytes: int = 0
    estimated_rows: int | None = None
    stats: dict[str, int] = field(default_factory=lambda: {"empty_rows": 0, "bytes_read": 0})


def refuse(message: str, code: str = "bad_file") -> ValidationFailed:
    return ValidationFailed.single("file", message, code)


def human_size(n: int) -> str:
    return f"{n / MiB:,.1f} MB" if n >= MiB else f"{n:,} bytes"


def check_headers(headers: Sequence[str], limits: Limits) -> None:
    if len(headers) > limits.max_columns:
        raise refuse(
            f"the file has {len(headers):,} columns; the limit is {limits.max_columns:,}", "too_many_columns"
        )
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        if h in seen:
            raise refuse(
                f"two columns are named {h!r} (columns {seen[h] + 1} and {i + 1}): rename one",
                "duplicate_header",
            )
        seen[h] = i
    if not any(headers):
        raise refuse("the header row is empty", "empty_file")
