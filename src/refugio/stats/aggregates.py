"""Import of aggregate population statistics (UNHCR's published tables), validated row by row.

The dataset is recognised from the header (the file name does not matter); gzip is detected from the
content. Every row is checked: unknown country codes (against the imported country list, whose ISO3
must also agree with the row's `*_iso` column, allowing the documented pseudo-codes), a year that is not
one, negative or non-numeric counts, codes outside their list, duplicate keys. An empty count means "not
reported" and is stored as NULL. Literal `NA` in `app_type`/`dec_level` is a code, never a missing value.

A file with errors is refused whole with every error by line (`line 17.coo: unknown country code`),
unless `skip_invalid`: then the valid rows are loaded and the refused ones are listed in the import log.
A file replaces the dataset's previous rows (it is the full published table); the same file again
changes nothing. Services flush, never commit; every import is audited.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.stats.models import (
    StatsAsylumApplication,
    StatsAsylumDecision,
    StatsCountry,
    StatsDemographic,
    StatsFlow,
    StatsIdmc,
    StatsImport,
    StatsPopulation,
    StatsSolution,
    StatsUnrwa,
)
from refugio.store.base import Base

MAX_ERRORS_KEPT = 200
MAX_BYTES = 200_000_000
CHUNK = 5000

# Territories some UNHCR-distributed tables use that the UNHCR country list lacks.
EXTRA_TERRITORIES: dict[str, tuple[str, str]] = {"AB9": ("AB9", "Abyei Area")}

# The documented pseudo-codes: the ISO column may carry any of these for the UNHCR code on the left.
ISO_ALIASES: dict[str, set[str]] = {
    "UKN": {"UNK", "UKN", "XXX"},  # Unknown
    "STA": {"XXA", "STA"},  # Stateless
    "TIB": {"TIB", ""},  # Tibetan (no ISO3)
}

POP_TYPES = {"REF", "ASY", "IDP", "OOC", "RET", "RDP", "OIP", "STA", "HST", "ROC", "IOC", "VDA"}
_CODE = re.compile(r"^[A-Z]{1,3}$")
_UNHCR = re.compile(r"^[A-Z0-9]{3}$")

PAIR = ("year", "coo_name", "coo", "coo_iso", "coa_name", "coa", "coa_iso")


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    model: type[Base]
    columns: tuple[str, ...]  # the header, exactly (in any order)
    key: tuple[str, ...]  # source columns forming the key
    counts: dict[str, str]  # source column → model attribute
    codes: dict[str, tuple[str, frozenset[str] | None]] = field(default_factory=dict)  # col → (attr, allowed)
    file: str = ""


def _counts(*names: str, prefix: str = "") -> dict[str, str]:
    return {n: n.removeprefix(prefix) for n in names}


_AGES = ("0_4", "5_11", "12_17", "18_59", "60", "other", "total")
_DEMOGRAPHIC_COUNTS = (*(f"{s}_{a}" for s in ("f", "m") for a in _AGES), "total")

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "countries",
            "Countries and territories",
            StatsCountry,
            (
                "iso_code",
                "unhcr_code",
                "name",
                "unhcr_region",
                "unsd_region",
                "unsd_subregion",
                "unsd_imregion",
            ),
            ("unhcr_code",),
            {},
            file="countries.csv.gz",
        ),
        Dataset(
            "population",
            "Population stocks",
            StatsPopulation,
            (
                *PAIR,
                "refugees",
                "asylum_seekers",
                "returned_refugees",
                "idps",
                "returned_idps",
                "stateless",
                "ooc",
                "oip",
                "hst",
            ),
            ("year", "coo", "coa"),
            _counts(
                "refugees",
                "asylum_seekers",
                "returned_refugees",
                "idps",
                "returned_idps",
                "stateless",
                "ooc",
                "oip",
                "hst",
            ),
            file="population.csv.gz",
        ),
        Dataset(
            "flows",
            "New displacement",
            StatsFlow,
            (*PAIR, "refugees", "asylum_seekers", "refugee_like", "oip"),
            ("year", "coo", "coa"),
            _counts("refugees", "asylum_seekers", "refugee_like", "oip"),
            file="flows.csv.gz",
        ),
        Dataset(
            "solutions",
            "Durable solutions",
            StatsSolution,
            (*PAIR, "returned_refugees", "resettlement", "naturalisation", "returned_idps"),
            ("year", "coo", "coa"),
            _counts("returned_refugees", "resettlement", "naturalisation", "returned_idps"),
            file="solutions.csv.gz",
        ),
        Dataset(
            "idmc",
            "IDMC internally displaced people",
            StatsIdmc,
            (*PAIR, "total"),
            ("year", "coo", "coa"),
            _counts("total"),
            file="idmc.csv.gz",
        ),
        Dataset(
            "unrwa",
            "UNRWA Palestine refugees",
            StatsUnrwa,
            (*PAIR, "total"),
            ("year", "coo", "coa"),
            _counts("total"),
            file="unrwa.csv.gz",
        ),
        Dataset(
            "asylum_applications",
            "Asylum applications",
            StatsAsylumApplication,
            (*PAIR, "procedure_type", "app_type", "dec_level", "app_pc", "applied"),
            ("year", "coo", "coa", "procedure_type", "app_type", "dec_level", "app_pc"),
            _counts("applied"),
            {
                "procedure_type": ("procedure_type", frozenset({"G", "J", "U"})),
                "app_type": ("app_type", None),
                "dec_level": ("dec_level", None),
                "app_pc": ("app_pc", frozenset({"C", "P"})),
            },
            file="asylum_applications.csv.gz",
        ),
        Dataset(
            "asylum_decisions",
            "Asylum decisions",
            StatsAsylumDecision,
            (
                *PAIR,
                "procedure_type",
                "dec_level",
                "dec_pc",
                "dec_recognized",
                "dec_other",
                "dec_rejected",
                "dec_closed",
                "dec_total",
            ),
            ("year", "coo", "coa", "procedure_type", "dec_level", "dec_pc"),
            _counts("dec_recognized", "dec_other", "dec_rejected", "dec_closed", "dec_total", prefix="dec_"),
            {
                "procedure_type": ("procedure_type", frozenset({"G", "J", "U"})),
                "dec_level": ("dec_level", None),
                "dec_pc": ("dec_pc", frozenset({"C", "P"})),
            },
            file="asylum_decisions.csv.gz",
        ),
        Dataset(
            "demographics",
            "Demographics (sex and age)",
            StatsDemographic,
            (*PAIR, "pop_type", "location", "loc_type", "acc_type", *_DEMOGRAPHIC_COUNTS),
            ("year", "coo", "coa", "pop_type", "location", "loc_type", "acc_type"),
            {c: c for c in _DEMOGRAPHIC_COUNTS},
            {
                "pop_type": ("pop_type", frozenset(POP_TYPES)),
                "loc_type": ("loc_type", frozenset({"C", "U", "R", "V"})),
                "acc_type": ("acc_type", frozenset({"I", "P", "S", "C", "R", "U"})),
            },
            file="demographics.csv.gz",
        ),
    ]
}

# Import order for a folder: the country list first, since every other table is checked against it.
ORDER = [
    "countries",
    "population",
    "demographics",
    "asylum_applications",
    "asylum_decisions",
    "solutions",
    "flows",
    "idmc",
    "unrwa",
]


@dataclass
class ImportResult:
    dataset: str
    file_name: str
    rows_read: int
    rows_loaded: int
    errors: list[FieldError]
    unchanged: bool = False
    import_id: str | None = None

    @property
    def rows_rejected(self) -> int:
        return len({e.field.split(".", 1)[0] for e in self.errors})


def require_import(actor: Principal) -> None:
    """Aggregate statistics are global: importing them needs STATS_VIEW everywhere."""
    if not actor.scope(Permission.STATS_VIEW).everything:
        raise PermissionDenied(
            f"{actor.label} may not import aggregate statistics (needs {Permission.STATS_VIEW.value} "
            "for every operation)"
        )


def read_text(data: bytes) -> str:
    """Bytes of a CSV (gzipped or not) as text; a clear error for anything else."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed.single("file", f"larger than {MAX_BYTES // 1_000_000} MB", "too_large")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ValidationFailed.single("file", f"not a readable gzip file: {exc}", "bad_gzip") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.single("file", f"not UTF-8 text (byte {exc.start})", "bad_encoding") from None


def detect(header: Sequence[str], wanted: str | None = None, file_name: str = "") -> Dataset:
    """The dataset whose columns are exactly `header`. Where two tables share a header (IDMC and UNRWA),
    the file name decides (`unrwa.csv.gz`), or `wanted` names the dataset."""
    cols = {h.strip() for h in header}
    if wanted is not None:
        if wanted not in DATASETS:
            raise ValidationFailed.single(
                "dataset", f"unknown dataset {wanted!r}; one of: {', '.join(DATASETS)}", "unknown_dataset"
            )
        spec = DATASETS[wanted]
        missing, extra = set(spec.columns) - cols, cols - set(spec.columns)
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(sorted(missing))}")
            if extra:
                parts.append(f"unexpected {', '.join(sorted(extra))}")
            raise ValidationFailed.single(
                "header", f"not the {wanted} table: {'; '.join(parts)}", "bad_header"
            )
        return spec
    matches = [spec for spec in DATASETS.values() if cols == set(spec.columns)]
    if len(matches) > 1:
        stem = file_name.rsplit("/", 1)[-1].split(".", 1)[0].lower()
        named = [m for m in matches if m.name == stem]
        if len(named) == 1:
            return named[0]
        raise ValidationFailed.single(
            "dataset",
            f"the header fits {' and '.join(m.name for m in matches)}: name the dataset",
            "ambiguous_dataset",
        )
    if matches:
        return matches[0]
    raise ValidationFailed.single(
        "header",
        f"columns {', '.join(sorted(cols))[:300]} match none of the known tables ({', '.join(DATASETS)})",
        "bad_header",
    )


