"""The fonts of the PDFs refugio prints (certificates, letters, reports), found on the machine.

DejaVu Sans (regular and bold) covers Latin, Cyrillic and Greek; Noto Naskh Arabic, when installed, is
the fallback for Arabic script. Without DejaVu the PDFs fall back to the core Helvetica (Latin-1).
fpdf2 is the caller's: it is handed in, never imported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_CANDIDATES = {
    "sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",),
    "sans-bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",),
    "naskh": (
        "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    ),
}


def font_path(name: str) -> str | None:
    """The first installed file of font `name` (sans, sans-bold, naskh), or None."""
    return next((p for p in _CANDIDATES[name] if Path(p).exists()), None)


def add_sans(
    pdf: Any, *, fallback: str = "Helvetica", arabic: bool = False, direction: str | None = None
) -> str:
    """Register DejaVu Sans as family `sans` (regular and bold) on `pdf` and return `sans`; `fallback`
    when it is not installed. With `arabic`, Noto Naskh Arabic becomes the fallback font and text
    shaping is on (in `direction`, or fpdf2's own guess when None)."""
    regular, bold = font_path("sans"), font_path("sans-bold")
    if not (regular and bold):
        return fallback
    pdf.add_font("sans", "", regular)
    pdf.add_font("sans", "B", bold)
    if arabic:
        naskh = font_path("naskh")
        if naskh:
            pdf.add_font("naskh", "", naskh)
            pdf.set_fallback_fonts(["naskh"])
        pdf.set_text_shaping(True, direction=direction)
    return "sans"
