"""Import of IOM DTM mobility-tracking figures in the shape of the DTM API v3 (one row per location,
round, reason and origin; admin levels 0–2; an HXL row under the header may be present).

The rules, row by row (every refusal names its line and the reason):
* refused — a missing or unknown admin level, an admin-1 or admin-2 row without its P-codes (an
  admin-2 needs its admin-1 parent), a count that is not a whole number or is negative, males +
  females above the total, an unknown assessment type (BA or SA), a date or round that cannot be read;
* kept with a warning on the row — a DTM code with an ISO-2 prefix (`TD07`, normalised to `TCD07`),
  a P-code unknown to the loaded gazetteer, a name that does not match its code, an admin-2 whose
  gazetteer parent is not the row's admin-1;
* kept, flagged `duplicate` and left out of every total — an exact copy of an earlier row;
* reported — males + females below the total (the remainder is "sex unknown").
Nothing is written when a row is refused unless `skip_invalid` is given (the valid rows are then
loaded and the refused ones listed). Re-importing a file, or a row already loaded from another file,
adds nothing: each row has a key made of its values and its occurrence number.

Imports refugio.security (audit), store and core.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import ids
from refugio.core.errors import FieldError, ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows
from refugio.tracking import policy
from refugio.tracking.enums import AssessmentType
from refugio.tracking.files import read_table
from refugio.tracking.gazetteer import Gazetteer, name_mismatch, normalise
from refugio.tracking.models import DtmFigure, TrackingImport
from refugio.tracking.pcodes import load_gazetteer

REQUIRED = [
    "operation",
    "admin0Name",
    "admin0Pcode",
    "adminLevel",
    "numPresentIdpInd",
    "reportingDate",
    "roundNumber",
    "assessmentType",
]
NOT_AVAILABLE = {"", "not available", "n/a", "na"}
MAX_ERRORS = 200
ASSESSMENT_TYPES = frozenset(a.value for a in AssessmentType)


@dataclass
class DtmReport:
    file: str
    rows_read: int = 0
    added: int = 0
    already_loaded: int = 0
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)
    sex_remainder_rows: int = 0
    sex_remainder_people: int = 0
    normalised: dict[str, str] = field(default_factory=dict)
    unknown_pcodes: list[str] = field(default_factory=list)
    name_mismatches: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _count(row: dict[str, str], column: str, *, required: bool) -> int | None:
    value = row.get(column, "").strip()
    if not value:
        if required:
            raise ValueError(f"{column} is empty")
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not number.is_integer():
        raise ValueError(f"{column} {value!r} is not a whole number")
    if number < 0:
        raise ValueError(f"{column} {value!r} is negative")
    return int(number)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValueError(f"reportingDate {value!r} is not a date (YYYY-MM-DD)") from None


def _reasons(value: str) -> list[str]:
    out: list[str] = []
    for part in value.split(";"):
        reason = part.strip()
        if reason and reason[0].islower():
            reason = reason[0].upper() + reason[1:]
        if reason and reason not in out:
            out.append(reason)
    return out


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value.casefold() in NOT_AVAILABLE else value


def _codes(g: Gazetteer, row: dict[str, str], iso3: str, level: int, report: DtmReport) -> dict[str, Any]:
    """The normalised admin-1/2 codes of a row and the P-code warnings (admin-2 first, as HDX)."""
    warnings: list[str] = []
    codes: dict[str, Any] = {"admin1_pcode": None, "admin2_pcode": None}
    for lvl in (2, 1):
        if level < lvl:
            continue
        given = row.get(f"admin{lvl}Pcode", "").strip()
        code, notes = normalise(g, given, iso3, lvl) if g.areas else (given, [f"PCode unknown {given}"])
        for note in notes:
            if note.startswith("PCode length"):
                report.normalised[given] = code
            else:
                report.unknown_pcodes.append(note.removeprefix("PCode unknown "))
        warnings += notes
        mismatch = name_mismatch(g, code, row.get(f"admin{lvl}Name", "").strip())
        if mismatch:
            warnings.append(mismatch)
            report.name_mismatches.append(mismatch)
        codes[f"admin{lvl}_pcode"] = code
    area = g.areas.get(codes["admin2_pcode"] or "")
    if area is not None and codes["admin1_pcode"] and area.parent_pcode != codes["admin1_pcode"]:
        warnings.append(
            f"PCode parent {codes['admin2_pcode']} is in {area.parent_pcode}, not {codes['admin1_pcode']}"
        )
    codes["warnings"] = warnings
    return codes


def _figure(g: Gazetteer, row: dict[str, str], report: DtmReport) -> dict[str, Any]:
    """The stored values of one valid row; ValueError with the reason when it is refused."""
    if row["adminLevel"].strip() not in {"0", "1", "2"}:
        raise ValueError(f"adminLevel {row['adminLevel']!r} is not 0, 1 or 2")
    level = int(row["adminLevel"])
    iso3 = row["admin0Pcode"].strip().upper()
    if len(iso3) != 3 or not iso3.isalpha():
        raise ValueError(f"admin0Pcode {row['admin0Pcode']!r} is not an ISO3 country code")
    if level >= 1 and not row.get("admin1Pcode", "").strip():
        raise ValueError(f"an admin-{level} row needs admin1Pcode (its admin-1 parent)")
    if level == 2 and not row.get("admin2Pcode", "").strip():
        raise ValueError("an admin-2 row needs admin2Pcode")
    total = _count(row, "numPresentIdpInd", required=True)
    assert total is not None
    males = _count(row, "numberMales", required=False)
    females = _count(row, "numberFemales", required=False)
    known = (males or 0) + (females or 0)
    if known > total:
        raise ValueError(f"numberMales + numberFemales = {known} is more than numPresentIdpInd = {total}")
    if (males is not None or females is not None) and known < total:
        report.sex_remainder_rows += 1
        report.sex_remainder_people += total - known
    kind = row["assessmentType"].strip().upper()
    if kind not in ASSESSMENT_TYPES:
        raise ValueError(f"assessmentType {row['assessmentType']!r} is unknown (BA or SA)")
    try:
        round_number = int(float(row["roundNumber"]))
    except ValueError:
        raise ValueError(f"roundNumber {row['roundNumber']!r} is not a number") from None
    codes = _codes(g, row, iso3, level, report)
    return {
        "source_id": _optional(row.get("id")),
        "operation": row["operation"].strip(),
        "operation_status": _optional(row.get("operationStatus")),
        "country_iso3": iso3,
        "country_name": row["admin0Name"].strip(),
        "admin_level": level,
        "provider_admin1_pcode": row.get("admin1Pcode", "").strip() or None,
        "provider_admin1_name": row.get("admin1Name", "").strip() or None,
        "provider_admin2_pcode": row.get("admin2Pcode", "").strip() or None,
        "provider_admin2_name": row.get("admin2Name", "").strip() or None,
        "admin1_pcode": codes["admin1_pcode"],
        "admin2_pcode": codes["admin2_pcode"],
        "idps": total,
        "males": males,
        "females": females,
        "reporting_date": _date(row["reportingDate"]),
        "round_number": round_number,
        "reasons": _reasons(row.get("displacementReason", "")),
        "origin_admin1_name": _optional(row.get("idpOriginAdmin1Name")),
        "origin_admin1_pcode": _optional(row.get("idpOriginAdmin1Pcode")),
        "assessment_type": kind,
        "warnings": codes["warnings"],
    }


def import_dtm(session: Session, *, actor: Principal, path: Path, skip_invalid: bool = False) -> DtmReport:
    """Import the DTM file at `path`; flushes. See the module docstring for the rules."""
    policy.require_manage(actor)
    table = read_table(path, required=REQUIRED)
    g = load_gazetteer(session)
    report = DtmReport(file=path.name, rows_read=len(table.rows))
    errors: list[FieldError] = []
    seen: Counter[str] = Counter()
    staged: list[dict[str, Any]] = []
    for line, row in table.rows:
        content = hashlib.sha256("\x1f".join(row[c] for c in table.header).encode()).hexdigest()
        try:
            figure = _figure(g, row, report)
        except ValueError as exc:
            errors.append(FieldError(f"line {line}", f"line {line}: {exc}"))
            continue
        seen[content] += 1
        key = hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest()
        staged.append({**figure, "line": line, "row_key": key, "duplicate": seen[content] > 1})
    if errors and not skip_invalid:
        raise ValidationFailed(errors[:MAX_ERRORS], message=f"{len(errors)} row(s) refused; nothing imported")
    report.refused = [e.message for e in errors]
    report.unknown_pcodes = sorted(set(report.unknown_pcodes))
    report.name_mismatches = sorted(set(report.name_mismatches))
    report.countries = sorted({str(f["country_iso3"]) for f in staged})
    existing = set(
        session.scalars(select(DtmFigure.row_key).where(DtmFigure.country_iso3.in_(report.countries)))
    )
    fresh = [f for f in staged if f["row_key"] not in existing]
    report.already_loaded = len(staged) - len(fresh)
    report.duplicates = sum(1 for f in staged if f["duplicate"])
    report.added = len(fresh)
    batch = TrackingImport(
        id=ids.new_id(),
        kind="dtm",
        file_name=path.name,
        sha256=table.sha256,
        imported_by=actor.username,
        rows_read=report.rows_read,
        rows_added=report.added,
        report=report.as_dict(),
    )
    session.add(batch)
    session.flush()
    for f in fresh:
        f["id"] = ids.new_id()
        f["import_id"] = batch.id
    insert_rows(session.connection(), DtmFigure.__table__, fresh)  # type: ignore[arg-type]
    audit.record(
        session,
        actor=actor,
        action="tracking.dtm_imported",
        object_type="tracking_import",
        object_id=str(batch.id),
        details={"file": path.name, "sha256": table.sha256, "added": report.added, "refused": len(errors)},
    )
    return report


__all__ = ["DtmReport", "import_dtm"]
