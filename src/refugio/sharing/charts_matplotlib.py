"""The sensitivity chart of a key (matplotlib, imported lazily, here only), PNG or SVG: per State, the
range of its gain or loss over the scenarios (a bar from the largest loss to the largest gain), and a
dot per scenario when there are few. Drawn from the key's allocations (quotas, not counts of people).
"""

from __future__ import annotations

import io
from typing import Literal

from refugio.core.errors import ValidationFailed
from refugio.sharing.sensitivity import Sensitivity

GAIN, LOSS = "#00897b", "#c62828"


def sensitivity_chart(result: Sensitivity, fmt: Literal["png", "svg"] | str = "png", top: int = 30) -> bytes:
    """The chart of `result`: the `top` States whose allocation moves most."""
    if fmt not in ("png", "svg"):
        raise ValidationFailed.single("format", "charts are png or svg", "bad_format")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    extremes = result.extremes()
    ranked = sorted(extremes, key=lambda e: max(-e[1], e[2]), reverse=True)[:top]
    ranked.reverse()
    height = max(3.0, 0.28 * len(ranked) + 1.5)
    fig = Figure(figsize=(8, height), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    labels = [c for c, _lo, _hi in ranked]
    ax.barh(labels, [hi for _c, _lo, hi in ranked], color=GAIN, label="largest gain")
    ax.barh(labels, [lo for _c, lo, _hi in ranked], color=LOSS, label="largest loss")
    if len(result.scenarios) <= 8:
        index = {c: i for i, c in enumerate(result.countries)}
        for k, scenario in enumerate(result.scenarios):
            ax.scatter(
                [scenario.deltas[index[c]] for c in labels],
                labels,
                s=12,
                zorder=3,
                label=scenario.label,
                marker="os^vD<>p"[k % 8],
                color="#333333",
            )
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("Change in allocation against the key as it stands")
    ax.set_title(f"Sensitivity of {result.key.label} ({result.vary})", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    fig.text(
        0.01,
        0.01,
        f"Key: {result.key.title}. Source of the formula: {result.key.source}"[:180],
        fontsize=6,
        color="#555555",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Creator": "refugio"} if fmt == "svg" else None)
    return buffer.getvalue()


MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
