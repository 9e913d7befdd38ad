"""The access report as a PDF in the person's language (en, fr, ar, es): section by section, every
field with its value. Arabic is shaped and laid out right to left (fpdf2 text shaping with the Noto
Naskh Arabic font, as the registration certificate does); without that font the report is in English."""

from __future__ import annotations

import datetime as dt
from typing import Any

from refugio.core.pdf_fonts import add_sans, font_path
from refugio.dataprotection.rights.pdf_text import word

_SECTIONS = (
    ("person", "Registration record"),
    ("household", "Household"),
    ("documents", "Identity documents"),
    ("specific_needs", "Specific needs"),
    ("legal_status_history", "Legal status history"),
    ("consent", "Consent"),
    ("events", "Events"),
    ("certificates", "Certificates"),
    ("other_records", "Other records"),
    ("audit", "Who read or changed your record"),
)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


class _Writer:
    def __init__(self, language: str) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4")
        family = add_sans(self.pdf, arabic=language == "ar", direction="rtl" if language == "ar" else None)
        if family == "Helvetica" or (language == "ar" and font_path("naskh") is None):
            language = "en"
        self.family, self.language = family, language
        self.align = "R" if language == "ar" else "L"
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.add_page()

    def w(self, text: str) -> str:
        return word(text, self.language)

    def heading(self, text: str, size: float = 13) -> None:
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, 7, text, align=self.align, new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str) -> None:
        self.pdf.set_font(self.family, "", 9)
        if self.family == "Helvetica":
            text = text.encode("latin-1", "replace").decode("latin-1")
        self.pdf.multi_cell(0, 4.8, text, align=self.align, new_x="LMARGIN", new_y="NEXT")

    def field(self, key: str, value: Any) -> None:
        self.line(f"{self.w(key)}: {_text(value)}")

    def block(self, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, list) and item and isinstance(item[0], dict):
                    self.field(key, "")
                    for entry in item:
                        self.line("  • " + _text(entry))
                else:
                    self.field(key, item)
        elif isinstance(value, list):
            if not value:
                self.line(self.w("None"))
            for entry in value:
                if isinstance(entry, dict) and "rows" in entry and "table" in entry:
                    self.line(f"{entry['table']}:")
                    for row in entry["rows"]:
                        self.line("  • " + _text(row))
                elif isinstance(entry, dict) and "seq" in entry:
                    self.line(
                        f"{entry['at']} · {entry['actor']} · {entry['action']} ({entry['object_type']})"
                    )
                else:
                    self.line("• " + _text(entry))
        else:
            self.line(_text(value))


def render(report: dict[str, Any], language: str) -> bytes:
    """The report (collect.access_report) as PDF bytes, in `language` where the fonts can draw it."""
    out = _Writer(language)
    about = report.get("request", {})
    out.pdf.set_title(f"Access report {about.get('ref', '')}")
    out.pdf.set_subject(out.w("Data subject access request"))
    out.pdf.set_lang(out.language)
    out.pdf.set_creation_date(dt.datetime.now(dt.UTC))
    out.heading(out.w("Your personal data"), 16)
    out.line(
        f"{out.w('Data subject access request')}: {about.get('ref', '')} · {about.get('individual_ref', '')}"
    )
    out.line(f"{out.w('Generated')}: {about.get('generated_at', '')}")
    if report.get("person") is None:
        out.line(_text(report.get("note")))
        return bytes(out.pdf.output())
    for key, title in _SECTIONS:
        out.heading(out.w(title))
        out.block(report.get(key))
    if report.get("withheld"):
        out.heading(out.w("Withheld"))
        out.line(", ".join(report["withheld"]))
        out.line(_text(report.get("withheld_because")))
    return bytes(out.pdf.output())
