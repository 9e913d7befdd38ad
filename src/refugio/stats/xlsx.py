"""Excel workbooks of published tables (openpyxl, imported lazily, here only): one sheet per table with
its HXL hashtag row, and an "About" sheet with each table's metadata and the disclosure rule.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from refugio.stats.hxl import table_rows
from refugio.stats.tables import Table

_FORBIDDEN = set("[]:*?/\\")


def _sheet_name(text: str, taken: set[str]) -> str:
    base = "".join("_" if ch in _FORBIDDEN else ch for ch in text)[:28] or "table"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:25]}~{n}", n + 1
    taken.add(name.lower())
    return name


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook: one sheet per table (header row, HXL row, data), and an About sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "About"
    about.append(["Sheet", "Title", "Metadata (JSON)"])
    bold = Font(bold=True)
    hidden_fill = PatternFill("solid", fgColor="EEEEEE")
    taken = {"about"}
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.name, taken))
        rows = table_rows(table, tags=True)
        for r, row in enumerate(rows):
            values: list[object] = []
            for c, text in enumerate(row):
                kind = table.columns[c].kind if c < len(table.columns) else "text"
                if r >= 2 and kind in ("count", "year") and text.isdigit():
                    values.append(int(text))
                elif r >= 2 and kind == "rate" and _is_float(text):
                    values.append(float(text))
                else:
                    values.append(text)
            ws.append(values)
        for cell in ws[1]:
            cell.font = bold
        for r, c in table.status:
            ws.cell(row=r + 3, column=c + 1).fill = hidden_fill
        ws.freeze_panes = "A3"
        about.append([ws.title, table.title, json.dumps(table.metadata(), ensure_ascii=False)])
    for cell in about[1]:
        cell.font = bold
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
