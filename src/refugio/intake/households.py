"""Staged rows → households: the keys that group rows and recognise people on re-import, the
`HouseholdCreate` payload a group of rows makes, its validation with the registration rules (errors
put back on the row and field they come from), and the differences between a re-imported row and the
person already registered.

Pure functions over plain values (no database access): service.py loads and saves around them.
Imports refugio.registration (schemas, validation, names, needs, the name fields of service) and
refugio.intake.fields/values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import orjson
from pydantic import ValidationError

from refugio.core.errors import FieldError
from refugio.core.names import NAME_PARTS
from refugio.intake.fields import BY_NAME, HOUSEHOLD_FIELDS
from refugio.intake.values import fold
from refugio.registration import names
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.service import NAME_FIELDS
from refugio.registration.validation import (
    check_household,
    normalise_document_number,
    normalise_phone,
    parse_partial_date,
)

MAX_KEY = 200
PERSON_FIELDS = (
    *NAME_FIELDS,
    "sex",
    "nationality",
    "languages",
    "phone",
    "marital_status",
)
STATUS_FIELDS = ("legal_status",)  # through registration.service.change_status
ADDRESS_FIELDS = {"address": "address", "shelter": "shelter", "household_phone": "phone"}


_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _no_float(values: dict[str, Any]) -> bool:
    """No float among the values nor inside a list of them (the type checks done in C, not per value
    in Python: this runs once per staged row)."""
    kinds = set(map(type, values.values()))
    if float in kinds:
        return False
    if list in kinds:
        inner = chain.from_iterable([v for v in values.values() if type(v) is list])
        return float not in set(map(type, inner))
    return True


def values_json(values: dict[str, Any]) -> str:
    """A row's refugio values as canonical JSON text (sorted keys): what is hashed, and what is stored.

    The text is the standard library's `json.dumps(sort_keys=True, ensure_ascii=False, compact,
    default=str)`, byte for byte (hashes of rows staged before stay valid); orjson writes the same
    text several times faster when no value is a float (whose spelling the two may differ in)."""
    if _no_float(values):
        try:
            return orjson.dumps(values, default=str, option=_CANONICAL).decode()
        except TypeError:  # a key that is not text, an integer beyond 64 bits
            pass
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def hash_of_json(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def values_json_and_hash(values: dict[str, Any]) -> tuple[str, str]:
    """(`values_json(values)`, `hash_of_json` of it), the bytes orjson wrote hashed as they are (not
    decoded and encoded again): what staging stores and compares for every row."""
    if _no_float(values):
        try:
            data = orjson.dumps(values, default=str, option=_CANONICAL)
        except TypeError:
            pass
        else:
            return data.decode(), hashlib.sha256(data).hexdigest()[:32]
    text = values_json(values)
    return text, hash_of_json(text)


def content_hash(values: dict[str, Any]) -> str:
    """A short fingerprint of a row's refugio values (same values, same hash, whatever the file)."""
    return hash_of_json(values_json(values))


def _short(text: str) -> str:
    text = text.strip()
    if len(text) <= MAX_KEY:
        return text
    return text[: MAX_KEY - 17] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]


def row_keys(values: dict[str, Any]) -> tuple[str, str]:
    """(household key, member key) of a row.

    The household key is the source's household identifier; without one each row is a household of
    its own, keyed like its person. The member key is the source's person identifier; without one, the
    household key with the person's given name and sex (enough to tell the members of one household
    apart and to recognise them again), or, with no household key either, the person's names, sex and
    date of birth."""
    hh = str(values.get("household_key") or "").strip()
    member = str(values.get("member_key") or "").strip()
    if member:  # the source's own person id: names are not needed (nor normalised)
        return _short(hh or ("m:id:" + member)), _short("id:" + member)
    given = names.normalise(str(values.get("given_name") or values.get("given_name_original") or ""))
    sex = str(values.get("sex") or "")
    if hh:
        member_key = f"hh:{hh}|{given}|{sex}"
    else:
        family = names.normalise(str(values.get("family_name") or values.get("family_name_original") or ""))
        member_key = (
            f"p:{given}|{family}|{sex}|{values.get('date_of_birth') or values.get('stated_age') or ''}"
        )
    household_key = hh or ("m:" + member_key)
    return _short(household_key), _short(member_key)


# ---------------------------------------------------------------------------------------------------
# rows of one household → HouseholdCreate


@dataclass
class RowView:
    """What household assembly needs of a staged row."""

    id: int
    row_no: int
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    member_key: str
    individual_id: Any = None
    status: str = "new"
    changes: dict[str, Any] | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field → column header (for messages)
    household_key: str = ""
    content_hash: str = ""

    def has_errors(self) -> bool:
        return any(e.get("level", "error") == "error" for e in self.errors)

    def add(self, field_name: str, message: str, code: str = "invalid", level: str = "error") -> None:
        if level == "error" and any(
            e.get("field") == field_name and e.get("level", "error") == "error" for e in self.errors
        ):
            return  # one error per field: the first (the cell could not be read) says the most
        entry = {
            "field": field_name,
            "column": self.columns.get(field_name.split(".", 1)[0]),
            "message": message,
            "code": code,
            "level": level,
            "origin": "check",  # found by the household checks (dropped when checked again)
        }
        if entry not in self.errors:
            self.errors.append(entry)


_EMPTY: tuple[Any, ...] = ("", [])
_HOUSEHOLD_NAMES = (*HOUSEHOLD_FIELDS, "site")
_MEMBER_NAMES = (
    "relationship",
    *NAME_PARTS,
    "other_names",
    "sex",
    "date_of_birth",
    "stated_age",
    "nationality",
    "languages",
    "legal_status",
    "marital_status",
    "phone",
)


def _household_values(rows: Sequence[RowView]) -> tuple[dict[str, Any], dict[str, RowView]]:
    """The household's values (focal point's row first, then row order) and the row each came from;
    a different value on another row is a warning on that row."""
    ordered = sorted(rows, key=lambda r: (r.values.get("relationship") != "focal_point", r.row_no))
    out: dict[str, Any] = {}
    origin: dict[str, RowView] = {}
    first = tuple(map(ordered[0].values.get, _HOUSEHOLD_NAMES))
    if all(tuple(map(r.values.get, _HOUSEHOLD_NAMES)) == first for r in ordered[1:]):
        # the usual export: every row repeats its household's columns alike; nothing differs
        for name, value in zip(_HOUSEHOLD_NAMES, first, strict=True):
            if value is not None and value not in _EMPTY:
                out[name], origin[name] = value, ordered[0]
        return out, origin
    for name in _HOUSEHOLD_NAMES:
        for r in ordered:
            value = r.values.get(name)
            if value is None or value in _EMPTY:
                continue
            if name not in out:
                out[name], origin[name] = value, r
            elif value != out[name]:
                r.add(
                    name,
                    f"differs from row {origin[name].row_no} ({out[name]!r}); the household takes that value",
                    "household_value_differs",
                    "warning",
                )
    return out, origin


def payload(
    rows: Sequence[RowView], site_id: Any, *, source: str
) -> tuple[dict[str, Any], dict[str, RowView]]:
    """The HouseholdCreate payload of a household's rows (in row order) and where each value came from."""
    hh, origin = _household_values(rows)
    data: dict[str, Any] = {"site_id": str(site_id) if site_id else None}
    for name in HOUSEHOLD_FIELDS:
        if name in hh:
            data["phone" if name == "household_phone" else name] = hh[name]
    data.setdefault("consent_given", False)
    members: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        m: dict[str, Any] = {
            name: value
            for name, value in zip(_MEMBER_NAMES, map(v.get, _MEMBER_NAMES), strict=True)
            if value is not None and value not in _EMPTY
        }
        if v.get("dob_estimated"):
            m["estimated"] = True
        if "relationship" not in m and len(rows) == 1:
            m["relationship"] = "focal_point"  # one person alone is their own focal point
        if v.get("population_type"):
            m["population_type"] = v["population_type"]
        if v.get("doc_number"):
            m["documents"] = [
                {
                    "doc_type": v.get("doc_type"),
                    "number": v["doc_number"],
                    "issuing_country": v.get("doc_country") or v.get("nationality"),
                    "issue_date": v.get("doc_issue_date"),
                    "expiry_date": v.get("doc_expiry_date"),
                }
            ]
        if v.get("needs"):
            reason = str(v.get("needs_reason") or f"Recorded in the source ({source})")
            m["needs"] = [{"code": code, "reason": reason} for code in v["needs"]]
        members.append(m)
    data["members"] = members
    return data, origin


_DOC_FIELDS = {
    "doc_type": "doc_type",
    "number": "doc_number",
    "issuing_country": "doc_country",
    "issue_date": "doc_issue_date",
    "expiry_date": "doc_expiry_date",
}


def place_error(
    rows: Sequence[RowView], origin: dict[str, RowView], err: FieldError, level: str = "error"
) -> None:
    """Put a HouseholdCreate error (`members.2.documents.0.number`, `arrival_date`) on its row and field."""
    parts = err.field.split(".")
    if parts[0] == "members" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
        row = rows[int(parts[1])]
        rest = parts[2:]
        if rest and rest[0] == "documents":
            name = _DOC_FIELDS.get(rest[2] if len(rest) > 2 else "number", "doc_number")
        elif rest and rest[0] == "needs":
            name = "needs"
        elif rest:
            name = {"estimated": "dob_estimated"}.get(rest[0], rest[0])
        else:
            name = "relationship"
        row.add(name, err.message, err.code, level)
        return
    name = parts[0] or "household"
    name = {"phone": "household_phone", "site_id": "site"}.get(name, name)
    row = origin.get(name) or rows[0]
    row.add(name, err.message, err.code, level)


def validate_payload(
    rows: Sequence[RowView], data: dict[str, Any], origin: dict[str, RowView], today: dt.date
) -> HouseholdCreate | None:
    """Check the payload with the registration schema and rules; errors go onto the rows."""
    try:
        item = HouseholdCreate.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ()) if not (isinstance(p, str) and "[" in p)]
            place_error(
                rows, origin, FieldError(".".join(loc) or "household", str(e.get("msg")), str(e.get("type")))
            )
        return None
    errors, _dobs = check_household(item, today)
    for err in errors:
        place_error(rows, origin, err)
    return None if errors else item


# ---------------------------------------------------------------------------------------------------
# re-imported rows against the registry


def _person_value(person: Individual, name: str) -> Any:
    return getattr(person, name)


def person_changes(person: Individual, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields of a registered person that the row's values would change: {field: [old, new]}.

    Only fields the row gives are compared (an empty cell never clears a registered value)."""
    changes: dict[str, list[Any]] = {}
    for name in (*PERSON_FIELDS, *STATUS_FIELDS):
        new = values.get(name)
        if new in (None, "", []):
            continue
        old = _person_value(person, name)
        if name == "phone":
            if normalise_phone(str(new)) != old:
                changes[name] = [old, new]
        elif name == "languages":
            if [str(x).lower() for x in new] != list(old or []):
                changes[name] = [list(old or []), list(new)]
        elif new != old:
            changes[name] = [old, new]
    dob = values.get("date_of_birth")
    if dob:
        try:
            when, precision = parse_partial_date(str(dob))
        except ValueError:
            pass
        else:
            if values.get("dob_estimated"):
                precision = "estimated"
            if (when, precision) != (person.date_of_birth, person.dob_precision) and not (
                when == person.date_of_birth and {precision, person.dob_precision} <= {"exact", "estimated"}
            ):
                changes["date_of_birth"] = [
                    _partial(person.date_of_birth, person.dob_precision),
                    str(dob),
                ]
    return changes


def _partial(day: dt.date, precision: str) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def document_key(values: dict[str, Any]) -> tuple[str, str, str] | None:
    number = values.get("doc_number")
    doc_type = values.get("doc_type")
    country = values.get("doc_country") or values.get("nationality")
    if not number or not doc_type or not country:
        return None
    return (str(doc_type), str(country), normalise_document_number(str(number)))


def field_label(name: str) -> str:
    f = BY_NAME.get(name)
    return f.label if f else name.replace("_", " ")


def same_text(a: str | None, b: str | None) -> bool:
    return fold(a or "") == fold(b or "")


__all__ = [
    "ADDRESS_FIELDS",
    "PERSON_FIELDS",
    "RowView",
    "content_hash",
    "document_key",
    "field_label",
    "hash_of_json",
    "payload",
    "person_changes",
    "place_error",
    "row_keys",
    "validate_payload",
    "values_json",
    "values_json_and_hash",
]