class _RowErrors:
    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[FieldError] = []

    def add(self, column: str, message: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(f"line {self.line}.{column}", message, code))


def _count(value: str, column: str, err: _RowErrors) -> int | None:
    text = value.strip()
    if text == "":
        return None
    if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        err.add(column, f"{text[:30]!r} is not a whole number", "not_a_number")
        return None
    number = int(float(text)) if "." in text else int(text)
    if number < 0:
        err.add(column, f"negative count {number}", "negative")
        return None
    if number > 2_000_000_000:
        err.add(column, f"count {number} is implausibly large", "too_large")
        return None
    return number


def _iso_agrees(unhcr: str, iso: str, country_iso: str | None) -> bool:
    if unhcr in ISO_ALIASES:
        return iso in ISO_ALIASES[unhcr]
    if country_iso is None:
        return iso in ("", unhcr)
    return iso == country_iso


def _check_pair(row: dict[str, str], err: _RowErrors, countries: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    year_text = row["year"].strip()
    if not re.fullmatch(r"\d{4}", year_text) or not 1900 <= int(year_text) <= 2100:
        err.add("year", f"{year_text[:20]!r} is not a year", "bad_year")
    else:
        out["year"] = int(year_text)
    for side in ("coo", "coa"):
        code = row[side].strip().upper()
        iso = row[f"{side}_iso"].strip().upper()
        if code not in countries:
            err.add(side, f"unknown country code {code[:10]!r} (not in the country list)", "unknown_country")
            continue
        if not _iso_agrees(code, iso, countries[code]):
            err.add(
                f"{side}_iso",
                f"{iso[:10]!r} does not match the ISO3 code {countries[code] or '(none)'!r} of {code}",
                "iso_mismatch",
            )
        out[side] = code
    return out


def _validate(
    spec: Dataset, rows: Iterable[dict[str, str]], countries: dict[str, str | None]
) -> tuple[int, list[dict[str, Any]], list[FieldError]]:
    valid: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    seen: dict[tuple[Any, ...], int] = {}
    read = 0
    for read, row in enumerate(rows, start=1):
        err = _RowErrors(read + 1)  # line 1 is the header
        if None in row or any(v is None for v in row.values()):
            err.add("row", "wrong number of fields", "bad_row")
            errors.extend(err.errors)
            continue
        if spec.name == "countries":
            out = _country_row(row, err)
        else:
            out = _check_pair(row, err, countries)
            for column, (attr, allowed) in spec.codes.items():
                value = row[column].strip()
                if column == "location":
                    continue
                if not _CODE.match(value) or (allowed is not None and value not in allowed):
                    err.add(column, f"unknown code {value[:10]!r}", "unknown_code")
                else:
                    out[attr] = value
            if spec.model is StatsDemographic:
                location = row["location"].strip()
                if not location or len(location) > 200:
                    err.add("location", "give the location (at most 200 characters)", "bad_location")
                out["location"] = location
            for column, attr in spec.counts.items():
                out[attr] = _count(row[column], column, err)
        if not err.errors:
            key = tuple(row[c].strip().upper() if c in ("coo", "coa") else row[c].strip() for c in spec.key)
            first = seen.get(key)
            if first is not None:
                err.add(
                    spec.key[-1] if len(spec.key) == 1 else "key",
                    f"duplicate of line {first} (same {', '.join(spec.key)})",
                    "duplicate",
                )
            else:
                seen[key] = err.line
        if err.errors:
            errors.extend(err.errors)
        else:
            valid.append(out)
    return read, valid, errors


def _country_row(row: dict[str, str], err: _RowErrors) -> dict[str, Any]:
    code = row["unhcr_code"].strip().upper()
    iso = row["iso_code"].strip().upper()
    name = row["name"].strip()
    if not _UNHCR.match(code):
        err.add("unhcr_code", f"{code[:10]!r} is not a three-character code", "bad_code")
    if iso and not re.fullmatch(r"[A-Z]{3}", iso):
        err.add("iso_code", f"{iso[:10]!r} is not an ISO 3166-1 alpha-3 code", "bad_code")
    if not name or len(name) > 120:
        err.add("name", "give the name (at most 120 characters)", "bad_name")
    return {
        "unhcr_code": code,
        "iso3": iso or None,
        "name": name,
        "unhcr_region": row["unhcr_region"].strip() or None,
        "unsd_region": row["unsd_region"].strip() or None,
        "unsd_subregion": row["unsd_subregion"].strip() or None,
    }


def country_codes(session: Session) -> dict[str, str | None]:
    return dict(session.execute(select(StatsCountry.unhcr_code, StatsCountry.iso3)).all())


def import_file(
    session: Session,
    *,
    actor: Principal,
    data: bytes,
    file_name: str,
    dataset: str | None = None,
    skip_invalid: bool = False,
    progress: Callable[[str], Any] | None = None,
) -> ImportResult:
    """Validate and load one aggregate table (CSV, optionally gzipped); see the module docstring."""
    require_import(actor)
    text = read_text(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise ValidationFailed.single("file", "empty file: no header row", "empty")
    spec = detect(reader.fieldnames, dataset, file_name)
    digest = hashlib.sha256(data).hexdigest()
    previous = session.scalar(
        select(StatsImport).where(StatsImport.dataset == spec.name, StatsImport.current.is_(True))
    )
    if previous is not None and previous.sha256 == digest and previous.rows_rejected == 0:
        return ImportResult(
            spec.name, file_name, previous.rows_read, previous.rows_loaded, [], True, str(previous.id)
        )
    countries = _country_list(session, spec)
    read, valid, errors = _validate(spec, reader, countries)
    if read == 0:
        raise ValidationFailed.single("file", "no data rows", "empty")
    rejected = len({e.field.split(".", 1)[0] for e in errors})
    if errors and not skip_invalid:
        raise ValidationFailed(
            errors[:MAX_ERRORS_KEPT],
            f"{file_name}: {rejected} of {read} rows are invalid; nothing was imported "
            f"(first error: {errors[0].field}: {errors[0].message})",
        )
    if progress:
        progress(f"{file_name}: {spec.name}, {len(valid):,} valid rows of {read:,}")
    record = StatsImport(
        dataset=spec.name,
        file_name=file_name[:300],
        sha256=digest,
        rows_read=read,
        rows_loaded=len(valid),
        rows_rejected=rejected,
        errors=[e.as_dict() for e in errors[:MAX_ERRORS_KEPT]],
        imported_by=actor.label,
        current=True,
    )
    _replace(session, spec, record, valid)
    audit.record(
        session,
        actor=actor,
        action="stats.import",
        object_type="stats_import",
        object_id=str(record.id),
        details={
            "dataset": spec.name,
            "file": file_name,
            "sha256": digest,
            "rows_loaded": len(valid),
            "rows_rejected": record.rows_rejected,
        },
    )
    return ImportResult(spec.name, file_name, read, len(valid), errors, False, str(record.id))


def _country_list(session: Session, spec: Dataset) -> dict[str, str | None]:
    """UNHCR code → ISO3 of the imported country list, which every other dataset is checked against."""
    if spec.name == "countries":
        return {}
    countries = country_codes(session)
    if not countries:
        raise ValidationFailed.single(
            "dataset",
            "import the country list (countries.csv) first: codes are checked against it",
            "no_country_list",
        )
    return countries


def _replace(session: Session, spec: Dataset, record: StatsImport, valid: list[dict[str, Any]]) -> None:
    """`record` becomes the dataset's current import and `valid` its rows (the old rows go)."""
    session.execute(
        update(StatsImport)
        .where(StatsImport.dataset == spec.name, StatsImport.current.is_(True))
        .values(current=False)
    )
    session.add(record)
    session.flush()
    table = cast(Table, spec.model.__table__)  # Core executemany: faster than ORM bulk inserts
    session.execute(delete(table))
    if spec.name == "countries":
        for row in valid:
            row["import_id"] = record.id
        known = {r["unhcr_code"] for r in valid}
        for code, (iso, name) in EXTRA_TERRITORIES.items():
            if code not in known:
                valid.append(
                    {
                        "unhcr_code": code,
                        "iso3": iso,
                        "name": name,
                        "unhcr_region": None,
                        "unsd_region": None,
                        "unsd_subregion": None,
                        "import_id": record.id,
                    }
                )
    for start in range(0, len(valid), CHUNK):
        session.execute(insert(table), valid[start : start + CHUNK])
    session.flush()


def list_imports(session: Session, *, actor: Principal) -> list[StatsImport]:
    """The import log, newest first (STATS_VIEW anywhere)."""
    if not actor.can_anywhere(Permission.STATS_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {Permission.STATS_VIEW.value}")
    return list(session.scalars(select(StatsImport).order_by(StatsImport.imported_at.desc())))
