"""Loading administrative areas: OCHA's global P-code file (admin 1–2, HXL row under the header) and
its P-code length rules, validated before anything is written.

Refused (nothing written, every wrong line named): an admin level other than 1 or 2, an admin-1 whose
parent is not its country, an admin-2 whose parent admin-1 is neither in the file nor already loaded,
a code given twice, a country without a length rule (when rules are given). Kept with a warning on the
row: a code whose length does not follow its country's rule. Admin-0 areas (the ISO3 code) are added
for every country. Re-loading the same file changes nothing; a changed name or parent is updated.

Imports refugio.security (audit), store and core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, ValidationFailed
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows
from refugio.tracking import policy
from refugio.tracking.files import read_table
from refugio.tracking.gazetteer import Area, Gazetteer, length_ok, parse_lengths
from refugio.tracking.models import AdminArea, PcodeFormat, TrackingImport

AREA_COLUMNS = ["Location", "Admin Level", "P-Code", "Name", "Parent P-Code"]
LENGTH_COLUMNS = ["Location", "Country Length", "Admin 1 Length", "Admin 2 Length"]
MAX_ERRORS = 50


@dataclass
class PcodeReport:
    countries: int = 0
    areas_read: int = 0
    added: int = 0
    updated: int = 0
    warnings: list[str] = field(default_factory=list)


def load_gazetteer(session: Session) -> Gazetteer:
    """Every loaded area and length rule, in memory."""
    g = Gazetteer()
    for row in session.execute(
        select(
            AdminArea.pcode, AdminArea.country_iso3, AdminArea.level, AdminArea.name, AdminArea.parent_pcode
        )
    ):
        g.areas[row[0]] = Area(row[0], row[1], row[2], row[3], row[4])
    for fmt in session.scalars(select(PcodeFormat)):
        g.country_lengths[fmt.country_iso3] = list(fmt.country_lengths)
        g.admin_lengths[fmt.country_iso3] = [list(x) for x in fmt.admin_lengths]
    return g


def _read_lengths(path: Path) -> dict[str, tuple[list[int], list[list[int]]]]:
    table = read_table(path, required=LENGTH_COLUMNS)
    rules: dict[str, tuple[list[int], list[list[int]]]] = {}
    errors: list[FieldError] = []
    for line, row in table.rows:
        try:
            country = parse_lengths(row["Country Length"])
            admin = [parse_lengths(row.get(f"Admin {i} Length", "")) for i in range(1, 6)]
        except ValueError:
            errors.append(FieldError(f"line {line}", f"line {line}: a length is not a number"))
            continue
        while admin and not admin[-1]:
            admin.pop()
        rules[row["Location"].upper()] = (country, admin)
    if errors:
        raise ValidationFailed(errors[:MAX_ERRORS])
    return rules


def _parse_areas(
    path: Path, known: Gazetteer, rules: dict[str, tuple[list[int], list[list[int]]]]
) -> tuple[list[dict[str, object]], list[FieldError], str]:
    table = read_table(path, required=AREA_COLUMNS)
    errors: list[FieldError] = []
    rows: list[dict[str, object]] = []
    in_file = {r["P-Code"]: r for _, r in table.rows}
    seen: set[str] = set()
    check = Gazetteer(
        country_lengths={k: v[0] for k, v in rules.items()}, admin_lengths={k: v[1] for k, v in rules.items()}
    )
    for line, r in table.rows:
        iso3, code, parent, name = r["Location"].upper(), r["P-Code"], r["Parent P-Code"], r["Name"]

        def wrong(message: str, line: int = line) -> None:
            errors.append(FieldError(f"line {line}", f"line {line}: {message}"))

        if r["Admin Level"] not in {"1", "2"}:
            wrong(f"admin level {r['Admin Level']!r} is not 1 or 2")
            continue
        level = int(r["Admin Level"])
        if not code or not name:
            wrong("a P-code and a name are required")
            continue
        if code in seen:
            wrong(f"P-code {code} is given twice")
            continue
        seen.add(code)
        if level == 1 and parent != iso3:
            wrong(f"admin-1 {code} has parent {parent!r}, not its country {iso3}")
            continue
        if level == 2:
            up = in_file.get(parent)
            if not (up is not None and up["Admin Level"] == "1") and not (
                parent in known.areas and known.areas[parent].level == 1
            ):
                wrong(f"admin-2 {code} ({name}): its parent admin-1 {parent!r} is unknown")
                continue
        if rules and iso3 not in rules and iso3 not in known.country_lengths:
            wrong(f"no P-code length rule for {iso3}")
            continue
        warnings = []
        if length_ok(check, code, iso3, level) is False:
            expected = sorted(check.expected_lengths(iso3, level) or [])
            warnings.append(f"P-code length {len(code)} does not follow the {iso3} rule ({expected})")
        valid = r.get("Valid from date") or None
        rows.append(
            {
                "pcode": code,
                "country_iso3": iso3,
                "level": level,
                "name": name,
                "parent_pcode": parent,
                "valid_from": dt.date.fromisoformat(valid[:10]) if valid else None,
                "warnings": warnings,
            }
        )
    return rows, errors, table.sha256


def load_pcodes(
    session: Session, *, actor: Principal, areas_path: Path, lengths_path: Path | None = None
) -> PcodeReport:
    """Load (or refresh) the areas of `areas_path` and the rules of `lengths_path`; flushes."""
    policy.require_manage(actor)
    rules = _read_lengths(lengths_path) if lengths_path else {}
    known = load_gazetteer(session)
    rows, errors, digest = _parse_areas(areas_path, known, rules)
    if errors:
        raise ValidationFailed(errors[:MAX_ERRORS], message=f"{len(errors)} line(s) refused; nothing loaded")
    report = PcodeReport(areas_read=len(rows))
    for iso3, (country, admin) in rules.items():
        fmt = session.get(PcodeFormat, iso3)
        if fmt is None:
            session.add(PcodeFormat(country_iso3=iso3, country_lengths=country, admin_lengths=admin))
        elif fmt.country_lengths != country or fmt.admin_lengths != admin:
            fmt.country_lengths, fmt.admin_lengths = country, admin
    countries = sorted({str(r["country_iso3"]) for r in rows})
    report.countries = len(countries)
    for iso3 in countries:
        if iso3 not in known.areas:
            rows.append(
                {
                    "pcode": iso3,
                    "country_iso3": iso3,
                    "level": 0,
                    "name": iso3,
                    "parent_pcode": None,
                    "valid_from": None,
                    "warnings": [],
                }
            )
    new = [r for r in rows if r["pcode"] not in known.areas]
    for r in rows:
        old = known.areas.get(str(r["pcode"]))
        if (
            old is not None
            and r["level"] != 0
            and (old.name, old.parent_pcode) != (r["name"], r["parent_pcode"])
        ):
            area = session.get(AdminArea, r["pcode"])
            assert area is not None
            area.name, area.parent_pcode = str(r["name"]), str(r["parent_pcode"])
            report.updated += 1
    session.flush()
    insert_rows(session.connection(), AdminArea.__table__, new)  # type: ignore[arg-type]
    report.added = len(new)
    report.warnings = [f"{r['pcode']}: {w}" for r in rows for w in r["warnings"]]  # type: ignore[attr-defined]
    session.add(
        TrackingImport(
            kind="pcodes", file_name=areas_path.name, sha256=digest, imported_by=actor.username,
            rows_read=report.areas_read, rows_added=report.added,
            report={"updated": report.updated, "warnings": report.warnings[:200]},
        )
    )  # fmt: skip
    audit.record(
        session,
        actor=actor,
        action="tracking.pcodes_loaded",
        object_type="admin_area",
        details={
            "file": areas_path.name,
            "added": report.added,
            "updated": report.updated,
            "countries": report.countries,
        },
    )
    return report


__all__ = ["PcodeReport", "load_gazetteer", "load_pcodes"]
