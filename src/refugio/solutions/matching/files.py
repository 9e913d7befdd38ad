"""The CSV files of `refugio solutions match`: CASES (case_id,children,adults,seniors), LOCALITIES
(locality_id,capacity or locality_id,capacity_children,capacity_adults,capacity_seniors), SCORES
(case_id,locality_id,score; an absent pair is incompatible) and OUT (case_id,locality_id, every case
once, empty when unplaced). Every error names its file and line; nothing is written unless all is well.
Imports the standard library, numpy and refugio.solutions.matching.problem / core.errors."""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from refugio.core.errors import FieldError, ValidationFailed
from refugio.solutions.matching.problem import DIMENSIONS_1, DIMENSIONS_3, IntArray, Problem, build

CASE_COLUMNS = ["case_id", "children", "adults", "seniors"]
LOCALITY_COLUMNS_1 = ["locality_id", "capacity"]
LOCALITY_COLUMNS_3 = ["locality_id", "capacity_children", "capacity_adults", "capacity_seniors"]
SCORE_COLUMNS = ["case_id", "locality_id", "score"]
MAX_ERRORS = 50


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, path: Path, line: int, message: str, code: str = "invalid") -> None:
        where = f"{path.name} line {line}"
        self.items.append(FieldError(where, f"{where}: {message}", code))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items[:MAX_ERRORS])


def _rows(path: Path, expected: list[list[str]], errors: _Errors) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV whose header is one of `expected` (columns in any order)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        errors.add(path, 0, f"cannot be read ({exc.strerror})", "unreadable")
        return
    with handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if not any(sorted(header) == sorted(cols) for cols in expected):
            wanted = " or ".join(",".join(c) for c in expected)
            errors.add(
                path, 1, f"the header must be {wanted} (found {','.join(header) or 'nothing'})", "header"
            )
            return
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.add(path, line, f"{len(values)} values for {len(header)} columns", "shape")
                continue
            yield line, {h: v.strip() for h, v in zip(header, values, strict=True)}


def _count(path: Path, line: int, row: dict[str, str], column: str, errors: _Errors) -> int | None:
    text = row[column]
    try:
        value = int(text)
    except ValueError:
        errors.add(path, line, f"{column} must be a whole number (found {text!r})", "not_integer")
        return None
    if value < 0:
        errors.add(path, line, f"{column} cannot be negative (found {value})", "negative")
        return None
    return value


Rows = tuple[
    list[tuple[str, list[int]]], list[tuple[str, list[int]]], list[tuple[str, str, float]], tuple[str, ...]
]


def read(cases_path: Path, localities_path: Path, scores_path: Path) -> Problem:
    """The problem in three files; every wrong line is reported (ValidationFailed, up to 50 lines)."""
    cases, localities, scores, dimensions = read_rows(cases_path, localities_path, scores_path)
    return build(cases=cases, localities=localities, scores=scores, dimensions=dimensions)


def read_rows(cases_path: Path, localities_path: Path, scores_path: Path) -> Rows:
    """The checked rows of the three files: cases (id, [children, adults, seniors]), localities (id,
    capacities), scores, and the capacity dimensions."""
    errors = _Errors()
    cases: list[tuple[str, list[int]]] = []
    case_lines: dict[str, int] = {}
    for line, row in _rows(cases_path, [CASE_COLUMNS], errors):
        cid = row["case_id"]
        sizes = [_count(cases_path, line, row, c, errors) for c in CASE_COLUMNS[1:]]
        if not cid:
            errors.add(cases_path, line, "case_id is empty", "required")
        elif cid in case_lines:
            errors.add(cases_path, line, f"case {cid} is already on line {case_lines[cid]}", "duplicate")
        elif None not in sizes:
            if sum(s for s in sizes if s is not None) == 0:
                errors.add(cases_path, line, f"case {cid} has no members", "empty")
            case_lines[cid] = line
            cases.append((cid, [s for s in sizes if s is not None]))
    localities: list[tuple[str, list[int]]] = []
    loc_lines: dict[str, int] = {}
    dimensions: tuple[str, ...] = DIMENSIONS_1
    for line, row in _rows(localities_path, [LOCALITY_COLUMNS_1, LOCALITY_COLUMNS_3], errors):
        columns = LOCALITY_COLUMNS_1 if "capacity" in row else LOCALITY_COLUMNS_3
        dimensions = DIMENSIONS_1 if "capacity" in row else DIMENSIONS_3
        lid = row["locality_id"]
        caps = [_count(localities_path, line, row, c, errors) for c in columns[1:]]
        if not lid:
            errors.add(localities_path, line, "locality_id is empty", "required")
        elif lid in loc_lines:
            errors.add(
                localities_path, line, f"locality {lid} is already on line {loc_lines[lid]}", "duplicate"
            )
        elif None not in caps:
            loc_lines[lid] = line
            localities.append((lid, [c for c in caps if c is not None]))
    scores = _read_scores(scores_path, case_lines, loc_lines, errors)
    errors.raise_if_any()
    return cases, localities, scores, dimensions


def _read_scores(
    path: Path, case_lines: dict[str, int], loc_lines: dict[str, int], errors: _Errors
) -> list[tuple[str, str, float]]:
    scores: list[tuple[str, str, float]] = []
    pair_lines: dict[tuple[str, str], int] = {}
    for line, row in _rows(path, [SCORE_COLUMNS], errors):
        cid, lid = row["case_id"], row["locality_id"]
        ok = True
        if cid not in case_lines:
            errors.add(path, line, f"unknown case {cid!r} (not in the cases file)", "unknown")
            ok = False
        if lid not in loc_lines:
            errors.add(path, line, f"unknown locality {lid!r} (not in the localities file)", "unknown")
            ok = False
        try:
            score = float(row["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            errors.add(path, line, f"score must be a number (found {row['score']!r})", "not_number")
            ok = False
        if (cid, lid) in pair_lines:
            errors.add(
                path, line, f"pair ({cid}, {lid}) is already on line {pair_lines[(cid, lid)]}", "duplicate"
            )
            ok = False
        if ok:
            pair_lines[(cid, lid)] = line
            scores.append((cid, lid, score))
    return scores


def write(path: Path, problem: Problem, assignment: IntArray) -> None:
    """OUT.csv, written to a temporary file then moved into place (never half-written)."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["case_id", "locality_id"])
            for cid, loc in zip(problem.case_ids, np.asarray(assignment).tolist(), strict=True):
                writer.writerow([cid, problem.locality_ids[loc] if loc >= 0 else ""])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def locality_ids(path: Path) -> list[str]:
    """The locality ids of a LOCALITIES file (either header), checked line by line."""
    errors = _Errors()
    ids: list[str] = []
    seen: dict[str, int] = {}
    for line, row in _rows(path, [LOCALITY_COLUMNS_1, LOCALITY_COLUMNS_3], errors):
        lid = row["locality_id"]
        if not lid:
            errors.add(path, line, "locality_id is empty", "required")
        elif lid in seen:
            errors.add(path, line, f"locality {lid} is already on line {seen[lid]}", "duplicate")
        else:
            seen[lid] = line
            ids.append(lid)
    errors.raise_if_any()
    return ids
