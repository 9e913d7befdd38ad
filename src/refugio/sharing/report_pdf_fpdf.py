"""The progress report as PDF (fpdf2, imported lazily, here only): commitments tallied by type and
status, each pledge with its latest step and evidence, contributions to response plans, indicators
with their sources, and a chart of places pledged and delivered. DejaVu Sans when installed.
"""

from __future__ import annotations

import io

from refugio.core import clock
from refugio.core.pdf_fonts import add_sans
from refugio.sharing.schemas import ProgressReport


def _chart(report: ProgressReport) -> bytes | None:
    places = [p for p in report.pledges if p.places]
    if not places:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, max(2.0, 0.35 * len(places) + 1)), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    labels = [f"{p.ref} {p.pledger}"[:40] for p in places]
    ax.barh(labels, [p.places or 0 for p in places], color="#b0bec5", label="pledged")
    ax.barh(labels, [p.delivered_places for p in places], color="#00897b", label="delivered")
    ax.set_xlabel("Places")
    ax.legend(frameon=False, fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def render(report: ProgressReport) -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=14)
    family = add_sans(pdf, fallback="helvetica")

    def text(value: str) -> str:
        return value if family == "sans" else value.encode("latin-1", "replace").decode("latin-1")

    def para(height: float, value: str) -> None:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(
            pdf.w - pdf.l_margin - pdf.r_margin, height, text(value), new_x="LMARGIN", new_y="NEXT"
        )

    who = report.country or "all States and organisations"
    pdf.set_title(f"Progress report - {who} - {report.as_of.isoformat()}")
    pdf.set_creator("refugio")
    pdf.add_page()
    pdf.set_font(family, "B", 15)
    pdf.cell(0, 9, text(f"Progress report · {who}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.cell(
        0,
        6,
        text(f"As of {report.as_of.isoformat()} · produced {clock.today().isoformat()}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, text("Commitments by type"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8.5)
    for t in report.tallies:
        status = ", ".join(f"{k} {v}" for k, v in sorted(t.by_status.items()))
        money = "; ".join(
            f"{cur} {t.amounts_delivered.get(cur, 0):,.0f} of {amt:,.0f}"
            for cur, amt in sorted(t.amounts_pledged.items())
        )
        places = f"; places {t.places_delivered:,} of {t.places_pledged:,}" if t.places_pledged else ""
        para(4.6, f"{t.pledge_type}: {t.count} ({status}){places}{'; ' + money if money else ''}")
    chart = _chart(report)
    if chart is not None:
        pdf.image(io.BytesIO(chart), w=pdf.w - pdf.l_margin - pdf.r_margin)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, text("Pledges and their latest step"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    for p in report.pledges:
        last = p.updates[-1] if p.updates else None
        step = (
            f"{last.on_date} {last.status}"
            + (f", evidence: {last.evidence}" if last and last.evidence else "")
            if last
            else "no update"
        )
        para(4.2, f"{p.ref} · {p.pledger} · {p.pledge_type} · {p.title} — {p.status} ({step})")
    if report.contributions:
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, text("Contributions to response plans"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        for code, donor, amount, cur in report.contributions:
            pdf.cell(0, 4.4, text(f"{code} · {donor} · {cur} {amount:,.0f}"), new_x="LMARGIN", new_y="NEXT")
    if report.indicators:
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, text("Indicators"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        for v in report.indicators:
            para(4.2, f"{v.indicator} {v.year}: {v.value:,.4g} — {v.source}; {v.transformation}")
    return bytes(pdf.output())
