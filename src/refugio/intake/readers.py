"""Reading import files as a stream of rows, with guards: CSV (encoding found by reading the whole file:
UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, Windows-1252; anything else is a clear error; the
delimiter sniffed) and XLSX through openpyxl in read-only streaming mode (merged cells filled from
their top-left cell, formulas read as their saved results and a clear per-cell error when a formula
has none, Excel dates as dates, empty rows skipped). A row of HXL hashtags under the headers is
recognised. Kobo/ODK XLSX exports with a repeat sheet (members, `_parent_index`) are read as one row
per member carrying its household's columns.

Guards: the file size (per format), and for XLSX the zip itself before openpyxl opens it (number of
parts, declared uncompressed size, compression ratio: a zip bomb is refused without being inflated),
columns per row, characters per cell and rows per file.

    with open_table(path, filename="export.xlsx") as table:
        table.headers, table.hxl
        for row in table.rows: row.number, row.cells, row.problems

XLSX is read by `openpyxl_reader` (the only module, with report.py, that imports openpyxl, lazily);
the shared types are in `tables`. No database access.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from refugio.intake.mapping import is_hxl_row
from refugio.intake.openpyxl_reader import check_zip, list_sheets, open_xlsx
from refugio.intake.tables import (
    DEFAULT_LIMITS,
    Limits,
    MiB,
    SourceRow,
    Table,
    check_headers,
    human_size,
    refuse,
)


def sniff_kind(path: Path, filename: str | None = None) -> str:
    """csv or xlsx, from the first bytes (the name only breaks ties); old .xls and others are refused."""
    with path.open("rb") as fh:
        head = fh.read(8)
    name = (filename or path.name).lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(
            "this is an old Excel 97-2003 workbook (.xls): open it and save it as .xlsx or CSV", "xls_format"
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise refuse("the file is named .xlsx but is not an Excel workbook (it is not a zip file)")
    if head.startswith(b"%PDF"):
        raise refuse("this is a PDF, not a spreadsheet: export the data as CSV or XLSX", "unsupported_format")
    return "csv"


@contextmanager
def open_table(
    path: Path,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Table]:
    """Open a CSV or XLSX file as a Table (a context manager: the file is closed afterwards)."""
    kind = sniff_kind(path, filename)
    size = path.stat().st_size
    if size == 0:
        raise refuse("the file is empty", "empty_file")
    with ExitStack() as stack:
        if kind == "csv":
            if size > limits.max_csv_bytes:
                raise refuse(
                    f"the file is {human_size(size)}; "
                    f"the limit for CSV is {human_size(limits.max_csv_bytes)}",
                    "too_large",
                )
            table = _open_csv(path, stack, limits)
        else:
            if size > limits.max_xlsx_bytes:
                raise refuse(
                    f"the workbook is {human_size(size)}; the limit for XLSX is "
                    f"{human_size(limits.max_xlsx_bytes)}: split it or export it as CSV",
                    "too_large",
                )
            table = open_xlsx(path, stack, limits, sheet)
        table.total_bytes = size
        yield table


# ---------------------------------------------------------------------------------------------------
# CSV


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def _decodes(path: Path, encoding: str, skip: int = 0) -> tuple[bool, int, int]:
    """Whether the whole file decodes; if not, the byte offset and line of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, line = skip, 1
    with path.open("rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(4 * MiB)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                with path.open("rb") as again:
                    again.seek(skip)
                    line += again.read(bad - skip).count(b"\n")
                return False, bad, line
            line += text.count("\n")
            offset += len(chunk)
            if not chunk:
                return True, 0, 0


def detect_encoding(path: Path) -> tuple[str, str | None]:
    """(encoding, warning): the encoding the whole file decodes with, or a clear error."""
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(codecs.BOM_UTF8):
        ok, at, line = _decodes(path, "utf-8", skip=3)
        if not ok:
            raise refuse(
                f"the file says it is UTF-8 but byte {at:,} (line {line}) is not: save it again as UTF-8",
                "bad_encoding",
            )
        return "utf-8-sig", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        ok, at, line = _decodes(path, "utf-16")
        if not ok:
            raise refuse(f"the file is not valid UTF-16 (byte {at:,})", "bad_encoding")
        return "utf-16", None
    utf16 = _utf16_without_bom(head)
    if utf16:
        ok, at, _line = _decodes(path, utf16)
        if ok:
            return utf16, None
    if b"\x00" in head:
        raise refuse(
            "this is not a text (CSV) file: it holds binary data. Export the data as CSV (UTF-8) or XLSX",
            "binary_file",
        )
    ok, at, line = _decodes(path, "utf-8")
    if ok:
        return "utf-8", None
    ok_1252, _at, _line = _decodes(path, "cp1252")
    if ok_1252:
        return "cp1252", (
            f"the file is not UTF-8 (first non-UTF-8 byte at line {line}); it was read as "
            "Windows-1252 (Western European). Check the names with accents; save as UTF-8 to be sure"
        )
    raise refuse(
        f"cannot tell the file's character encoding (byte {at:,}, line {line}, is neither UTF-8 nor "
        "Windows-1252): save it as 'CSV UTF-8'",
        "bad_encoding",
    )


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it (for progress)."""

    def __init__(self, raw: IO[bytes], stats: dict[str, int]) -> None:
        self.raw = raw
        self.stats = stats

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.stats["bytes_read"] += n or 0
        return n or 0


def _delimiter(sample: str) -> str:
    """The delimiter of the header line: the most frequent of , ; TAB | outside quotes (',' on a tie)."""
    line = sample.lstrip("\ufeff").split("\n", 1)[0]
    line = re.sub(r'"[^"]*"', "", line)
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class _Records:
    """Non-empty CSV records with their row numbers (records counted from 1, like spreadsheet rows)."""

    def __init__(self, reader: Any, stats: dict[str, int]) -> None:
        self.reader = reader
        self.stats = stats
        self.count = 0

    def next(self) -> tuple[int, list[str]] | None:
        for record in self.reader:
            self.count += 1
            if not "".join(record).strip():  # every cell blank (one C-level pass, not one per cell)
                self.stats["empty_rows"] += 1
                continue
            return self.count, record
        return None


def _open_csv(path: Path, stack: ExitStack, limits: Limits) -> Table:
    encoding, warning = detect_encoding(path)
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    sample = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    delimiter = _delimiter(sample)
    stats = {"empty_rows": 0, "bytes_read": 0}
    raw = stack.enter_context(path.open("rb"))
    counted = io.BufferedReader(_CountingReader(raw, stats), buffer_size=1 * MiB)
    text = stack.enter_context(io.TextIOWrapper(counted, encoding=encoding, newline=""))
    csv.field_size_limit(max(limits.max_cell_chars, 1024))
    records = _Records(csv.reader(text, delimiter=delimiter), stats)
    try:
        first = records.next()
    except csv.Error as exc:
        raise refuse(f"the header row cannot be read as CSV: {exc}", "bad_csv") from None
    if first is None:
        raise refuse("the file has no header row", "empty_file")
    number, headers = first
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    check_headers(headers, limits)
    warnings = [warning] if warning else []
    hxl: list[str] | None = None
    pending: tuple[int, list[str]] | None = None
    try:
        second = records.next()
    except csv.Error as exc:
        raise refuse(f"row {number + 1} cannot be read as CSV: {exc}", "bad_csv") from None
    if second is not None:
        if is_hxl_row(second[1]):
            hxl = [c.strip() for c in second[1]][: len(headers)]
            hxl += [""] * (len(headers) - len(hxl))
        else:
            pending = second

    def rows() -> Iterator[SourceRow]:
        count = 0
        if pending is not None:
            count += 1
            yield _csv_row(pending[0], pending[1], len(headers))
        while True:
            try:
                item = records.next()
            except csv.Error as exc:
                raise refuse(
                    f"row {records.count + 1}: {exc} (a cell longer than {limits.max_cell_chars:,} "
                    "characters, or an unclosed quote)",
                    "bad_csv",
                ) from None
            if item is None:
                return
            count += 1
            if count > limits.max_rows:
                raise refuse(f"the file has more than {limits.max_rows:,} rows: split it", "too_many_rows")
            yield _csv_row(item[0], item[1], len(headers))

    return Table(
        kind="csv",
        headers=headers,
        hxl=hxl,
        rows=rows(),
        encoding=encoding,
        warnings=warnings,
        stats=stats,
    )


def _csv_row(number: int, record: list[str], width: int) -> SourceRow:
    row = SourceRow(number, list(record))
    if len(record) > width:
        extra = record[width:]
        if any(c.strip() for c in extra):
            row.problems.append(
                (width, f"the row has {len(record)} cells but the header has {width} columns", "extra_cells")
            )
        row.cells = row.cells[:width]
    elif len(record) < width:
        row.cells.extend([""] * (width - len(record)))
    return row


__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "SourceRow",
    "Table",
    "check_zip",
    "detect_encoding",
    "list_sheets",
    "open_table",
    "refuse",
    "sniff_kind",
]
