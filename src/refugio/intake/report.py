"""The validation report of an import as an XLSX workbook: a summary sheet, then every row as it was
read with its status and its problems beside the data, the wrong cells filled in red (orange for
warnings) with the message in a cell comment. Written with openpyxl in write-only mode, row by row
from the database, so a report of a million rows needs no more memory than one of ten.

Imports openpyxl lazily (with readers.py, the only modules that do). Reads intake models only.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.intake.models import ImportBatch, StagedRow

STATUS_TEXT = {
    "new": "to register",
    "update": "to update",
    "unchanged": "unchanged",
    "invalid": "error",
    "held": "held back (household has errors)",
}
_ERROR_FILL = "FFC7CE"
_WARNING_FILL = "FFEB9C"
_HEADER_FILL = "DDEBF7"
# cells Excel would read as a formula are written as text (a CSV cell like "=HYPERLINK(...)")
_FORMULA_START = ("=", "+", "-", "@")


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch >= " " or ch in "\t\n")
        if value.startswith(_FORMULA_START) and not _is_number(value):
            return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_report(session: Session, *, batch_id: uuid.UUID, out: Path | IO[bytes]) -> int:
    """Write the report of a batch to `out`; returns the number of rows written. The caller checks the
    reader may see the batch (service.load_batch)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise ValueError("no such batch")
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    _summary_sheet(wb.create_sheet("Summary"), batch, bold)
    count = _rows_sheet(session, wb.create_sheet("Rows"), batch, bold)
    wb.save(out)
    return count


def _summary_sheet(summary: Any, batch: ImportBatch, bold: Any) -> None:
    from openpyxl.cell import WriteOnlyCell

    def label(text: str) -> Any:
        cell = WriteOnlyCell(summary, value=text)
        cell.font = bold
        return cell

    summary.append([label("refugio import report")])
    summary.append(["File", batch.filename or batch.form_id or ""])
    summary.append(["Source", batch.source])
    summary.append(["Status", batch.status])
    summary.append(["Created", batch.created_at.strftime("%Y-%m-%d %H:%M UTC"), batch.created_by])
    if batch.message:
        summary.append(["Problem", batch.message])
    summary.append([])
    summary.append([label("Counts")])
    for key, value in sorted((batch.counts or {}).items()):
        summary.append([key.replace("_", " "), value])
    if batch.warnings:
        summary.append([])
        summary.append([label("Warnings")])
        for warning in batch.warnings:
            summary.append([_safe(warning)])


def _rows_sheet(session: Session, rows_ws: Any, batch: ImportBatch, bold: Any) -> int:
    """Every staged row with its status, its problems in words, and its cells (a cell with a problem
    coloured and commented). Returns the number of rows."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    headers = list(batch.headers or [])
    columns = {h: i for i, h in enumerate(headers)}
    rows_ws.freeze_panes = "D2"
    head = ["Row", "Status", "Problems", *headers]
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    rows_ws.append([_styled(WriteOnlyCell(rows_ws, value=h), bold, header_fill) for h in head])
    fills = {
        "error": PatternFill("solid", fgColor=_ERROR_FILL),
        "warning": PatternFill("solid", fgColor=_WARNING_FILL),
    }
    count = 0
    stmt = (
        select(StagedRow.row_no, StagedRow.status, StagedRow.errors, StagedRow.cells, StagedRow.changes)
        .where(StagedRow.batch_id == batch.id)
        .order_by(StagedRow.row_no, StagedRow.id)
        .execution_options(yield_per=5000)
    )
    for row_no, status, errors, cells, changes in session.execute(stmt):
        count += 1
        messages, marks = _problems(errors or [], changes or {}, columns)
        line: list[Any] = [row_no, STATUS_TEXT.get(status, status), _safe("\n".join(messages))]
        for i, value in enumerate(cells or []):
            if i in marks:
                cell = WriteOnlyCell(rows_ws, value=_safe(value))
                level, texts = marks[i]
                cell.fill = fills[level]
                cell.comment = Comment("\n".join(texts)[:2000], "refugio")
                line.append(cell)
            else:
                line.append(_safe(value))
        rows_ws.append(line)
    return count


def _problems(
    errors: list[dict[str, Any]], changes: dict[str, Any], columns: dict[str, int]
) -> tuple[list[str], dict[int, tuple[str, list[str]]]]:
    """A row's problems and changes in words, and by column index the worst level and its messages."""
    messages: list[str] = []
    marks: dict[int, tuple[str, list[str]]] = {}
    for e in errors:
        where = e.get("column") or e.get("field")
        messages.append(
            f"{'Warning' if e.get('level') == 'warning' else 'Error'} · {where}: {e.get('message')}"
        )
        index = columns.get(e.get("column") or "")
        if index is not None:
            level, texts = marks.get(index, ("warning", []))
            marks[index] = (
                "error" if e.get("level", "error") == "error" else level,
                [*texts, e["message"]],
            )
    for name, (old, new) in changes.items():
        messages.append(f"Change · {name}: {old!r} → {new!r}")
    return messages, marks


def _styled(cell: Any, font: Any, fill: Any) -> Any:
    cell.font = font
    cell.fill = fill
    return cell


__all__ = ["STATUS_TEXT", "write_report"]
