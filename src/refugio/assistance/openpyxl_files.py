"""XLSX payment files and provider reports through openpyxl (the one module that imports it).

`write_sheet` writes text cells only; `read_sheet` returns the rows of the first sheet as text and
refuses a workbook holding a formula, naming its cell.

Imports openpyxl and refugio.core.errors only.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from refugio.core.errors import FieldError, ValidationFailed


def write_sheet(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return str(value)


def read_sheet(data: bytes) -> list[list[str]]:
    """The first sheet's rows as text; ValidationFailed naming every formula cell (or an unreadable file)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationFailed.single("file", f"not a readable XLSX workbook: {exc}") from None
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    errors: list[FieldError] = []
    for r, row in enumerate(sheet.iter_rows(), start=1):
        values = []
        for cell in row:
            if cell.data_type == "f":
                errors.append(
                    FieldError(
                        f"line {r}",
                        f"line {r}: cell {cell.coordinate} holds a formula; send values only",
                        "formula",
                    )
                )
            values.append(_text(cell.value))
        rows.append(values)
    book.close()
    if errors:
        raise ValidationFailed(errors)
    return rows
