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

The only module (with report.py) that imports openpyxl, and lazily. No database access.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from refugio.core.errors import ValidationFailed
from refugio.intake.mapping import is_hxl_row
from refugio.intake.values import EXCEL_1900, EXCEL_1904, as_text

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


def _human(n: int) -> str:
    return f"{n / MiB:,.1f} MB" if n >= MiB else f"{n:,} bytes"


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
                    f"the file is {_human(size)}; the limit for CSV is {_human(limits.max_csv_bytes)}",
                    "too_large",
                )
            table = _open_csv(path, stack, limits)
        else:
            if size > limits.max_xlsx_bytes:
                raise refuse(
                    f"the workbook is {_human(size)}; the limit for XLSX is "
                    f"{_human(limits.max_xlsx_bytes)}: split it or export it as CSV",
                    "too_large",
                )
            table = _open_xlsx(path, stack, limits, sheet)
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
            if not any(cell.strip() for cell in record):
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
    _check_headers(headers, limits)
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


def _check_headers(headers: Sequence[str], limits: Limits) -> None:
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


# ---------------------------------------------------------------------------------------------------
# XLSX


def check_zip(path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a zip that is not a workbook or would inflate beyond the limits (without inflating it)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise refuse("the workbook is damaged (not a readable zip/XLSX file)", "bad_xlsx") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            raise refuse(
                f"the workbook has {len(infos):,} parts; the limit is {limits.max_zip_entries:,}", "zip_bomb"
            )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise refuse("this zip file is not an Excel workbook (no xl/workbook.xml)", "bad_xlsx")
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_bytes:
            raise refuse(
                f"the workbook would expand to {_human(total)} "
                f"(limit {_human(limits.max_uncompressed_bytes)}): "
                "refused as a possible zip bomb; split it or export CSV",
                "zip_bomb",
            )
        for info in infos:
            if info.file_size > MiB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise refuse(
                    f"part {info.filename} is compressed "
                    f"{info.file_size // max(info.compress_size, 1):,} to 1 "
                    f"(limit {limits.max_ratio} to 1): refused as a possible zip bomb",
                    "zip_bomb",
                )


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


@dataclass(frozen=True)
class _Merge:
    first_row: int
    last_row: int
    first_col: int
    last_col: int


def _scan_sheet(zf: zipfile.ZipFile, part: str) -> tuple[list[_Merge], bool]:
    """The merged ranges of a sheet and whether it holds any formula, in one streaming pass."""
    merges: list[_Merge] = []
    has_formula = False
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 * MiB)
            if not chunk:
                break
            data = tail + chunk
            if not has_formula and _FORMULA.search(data):
                has_formula = True
            if b"mergeCell" in data:
                for m in _MERGE.finditer(data):
                    c1, r1 = _col_index(m.group(1)), int(m.group(2))
                    c2 = _col_index(m.group(3)) if m.group(3) else c1
                    r2 = int(m.group(4)) if m.group(4) else r1
                    merges.append(_Merge(r1, r2, c1, c2))
            tail = data[-256:]
    return sorted(set(merges), key=lambda m: (m.first_row, m.first_col)), has_formula


