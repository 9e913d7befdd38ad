"""Form handling: posted fields (including `members[i][field]` rows) to the registration schemas, and
errors back to the inputs they belong to.

Shapes only: which posted field feeds which schema field, what "empty" means, and the wording of
shape errors (missing, not a number, not one of the options). The domain checks stay in the services.
Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from refugio.core.errors import FieldError, ValidationFailed
from refugio.core.names import NAME_PARTS
from refugio.web.i18n import Translator

M = TypeVar("M", bound=BaseModel)

_ROW = re.compile(r"^members\[(\d{1,3})\]\[([a-z_]+)\]$")
MAX_ROWS = 60

HOUSEHOLD_FIELDS = (
    "site_id",
    "registration_level",
    "registration_date",
    "arrival_date",
    "country_of_origin",
    "place_of_origin",
    "address",
    "shelter",
    "phone",
    "population_type",
    "legal_basis",
)
MEMBER_TEXT = (
    "relationship",
    *NAME_PARTS,
    "sex",
    "date_of_birth",
    "stated_age",
    "nationality",
    "phone",
    "languages",
    "doc_type",
    "doc_number",
    "doc_country",
    "doc_expiry",
    "need_code",
    "need_reason",
    "dup_reason",  # the desk check: the reason to save despite a likely match
    "dup_same",  # and the matches judged the same person / not the same (ids, comma-separated)
    "dup_not_same",
)
_MULTI = frozenset({"dup_same", "dup_not_same"})
MEMBER_CONTENT = (
    *NAME_PARTS,
    "date_of_birth",
    "stated_age",
    "nationality",
    "phone",
    "languages",
    "doc_number",
    "need_code",
    "need_reason",
)
_MEMBER_SCHEMA_FIELDS = (
    "relationship",
    *NAME_PARTS,
    "sex",
    "date_of_birth",
    "stated_age",
    "nationality",
    "phone",
)


def text(form: FormData | Mapping[str, Any], key: str) -> str:
    """A posted text value, stripped ('' when absent or a file)."""
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def opt(form: FormData | Mapping[str, Any], key: str) -> str | None:
    return text(form, key) or None


def checked(form: FormData | Mapping[str, Any], key: str) -> bool:
    return text(form, key) in {"on", "true", "1", "yes"}


def upload(form: FormData, key: str) -> UploadFile | None:
    value = form.get(key)
    return value if isinstance(value, UploadFile) else None


@dataclass(frozen=True)
class Upload:
    """A file posted with a form, read to at most `limit` bytes (`too_large` when it had more)."""

    filename: str
    data: bytes
    too_large: bool


async def read_uploads(
    request: Request, names: Sequence[str], *, limit: int, max_fields: int = 10
) -> tuple[FormData, dict[str, Upload | None]]:
    """The posted form and each named file (None when no file was chosen), each read to at most
    `limit` bytes; the form's temporary files are closed before it returns. Form pages that take
    files (the matching run, placement scores, the provider's report) read them here."""
    form = await request.form(max_files=len(names), max_fields=max_fields)
    files: dict[str, Upload | None] = {}
    try:
        for name in names:
            part = form.get(name)
            if not isinstance(part, UploadFile) or not part.filename:
                files[name] = None
                continue
            raw = await part.read(limit + 1)
            files[name] = Upload(part.filename, raw[:limit], len(raw) > limit)
    finally:
        await form.close()
    return form, files


def upload_texts(
    files: Mapping[str, Upload | None], limit: int
) -> tuple[dict[str, str | None], ValidationFailed | None]:
    """Each upload as UTF-8 text (a byte-order mark dropped; None when no file was chosen), and every
    file too large or not UTF-8 refused together, each beside its own field."""
    texts: dict[str, str | None] = {}
    errors: list[FieldError] = []
    for name, upload in files.items():
        texts[name] = None
        if upload is None:
            continue
        if upload.too_large:
            errors.append(FieldError(name, f"{upload.filename}: over {limit:,} bytes", "too_long"))
            continue
        try:
            texts[name] = upload.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(FieldError(name, f"{upload.filename}: not UTF-8 text", "encoding"))
    return texts, (ValidationFailed(errors) if errors else None)


def split_codes(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\s]+", value) if part.strip()]


# ---------------------------------------------------------------------------------------------------
# errors beside fields


@dataclass(frozen=True)
class ErrorText:
    """One error message and its code (pages show a translated wording for the domain's known codes)."""

    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return self.message


@dataclass
class FormErrors:
    """Errors keyed by input name, and the summary shown at the top (error, input name)."""

    by_field: dict[str, list[ErrorText]] = field(default_factory=dict)
    summary: list[tuple[ErrorText, str | None]] = field(default_factory=list)

    def add(self, name: str | None, message: str, code: str = "invalid") -> None:
        text = ErrorText(message, code)
        if name:
            self.by_field.setdefault(name, []).append(text)
        self.summary.append((text, name))

    def __bool__(self) -> bool:
        return bool(self.summary)


def collect(errors: Iterable[FieldError], to_input: Callable[[str], str | None]) -> FormErrors:
    out = FormErrors()
    for error in errors:
        out.add(to_input(error.field), error.message, error.code)
    return out


def plain_input(
    known: Iterable[str], aliases: Mapping[str, str] | None = None
) -> Callable[[str], str | None]:
    """Map a schema field path to a form input of a one-level form; unknown paths go to the summary only."""
    names = set(known)
    aliases = dict(aliases or {})

    def to_input(path: str) -> str | None:
        if path in aliases:
            return aliases[path]
        head = path.split(".")[0]
        if head in aliases:
            return aliases[head]
        return head if head in names else None

    return to_input


def household_input(path: str) -> str | None:
    """`members.2.date_of_birth` → `members[2][date_of_birth]`, `members.0.documents.0.number` →
    `members[0][doc_number]`, `consent_purposes.1` → `consent_purposes`; `members` alone → `members`."""
    parts = path.split(".")
    if parts[0] == "members":
        if len(parts) == 1 or not parts[1].isdigit():
            return "members"
        i, rest = parts[1], parts[2:]
        if not rest:
            return "members"
        name = rest[0]
        if name == "documents":
            sub = rest[2] if len(rest) > 2 else "number"
            name = {
                "doc_type": "doc_type",
                "number": "doc_number",
                "issuing_country": "doc_country",
                "expiry_date": "doc_expiry",
                "issue_date": "doc_expiry",
            }.get(sub, "doc_number")
        elif name == "needs":
            sub = rest[2] if len(rest) > 2 else "code"
            name = "need_reason" if sub == "reason" else "need_code"
        elif name == "duplicate_check":
            name = "dup_reason"
        elif name in ("estimated", "languages"):
            pass
        elif name not in _MEMBER_SCHEMA_FIELDS:
            name = "given_name"
        return f"members[{i}][{name}]"
    if parts[0] in HOUSEHOLD_FIELDS or parts[0] in ("consent_given", "consent_purposes"):
        return parts[0]
    return None


# ---------------------------------------------------------------------------------------------------
# shape errors from pydantic, in words a clerk understands


def friendly(error: Mapping[str, Any], t: Translator) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return t.gettext("This field is required.")
    if kind in ("enum", "literal_error", "uuid_parsing", "uuid_type"):
        return t.gettext("Choose one of the options.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return t.gettext("Enter a whole number.")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return t.gettext("Enter a number between 0 and 130.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return t.gettext("Enter a date as YYYY-MM-DD.")
    if kind == "string_too_long":
        return t.gettext("Use at most %(max)s characters.", max=ctx.get("max_length", "?"))
    if kind == "string_too_short":
        if ctx.get("min_length") == 3 and ctx.get("max_length") == 3:
            return t.gettext("Use a three-letter code.")
        return t.gettext("Use at least %(min)s characters.", min=ctx.get("min_length", "?"))
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == "^[A-Za-z]{3}$":  # an ISO 639-3 code
        return t.gettext("Use a three-letter code.")
    if kind == "too_short":
        if tuple(error.get("loc", ())) == ("members",):
            return t.gettext("Add at least one member.")
        return t.gettext("Add at least %(min)s.", min=ctx.get("min_length", 1))
    if kind == "too_long":
        return t.gettext("Too many entries (at most %(max)s).", max=ctx.get("max_length", "?"))
    if kind == "bool_parsing":
        return t.gettext("Choose yes or no.")
    return str(error.get("msg", t.gettext("This value is not valid.")))


def build(model: type[M], data: Mapping[str, Any], t: Translator) -> M:
    """Validate `data` against a schema; shape errors become ValidationFailed with dotted field paths."""
    try:
        return model.model_validate(dict(data))
    except PydanticError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]), friendly(e, t), str(e.get("type", "invalid")))
            for e in exc.errors()
        ]
        raise ValidationFailed(errors) from None


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty values so that schema defaults apply."""
    return {k: v for k, v in data.items() if v not in (None, "", [])}


# ---------------------------------------------------------------------------------------------------
# the household registration form


def member_rows(form: FormData) -> list[dict[str, str]]:
    """The posted member rows in index order (gaps from removed rows closed up)."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        m = _ROW.match(key)
        if m is None or not isinstance(value, str):
            continue
        index, name = int(m.group(1)), m.group(2)
        if name in _MULTI:
            row = rows.setdefault(index, blank_row())
            row[name] = ",".join(x for x in (row[name], value.strip()) if x)
        elif name in MEMBER_TEXT or name == "estimated":
            rows.setdefault(index, blank_row())[name] = value.strip()
    return [rows[i] for i in sorted(rows)][:MAX_ROWS]


