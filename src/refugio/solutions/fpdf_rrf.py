"""The resettlement registration form (RRF) of a case as a PDF, with fpdf2 — imported lazily: the case
(reference, operation, submission categories, priority), the needs as recorded, the submission (State,
quota, dates) and every member of the family (reference, name, sex, date of birth). English, the
language of submissions to resettlement States."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from refugio.core.pdf_fonts import add_sans

CATEGORY_CODES = {  # proGres eRRF code table
    "legal_physical_protection": ("LPN", "Legal and/or physical protection needs"),
    "survivor_violence_torture": ("SVT", "Survivors of violence and/or torture"),
    "medical_needs": ("MED", "Medical needs"),
    "women_girls_at_risk": ("AWR", "Women and girls at risk"),
    "family_reunification": ("FAM", "Family reunification"),
    "children_adolescents_at_risk": ("CHL", "Children and adolescents at risk"),
    "lack_of_alternative_durable_solutions": ("LAS", "Lack of foreseeable alternative durable solutions"),
}
PRIORITY_CODES = {"emergency": "EM", "urgent": "UG", "normal": "NR"}


@dataclass
class Rrf:
    case_ref: str
    operation: str
    household_ref: str
    primary_category: str
    secondary_category: str | None
    priority: str
    needs_summary: str
    status: str
    quota: str | None
    submitted_on: dt.date | None
    decided_on: dt.date | None
    departed_on: dt.date | None
    members: list[tuple[str, str, str, dt.date]] = field(default_factory=list)  # ref, name, sex, born


def _category(code: str | None) -> str:
    if not code:
        return "-"
    short, label = CATEGORY_CODES.get(code, (code, code))
    return f"{short} · {label}"


def render(form: Rrf) -> bytes:
    """The form as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(f"Resettlement registration form {form.case_ref}")
    pdf.set_subject(form.case_ref)
    family = add_sans(pdf)
    pdf.add_page()

    def line(text: str, size: int = 10, style: str = "", gap: float = 6) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, gap, text, new_x="LMARGIN", new_y="NEXT")

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else "-"

    line(form.operation, 9)
    line("Resettlement registration form (RRF)", 15, "B", 9)
    line(f"Case {form.case_ref} · household {form.household_ref} · status {form.status}")
    pdf.ln(2)
    line("Submission", 12, "B")
    line(f"Primary category: {_category(form.primary_category)}")
    line(f"Secondary category: {_category(form.secondary_category)}")
    line(f"Priority: {PRIORITY_CODES.get(form.priority, form.priority)} · {form.priority}")
    line(f"Resettlement State and quota: {form.quota or '-'}")
    line(
        f"Submitted {day(form.submitted_on)} · State decision {day(form.decided_on)} · "
        f"departure {day(form.departed_on)} (a departure, not an arrival)"
    )
    pdf.ln(2)
    line("Needs", 12, "B")
    line(form.needs_summary, 10, "", 5)
    pdf.ln(2)
    line(f"Family members ({len(form.members)}; a family is submitted whole)", 12, "B")
    for ref, name, sex, born in form.members:
        line(f"{ref} · {name} · {sex} · born {born.isoformat()}")
    return bytes(pdf.output())
