"""Keys and indicator tables from files: a key a user defines in YAML (validated by pydantic: unknown
fields refused, weights summing to one), a named key by its name, and an indicator table from a CSV
`country,population,gdp,unemployment_rate,asylum_per_million` (an empty cell is a missing value, never
zero). Errors name the file, the line or field and the cause. Imports pyyaml, pydantic, numpy through
refugio.sharing.keys, and refugio.core.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from refugio.core.errors import FieldError, ValidationFailed
from refugio.sharing.keys import (
    INDICATORS,
    NAMED_KEYS,
    WEIGHT_TOLERANCE,
    Criterion,
    IndicatorTable,
    KeySpec,
    Provenance,
)

CSV_COLUMNS = ("country", *INDICATORS)


class CriterionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: Literal["population", "gdp", "unemployment_rate", "asylum_per_million"]
    weight: float = Field(ge=0, le=1)
    direction: Literal["proportional", "inverse"] = "proportional"
    base: bool = False
    capped: bool = False


class KeyFile(BaseModel):
    """A distribution key written by a user."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(default="1", min_length=1, max_length=20)
    title: str = Field(default="", max_length=200)
    source: str = Field(default="", max_length=500)
    cap: float | None = Field(default=None, gt=0)
    floor: float = Field(default=0.0, ge=0, lt=1)
    criteria: list[CriterionFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> KeyFile:
        total = math.fsum(c.weight for c in self.criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"the weights of the criteria sum to {total:.6g}, not to one")
        if self.cap is not None and not any(c.base for c in self.criteria):
            raise ValueError("a cap needs at least one criterion with base: true")
        return self

    def spec(self) -> KeySpec:
        return KeySpec(
            name=self.name,
            version=self.version,
            title=self.title or self.name,
            criteria=tuple(Criterion(**c.model_dump()) for c in self.criteria),
            cap=self.cap,
            floor=self.floor,
            source=self.source or "user-defined key",
        )


def parse_key(text: str, where: str = "key") -> KeySpec:
    """A key from YAML text; every problem becomes a FieldError naming the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed.single(where, f"not valid YAML: {exc}", "bad_yaml") from None
    if not isinstance(data, dict):
        raise ValidationFailed.single(where, "a key file is a YAML mapping (name, criteria, …)", "bad_yaml")
    try:
        return KeyFile.model_validate(data).spec()
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"]) or where
            message = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
            errors.append(FieldError(f"{where}:{loc}", message, e["type"]))
        raise ValidationFailed(errors) from None


def resolve_key(name_or_path: str) -> KeySpec:
    """A named key (`eu-2015-05`, `eu-2015-09`) or a YAML file."""
    if name_or_path in NAMED_KEYS:
        return NAMED_KEYS[name_or_path]
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise ValidationFailed.single("key", f"{path}: no such file", "not_found")
        return parse_key(path.read_text(encoding="utf-8"), where=path.name)
    raise ValidationFailed.single(
        "key", f"unknown key {name_or_path!r}: one of {', '.join(NAMED_KEYS)} or a FILE.yaml", "unknown_key"
    )


def _number(text: str, where: str, errors: list[FieldError]) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(FieldError(where, f"{text!r} is not a number", "not_a_number"))
        return None
    if not math.isfinite(value):
        errors.append(FieldError(where, f"{text!r} is not a finite number", "not_a_number"))
        return None
    return value


def read_indicators_csv(data: bytes, name: str) -> IndicatorTable:
    """An indicator table from CSV bytes; provenance: the file (name, sha256) as given."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed.single(name, "the file is not UTF-8 text", "encoding") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed.single(
            name, f"missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}", "columns"
        )
    digest = hashlib.sha256(data).hexdigest()[:12]
    rows: dict[str, dict[str, float | None]] = {}
    provenance: dict[tuple[str, str], Provenance] = {}
    errors: list[FieldError] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "") for k, v in raw.items() if k is not None}
        country = row.get("country", "").strip().upper()
        if not country:
            errors.append(FieldError(f"{name}:{line}", f"line {line}: no country code", "missing"))
            continue
        if country in rows:
            errors.append(
                FieldError(f"{name}:{line}", f"line {line}: {country} is listed twice", "duplicate")
            )
            continue
        rows[country] = {ind: _number(row.get(ind, ""), f"{name}:{line}.{ind}", errors) for ind in INDICATORS}
        for ind in INDICATORS:
            provenance[(country, ind)] = Provenance(
                source=f"{name} (sha256 {digest}…)", transformation="as given in the file"
            )
    if errors:
        raise ValidationFailed(errors)
    if not rows:
        raise ValidationFailed.single(name, "no participant in the file", "empty")
    return IndicatorTable.from_rows(rows, provenance)
