"""The printable population factsheet (PDF, fpdf2 imported lazily, here only) for an operation and date:
key figures, the population pyramid, arrivals over time, people by site and by origin, specific needs,
each table after disclosure control, and the rule stated on the page.

DejaVu Sans is used when installed (any script it covers); otherwise the PDF core font, with text
outside Latin-1 replaced.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

from refugio.core import clock
from refugio.stats import charts
from refugio.stats.registrations import KeyFigures
from refugio.stats.tables import Table

FONTS = {
    "": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "B": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}


def _figure(value: int | str | float | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    if isinstance(value, float):
        return f"{value:.1f}{suffix}"
    return str(value)


def render(
    *,
    operation: str,
    reference: dt.date,
    figures: KeyFigures,
    tables: Mapping[str, Table],
) -> bytes:
    """The factsheet as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=14)
    family = "helvetica"
    if all(p.is_file() for p in FONTS.values()):
        for style, path in FONTS.items():
            pdf.add_font("sans", style, str(path))
        family = "sans"

    def text(value: str) -> str:
        return value if family == "sans" else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(f"Population factsheet - {operation} - {reference.isoformat()}")
    pdf.set_creator("refugio")
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, text(f"Population factsheet · {operation}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.cell(
        0,
        6,
        text(f"Registered population on {reference.isoformat()} · produced {clock.today().isoformat()}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    boxes = [
        ("People registered", _figure(figures.people)),
        ("Households", _figure(figures.households)),
        ("Women and girls", _figure(figures.female_pct, " %")),
        ("Children (0-17)", _figure(figures.children_pct, " %")),
        ("Arrivals, last 30 days", _figure(figures.arrivals_30_days)),
    ]
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(boxes)
    y = pdf.get_y()
    for i, (label, value) in enumerate(boxes):
        x = pdf.l_margin + i * width
        pdf.set_xy(x, y)
        pdf.set_font(family, "B", 14)
        pdf.cell(width - 2, 8, text(value), border="LTR", align="C")
        pdf.set_xy(x, y + 8)
        pdf.set_font(family, "", 7.5)
        pdf.cell(width - 2, 6, text(label), border="LBR", align="C")
    pdf.set_xy(pdf.l_margin, y + 17)

    chart_w = (pdf.w - pdf.l_margin - pdf.r_margin - 4) / 2
    y = pdf.get_y()
    for i, name in enumerate(("pyramid", "arrivals")):
        if name in tables:
            png = charts.render(tables[name], name, "png")
            pdf.image(_png(png), x=pdf.l_margin + i * (chart_w + 4), y=y, w=chart_w)
    pdf.set_xy(pdf.l_margin, y + chart_w * 5 / 8 + 3)

    for name in ("pyramid", "by-site", "by-origin", "specific-needs"):
        if name in tables:
            _table(pdf, family, tables[name], text)

    pdf.ln(2)
    pdf.set_font(family, "", 7.5)
    rule = next(iter(tables.values())).rule if tables else figures.rule
    pdf.multi_cell(0, 4, text("Disclosure control: " + rule.describe()))
    out = pdf.output()
    return bytes(out)


def _png(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _table(pdf: object, family: str, table: Table, text: object) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF) and callable(text)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font(family, "B", 10)
    pdf.cell(0, 7, text(table.title), new_x="LMARGIN", new_y="NEXT")
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    first = min(70.0, usable * 0.4)
    rest = (usable - first) / max(1, len(table.columns) - 1)
    widths = [first] + [rest] * (len(table.columns) - 1)
    pdf.set_font(family, "B", 8)
    for col, w in zip(table.columns, widths, strict=True):
        pdf.cell(w, 5, text(col.label[:40]), border="B", align="L" if col.kind == "label" else "R")
    pdf.ln()
    pdf.set_font(family, "", 8)
    for r, row in enumerate(table.rows):
        bold = r in table.total_rows
        pdf.set_font(family, "B" if bold else "", 8)
        for c, (col, w) in enumerate(zip(table.columns, widths, strict=True)):
            value = row[c]
            shown = "" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
            pdf.cell(w, 4.6, text(shown[:45]), align="L" if col.kind == "label" else "R")
        pdf.ln()
    if table.notes:
        pdf.set_font(family, "", 6.5)
        pdf.multi_cell(0, 3.4, text(" ".join(table.notes[2:] or table.notes[:1])))
    pdf.ln(2)