_REMOVED = re.compile(r"^removed\[([a-z_]+)\]$")


def removed_row(form: FormData) -> tuple[int, dict[str, str]] | None:
    """The member row a removal put aside (to undo it), with the place it had; None when there is none."""
    row = blank_row()
    found = False
    for key, value in form.multi_items():
        m = _REMOVED.match(key)
        if m is not None and isinstance(value, str) and m.group(1) in row:
            row[m.group(1)] = value.strip()
            found = True
    raw = text(form, "removed_index")
    return (int(raw) if raw.isdigit() else MAX_ROWS, row) if found else None


def blank_row() -> dict[str, str]:
    return dict.fromkeys((*MEMBER_TEXT, "estimated"), "")


def is_blank_row(row: Mapping[str, str]) -> bool:
    """A row nobody started filling in (the preset focal-point relationship does not count)."""
    if row.get("relationship") not in (None, "", "focal_point") or row.get("sex"):
        return False
    return not any(row.get(name) for name in MEMBER_CONTENT)


def household_values(form: FormData) -> dict[str, Any]:
    """Everything posted, as the form shows it again (member rows without content dropped)."""
    values: dict[str, Any] = {name: text(form, name) for name in HOUSEHOLD_FIELDS}
    values["consent_given"] = checked(form, "consent_given")
    values["consent_purposes"] = [p for p in form.getlist("consent_purposes") if isinstance(p, str)]
    rows = member_rows(form)
    kept = [row for row in rows if not is_blank_row(row)]
    values["members"] = kept or rows[:1] or [empty_member(first=True)]
    return values


