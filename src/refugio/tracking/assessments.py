"""Import of multi-sector location assessments (DTM MSLA): one row per location and round, with the
people there by population group (IDPs, returnees, migrants), sex and age group where known, the
displacement reasons (several, `;`-separated), the admin-1 of origin, households by shelter type
(`shelter_<type>` columns), the severity of needs by sector (`need_<sector>`, 1 none … 5 extreme)
and the ranked priority needs (`priority_needs`, up to three sectors, `;`-separated).

The rules, row by row (a refusal names its line and the reason):
* refused — a negative or non-whole count; males + females, children + adults + elderly or
  IDPs + returnees + migrants above the individuals; households by shelter type above the
  households; an admin-2 without its admin-1; a P-code unknown in a country whose P-codes are
  loaded; an assessment type other than MSLA; a severity outside 1–5; an unknown sector or shelter
  type; a date in the future or unreadable;
* kept with a warning — an ISO-2 prefixed code normalised (`TD0701` → `TCD0701`), a P-code of a
  country whose P-codes are not loaded, an admin-2 whose parent is another admin-1;
* reported — a sum below the individuals (the remainder is "unknown"), never refused;
* kept, flagged `duplicate` and left out of every total — an exact copy of an earlier row.
Nothing is written when a row is refused; re-importing a file adds nothing (each row is keyed by its
values and occurrence). Imports refugio.security (audit), store and core.
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

from refugio.core import clock, ids
from refugio.core.errors import FieldError, ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows
from refugio.tracking import policy
from refugio.tracking.dtm import _count, _reasons
from refugio.tracking.enums import Sector, ShelterType
from refugio.tracking.files import read_table
from refugio.tracking.gazetteer import Gazetteer, normalise
from refugio.tracking.models import LocationAssessment, TrackingImport
from refugio.tracking.pcodes import load_gazetteer

REQUIRED = ["country_iso3", "location", "round", "date", "individuals"]
ASSESSMENT_TYPE = "MSLA"
GROUPS = {"sex": ("males", "females"), "age": ("children", "adults", "elderly"),
          "population group": ("idps", "returnees", "migrants")}  # fmt: skip
COUNTS = ("households", "individuals", *(c for cols in GROUPS.values() for c in cols))
SECTORS = {s.value for s in Sector}
SHELTERS = {s.value for s in ShelterType}
MAX_ERRORS = 200


@dataclass
class AssessmentReport:
    file: str
    rows_read: int = 0
    added: int = 0
    already_loaded: int = 0
    duplicates: int = 0
    remainders: dict[str, int] = field(default_factory=dict)  # "sex" → people of unknown sex, …
    normalised: dict[str, str] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)  # countries whose P-codes are in the gazetteer

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "loaded"}


def _codes(g: Gazetteer, row: dict[str, str], iso3: str, report: AssessmentReport) -> dict[str, Any]:
    """The admin-1/2 P-codes of a row, normalised; ValueError when unknown in a loaded country."""
    loaded = iso3 in report.loaded
    out: dict[str, Any] = {"warnings": []}
    if row.get("admin2_pcode", "").strip() and not row.get("admin1_pcode", "").strip():
        raise ValueError("an admin-2 row needs admin1_pcode (its admin-1 parent)")
    for level in (1, 2):
        given = row.get(f"admin{level}_pcode", "").strip().upper()
        code, notes = normalise(g, given, iso3, level) if given else ("", [])
        for note in notes:
            if note.startswith("PCode length"):
                report.normalised[given] = code
            elif loaded:
                raise ValueError(f"admin{level}_pcode {given!r} is not a P-code of {iso3}")
        out["warnings"] += notes
        out[f"admin{level}_pcode"] = code or None
    area = g.areas.get(out["admin2_pcode"] or "")
    if area is not None and area.parent_pcode != out["admin1_pcode"]:
        out["warnings"].append(
            f"PCode parent {area.pcode} is in {area.parent_pcode}, not {out['admin1_pcode']}"
        )
    return out


def _sums(values: dict[str, int | None], report: AssessmentReport) -> None:
    """Each breakdown may not exceed the individuals; below is the remainder, reported."""
    total = values["individuals"] or 0
    for name, columns in GROUPS.items():
        given = [values[c] for c in columns if values[c] is not None]
        if not given:
            continue
        known = sum(v or 0 for v in given)
        if known > total:
            raise ValueError(f"{' + '.join(columns)} = {known} is more than individuals = {total}")
        report.remainders[name] = report.remainders.get(name, 0) + total - known


def _sectors(row: dict[str, str]) -> tuple[dict[str, int], dict[str, int], list[str]]:
    shelter: dict[str, int] = {}
    needs: dict[str, int] = {}
    for column, value in row.items():
        if not value.strip():
            continue
        if column.startswith("shelter_"):
            kind = column.removeprefix("shelter_")
            if kind not in SHELTERS:
                raise ValueError(f"{column}: unknown shelter type (one of {', '.join(sorted(SHELTERS))})")
            shelter[kind] = _count(row, column, required=True) or 0
        elif column.startswith("need_"):
            sector = column.removeprefix("need_")
            if sector not in SECTORS:
                raise ValueError(f"{column}: unknown sector (one of {', '.join(sorted(SECTORS))})")
            severity = _count(row, column, required=True)
            if severity is None or not 1 <= severity <= 5:
                raise ValueError(f"{column} {value!r} is not a severity from 1 to 5")
            needs[sector] = severity
    priority = [p.strip().lower() for p in row.get("priority_needs", "").split(";") if p.strip()]
    unknown = [p for p in priority if p not in SECTORS]
    if unknown or len(priority) > 3 or len(set(priority)) < len(priority):
        raise ValueError(f"priority_needs {row['priority_needs']!r}: up to three different sectors, ranked")
    return shelter, needs, priority


def _assessment(g: Gazetteer, row: dict[str, str], report: AssessmentReport) -> dict[str, Any]:
    """The stored values of one valid row; ValueError with the reason when it is refused."""
    kind = row.get("assessment_type", ASSESSMENT_TYPE).strip().upper() or ASSESSMENT_TYPE
    if kind != ASSESSMENT_TYPE:
        raise ValueError(f"assessment_type {row['assessment_type']!r} is unknown (MSLA)")
    iso3 = row["country_iso3"].strip().upper()
    if len(iso3) != 3 or not iso3.isalpha():
        raise ValueError(f"country_iso3 {row['country_iso3']!r} is not an ISO3 country code")
    values: dict[str, Any] = {c: _count(row, c, required=c == "individuals") for c in COUNTS}
    _sums(values, report)
    shelter, needs, priority = _sectors(row)
    if values["households"] is not None and sum(shelter.values()) > values["households"]:
        raise ValueError(f"households by shelter type ({sum(shelter.values())}) exceed households")
    try:
        day = dt.date.fromisoformat(row["date"].strip()[:10])
        round_number = int(row["round"])
    except ValueError:
        raise ValueError(f"date {row['date']!r} or round {row['round']!r} cannot be read") from None
    if day > clock.today() or round_number < 1:
        raise ValueError("the date is in the future" if day > clock.today() else "round must be 1 or more")
    location = row["location"].strip()
    if not location:
        raise ValueError("location is empty")
    origin = row.get("origin_admin1_pcode", "").strip().upper() or None
    return {**values, **_codes(g, row, iso3, report), "country_iso3": iso3, "location": location[:200],
            "round_number": round_number, "assessment_date": day, "origin_admin1_pcode": origin,
            "reasons": _reasons(row.get("reasons", "")), "shelter": shelter, "needs": needs,
            "priority_needs": priority}  # fmt: skip


def import_assessments(session: Session, *, actor: Principal, path: Path) -> AssessmentReport:
    """Import the multi-sector location assessments of the CSV at `path`; flushes."""
    policy.require_manage(actor)
    table = read_table(path, required=REQUIRED)
    g = load_gazetteer(session)
    report = AssessmentReport(file=path.name, rows_read=len(table.rows))
    report.loaded = {a.country_iso3 for a in g.areas.values()}
    errors: list[FieldError] = []
    seen: Counter[str] = Counter()
    staged: list[dict[str, Any]] = []
    for line, row in table.rows:
        content = hashlib.sha256("\x1f".join(row[c] for c in table.header).encode()).hexdigest()
        try:
            values = _assessment(g, row, report)
        except ValueError as exc:
            errors.append(FieldError(f"line {line}", f"line {line}: {exc}"))
            continue
        seen[content] += 1
        key = hashlib.sha256(f"msla#{content}#{seen[content]}".encode()).hexdigest()
        staged.append({**values, "line": line, "row_key": key, "duplicate": seen[content] > 1})
    if errors:
        raise ValidationFailed(errors[:MAX_ERRORS], message=f"{len(errors)} row(s) refused; nothing imported")
    report.countries = sorted({str(a["country_iso3"]) for a in staged})
    existing = set(session.scalars(
        select(LocationAssessment.row_key).where(LocationAssessment.country_iso3.in_(report.countries))
    ))  # fmt: skip
    fresh = [a for a in staged if a["row_key"] not in existing]
    report.already_loaded, report.added = len(staged) - len(fresh), len(fresh)
    report.duplicates = sum(1 for a in staged if a["duplicate"])
    batch = TrackingImport(id=ids.new_id(), kind="msla", file_name=path.name, sha256=table.sha256,
                           imported_by=actor.username, rows_read=report.rows_read, rows_added=report.added,
                           report={**report.as_dict()})  # fmt: skip
    session.add(batch)
    session.flush()
    for a in fresh:
        a["id"], a["import_id"] = ids.new_id(), batch.id
    insert_rows(session.connection(), LocationAssessment.__table__, fresh)  # type: ignore[arg-type]
    audit.record(session, actor=actor, action="tracking.msla_imported", object_type="tracking_import",
                 object_id=str(batch.id), details={"file": path.name, "sha256": table.sha256,
                                                   "added": report.added})  # fmt: skip
    return report


__all__ = ["ASSESSMENT_TYPE", "AssessmentReport", "import_assessments"]
