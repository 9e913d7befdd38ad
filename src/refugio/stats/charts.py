"""Charts of published tables, as PNG (matplotlib, imported lazily, here only) or SVG (drawn directly as
SVG text by refugio.stats.svg_charts: milliseconds where matplotlib took hundreds).

Charts are drawn from the tables after disclosure control, never from raw counts: a suppressed cell
is drawn as nothing and the chart says so underneath. Kinds: population pyramid (age × sex), arrivals
over time (period × sex, stacked), and horizontal bars (by site, by origin, any single-column table).

Every word drawn (title, axis labels, legend, footer) goes through the `gettext` a channel passes (the
reader's language; English by default). SVG keeps its text as text, so that the browser lays out
scripts matplotlib cannot shape (Arabic joins and runs right to left); for a right-to-left language
(`direction="rtl"`) the SVG chart is mirrored and its text runs right to left.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Literal, get_args

from refugio.core.errors import ValidationFailed
from refugio.stats import svg_charts
from refugio.stats.tables import TOTAL, Table

ImageFormat = Literal["png", "svg"]
FEMALE, MALE, OTHER = svg_charts.FEMALE, svg_charts.MALE, svg_charts.OTHER
ChartName = Literal["pyramid", "arrivals", "by-site", "by-origin"]
CHARTS: tuple[str, ...] = get_args(ChartName)


def _numbers(table: Table, column: str) -> list[float]:
    i = table.column(column)
    out: list[float] = []
    for row in table.rows:
        value = row[i]
        out.append(float(value) if isinstance(value, int | float) else 0.0)
    return out


def _body_rows(table: Table) -> list[int]:
    return [k for k in range(len(table.rows)) if k not in table.total_rows]


def _sex_columns(table: Table) -> list[str]:
    return [c.key for c in table.columns if c.key.startswith("sex:")]


def _same(message: str) -> str:
    return message


def _footer(table: Table, gettext: Callable[[str], str] = _same) -> str:
    hidden = table.suppressed
    text = gettext("Source: %(source)s. Disclosure rule: %(rule)s.") % {
        "source": table.source,
        "rule": table.rule.id,
    }
    if hidden["primary"] or hidden["secondary"]:
        text += " " + gettext("%(num)s suppressed cell(s) not drawn.") % {
            "num": hidden["primary"] + hidden["secondary"]
        }
    return text


def render(
    table: Table,
    kind: str,
    fmt: ImageFormat = "png",
    *,
    title: str | None = None,
    gettext: Callable[[str], str] = _same,
    language: str = "en",
    direction: str = "ltr",
    narrow: bool = False,
) -> bytes:
    """Draw `table` as chart `kind` (pyramid, arrivals, by-site, by-origin) in PNG or SVG, titled `title`
    (else the table's title translated), every other word translated with `gettext` (into `language`,
    written in `direction`, ltr or rtl: the SVG only); `narrow`: the SVG sized for a phone's screen."""
    _ = gettext
    if fmt not in ("png", "svg"):
        raise ValidationFailed.single("format", "charts are png or svg", "bad_format")
    if kind not in CHARTS:
        raise ValidationFailed.single(
            "chart", f"unknown chart {kind!r}; one of: {', '.join(CHARTS)}", "bad_chart"
        )
    if fmt == "svg":
        return svg_charts.render(
            table,
            kind,
            title=title or table.translated_title(gettext),
            footer=_footer(table, gettext),
            gettext=gettext,
            language=language,
            rtl=direction == "rtl",
            narrow=narrow,
        )
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    rows = _body_rows(table)
    labels = [str(table.rows[k][0]) for k in rows]
    sexes = _sex_columns(table)
    if kind == "pyramid":
        female = [_numbers(table, "sex:F")[k] for k in rows] if "sex:F" in sexes else [0.0] * len(rows)
        male = [_numbers(table, "sex:M")[k] for k in rows] if "sex:M" in sexes else [0.0] * len(rows)
        ax.barh(labels, [-v for v in male], color=MALE, label=_("Male"))
        ax.barh(labels, female, color=FEMALE, label=_("Female"))
        ax.axvline(0, color="black", linewidth=0.6)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{abs(int(t)):,}" for t in ticks])
        ax.set_ylabel(_("Age"))
        ax.set_xlabel(_("People"))
        ax.legend(loc="lower right", frameon=False)
    elif kind == "arrivals":
        bottom = [0.0] * len(rows)
        colours = {"sex:F": FEMALE, "sex:M": MALE}
        for key in sexes:
            values = [_numbers(table, key)[k] for k in rows]
            label = _(table.columns[table.column(key)].label)
            ax.bar(labels, values, bottom=bottom, color=colours.get(key, OTHER), label=label)
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        ax.set_ylabel(_("People arriving"))
        step = max(1, len(labels) // 12)
        ax.set_xticks(range(0, len(labels), step))
        ax.set_xticklabels(labels[::step], rotation=45, ha="right")
        ax.legend(frameon=False)
    else:
        total_key = TOTAL.lower()
        values = [_numbers(table, total_key)[k] for k in rows]
        order = sorted(range(len(rows)), key=lambda i: values[i])
        ax.barh([labels[i][:40] for i in order], [values[i] for i in order], color="#00897b")
        ax.set_xlabel(_("People"))
    ax.set_title(title or table.translated_title(gettext), fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.01, _footer(table, gettext), fontsize=6.5, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