def empty_member(*, first: bool = False) -> dict[str, str]:
    row = blank_row()
    row["relationship"] = "focal_point" if first else ""
    row["doc_type"] = "passport"
    return row


def new_household_values(site_id: str = "") -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(HOUSEHOLD_FIELDS, "")
    values.update(
        site_id=site_id,
        registration_level="basic",
        population_type="refugee",
        legal_basis="consent",
        consent_given=False,
        consent_purposes=["registration"],
        members=[empty_member(first=True)],
    )
    return values


def member_payload(row: Mapping[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = compact({name: row.get(name, "") for name in _MEMBER_SCHEMA_FIELDS})
    if row.get("estimated") in ("on", "true", "1"):
        payload["estimated"] = True
    if row.get("languages"):
        payload["languages"] = split_codes(row["languages"])
    if row.get("doc_number") or row.get("doc_country"):
        payload["documents"] = [
            compact(
                {
                    "doc_type": row.get("doc_type") or "",
                    "number": row.get("doc_number", ""),
                    "issuing_country": row.get("doc_country", ""),
                    "expiry_date": row.get("doc_expiry", ""),
                }
            )
        ]
    if row.get("need_code") or row.get("need_reason"):
        payload["needs"] = [compact({"code": row.get("need_code", ""), "reason": row.get("need_reason", "")})]
    return payload


def household_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """The HouseholdCreate input of the posted values."""
    payload = compact({name: values.get(name, "") for name in HOUSEHOLD_FIELDS})
    payload["consent_given"] = bool(values.get("consent_given"))
    payload["consent_purposes"] = list(values.get("consent_purposes") or [])
    payload["members"] = [member_payload(row) for row in values.get("members", []) if not is_blank_row(row)]
    return payload


# ---------------------------------------------------------------------------------------------------
# every error of the household form in one round

# what stands in for a required value the clerk got wrong, so the other fields can still be checked
_STAND_INS: dict[str, Any] = {
    "sex": "X",
    "relationship": "not_related",
    "site_id": "00000000-0000-0000-0000-000000000000",
    "consent_given": True,
}


def _set_aside(payload: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Drop (or stand in for) the value at `loc`; a wrong document or need is dropped whole."""
    for cut, part in enumerate(loc):
        if part in ("documents", "needs", "consent_purposes") and cut + 1 < len(loc):
            loc = loc[: cut + 2]
            break
    node: Any = payload
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = loc[-1] if loc else None
    if isinstance(node, dict) and isinstance(last, str):
        if last in _STAND_INS:
            node[last] = _STAND_INS[last]
            return True
        return node.pop(last, None) is not None
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        del node[last]
        return True
    return False


def build_household(
    model: type[M], payload: Mapping[str, Any], t: Translator, field_errors: Callable[[M], list[FieldError]]
) -> M:
    """Validate the household form: its shape errors AND the domain's field errors of whatever parsed,
    raised together, so one submit lists every problem of every member (the shape errors alone used to
    stop the round before the domain checks ran)."""
    try:
        return build(model, payload, t)
    except ValidationFailed as exc:
        shape = list(exc.errors)
    rest: dict[str, Any] = copy.deepcopy(dict(payload))
    for _ in range(4):  # each pass sets aside what did not parse; stand-ins parse, so this ends
        try:
            data = model.model_validate(rest)
        except PydanticError as again:
            if not any([_set_aside(rest, tuple(e["loc"])) for e in again.errors()]):
                break
            continue
        inputs = {household_input(e.field) for e in shape}
        clash = any(household_input(e.field) in inputs for e in shape if e.field.endswith("relationship"))
        shape += [
            e
            for e in field_errors(data)
            if household_input(e.field) not in inputs
            and not (clash and e.code in ("no_focal_point", "two_focal_points"))
        ]
        break
    raise ValidationFailed(shape)


def _words(t: Translator) -> dict[tuple[str, str], str]:
    country = t.gettext("Unknown country code: use three letters, e.g. SYR.")
    language = t.gettext("Unknown language code: use three-letter ISO 639-3 codes, e.g. ara.")
    return {
        ("future_date", "date_of_birth"): t.gettext("Date of birth cannot be in the future."),
        ("future_date", "arrival_date"): t.gettext("Arrival date cannot be in the future."),
        ("future_date", "registration_date"): t.gettext("Registration date cannot be in the future."),
        ("invalid", "arrival_date"): t.gettext("Arrival date cannot be after the registration date."),
        ("unknown_code", "nationality"): country,
        ("unknown_code", "doc_country"): country,
        ("unknown_code", "country_of_origin"): country,
        ("string_too_short", "nationality"): country,
        ("string_too_long", "nationality"): country,
        ("unknown_code", "languages"): language,
        ("string_too_long", "languages"): language,
        ("invalid", "phone"): t.gettext(
            "Not a phone number: use digits, spaces, dashes and an optional + at the start."
        ),
        ("required", "date_of_birth"): t.gettext("Give a date of birth or a stated age."),
        ("required", "family_name"): t.gettext("Give a given name or a family name."),
    }


def in_plain_words(errors: Iterable[FieldError], t: Translator) -> list[FieldError]:
    """The errors the desk shows, in the page's language and plain words where a field has its own."""
    words = _words(t)
    errors = list(errors)
    future = {e.field for e in errors if e.code == "future_date"}
    out: list[FieldError] = []
    for error in errors:
        if error.code == "invalid" and error.field == "arrival_date" and "arrival_date" in future:
            continue  # "cannot be in the future" says it already
        name = household_input(error.field) or error.field
        base = name.rsplit("[", 1)[-1].rstrip("]")
        worded = words.get((error.code, base))
        out.append(FieldError(error.field, worded, "worded") if worded else error)
    return out
