"""XLSForms checked and converted to XForms with pyxform: refugio's registration form (written by
`refugio.intake.xlsform`, re-exported here) and uploaded XLSForms (KoboToolbox, ODK), with errors
that name the sheet, the row and the problem.

    data = registration_xlsform(sites=[("ZAA", "Zaatari camp")], form_id="refugio_registration_jor")
    form = convert(data)              # FormInfo: form_id, version, title, xform XML, fields
    form = check_xlsform(uploaded)    # or ValidationFailed([FieldError("choices.row 160", "…")])

The only module that imports pyxform (lazily).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from refugio.core.errors import FieldError, ValidationFailed
from refugio.intake.xlsform import FORM_ID, LANGS, registration_xlsform


@dataclass
class FormInfo:
    """A converted XLSForm."""

    form_id: str
    version: str
    title: str
    xform: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (element path, type, English label)
    repeats: list[str] = field(default_factory=list)  # element paths of the repeats
    warnings: list[str] = field(default_factory=list)


_ROW = re.compile(r"\[row\s*:\s*(\d+)\]", re.I)
_SHEET = re.compile(r"(?:on|in) the '?(survey|choices|settings|external_choices|entities)'? sheet", re.I)


def _located(message: str) -> FieldError:
    """A pyxform message as a field error named `sheet.row N` (or the sheet, or `form`)."""
    text = " ".join(message.split())
    row = _ROW.search(text)
    sheet = _SHEET.search(text)
    sheet_name = sheet.group(1).lower() if sheet else ("survey" if row else "form")
    where = f"{sheet_name}.row {row.group(1)}" if row else sheet_name
    clean = _ROW.sub("", text).strip(" :")
    clean = re.sub(r"\s*Learn more: \S+", "", clean)
    return FieldError(where, clean, "xlsform")


def convert(source: bytes | Path, *, file_type: str | None = None) -> FormInfo:
    """Check an XLSForm with pyxform and convert it to an XForm. Raises ValidationFailed whose errors
    are named `sheet.row N` (e.g. `choices.row 160`) with pyxform's explanation."""
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2xform import convert as pyxform_convert  # type: ignore[import-untyped]

    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="refugio-xlsform-") as tmp:
        if isinstance(source, bytes):
            suffix = ".xls" if source.startswith(b"\xd0\xcf\x11\xe0") else ".xlsx"
            path = Path(tmp) / f"form{suffix}"
            path.write_bytes(source)
        else:
            path = source
        if path.suffix.lower() not in (".xls", ".xlsx"):
            raise ValidationFailed.single("form", "an XLSForm is an .xlsx or .xls workbook", "xlsform")
        try:
            result = pyxform_convert(
                xlsform=str(path), warnings=warnings, validate=False, file_type=file_type
            )
        except PyXFormError as exc:
            raise ValidationFailed([_located(str(exc))], f"the XLSForm is not valid: {exc}") from None
        except Exception as exc:  # a workbook pyxform cannot even open (damaged, not a workbook)
            raise ValidationFailed(
                [
                    FieldError(
                        "form", f"the file cannot be read as an XLSForm ({type(exc).__name__})", "xlsform"
                    )
                ]
            ) from None
    survey = result._survey
    settings = result._pyxform or {}
    fields: list[tuple[str, str, str]] = []
    repeats: list[str] = []
    if survey is not None:
        for element in survey.iter_descendants():
            kind = str(getattr(element, "type", "") or "")
            if kind == "repeat":
                repeats.append(str(element.get_xpath()))
            if kind in ("survey", "group", "repeat", ""):
                continue
            xpath = str(element.get_xpath())
            label = getattr(element, "label", "")
            if isinstance(label, dict):
                label = next(iter(label.values()), "")
            fields.append((xpath, kind, str(label or "")))
    return FormInfo(
        form_id=str(settings.get("id_string") or (survey.id_string if survey else "") or ""),
        version=str(settings.get("version") or (getattr(survey, "version", "") or "")),
        title=str(settings.get("title") or getattr(survey, "title", "") or ""),
        xform=result.xform,
        fields=fields,
        repeats=repeats,
        warnings=[_located(w).message for w in warnings],
    )


def check_xlsform(source: bytes | Path) -> FormInfo:
    """Check an uploaded XLSForm (see `convert`)."""
    return convert(source)


__all__ = ["FORM_ID", "LANGS", "FormInfo", "check_xlsform", "convert", "registration_xlsform"]


__all__ = ["FORM_ID", "LANGS", "FormInfo", "check_xlsform", "convert", "registration_xlsform"]
