"""Standalone linkage of a CSV file: the contract used by external checks.

INPUT has the header
`record_id,given_name,middle_name,family_name,sex,date_of_birth,country_of_origin,phone,document_number,site`
(names in any script; sex M/F/X/empty; date_of_birth `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or empty; any field
but record_id may be empty; the columns may come in any order, other columns are ignored). OUTPUT is
`record_id,cluster_id` with every input record exactly once, in input order.

Bad input — no record_id column, an empty or repeated record_id, an unparseable date, an unknown sex —
raises `ValidationFailed` whose errors name the line (`line 7: date_of_birth …`); nothing is written.
The output is written to a temporary file next to OUTPUT and renamed into place only when complete.

Imports the standard library and the dedup modules; the engine is chosen by name.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from refugio.core.errors import FieldError, ValidationFailed
from refugio.dedup import names
from refugio.dedup.engine import LinkageModel, Records, get_engine

HEADER = (
    "record_id",
    "given_name",
    "middle_name",
    "family_name",
    "sex",
    "date_of_birth",
    "country_of_origin",
    "phone",
    "document_number",
    "site",
)
LINK_THRESHOLD = 6.0
MAX_ERRORS = 50


@dataclass
class LinkReport:
    records: int = 0
    clusters: int = 0
    trained: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def read_records(path: Path) -> Records:
    """Read and prepare INPUT; every problem is reported with its line number."""
    errors: list[FieldError] = []
    records = Records()
    seen: dict[str, int] = {}
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ValidationFailed.single("input", f"cannot read {path}: {exc.strerror}", "unreadable") from None
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            raise ValidationFailed.single(
                "input", "line 1: the file is empty (a header is needed)", "no_header"
            )
        header = [h.strip() for h in reader.fieldnames]
        if "record_id" not in header:
            raise ValidationFailed.single(
                "input", f"line 1: no record_id column (the header is {','.join(header)})", "no_record_id"
            )
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    errors.append(
                        FieldError(f"line {line}", f"line {line}: more fields than the header", "bad_row")
                    )
                rid = (row.get("record_id") or "").strip()
                if not rid:
                    errors.append(FieldError(f"line {line}", f"line {line}: record_id is empty", "required"))
                elif rid in seen:
                    errors.append(
                        FieldError(
                            f"line {line}",
                            f"line {line}: record_id {rid!r} repeats line {seen[rid]}",
                            "duplicate_record_id",
                        )
                    )
                else:
                    seen[rid] = line
                sex = (row.get("sex") or "").strip().upper()
                if sex not in ("", "M", "F", "X"):
                    errors.append(
                        FieldError(
                            f"line {line}", f"line {line}: sex {sex!r} is not M, F, X or empty", "bad_sex"
                        )
                    )
                try:
                    dob = names.parse_partial_date(row.get("date_of_birth"))
                except ValueError as exc:
                    errors.append(FieldError(f"line {line}", f"line {line}: {exc}", "bad_date"))
                    dob = None
                if len(errors) >= MAX_ERRORS:
                    break
                if errors:
                    continue
                records.append(
                    names.prepare_fields(
                        rid,
                        given_name=row.get("given_name"),
                        middle_name=row.get("middle_name"),
                        family_name=row.get("family_name"),
                        sex=sex,
                        date_of_birth=dob,
                        country_of_origin=row.get("country_of_origin"),
                        phone=row.get("phone"),
                        document_numbers=(row.get("document_number") or "",),
                        site=row.get("site"),
                    )
                )
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.append(FieldError("input", f"line {reader.line_num}: unreadable CSV ({exc})", "bad_csv"))
    if errors:
        raise ValidationFailed(errors)
    return records


def load_model(path: Path) -> LinkageModel:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed.single("model", f"cannot read the model {path}: {exc}", "bad_model") from None
    if not isinstance(spec, dict) or "parameters" not in spec:
        raise ValidationFailed.single("model", f"{path} is not a refugio dedup model", "bad_model")
    return LinkageModel(spec={"parameters": spec["parameters"]}, trained=bool(spec.get("trained")))


def save_model(model: LinkageModel, path: Path) -> None:
    body = {"parameters": model.spec["parameters"], "trained": model.trained, "notes": model.notes}
    path.write_text(json.dumps(body, indent=1, sort_keys=True), encoding="utf-8")


def link_file(
    input_path: Path,
    output_path: Path,
    *,
    model_path: Path | None = None,
    save_model_path: Path | None = None,
    engine: str = "duckdb",
    threshold: float = LINK_THRESHOLD,
    seed: int = 42,
    max_pairs: int = 2_000_000,
    progress: Callable[[str], None] | None = None,
) -> LinkReport:
    """Link INPUT into clusters and write OUTPUT (see the module docstring)."""
    report = LinkReport()
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    records = read_records(input_path)
    report.records = len(records)
    report.seconds["read_prepare"] = time.perf_counter() - t0
    say(f"read and prepared {len(records)} records")
    linkage = get_engine(engine)
    if model_path is not None:
        model = load_model(model_path)
    else:
        t = time.perf_counter()
        model = linkage.train(records, seed=seed, max_pairs=max_pairs)
        report.seconds["train"] = time.perf_counter() - t
        say("trained the model" + (" (prior kept)" if not model.trained else ""))
    report.trained, report.notes = model.trained, list(model.notes)
    if save_model_path is not None:
        save_model(model, save_model_path)
    t = time.perf_counter()
    clusters = linkage.cluster(records, model=model, threshold_weight=threshold)
    report.seconds["predict_cluster"] = time.perf_counter() - t
    report.clusters = len(set(clusters.values()))
    t = time.perf_counter()
    _write_atomically(output_path, records.ids(), clusters)
    report.seconds["write"] = time.perf_counter() - t
    report.seconds["total"] = time.perf_counter() - t0
    say(f"wrote {len(records)} records in {report.clusters} clusters")
    return report


def _write_atomically(path: Path, ids: list[str], clusters: dict[str, str]) -> None:
    directory = path.resolve().parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record_id", "cluster_id"])
            for rid in ids:
                writer.writerow([rid, clusters.get(rid, rid)])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
