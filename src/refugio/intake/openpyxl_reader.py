"""XLSX import files through openpyxl in read-only streaming mode: the zip checked before openpyxl
opens it (parts, declared size, compression ratio: a zip bomb is refused without being inflated),
merged cells filled from their top-left cell (only in rows holding a value of their own, and counted
against the column limit), formulas read as their saved results with a clear per-cell error when a
formula has none, empty rows skipped, and Kobo/ODK exports with a repeat sheet read as one row per
member carrying its household's columns. Imports openpyxl lazily; no database access.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refugio.intake.mapping import is_hxl_row
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
from refugio.intake.values import EXCEL_1900, EXCEL_1904, as_text


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
                f"the workbook would expand to {human_size(total)} "
                f"(limit {human_size(limits.max_uncompressed_bytes)}): "
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

    @property
    def ref(self) -> str:
        """The range as a spreadsheet names it, e.g. A2:XFD20002."""
        first = f"{_col_letters(self.first_col)}{self.first_row}"
        return f"{first}:{_col_letters(self.last_col)}{self.last_row}"


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


def open_xlsx(path: Path, stack: ExitStack, limits: Limits, sheet: str | None) -> Table:
    """The rows of a workbook's sheet (the first visible one unless `sheet` is named); a Kobo/ODK
    export with a repeat sheet becomes one row per member (see `_joined`)."""
    wb = _load(path, stack, limits)
    epoch = EXCEL_1904 if wb.epoch.year == 1904 else EXCEL_1900
    visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    main = _main_sheet(wb, visible, sheet)
    zf = stack.enter_context(zipfile.ZipFile(path))
    warnings: list[str] = []
    main_rows = _sheet_rows(wb, main, zf, path, stack, limits, warnings)
    header = _first_header(main_rows, main.title, warnings)
    if header is None:
        raise refuse(f"sheet {main.title!r} has no header row", "empty_file")
    _header_row, headers = header
    check_headers(headers, limits)
    hxl: list[str] | None = None
    pending: SourceRow | None = next(main_rows, None)
    if pending is not None and is_hxl_row(pending.cells):
        hxl = [as_text(c) for c in pending.cells] + [""] * max(0, len(headers) - len(pending.cells))
        pending = next(main_rows, None)
    first = [pending] if pending is not None else []
    own = _own_rows(_chain(first, main_rows), main.title, len(headers), limits)
    repeat = None
    if sheet is None and "_index" in headers:
        repeat = _repeat_sheet(wb, visible[1:], zf, path, stack, limits, warnings)
    if repeat is None:
        return Table(
            kind="xlsx",
            headers=headers,
            hxl=hxl,
            rows=own,
            sheet=main.title,
            epoch=epoch,
            warnings=warnings,
            estimated_rows=main.max_row,
        )
    ws, sub_headers, sub_rows = repeat
    check_headers(sub_headers, limits)
    warnings.append(
        f"read as a Kobo/ODK export: members from sheet {ws.title!r} joined to their household in "
        f"sheet {main.title!r} by _parent_index"
    )
    combined, rows = _joined(headers, own, sub_headers, sub_rows)
    return Table(
        kind="xlsx",
        headers=combined,
        hxl=None,
        rows=rows,
        sheet=ws.title,
        epoch=epoch,
        warnings=warnings,
        estimated_rows=ws.max_row,
    )


def _load(path: Path, stack: ExitStack, limits: Limits) -> Any:
    """The workbook, read-only with saved values, once the zip has passed its checks."""
    check_zip(path, limits)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise refuse(
            f"the workbook cannot be read ({type(exc).__name__}); open and save it again", "bad_xlsx"
        ) from None
    stack.callback(wb.close)
    return wb


def _main_sheet(wb: Any, visible: list[Any], sheet: str | None) -> Any:
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise refuse(f"no sheet named {sheet!r}; the workbook has {', '.join(wb.sheetnames)}", "no_sheet")
        return wb[sheet]
    if not visible:
        raise refuse("the workbook has no visible sheet", "empty_file")
    return visible[0]


def _own_rows(rows: Iterator[SourceRow], title: str, width: int, limits: Limits) -> Iterator[SourceRow]:
    for count, row in enumerate(rows, start=1):
        row.cells = _fit(row, width)
        if count > limits.max_rows:
            raise refuse(f"sheet {title!r} has more than {limits.max_rows:,} rows", "too_many_rows")
        yield row


def _repeat_sheet(
    wb: Any,
    others: list[Any],
    zf: zipfile.ZipFile,
    path: Path,
    stack: ExitStack,
    limits: Limits,
    warnings: list[str],
) -> tuple[Any, list[str], Iterator[SourceRow]] | None:
    """The first other visible sheet whose header has `_parent_index` (a Kobo/ODK repeat), if any."""
    for ws in others:
        sub_rows = _sheet_rows(wb, ws, zf, path, stack, limits, warnings)
        sub_header = _first_header(sub_rows, ws.title, warnings)
        if sub_header is not None and "_parent_index" in sub_header[1]:
            return ws, sub_header[1], sub_rows
    return None


def _joined(
    headers: list[str], own: Iterator[SourceRow], sub_headers: list[str], sub_rows: Iterator[SourceRow]
) -> tuple[list[str], Iterator[SourceRow]]:
    """Kobo/ODK export with a repeat sheet: one row per member, with its household's columns (the
    household rows are held in memory, keyed by `_index`; members stream)."""
    parents: dict[str, SourceRow] = {}
    index_col = headers.index("_index")
    for row in own:
        parents[as_text(row.cells[index_col])] = row
    extra = [h for h in headers if h not in sub_headers]
    extra_idx = [headers.index(h) for h in extra]
    parent_col = sub_headers.index("_parent_index")

    def rows() -> Iterator[SourceRow]:
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

    return list(sub_headers) + extra, rows()


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
    """The sheet's rows with their merged cells filled. A merge fills only rows that hold a value of
    their own (a merge over empty rows adds no row), and its cells count against the column limit."""
    pending = list(merges)
    active: list[tuple[_Merge, Any]] = []
    number = 0
    for values in ws.iter_rows(values_only=True):
        number += 1
        f_values = next(formulas, ()) if formulas is not None else ()
        cells = _within_columns(list(values), title, number, limits)
        while pending and pending[0].first_row == number:
            m = pending.pop(0)
            if m.last_col >= limits.max_columns:
                raise refuse(
                    f"sheet {title!r} row {number} has more than {limits.max_columns:,} columns "
                    f"(merged range {m.ref})",
                    "too_many_columns",
                )
            top_left = cells[m.first_col] if m.first_col < len(cells) else None
            active.append((m, top_left))
        problems = _formula_problems(cells, f_values, number)
        if not problems and _blank(cells):
            active = [(m, value) for m, value in active if m.last_row > number]
            continue
        if active:
            _fill_merges(cells, active)
            active = [(m, value) for m, value in active if m.last_row > number]
        _check_cell_lengths(cells, title, number, limits)
        yield SourceRow(number, cells, title, problems)


def _blank(cells: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


def _within_columns(cells: list[Any], title: str, number: int, limits: Limits) -> list[Any]:
    """The row cut to the column limit; a value beyond it refuses the file."""
    if len(cells) <= limits.max_columns:
        return cells
    if any(c is not None for c in cells[limits.max_columns :]):
        raise refuse(
            f"sheet {title!r} row {number} has more than {limits.max_columns:,} columns",
            "too_many_columns",
        )
    return cells[: limits.max_columns]


def _fill_merges(cells: list[Any], active: list[tuple[_Merge, Any]]) -> None:
    for m, value in active:
        if value is None:
            continue
        need = m.last_col + 1
        if len(cells) < need:
            cells.extend([None] * (need - len(cells)))
        for c in range(m.first_col, m.last_col + 1):
            if cells[c] is None:
                cells[c] = value


def _formula_problems(
    cells: Sequence[Any], f_values: Sequence[Any], number: int
) -> list[tuple[int, str, str]]:
    problems: list[tuple[int, str, str]] = []
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
    return problems


def _check_cell_lengths(cells: Sequence[Any], title: str, number: int, limits: Limits) -> None:
    for c, value in enumerate(cells):
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise refuse(
                f"sheet {title!r} cell {_col_letters(c)}{number} is longer than "
                f"{limits.max_cell_chars:,} characters",
                "cell_too_long",
            )


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