def _open_xlsx(path: Path, stack: ExitStack, limits: Limits, sheet: str | None) -> Table:
    check_zip(path, limits)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise refuse(
            f"the workbook cannot be read ({type(exc).__name__}); open and save it again", "bad_xlsx"
        ) from None
    stack.callback(wb.close)
    epoch = EXCEL_1904 if wb.epoch.year == 1904 else EXCEL_1900
    visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise refuse(f"no sheet named {sheet!r}; the workbook has {', '.join(wb.sheetnames)}", "no_sheet")
        main: Any = wb[sheet]
    else:
        if not visible:
            raise refuse("the workbook has no visible sheet", "empty_file")
        main = visible[0]
    zf = stack.enter_context(zipfile.ZipFile(path))
    warnings: list[str] = []
    main_rows = _sheet_rows(wb, main, zf, path, stack, limits, warnings)
    header = _first_header(main_rows, main.title, warnings)
    if header is None:
        raise refuse(f"sheet {main.title!r} has no header row", "empty_file")
    _header_row, headers = header
    _check_headers(headers, limits)
    hxl: list[str] | None = None
    pending: SourceRow | None = next(main_rows, None)
    if pending is not None and is_hxl_row(pending.cells):
        hxl = [as_text(c) for c in pending.cells] + [""] * max(0, len(headers) - len(pending.cells))
        pending = next(main_rows, None)

    repeat = None
    if sheet is None and "_index" in headers:
        for ws in visible[1:]:
            sub_rows = _sheet_rows(wb, ws, zf, path, stack, limits, warnings)
            sub_header = _first_header(sub_rows, ws.title, warnings)
            if sub_header is not None and "_parent_index" in sub_header[1]:
                repeat = (ws, sub_header[1], sub_rows)
                break

    def own_rows() -> Iterator[SourceRow]:
        first = [pending] if pending is not None else []
        for count, row in enumerate(_chain(first, main_rows), start=1):
            row.cells = _fit(row, len(headers))
            if count > limits.max_rows:
                raise refuse(f"sheet {main.title!r} has more than {limits.max_rows:,} rows", "too_many_rows")
            yield row

    if repeat is None:
        return Table(
            kind="xlsx",
            headers=headers,
            hxl=hxl,
            rows=own_rows(),
            sheet=main.title,
            epoch=epoch,
            warnings=warnings,
            estimated_rows=main.max_row,
        )
    # Kobo/ODK export with a repeat sheet: one row per member, with its household's columns
    ws, sub_headers, sub_rows = repeat
    _check_headers(sub_headers, limits)
    parents: dict[str, SourceRow] = {}
    index_col = headers.index("_index")
    for row in own_rows():
        parents[as_text(row.cells[index_col])] = row
    extra = [h for h in headers if h not in sub_headers]
    extra_idx = [headers.index(h) for h in extra]
    combined = list(sub_headers) + extra
    parent_col = sub_headers.index("_parent_index")
    warnings.append(
        f"read as a Kobo/ODK export: members from sheet {ws.title!r} joined to their household in "
        f"sheet {main.title!r} by _parent_index"
    )

    def joined() -> Iterator[SourceRow]:
        for row in sub_rows:
            cells = _fit(row, len(sub_headers))
            parent = parents.get(as_text(cells[parent_col]))
            if parent is None:
                row.problems.append(
                    (
                        parent_col,
                        f"no household row with _index {as_text(cells[parent_col])!r}",
                        "orphan_member",
                    )
                )
                cells = cells + [None] * len(extra)
            else:
                cells = cells + [parent.cells[i] for i in extra_idx]
                row.problems.extend(
                    (len(sub_headers) + extra_idx.index(i), msg, code)
                    for i, msg, code in parent.problems
                    if i in extra_idx
                )
            row.cells = cells
            yield row

    return Table(
        kind="xlsx",
        headers=combined,
        hxl=None,
        rows=joined(),
        sheet=ws.title,
        epoch=epoch,
        warnings=warnings,
        estimated_rows=ws.max_row,
    )


def _chain(first: list[SourceRow], rest: Iterator[SourceRow]) -> Iterator[SourceRow]:
    yield from first
    yield from rest


def _fit(row: SourceRow, width: int) -> list[Any]:
    cells = list(row.cells)
    if len(cells) > width:
        if any(c is not None and as_text(c) for c in cells[width:]):
            row.problems.append(
                (width, f"the row has values beyond the {width} named columns", "extra_cells")
            )
        return cells[:width]
    return cells + [None] * (width - len(cells))


