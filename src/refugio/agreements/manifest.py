"""The manifest of a file shared with a partner: the agreement (partner, purpose, legal basis, retention),
the fields, the number of rows, the SHA-256 of the file, when and by whom. Written beside the file
(`<file>.manifest.json`) or inside a zip with it; `verify` checks a file against its manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from typing import TYPE_CHECKING, Any

from refugio.core import clock

if TYPE_CHECKING:
    from refugio.agreements.models import DataSharingAgreement
    from refugio.security.principals import Principal


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "partner"


def csv_bytes(fields: list[str], rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 CSV (with BOM, for spreadsheets) of the rows, the fields as header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else _safe(v) for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula is quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def build(
    *,
    agreement: DataSharingAgreement,
    kind: str,
    filename: str,
    fields: list[str],
    rows: int,
    content: bytes,
    actor: Principal,
    excluded: int,
) -> dict[str, Any]:
    return {
        "agreement_id": str(agreement.id),
        "partner": agreement.partner,
        "purpose": agreement.purpose,
        "legal_basis": agreement.legal_basis,
        "retention_days_at_partner": agreement.retention_days,
        "agreement_valid_until": agreement.valid_until.isoformat(),
        "kind": kind,
        "file": filename,
        "fields": fields,
        "rows": rows,
        "excluded_without_consent": excluded,
        "sha256": hashlib.sha256(content).hexdigest(),
        "created_at": clock.now().isoformat(timespec="seconds"),
        "created_by": actor.label,
    }


def dumps(made: dict[str, Any]) -> bytes:
    return (json.dumps(made, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def zipped(filename: str, content: bytes, made: dict[str, Any]) -> bytes:
    """The file and its manifest (`manifest.json`) in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(filename, content)
        z.writestr("manifest.json", dumps(made))
    return buf.getvalue()


def verify(content: bytes, made: dict[str, Any]) -> bool:
    return hashlib.sha256(content).hexdigest() == made.get("sha256")


__all__ = ["build", "csv_bytes", "dumps", "slug", "verify", "zipped"]
