"""Column mappings: which column of a file feeds which refugio field, suggested automatically from the
header names (in English, French, Spanish and Arabic, Kobo/ODK group paths stripped) and from HXL
hashtags, saved and reused (a YAML file for the command line, a saved mapping in the database).

    mapping = suggest(headers, hxl_row)          # a Mapping with one Suggestion per column
    values, errors = mapping.apply(cells)        # one row: refugio values and per-field errors

A YAML mapping file looks like:

    name: partner-x                 # also the default source name (re-import recognition)
    source: partner-x
    date_order: DMY                 # how 03/04/2025 is read: DMY, MDY or YMD
    columns:
      "HH ID": household_key
      "First name": given_name
      "Comment": "-"                # read, not imported
    defaults:                       # values for fields no column gives
      population_type: refugee

Pure: no database, no I/O but YAML text. Imports refugio.intake.fields/values and registration names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from refugio.core.errors import FieldError, ValidationFailed
from refugio.intake import values as v
from refugio.intake.fields import BY_NAME, FIELDS, IGNORE, REQUIRED_ANY, ImportField
from refugio.intake.names import name_fields, split_full_name
from refugio.registration.validation import LEGAL_BASES

_HXL_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$", re.I)
MAX_COLUMNS = 1000
_MEMO_MAX = 20_000  # parsed cells remembered per field (repeated codes, dates and countries)
_LONG_TEXT = frozenset({"other_names", "address", "needs_reason"})
_UNIQUE_KINDS = frozenset({"text", "phone"})
_MISS = object()


@dataclass(frozen=True)
class Suggestion:
    """The field suggested for one column, why, and how sure (1.0 = exact name or HXL hashtag)."""

    column: str
    field: str | None
    confidence: float
    reason: str


@dataclass(frozen=True)
class CellError:
    """A wrong cell: the refugio field, the column it came from, and what is wrong."""

    field: str
    column: str | None
    message: str
    code: str = "invalid"
    level: str = "error"  # error | warning

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "column": self.column,
            "message": self.message,
            "code": self.code,
            "level": self.level,
        }


def normalise_header(header: str) -> str:
    """`members/Given_Name ` → `given name`: Kobo/ODK group paths dropped, case and accents folded."""
    text = header.strip()
    if "/" in text:
        text = text.rsplit("/", 1)[1]
    return v.fold(text)


def parse_hxl(tag: str) -> tuple[str, frozenset[str]] | None:
    """`#beneficiary +name +given` → ("#beneficiary", {"name", "given"}); None if not a hashtag."""
    text = (tag or "").strip().lower()
    if not _HXL_TAG.match(text):
        return None
    parts = [p.strip() for p in text.split("+")]
    return parts[0], frozenset(p for p in parts[1:] if p)


def is_hxl_row(cells: Sequence[Any]) -> bool:
    """A row of HXL hashtags (the row under the headers in HXL-tagged files)."""
    texts = [v.as_text(c) for c in cells]
    tagged = [t for t in texts if t]
    return bool(tagged) and all(parse_hxl(t) is not None for t in tagged)


def _hxl_field(tag: str) -> tuple[ImportField, float] | None:
    parsed = parse_hxl(tag)
    if parsed is None:
        return None
    hashtag, attrs = parsed
    best: tuple[ImportField, int] | None = None
    for f in FIELDS:
        for want_tag, want_attrs in f.hxl:
            if want_tag == hashtag and want_attrs <= attrs:
                # original-script name columns carry +native/+i_xx: prefer them only then
                specificity = len(want_attrs) * 2 - (0 if want_attrs else 1)
                if f.name.endswith("_original") != bool(attrs & {"native", "i_ar", "i_fa", "i_ru", "i_ti"}):
                    specificity -= 10
                if best is None or specificity > best[1]:
                    best = (f, specificity)
    if best is None or best[1] < 0:
        return None
    return best[0], 1.0


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS:
        index.setdefault(v.fold(f.name), f.name)
        index.setdefault(v.fold(f.label), f.name)
        for alias in f.aliases:
            index.setdefault(v.fold(alias), f.name)
    return index


_ALIASES = _alias_index()


def suggest_field(header: str, hxl: str | None = None) -> Suggestion:
    """The field one column most likely feeds."""
    if hxl:
        found = _hxl_field(hxl)
        if found is not None:
            return Suggestion(header, found[0].name, 1.0, f"HXL hashtag {hxl.strip()}")
    key = normalise_header(header)
    if not key:
        return Suggestion(header, None, 0.0, "empty header")
    if key in _ALIASES:
        return Suggestion(header, _ALIASES[key], 1.0, "known column name")
    full = v.fold(header)
    if full in _ALIASES:
        return Suggestion(header, _ALIASES[full], 0.95, "known column name")
    close = difflib.get_close_matches(key, list(_ALIASES), n=1, cutoff=0.82)
    if close:
        ratio = difflib.SequenceMatcher(None, key, close[0]).ratio()
        return Suggestion(header, _ALIASES[close[0]], round(ratio, 2), f"looks like {close[0]!r}")
    return Suggestion(header, None, 0.0, "no match")


def suggest(headers: Sequence[str], hxl_row: Sequence[str] | None = None) -> list[Suggestion]:
    """One suggestion per column; a field is given to its best column only (ties: the first)."""
    raw = [
        suggest_field(h, (hxl_row[i] if hxl_row and i < len(hxl_row) else None))
        for i, h in enumerate(headers)
    ]
    best: dict[str, int] = {}
    for i, s in enumerate(raw):
        if s.field is None:
            continue
        if s.field not in best or s.confidence > raw[best[s.field]].confidence:
            best[s.field] = i
    out: list[Suggestion] = []
    for i, s in enumerate(raw):
        if s.field is not None and best[s.field] != i:
            out.append(
                Suggestion(s.column, None, 0.0, f"{s.field} is taken by column {raw[best[s.field]].column!r}")
            )
        else:
            out.append(s)
    return out


@dataclass
class Mapping:
    """Columns → refugio fields, constant defaults, and how to read ambiguous dates."""

    columns: dict[str, str] = field(default_factory=dict)  # header → field name (or "-")
    defaults: dict[str, Any] = field(default_factory=dict)
    date_order: str = "DMY"
    name: str | None = None
    source: str | None = None
    _memo: dict[tuple[Any, dt.date], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # --- construction and checks ---------------------------------------------------------------

    @classmethod
    def from_suggestions(cls, suggestions: Sequence[Suggestion], *, min_confidence: float = 0.8) -> Mapping:
        return cls(
            columns={
                s.column: s.field
                for s in suggestions
                if s.field is not None and s.confidence >= min_confidence
            }
        )

    @classmethod
    def from_dict(cls, data: MappingABC[str, Any]) -> Mapping:
        """From the YAML/JSON shape; every problem is reported at once as a field error."""
        errors: list[FieldError] = []
        if not isinstance(data, MappingABC):
            raise ValidationFailed.single("mapping", "a mapping is a YAML dictionary with 'columns'")
        unknown = set(data) - {"name", "source", "date_order", "columns", "defaults"}
        for key in sorted(unknown):
            errors.append(
                FieldError(f"mapping.{key}", "unknown key (use name, source, date_order, columns, defaults)")
            )
        columns_raw = data.get("columns") or {}
        columns: dict[str, str] = {}
        if not isinstance(columns_raw, MappingABC):
            errors.append(FieldError("mapping.columns", "give columns as 'Column header: field'"))
        else:
            for header, name in columns_raw.items():
                name = str(name).strip() if name is not None else IGNORE
                if name != IGNORE and name not in BY_NAME:
                    errors.append(
                        FieldError(f"mapping.columns.{header}", f"unknown field {name!r}", "unknown_field")
                    )
                    continue
                columns[str(header)] = name
        defaults_raw = data.get("defaults") or {}
        defaults: dict[str, Any] = {}
        if not isinstance(defaults_raw, MappingABC):
            errors.append(FieldError("mapping.defaults", "give defaults as 'field: value'"))
        else:
            for name, value in defaults_raw.items():
                if name not in BY_NAME:
                    errors.append(
                        FieldError(f"mapping.defaults.{name}", f"unknown field {name!r}", "unknown_field")
                    )
                    continue
                try:
                    parsed = parse_default(str(name), value)
                except v.BadValue as exc:
                    errors.append(FieldError(f"mapping.defaults.{name}", exc.message, exc.code))
                    continue
                if parsed not in (None, "", []):
                    defaults[str(name)] = parsed
        order = str(data.get("date_order") or "DMY").upper()
        if order not in v.DATE_ORDERS:
            errors.append(FieldError("mapping.date_order", "use DMY, MDY or YMD"))
        seen: dict[str, str] = {}
        for header, name in columns.items():
            if name == IGNORE:
                continue
            if name in seen:
                errors.append(
                    FieldError(
                        f"mapping.columns.{header}",
                        f"{name} is already fed by column {seen[name]!r}",
                        "duplicate_field",
                    )
                )
            seen[name] = header
        if errors:
            raise ValidationFailed(errors)
        return cls(
            columns=columns,
            defaults=defaults,
            date_order=order,
            name=str(data["name"]) if data.get("name") else None,
            source=str(data["source"]) if data.get("source") else None,
        )

    @classmethod
    def from_yaml(cls, text: str) -> Mapping:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ValidationFailed.single("mapping", f"not valid YAML{where}", "bad_yaml") from None
        return cls.from_dict(data or {})

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.source:
            out["source"] = self.source
        out["date_order"] = self.date_order
        out["columns"] = dict(self.columns)
        if self.defaults:
            out["defaults"] = {k: _yamlable(val) for k, val in self.defaults.items()}
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.as_dict(), allow_unicode=True, sort_keys=False)

    def problems(self, headers: Sequence[str]) -> list[CellError]:
        """What is wrong with this mapping for a file with these headers (missing columns, fields that
        every registration needs)."""
        out: list[CellError] = []
        present = set(headers)
        for header in self.columns:
            if header not in present:
                out.append(
                    CellError(
                        "mapping",
                        header,
                        f"the mapping names column {header!r}, not in the file",
                        "missing_column",
                        "warning",
                    )
                )
        mapped = {f for h, f in self.columns.items() if h in present and f != IGNORE} | set(self.defaults)
        for group in REQUIRED_ANY:
            if not mapped & set(group):
                out.append(
                    CellError(
                        group[0],
                        None,
                        f"no column is mapped to {' or '.join(group)}: every person needs it",
                        "unmapped_field",
                    )
                )
        return out

    def fields(self) -> set[str]:
        return {f for f in self.columns.values() if f != IGNORE} | set(self.defaults)

    # --- applying ------------------------------------------------------------------------------

    def compile(self, headers: Sequence[str]) -> list[tuple[int, ImportField, str]]:
        """(column index, field, header) for each mapped column present in `headers`."""
        plan: list[tuple[int, ImportField, str]] = []
        for i, header in enumerate(headers):
            name = self.columns.get(header)
            if name and name != IGNORE:
                plan.append((i, BY_NAME[name], header))
        return plan

    def apply(
        self,
        plan: Sequence[tuple[int, ImportField, str]],
        cells: Sequence[Any],
        *,
        epoch: dt.date = v.EXCEL_1900,
    ) -> tuple[dict[str, Any], list[CellError]]:
        """One row's cells → refugio values (only non-empty ones) and the errors of wrong cells."""
        values: dict[str, Any] = dict(self.defaults)
        errors: list[CellError] = []
        width = len(cells)
        for i, f, header, plain, memo in self._entries(plan, epoch):
            cell = cells[i] if i < width else None
            if cell is None:
                continue
            if type(cell) is str:
                if plain and len(cell) <= 200:  # short text: nothing to parse
                    text = cell.strip()
                    if text:
                        values[f.name] = text
                    continue
                if f.kind in _UNIQUE_KINDS:  # mostly one of a kind: remembering would not pay
                    if cell.strip():
                        try:
                            values[f.name] = parse_value(f, cell, date_order=self.date_order, epoch=epoch)
                        except v.BadValue as exc:
                            errors.append(CellError(f.name, header, exc.message, exc.code))
                    continue
                # the same text in the same field reads the same: parse it once per file
                hit = memo.get(cell, _MISS)
                if hit is _MISS:
                    if len(memo) > _MEMO_MAX:  # bounded: memory stays flat however long the file
                        memo.clear()
                    if not cell.strip():
                        hit = None
                    else:
                        try:
                            hit = parse_value(f, cell, date_order=self.date_order, epoch=epoch)
                        except v.BadValue as exc:
                            hit = exc
                    memo[cell] = hit
                if hit is None:
                    continue
                if type(hit) is v.BadValue:
                    errors.append(CellError(f.name, header, hit.message, hit.code))
                else:
                    values[f.name] = list(hit) if type(hit) is list else hit  # rows never share a list
                continue
            try:
                values[f.name] = parse_value(f, cell, date_order=self.date_order, epoch=epoch)
            except v.BadValue as exc:
                errors.append(CellError(f.name, header, exc.message, exc.code))
        if "full_name" in values:
            fill_from_full_name(values, errors, column=_header_of(plan, "full_name"))
        return values, errors

    def _entries(
        self, plan: Sequence[tuple[int, ImportField, str]], epoch: dt.date
    ) -> list[tuple[int, ImportField, str, bool, dict[str, Any]]]:
        """The plan with, per column, whether it is plain short text and its memo of parsed cells."""
        key = (id(plan), epoch)
        found = self._memo.get(key)
        if found is not None and found[0] is plan:
            return found[1]  # type: ignore[no-any-return]
        entries = [
            (i, f, header, f.kind == "text" and f.name not in _LONG_TEXT, self._field_memo(f.name, epoch))
            for i, f, header in plan
        ]
        self._memo[key] = (plan, entries)  # the plan is kept: its id cannot be reused meanwhile
        return entries

    def _field_memo(self, name: str, epoch: dt.date) -> dict[str, Any]:
        found = self._memo.get((name, epoch))
        if found is None:
            found = self._memo[(name, epoch)] = {}
        return found


