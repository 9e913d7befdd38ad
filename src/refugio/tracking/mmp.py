"""Import of IOM Missing Migrants Project incidents, in either shape:

* the cleaned extract of IOM's Global Data Institute (`gdidata`): `t` date, `m` month, `type`, `route`,
  `geo` (ISO3), `dead` (dead AND missing), `cause` and `nat` (comma-joined lists), `surv`, `location`,
  `lon`, `lat`;
* the full MMP download: incident id and type, region, date, dead, missing, their total, survivors,
  females, males, children, countries of origin, cause of death, country of incident, route, location,
  coordinates ("lat, lon"), information source, URL and source quality (reliability).

Every row is one stored incident: none is dropped, split or merged — split and cumulative incidents
stay as such, and two identical rows stay two rows (MMP records separate events with equal values).
Causes are kept as a list; the causes named by MMP contain commas themselves ("… shelter, food,
water"), so the list is split on MMP's vocabulary, not on every comma. Refused (line and reason; nothing
written): a missing or unreadable date, a negative or non-whole count of dead or missing, a total
that is not dead +
missing, coordinates outside the globe. A negative survivors figure is read as not reported and noted.
Re-importing adds nothing (each row has a key made of its
values and its occurrence number). Imports refugio.security (audit), store and core.
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
from refugio.tracking.countries import iso3_of
from refugio.tracking.files import Table, read_table
from refugio.tracking.models import Incident, TrackingImport

CAUSES = (
    "Harsh environmental conditions / lack of adequate shelter, food, water",
    "Vehicle accident / death linked to hazardous transport",
    "Sickness / lack of access to adequate healthcare",
    "Accidental death",
    "Mixed or unknown",
    "Drowning",
    "Violence",
)
GDI_COLUMNS = ["t", "type", "route", "geo", "dead", "cause", "nat", "lat", "lon"]
FULL_COLUMNS = ["Incident Type", "Incident Date", "Total Number of Dead and Missing", "Cause of Death"]
MAX_ERRORS = 200


@dataclass
class MmpReport:
    file: str
    shape: str = ""
    rows_read: int = 0
    added: int = 0
    already_loaded: int = 0
    dead_and_missing: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def split_causes(value: str) -> list[str]:
    """`"Drowning,Harsh environmental conditions / lack of adequate shelter, food, water"` → two causes."""
    text, found = value.strip(), []
    for cause in CAUSES:
        at = text.find(cause)
        if at >= 0:
            found.append((at, cause))
            text = text[:at] + "\x00" * len(cause) + text[at + len(cause) :]
    for piece_at, piece in _pieces(text):
        found.append((piece_at, piece))
    return [c for _, c in sorted(found)]


def _pieces(text: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for part in text.split(","):
        clean = part.replace("\x00", "").strip()
        if clean:
            out.append((at, clean))
        at += len(part) + 1
    return out


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _count(value: str, column: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"{column} {value!r} is not a whole number of people (0 or more)")
    return int(number)


def _date(value: str, column: str) -> dt.date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%a, %m/%d/%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{column} {value!r} is not a date")


def _coordinate(value: str, column: str, limit: float) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if abs(number) > limit:
        raise ValueError(f"{column} {number} is outside -{limit:g}…{limit:g}")
    return number


def _survivors(value: str, column: str, notes: list[str]) -> int | None:
    """Survivors; a negative figure (the cleaned extract has a few: -1, -2) is read as "not reported"
    and noted, so that the incident itself is kept."""
    text = value.strip()
    if text.startswith("-") and text[1:].replace(".", "", 1).isdigit():
        notes.append(f"{column} {text!r} read as not reported")
        return None
    return _count(value, column)


def _gdi(row: dict[str, str], notes: list[str]) -> dict[str, Any]:
    total = _count(row["dead"], "dead")
    if total is None:
        raise ValueError("dead (dead and missing) is empty")
    return {
        "source_id": None, "incident_type": row["type"].strip() or "Incident",
        "incident_date": _date(row["t"], "t"), "route": row["route"].strip() or None, "region": None,
        "country_iso3": row["geo"].strip().upper() or None, "country_name": None, "dead": None,
        "missing": None, "dead_and_missing": total,
        "survivors": _survivors(row.get("surv", ""), "surv", notes),
        "females": None, "males": None, "children": None, "causes": split_causes(row["cause"]),
        "nationalities": _list(row["nat"]), "location": row.get("location", "").strip() or None,
        "latitude": _coordinate(row["lat"], "lat", 90), "longitude": _coordinate(row["lon"], "lon", 180),
        "information_source": None, "reliability": None, "url": None,
    }  # fmt: skip


def _full(row: dict[str, str], notes: list[str]) -> dict[str, Any]:
    dead = _count(row.get("Number of Dead", ""), "Number of Dead")
    missing = _count(
        row.get("Minimum Estimated Number of Missing", ""), "Minimum Estimated Number of Missing"
    )
    total = _count(row["Total Number of Dead and Missing"], "Total Number of Dead and Missing")
    parts = (dead or 0) + (missing or 0)
    if total is None:
        total = parts
    elif (dead is not None or missing is not None) and total != parts:
        raise ValueError(
            f"Total Number of Dead and Missing = {total} is not dead ({dead or 0}) + missing ({missing or 0})"
        )
    lat = lon = None
    coords = row.get("Coordinates", "").strip()
    if coords:
        bits = [b.strip() for b in coords.replace(";", ",").split(",")]
        if len(bits) != 2:
            raise ValueError(f"Coordinates {coords!r} are not 'latitude, longitude'")
        lat, lon = _coordinate(bits[0], "latitude", 90), _coordinate(bits[1], "longitude", 180)
    return {
        "source_id": (row.get("Main ID") or row.get("Incident ID") or "").strip() or None,
        "incident_type": row["Incident Type"].strip() or "Incident",
        "incident_date": _date(row["Incident Date"], "Incident Date"),
        "route": row.get("Migration Route", "").strip() or None,
        "region": row.get("Region of Incident", "").strip() or None,
        "country_iso3": iso3_of(row.get("Country of Incident")),
        "country_name": row.get("Country of Incident", "").strip() or None, "dead": dead, "missing": missing,
        "dead_and_missing": total,
        "survivors": _survivors(row.get("Number of Survivors", ""), "Number of Survivors", notes),
        "females": _count(row.get("Number of Females", ""), "Number of Females"),
        "males": _count(row.get("Number of Males", ""), "Number of Males"),
        "children": _count(row.get("Number of Children", ""), "Number of Children"),
        "causes": split_causes(row["Cause of Death"]),
        "nationalities": _list(row.get("Country of Origin", "")),
        "location": row.get("Location of Incident", "").strip() or None, "latitude": lat, "longitude": lon,
        "information_source": row.get("Information Source", "").strip() or None,
        "reliability": (row.get("Source Quality") or row.get("Reliability") or "").strip() or None,
        "url": row.get("URL", "").strip() or None,
    }  # fmt: skip


def _read(path: Path) -> tuple[Table, str]:
    try:
        return read_table(path, required=GDI_COLUMNS), "gdi"
    except ValidationFailed as first:
        if not any(e.code == "missing_column" for e in first.errors):
            raise
    try:
        return read_table(path, required=FULL_COLUMNS), "full"
    except ValidationFailed as second:
        if any(e.code == "missing_column" for e in second.errors):
            raise ValidationFailed.single(
                "file",
                f"{path.name}: line 1: neither the cleaned MMP extract ({', '.join(GDI_COLUMNS)}) nor the "
                f"full MMP download ({', '.join(FULL_COLUMNS)})",
            ) from None
        raise


def import_mmp(session: Session, *, actor: Principal, path: Path) -> MmpReport:
    """Import the MMP file at `path` (either shape); flushes. See the module docstring."""
    policy.require_manage(actor)
    table, shape = _read(path)
    parse = _gdi if shape == "gdi" else _full
    report = MmpReport(file=path.name, shape=shape, rows_read=len(table.rows))
    errors: list[FieldError] = []
    staged: list[dict[str, Any]] = []
    seen: Counter[str] = Counter()
    for line, row in table.rows:
        notes: list[str] = []
        try:
            incident = parse(row, notes)
        except ValueError as exc:
            errors.append(FieldError(f"line {line}", f"line {line}: {exc}"))
            continue
        report.notes += [f"line {line}: {n}" for n in notes]
        content = hashlib.sha256("\x1f".join(row[c] for c in table.header).encode()).hexdigest()
        seen[content] += 1
        staged.append(
            {
                **incident,
                "line": line,
                "row_key": hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest(),
            }
        )
    if errors:
        raise ValidationFailed(errors[:MAX_ERRORS], message=f"{len(errors)} row(s) refused; nothing imported")
    existing = set(session.scalars(select(Incident.row_key)))
    fresh = [i for i in staged if i["row_key"] not in existing]
    report.added, report.already_loaded = len(fresh), len(staged) - len(fresh)
    report.dead_and_missing = sum(int(i["dead_and_missing"]) for i in staged)
    report.by_type = dict(Counter(str(i["incident_type"]) for i in staged))
    batch = TrackingImport(
        id=ids.new_id(), kind="mmp", file_name=path.name, sha256=table.sha256, imported_by=actor.username,
        rows_read=report.rows_read, rows_added=report.added, report=report.as_dict(),
    )  # fmt: skip
    session.add(batch)
    session.flush()
    for i in fresh:
        i["id"], i["import_id"] = ids.new_id(), batch.id
    insert_rows(session.connection(), Incident.__table__, fresh)  # type: ignore[arg-type]
    audit.record(
        session, actor=actor, action="tracking.mmp_imported", object_type="tracking_import",
        object_id=str(batch.id), details={"file": path.name, "sha256": table.sha256, "added": report.added},
    )  # fmt: skip
    return report


__all__ = ["CAUSES", "MmpReport", "import_mmp", "split_causes"]
