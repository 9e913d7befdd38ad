"""Charts of published tables drawn directly as SVG text (no plotting library): a few milliseconds
where matplotlib took hundreds. Used for the SVG the statistics page shows; PNG downloads and the
factsheet still go through matplotlib (refugio.stats.charts).

The chart is built on a `_Canvas` in left-to-right coordinates; for a right-to-left language the canvas
mirrors every x (bars grow leftwards, the category labels and the value axis change sides, time runs
right to left) and gives the text `direction="rtl"` with the matching `text-anchor`, so that the browser
shapes and orders the Arabic. Text stays text; styling is presentation attributes only (no `style`
attribute or element: the page's Content-Security-Policy forbids inline styles). Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from refugio.stats.tables import TOTAL, Table

Side = Literal["left", "right", "middle"]
FEMALE, MALE, OTHER, SINGLE = "#c2185b", "#1565c0", "#7b7b7b", "#00897b"
COLOURS = {"sex:F": FEMALE, "sex:M": MALE}
WIDTH, HEIGHT = 800, 500
NARROW_WIDTH, NARROW_HEIGHT = 400, 420  # the phone-sized chart: its text keeps its size on a 390 px screen
FOOTER_PITCH = 11.0  # between the lines of a footer wrapped to the chart's width
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
TOP, FOOTER = 44.0, 30.0  # the title's band; the footer's band
ROW_PITCH = 13.0  # the least height of one category of a horizontal bar chart
MIRRORED: dict[Side, Side] = {"left": "right", "right": "left", "middle": "middle"}
# the text-anchor putting the text's `side` at x: under direction="rtl", "start" is the right side
ANCHORS: dict[tuple[bool, Side], str] = {
    (False, "left"): "start",
    (False, "right"): "end",
    (True, "left"): "end",
    (True, "right"): "start",
    (False, "middle"): "middle",
    (True, "middle"): "middle",
}


def _fmt(value: float) -> str:
    return f"{round(value):,}"


def nice_ticks(top: float, target: int = 5) -> list[float]:
    """Ticks 0, step, 2·step, … covering `top`, with a step of 1, 2, 2.5 or 5 times a power of ten
    (whole numbers only: counts), about `target` of them."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(
        m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw and (m != 2.5 or magnitude >= 10)
    )
    step = max(step, 1.0)
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.6


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` cut at spaces into lines of at most `width` (estimated), none empty; a word longer than
    the width stays whole on its own line."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


@dataclass
class _Canvas:
    width: float
    height: float
    rtl: bool
    footer: float = FOOTER  # the footer's band at the bottom (taller when the footer wraps)
    parts: list[str] = field(default_factory=list)

    def _x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def rect(
        self, x: float, y: float, w: float, h: float, fill: str, *, tip: str = "", kind: str = "", **data: str
    ) -> None:
        """A rectangle (x, y: its top left in left-to-right coordinates); `tip`: its tooltip; `data`:
        data-* attributes (a bar's row and series, for readers of the SVG)."""
        left = self.width - x - w if self.rtl else x
        attrs = f" class={quoteattr(kind)}" if kind else ""
        attrs += "".join(f" data-{k}={quoteattr(v)}" for k, v in data.items())
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{left:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{fill}"{attrs}>'
            f"{inner}</rect>"
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#000", width: float = 1
    ) -> None:
        self.parts.append(
            f'<line x1="{self._x(x1):.2f}" y1="{y1:.2f}" x2="{self._x(x2):.2f}" y2="{y2:.2f}" '
            f'stroke="{stroke}" stroke-width="{width}"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        side: Side = "left",
        size: float = 11,
        fill: str = "#222",
        bold: bool = False,
        rotate: float = 0,
        kind: str = "",
    ) -> None:
        """`content` at (x, y); `side`: the side of the text that x is (left: the text starts there and
        runs right, in left-to-right coordinates — mirrored with the canvas)."""
        if self.rtl:  # mirrored: x from the right, the text's left side now its right side
            x, rotate = self.width - x, -rotate
            side = MIRRORED[side]
        anchor = ANCHORS[(self.rtl, side)]
        extra = ' font-weight="bold"' if bold else ""
        extra += f' transform="rotate({rotate:g} {x:.2f} {y:.2f})"' if rotate else ""
        extra += f" class={quoteattr(kind)}" if kind else ""
        self.parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>'
        )

    def svg(self, title: str, desc: str, language: str) -> bytes:
        direction = ' direction="rtl"' if self.rtl else ""
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:g}" height="{self.height:g}" '
            f'viewBox="0 0 {self.width:g} {self.height:g}" role="img" aria-label={quoteattr(title)} '
            f"xml:lang={quoteattr(language)}{direction} font-family={quoteattr(FONT)}>"
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
        )
        return (head + "".join(self.parts) + "</svg>").encode("utf-8")


@dataclass(frozen=True)
class Series:
    key: str
    label: str  # translated
    colour: str
    values: list[float | None]  # None: suppressed (drawn as nothing)


def _value(cell: object) -> float | None:
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else None


def body_rows(table: Table) -> list[int]:
    return [k for k in range(len(table.rows)) if k not in table.total_rows]


def series(table: Table, keys: Sequence[str], gettext: Callable[[str], str]) -> list[Series]:
    """The columns `keys` of `table` (those it has), over its body rows (totals excluded)."""
    rows = body_rows(table)
    out = []
    for key in keys:
        try:
            i = table.column(key)
        except KeyError:
            continue
        values = [_value(table.rows[k][i]) for k in rows]
        out.append(Series(key, gettext(table.columns[i].label), COLOURS.get(key, OTHER), values))
    return out


def _legend(canvas: _Canvas, items: Sequence[Series], x_right: float, y: float) -> None:
    """A one-line legend ending at `x_right` (mirrored with the canvas), its baseline at `y`."""
    x = x_right - sum(_text_width(s.label, 11) + 26 for s in items)
    for s in items:
        canvas.rect(x, y - 9, 10, 10, s.colour, kind="swatch")
        canvas.text(x + 14, y, s.label, size=11, kind="legend")
        x += _text_width(s.label, 11) + 26


def _value_axis_x(
    canvas: _Canvas, x0: float, x1: float, y: float, ticks: list[float], *, mirror: bool
) -> None:
    """A horizontal value axis from x0 (value 0) to x1 (the last tick); `mirror`: the same ticks on the
    other side of x0 too (the pyramid)."""
    span, top = x1 - x0, ticks[-1]
    canvas.line(min(x0, x1) - (span if mirror else 0), y, max(x0, x1), y, "#444")
    for t in ticks:
        for sign in (1, -1) if mirror and t else (1,):
            x = x0 + sign * span * t / top
            canvas.line(x, y, x, y + 4, "#444")
            canvas.text(x, y + 16, _fmt(t), side="middle", size=10, kind="tick")


def _frame(canvas: _Canvas, title: str, footer: list[str]) -> None:
    """The title (smaller when it would not fit the width, down to 10.5) and the footer's lines."""
    size = max(10.5, min(15.0, (canvas.width - 16) / max(_text_width(title, 1.0), 1.0)))
    canvas.text(canvas.width / 2, 26, title, side="middle", size=round(size, 1), bold=True, kind="title")
    bottom = canvas.height - 9 - (len(footer) - 1) * FOOTER_PITCH
    for i, line in enumerate(footer):
        canvas.text(8, bottom + i * FOOTER_PITCH, line, size=8.5, fill="#555555", kind="footer")


def _gridlines(canvas: _Canvas, xs: Sequence[float], y0: float, y1: float) -> None:
    for x in xs:
        canvas.line(x, y0, x, y1, "#e0e0e0", 0.8)


def _pyramid(canvas: _Canvas, table: Table, gettext: Callable[[str], str]) -> None:
    """Male to the left of the centre line, female to the right, the youngest bracket at the bottom."""
    rows = body_rows(table)
    labels = [str(table.rows[k][0]) for k in rows]
    sides = series(table, ["sex:M", "sex:F"], gettext)  # those of the two the table has
    ticks = nice_ticks(max((v for s in sides for v in s.values if v), default=0.0))
    left = 40 + max((_text_width(label, 10) for label in labels), default=0)
    top, bottom, right = TOP + 18, canvas.height - canvas.footer - 38, canvas.width - 20
    centre, half = (left + right) / 2, (right - left) / 2
    scale = half / ticks[-1]
    _gridlines(canvas, [centre + sign * t * scale for t in ticks for sign in (1, -1)], top, bottom)
    band = (bottom - top) / max(len(rows), 1)
    for j, label in enumerate(labels):
        y = bottom - (j + 1) * band
        canvas.text(left - 6, y + band / 2 + 4, label, side="right", size=10, kind="category")
        for s in sides:
            value = s.values[j]
            if value:
                w = value * scale
                x = centre - w if s.key == "sex:M" else centre
                tip = f"{label} — {s.label}: {_fmt(value)}"
                canvas.rect(
                    x, y + band * 0.1, w, band * 0.8, s.colour, tip=tip, kind="bar", row=label, series=s.key
                )
    canvas.line(centre, top, centre, bottom, "#000", 0.8)
    _value_axis_x(canvas, centre, right, bottom, ticks, mirror=True)
    canvas.text(centre, bottom + 32, gettext("People"), side="middle", size=11, kind="axis-label")
    canvas.text(16, (top + bottom) / 2, gettext("Age"), side="middle", size=11, rotate=-90, kind="axis-label")
    _legend(canvas, sides, right, TOP + 4)


def _arrivals(canvas: _Canvas, table: Table, gettext: Callable[[str], str]) -> None:
    """Periods along the bottom, one bar a period stacked by sex (in the table's column order)."""
    rows = body_rows(table)
    labels = [str(table.rows[k][0]) for k in rows]
    stack = series(table, [c.key for c in table.columns if c.key.startswith("sex:")], gettext)
    totals = [sum(s.values[j] or 0.0 for s in stack) for j in range(len(rows))]
    ticks = nice_ticks(max(totals, default=0.0))
    longest = max((_text_width(label, 9) for label in labels), default=0)
    left, right = 40 + _text_width(_fmt(ticks[-1]), 10), canvas.width - 20
    top, bottom = TOP + 18, canvas.height - canvas.footer - 20 - longest * 0.71
    scale = (bottom - top) / ticks[-1]
    for t in ticks:
        y = bottom - t * scale
        canvas.line(left, y, right, y, "#e0e0e0" if t else "#444", 0.8)
        canvas.text(left - 6, y + 4, _fmt(t), side="right", size=10, kind="tick")
    band = (right - left) / max(len(rows), 1)
    step = max(1, len(labels) // 12)
    for j, label in enumerate(labels):
        x, base = left + j * band, bottom
        for s in stack:
            value = s.values[j]
            if value:
                h = value * scale
                tip = f"{label} — {s.label}: {_fmt(value)}"
                canvas.rect(
                    x + band * 0.1,
                    base - h,
                    band * 0.8,
                    h,
                    s.colour,
                    tip=tip,
                    kind="bar",
                    row=label,
                    series=s.key,
                )
                base -= h
        if j % step == 0:
            cx = x + band / 2
            canvas.line(cx, bottom, cx, bottom + 4, "#444")
            canvas.text(cx + 3, bottom + 14, label, side="right", size=9, rotate=-45, kind="category")
    canvas.text(
        16,
        (top + bottom) / 2,
        gettext("People arriving"),
        side="middle",
        size=11,
        rotate=-90,
        kind="axis-label",
    )
    _legend(canvas, stack, right, TOP + 4)


def _cut(label: str, most: int) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def _bars(canvas: _Canvas, table: Table, gettext: Callable[[str], str]) -> None:
    """One horizontal bar a row (its total), the largest at the top; labels cut at 40 characters."""
    rows = body_rows(table)
    cut = 40 if canvas.width >= WIDTH else 22
    labels = [_cut(str(table.rows[k][0]), cut) for k in rows]
    (total,) = series(table, [TOTAL.lower()], gettext) or [Series("", "", SINGLE, [None] * len(rows))]
    order = sorted(range(len(rows)), key=lambda i: total.values[i] or 0.0, reverse=True)
    ticks = nice_ticks(max((v for v in total.values if v), default=0.0))
    left = 14 + max((_text_width(label, 10) for label in labels), default=0)
    top, bottom, right = TOP + 8, canvas.height - canvas.footer - 38, canvas.width - 30
    scale = (right - left) / ticks[-1]
    _gridlines(canvas, [left + t * scale for t in ticks], top, bottom)
    band = (bottom - top) / max(len(rows), 1)
    for n, i in enumerate(order):
        y = top + n * band
        canvas.text(left - 6, y + band / 2 + 4, labels[i], side="right", size=10, kind="category")
        value = total.values[i]
        if value:
            canvas.rect(
                left,
                y + band * 0.1,
                value * scale,
                band * 0.8,
                SINGLE,
                tip=f"{labels[i]}: {_fmt(value)}",
                kind="bar",
                row=labels[i],
                series=total.key,
            )
    canvas.line(left, top, left, bottom, "#444", 0.8)
    _value_axis_x(canvas, left, right, bottom, ticks, mirror=False)
    canvas.text((left + right) / 2, bottom + 32, gettext("People"), side="middle", size=11, kind="axis-label")


DRAW = {"pyramid": _pyramid, "arrivals": _arrivals, "by-site": _bars, "by-origin": _bars}


def render(
    table: Table,
    kind: str,
    *,
    title: str,
    footer: str,
    gettext: Callable[[str], str],
    language: str = "en",
    rtl: bool = False,
    narrow: bool = False,
) -> bytes:
    """The SVG of chart `kind` (pyramid, arrivals, by-site, by-origin) of `table`, titled `title`,
    with `footer` underneath (also its <desc>; wrapped to the width), every other word through
    `gettext`; `rtl`: mirrored, its text right to left; `narrow`: drawn 400 wide for a phone's screen
    (the same text sizes, category labels cut at 22 characters)."""
    rows = len(body_rows(table))
    width, height = (NARROW_WIDTH, NARROW_HEIGHT) if narrow else (WIDTH, HEIGHT)
    lines = wrap(footer, 8.5, width - 16)
    band = FOOTER + (len(lines) - 1) * FOOTER_PITCH
    height += int(band - FOOTER)
    if kind in ("pyramid", "by-site", "by-origin"):  # a taller chart rather than unreadable labels
        height = max(height, int(TOP + 18 + rows * ROW_PITCH + band + 38))
    canvas = _Canvas(width, height, rtl, footer=band)
    DRAW[kind](canvas, table, gettext)
    _frame(canvas, title, lines)
    return canvas.svg(title, footer, language)