def _header_of(plan: Sequence[tuple[int, ImportField, str]], name: str) -> str | None:
    return next((header for _i, f, header in plan if f.name == name), None)


def fill_from_full_name(values: dict[str, Any], errors: list[CellError], *, column: str | None) -> None:
    """Split the row's `full_name` into the name fields no other column gave (rule: intake.names);
    an Arabic-script name fills the original-script fields and a transliteration, with a warning."""
    split = split_full_name(str(values.pop("full_name", "") or ""))
    if split is None:
        return
    filled = [k for k, text in name_fields(split).items() if not values.get(k) and values.setdefault(k, text)]
    if split.script == "Arab" and any(not k.endswith("_original") for k in filled):
        latin = " ".join(
            str(values[k]) for k in ("given_name", "middle_name", "family_name") if values.get(k)
        )
        errors.append(
            CellError(
                "given_name",
                column,
                f"Latin name transliterated from the Arabic as {latin!r}: check it",
                "transliterated",
                "warning",
            )
        )


# Fields a whole file can be given a default for in the import forms (web, API, CLI).
DEFAULTABLE = ("consent_given", "legal_basis", "consent_purposes", "site", "population_type")


def parse_default(name: str, value: Any) -> Any:
    """A default value for field `name` as the mapping keeps it (raises values.BadValue): parsed like
    a cell; a legal basis must be one the registration knows; a site code is upper-cased (whether the
    importer may use that site is checked by the service)."""
    if isinstance(value, list | tuple):  # a list of codes, as the mapping keeps consent purposes
        value = " ".join(str(x) for x in value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_value(BY_NAME[name], value, date_order="DMY")
    if name == "legal_basis" and parsed not in LEGAL_BASES:
        raise v.BadValue(
            f"unknown legal basis {parsed!r}; one of {', '.join(sorted(LEGAL_BASES))}", "unknown_code"
        )
    if name == "site":
        return str(parsed).strip().upper()
    return parsed


def with_defaults(mapping: Mapping, extra: MappingABC[str, Any] | str) -> Mapping:
    """`mapping` with defaults for the whole file added (a dict, or its YAML/JSON text such as
    `{"consent_given": "yes", "legal_basis": "consent"}`), each checked like the mapping's own; the
    given ones replace the mapping's."""
    if isinstance(extra, str):
        try:
            extra = yaml.safe_load(extra) or {}
        except yaml.YAMLError:
            raise ValidationFailed.single(
                "mapping.defaults", "give the defaults as a JSON object", "bad_yaml"
            ) from None
    if not isinstance(extra, MappingABC):
        raise ValidationFailed.single(
            "mapping.defaults", "give the defaults as a JSON object of field: value"
        )
    data = mapping.as_dict()
    data["defaults"] = {**(data.get("defaults") or {}), **extra}
    return Mapping.from_dict(data)


def parse_value(f: ImportField, cell: Any, *, date_order: str, epoch: dt.date = v.EXCEL_1900) -> Any:
    """One cell as the value of field `f` (raises values.BadValue)."""
    kind = f.kind
    if kind == "text":
        text = v.as_text(cell)
        limit = 300 if f.name in ("other_names", "address") else (2000 if f.name == "needs_reason" else 200)
        if len(text) > limit:
            raise v.BadValue(f"longer than {limit} characters", "too_long")
        return text
    if kind == "date":
        return v.parse_date(cell, order=date_order, epoch=epoch).isoformat()
    if kind == "partial_date":
        return v.parse_partial_date(cell, order=date_order, epoch=epoch)
    if kind == "int":
        return v.parse_int(cell)
    if kind == "bool":
        return v.parse_bool(cell)
    if kind == "country":
        return v.parse_country(cell)
    if kind == "languages":
        return v.parse_languages(cell)
    if kind == "codes":
        assert f.enum is not None
        return v.parse_codes(cell, f.enum)
    if kind == "needs":
        return v.parse_needs(cell)
    if kind == "sex":
        return v.parse_sex(cell)
    if kind == "enum":
        assert f.enum is not None
        return v.parse_enum(cell, f.enum)
    if kind == "phone":
        return v.parse_phone(cell)
    raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover


def _yamlable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


__all__ = [
    "DEFAULTABLE",
    "MAX_COLUMNS",
    "CellError",
    "Mapping",
    "Suggestion",
    "fill_from_full_name",
    "is_hxl_row",
    "normalise_header",
    "parse_default",
    "parse_hxl",
    "parse_value",
    "suggest",
    "suggest_field",
    "with_defaults",
]
