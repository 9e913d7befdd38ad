"""Maps and charts of tracking as PNG or SVG files (matplotlib, imported lazily, here only), drawn
from the same figures the pages show: a bar chart of a time series (IDPs by DTM round, individuals by
assessment round, dead and missing by year), and a map — country outlines from the packaged
world-atlas, a choropleth of the latest IDPs by country, sites and flow monitoring points as markers
and the incidents in transit as dots sized by the dead and missing. No tiles, nothing fetched.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

from refugio.core.errors import ValidationFailed

ImageFormat = Literal["png", "svg"]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
BAR, SITE, POINT, INCIDENT = "#b34700", "#1565c0", "#2e7d32", "#c62828"


def _check(fmt: str) -> None:
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed.single("format", "maps and charts are png or svg", "bad_format")


def _save(fig: Any, fmt: str) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as <text>: readable, searchable
        fig.savefig(buffer, format=fmt, metadata={"Creator": "refugio"} if fmt == "svg" else None)
    return buffer.getvalue()


def bar_chart(
    points: Sequence[tuple[str, float | str | None]], *, title: str, ylabel: str, source: str, fmt: str,
    note: str = "",
) -> bytes:  # fmt: skip
    """A bar chart of (label, value) in order, with its title, axis label and source line (and a
    note under it). A value given as text (a count withheld by the disclosure control: `<5`, `x`) is
    drawn as that text over an empty bar; text stays text in SVG."""
    _check(fmt)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    labels = [p[0] for p in points]
    heights = [float(p[1]) if isinstance(p[1], int | float) else 0.0 for p in points]
    ax.bar(range(len(points)), heights, color=BAR)
    top = max(heights, default=0.0) or 1.0
    for i, (_label, value) in enumerate(points):
        if isinstance(value, str):
            ax.text(i, top * 0.02, value, ha="center", va="bottom", fontsize=8, color="#333333")
    step = max(1, len(labels) // 14)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(
        labels[::step], rotation=45 if len(labels) > 8 else 0, ha="right" if len(labels) > 8 else "center"
    )
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{int(v):,}"))
    ax.set_title(title if points else f"{title} (no data)", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.01, source + (f" {note}" if note else ""), fontsize=6.5, color="#555555", wrap=True)
    fig.tight_layout(rect=(0, 0.06 if note else 0.04, 1, 1))
    return _save(fig, fmt)


def _polygons(shape: Any) -> list[Any]:
    return list(shape.geoms) if hasattr(shape, "geoms") else [shape]


def world_map(layers: dict[str, Any], *, title: str, source: str, fmt: str) -> bytes:
    """The map of `layers` (as `queries.map_layers` returns them) in PNG or SVG."""
    _check(fmt)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    from refugio.tracking.shapely_borders import all_outlines

    idps = {str(c["numeric"]): int(c["idps"]) for c in layers.get("countries", []) if c.get("numeric")}
    norm = LogNorm(vmin=1, vmax=max([*idps.values(), 10]))
    cmap = matplotlib.colormaps["Oranges"]
    fig = Figure(figsize=(11, 6), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    for numeric, shape in all_outlines():
        colour = cmap(norm(idps[numeric])) if idps.get(numeric) else "#eeeeee"
        for poly in _polygons(shape):
            if poly.geom_type != "Polygon":
                continue
            xs, ys = poly.exterior.xy
            ax.fill(xs, ys, facecolor=colour, edgecolor="#888888", linewidth=0.2)
    incidents = layers.get("incidents", [])
    if incidents:
        sizes = [2 + min(int(i[2] or 0), 100) / 4 for i in incidents]
        ax.scatter([i[1] for i in incidents], [i[0] for i in incidents], s=sizes, c=INCIDENT, alpha=0.35,
                   linewidths=0, label=f"Incidents in transit ({len(incidents):,})")  # fmt: skip
    for key, colour, marker, label in (
        ("sites", SITE, "^", "Sites"),
        ("flow_points", POINT, "s", "Flow monitoring points"),
    ):
        rows = layers.get(key, [])
        if rows:
            ax.scatter([r["lon"] for r in rows], [r["lat"] for r in rows], c=colour, marker=marker,
                       s=24, edgecolors="white", linewidths=0.5, label=f"{label} ({len(rows)})",
                       zorder=3)  # fmt: skip
    if idps:
        bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, pad=0.01)
        bar.set_label("IDPs (latest DTM figure per country)")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=12)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8, frameon=True)
    fig.text(0.01, 0.01, source, fontsize=6.5, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return _save(fig, fmt)


__all__ = ["MEDIA_TYPES", "ImageFormat", "bar_chart", "world_map"]