def _first_header(rows: Iterator[SourceRow], title: str, warnings: list[str]) -> tuple[int, list[str]] | None:
    """The header row: the first non-empty row that is not a title (one cell, e.g. merged across)."""
    for row in rows:
        texts = [as_text(c) for c in row.cells]
        while texts and not texts[-1]:
            texts.pop()
        filled = [t for t in texts if t]
        if len(filled) == 1 and len(texts) == 1 and row.number < 5:
            warnings.append(
                f"sheet {title!r}: row {row.number} ({filled[0][:40]!r}) taken as a title, not headers"
            )
            continue
        return row.number, texts
    return None


def _sheet_rows(
    wb: Any, ws: Any, zf: zipfile.ZipFile, path: Path, stack: ExitStack, limits: Limits, warnings: list[str]
) -> Iterator[SourceRow]:
    """The non-empty rows of one sheet: merged cells filled, formulas without saved values flagged."""
    part = str(ws._worksheet_path)  # openpyxl 3.1: the sheet's part inside the zip
    merges, has_formula = _scan_sheet(zf, part)
    ws.reset_dimensions()  # do not trust the stored dimension: read every row there is
    formulas: Iterator[tuple[Any, ...]] | None = None
    if has_formula:
        import openpyxl

        wb_f = openpyxl.load_workbook(path, read_only=True, data_only=False)
        stack.callback(wb_f.close)
        ws_f = wb_f[ws.title]
        ws_f.reset_dimensions()
        formulas = ws_f.iter_rows(values_only=True)
    if merges:
        warnings.append(
            f"sheet {ws.title!r}: {len(merges)} merged cell range(s) read as the value of their first cell"
        )
    return _rows_of(ws, ws.title, merges, formulas, limits)


def _rows_of(
    ws: Any,
    title: str,
    merges: list[_Merge],
    formulas: Iterator[tuple[Any, ...]] | None,
    limits: Limits,
) -> Iterator[SourceRow]:
    pending = list(merges)
    active: list[tuple[_Merge, Any]] = []
    number = 0
    for values in ws.iter_rows(values_only=True):
        number += 1
        f_values = next(formulas, ()) if formulas is not None else ()
        cells = list(values)
        if len(cells) > limits.max_columns:
            trailing = cells[limits.max_columns :]
            if any(c is not None for c in trailing):
                raise refuse(
                    f"sheet {title!r} row {number} has more than {limits.max_columns:,} columns",
                    "too_many_columns",
                )
            cells = cells[: limits.max_columns]
        while pending and pending[0].first_row == number:
            m = pending.pop(0)
            top_left = cells[m.first_col] if m.first_col < len(cells) else None
            active.append((m, top_left))
        problems: list[tuple[int, str, str]] = []
        if active:
            for m, value in active:
                if value is None:
                    continue
                need = m.last_col + 1
                if len(cells) < need:
                    cells.extend([None] * (need - len(cells)))
                for c in range(m.first_col, m.last_col + 1):
                    if cells[c] is None:
                        cells[c] = value
            active = [(m, value) for m, value in active if m.last_row > number]
        for c, f_value in enumerate(f_values):
            if isinstance(f_value, str) and f_value.startswith("=") and (c >= len(cells) or cells[c] is None):
                problems.append(
                    (
                        c,
                        f"cell {_col_letters(c)}{number} holds a formula with no saved result: "
                        "open the file in "
                        "a spreadsheet program and save it, or paste the values",
                        "formula_without_value",
                    )
                )
        for c, value in enumerate(cells):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise refuse(
                    f"sheet {title!r} cell {_col_letters(c)}{number} is longer than "
                    f"{limits.max_cell_chars:,} characters",
                    "cell_too_long",
                )
        if not problems and all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        yield SourceRow(number, cells, title, problems)


def _col_letters(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def list_sheets(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The visible sheets of a workbook (after the zip checks)."""
    check_zip(path, limits)
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    finally:
        wb.close()


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
