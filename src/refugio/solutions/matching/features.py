"""The case features of the placement-score models and their CSV files, with line-numbered errors
(nothing is written unless every line is right):

- PAST.csv, one past placement a line: `case_id,locality_id,children,adults,seniors,head_age,education,
  languages,skills,outcome` — `outcome` 1 when the outcome happened (e.g. the principal applicant was
  employed within 90 days of arrival), else 0;
- CASES.csv, the cases to score: the same without `locality_id` and `outcome` (other columns, such as
  those of `refugio solutions match`, are ignored).

`education` is one of none, primary, secondary, tertiary; `languages` and `skills` are lists separated by
`;` (case-insensitive; empty allowed). The numbers are whole and not negative; a case has a member.
Imports the standard library, numpy and refugio.core.errors only."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from refugio.core.errors import FieldError, ValidationFailed
from refugio.solutions.matching.problem import FloatArray

EDUCATION = ("none", "primary", "secondary", "tertiary")
NUMERIC = ("children", "adults", "seniors", "head_age")
CASE_COLUMNS = ("case_id", *NUMERIC, "education", "languages", "skills")
PAST_COLUMNS = ("case_id", "locality_id", *NUMERIC, "education", "languages", "skills", "outcome")
MAX_ERRORS = 50
MAX_AGE = 120


@dataclass
class CaseFeatures:
    case_id: str
    numbers: list[int]  # children, adults, seniors, head_age
    education: int  # index in EDUCATION
    languages: frozenset[str]
    skills: frozenset[str]
    locality_id: str = ""  # PAST.csv only
    outcome: int = 0  # PAST.csv only
    line: int = 0


@dataclass
class Encoder:
    """Turns case features into a matrix: the numbers, the family size, the education level, then one
    column per language and per skill of the vocabularies (learnt from the past placements)."""

    languages: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [
            *NUMERIC,
            "size",
            "education",
            *(f"language:{x}" for x in self.languages),
            *(f"skill:{x}" for x in self.skills),
        ]

    @classmethod
    def learn(cls, rows: list[CaseFeatures], *, min_count: int = 5, most: int = 40) -> Encoder:
        """The languages and skills held by at least `min_count` past cases (the `most` commonest)."""

        def vocabulary(sets: list[frozenset[str]]) -> list[str]:
            counts: dict[str, int] = {}
            for s in sets:
                for x in s:
                    counts[x] = counts.get(x, 0) + 1
            common = sorted((x for x, n in counts.items() if n >= min_count), key=lambda x: (-counts[x], x))
            return sorted(common[:most])

        return cls(vocabulary([r.languages for r in rows]), vocabulary([r.skills for r in rows]))

    def matrix(self, rows: list[CaseFeatures]) -> FloatArray:
        out = np.zeros((len(rows), len(self.names)), dtype=np.float64)
        lang = {x: 6 + i for i, x in enumerate(self.languages)}
        skill = {x: 6 + len(self.languages) + i for i, x in enumerate(self.skills)}
        for i, r in enumerate(rows):
            out[i, :4] = r.numbers
            out[i, 4] = sum(r.numbers[:3])
            out[i, 5] = r.education
            for x in r.languages:
                if x in lang:
                    out[i, lang[x]] = 1.0
            for x in r.skills:
                if x in skill:
                    out[i, skill[x]] = 1.0
        return out


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in text.split(";") if t.strip())


def read(path: Path, *, past: bool) -> list[CaseFeatures]:
    """The rows of PAST.csv (`past`) or CASES.csv; every wrong line reported (ValidationFailed)."""
    errors: list[FieldError] = []

    def add(line: int, message: str, code: str = "invalid") -> None:
        where = f"{path.name} line {line}"
        errors.append(FieldError(where, f"{where}: {message}", code))

    wanted = PAST_COLUMNS if past else CASE_COLUMNS
    rows: list[CaseFeatures] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationFailed.single(
            path.name, f"{path} cannot be read ({exc.strerror})", "unreadable"
        ) from None
    with handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in wanted if c not in header]
        if missing:
            add(1, f"the header lacks {','.join(missing)} (needed: {','.join(wanted)})", "header")
            raise ValidationFailed(errors)
        seen: dict[str, int] = {}
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                add(line, f"{len(values)} values for {len(header)} columns", "shape")
                continue
            row = {h: v.strip() for h, v in zip(header, values, strict=True)}
            row_ok = _row(row, line, past, add, seen)
            if row_ok is not None:
                rows.append(row_ok)
            if len(errors) >= MAX_ERRORS:
                break
    if errors:
        raise ValidationFailed(errors[:MAX_ERRORS])
    if not rows:
        raise ValidationFailed.single(path.name, f"{path.name} has no rows", "empty")
    return rows


def _row(
    row: dict[str, str], line: int, past: bool, add: Callable[..., None], seen: dict[str, int]
) -> CaseFeatures | None:
    ok = True
    numbers: list[int] = []
    for column in NUMERIC:
        try:
            value = int(row[column])
        except ValueError:
            add(line, f"{column} must be a whole number (found {row[column]!r})", "not_integer")
            ok = False
            continue
        if value < 0 or (column == "head_age" and value > MAX_AGE):
            add(line, f"{column} must be between 0 and {MAX_AGE if column == 'head_age' else 'any'}"
                f" (found {value})", "out_of_range")  # fmt: skip
            ok = False
        numbers.append(value)
    if ok and sum(numbers[:3]) == 0:
        add(line, "the case has no members (children + adults + seniors = 0)", "empty")
        ok = False
    education = row["education"].lower()
    if education not in EDUCATION:
        add(line, f"education must be one of {', '.join(EDUCATION)} (found {row['education']!r})", "choice")
        ok = False
    cid = row["case_id"]
    key = f"{cid}\x00{row.get('locality_id', '')}" if past else cid
    if not cid:
        add(line, "case_id is empty", "required")
        ok = False
    elif key in seen:
        add(line, f"case {cid} is already on line {seen[key]}", "duplicate")
        ok = False
    outcome = 0
    if past:
        if not row["locality_id"]:
            add(line, "locality_id is empty", "required")
            ok = False
        if row["outcome"] not in ("0", "1"):
            add(line, f"outcome must be 0 or 1 (found {row['outcome']!r})", "choice")
            ok = False
        else:
            outcome = int(row["outcome"])
    if not ok:
        return None
    seen[key] = line
    return CaseFeatures(
        case_id=cid,
        numbers=numbers,
        education=EDUCATION.index(education),
        languages=_tokens(row["languages"]),
        skills=_tokens(row["skills"]),
        locality_id=row.get("locality_id", "") if past else "",
        outcome=outcome,
        line=line,
    )
