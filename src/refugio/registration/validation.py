"""Domain checks of registration input. Each check appends a FieldError; callers raise once with all
of them, so a clerk sees every problem of a form at the same time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from refugio.core.errors import FieldError
from refugio.registration import phonenumbers_e164, reference
from refugio.registration.needs import lookup as lookup_need
from refugio.registration.schemas import DocumentCreate, HouseholdCreate, NeedFlag, PersonFields

EARLIEST_DOB = dt.date(1890, 1, 1)
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,28}$")
LEGAL_BASES = {"consent", "vital_interest", "public_interest", "legal_obligation", "mandate", "contract"}


@dataclass(frozen=True)
class ParsedDob:
    value: dt.date
    precision: str


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """`YYYY` → (YYYY-01-01, year); `YYYY-MM` → (YYYY-MM-01, month); `YYYY-MM-DD` → exact.

    Raises ValueError with a message for anything else (including impossible dates like 2023-02-30).
    """
    m = _PARTIAL_DATE.match(text.strip())
    if not m:
        raise ValueError("use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return dt.date(year, 1, 1), "year"
        if day is None:
            return dt.date(year, int(month), 1), "month"
        return dt.date(year, int(month), int(day)), "exact"
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from None


_SCRIPTS = (
    ("ARABIC", "Arab"),
    ("CYRILLIC", "Cyrl"),
    ("ETHIOPIC", "Ethi"),
    ("MYANMAR", "Mymr"),
    ("DEVANAGARI", "Deva"),
    ("HEBREW", "Hebr"),
    ("ARMENIAN", "Armn"),
    ("GEORGIAN", "Geor"),
    ("TIBETAN", "Tibt"),
    ("BENGALI", "Beng"),
    ("THAI", "Thai"),
    ("CJK", "Hans"),
)


@functools.lru_cache(maxsize=4096)
def _script_of(ch: str) -> str | None:
    """The ISO 15924 code of a letter's script among `_SCRIPTS`, or None (remembered per letter: a bulk
    registration asks for the same few letters hundreds of thousands of times)."""
    name = unicodedata.name(ch, "")
    for prefix, code in _SCRIPTS:
        if name.startswith(prefix):
            return code
    return None


def detect_script(*texts: str | None) -> str | None:
    """ISO 15924 code of the first non-Latin letters found, e.g. Arab, Cyrl, Ethi."""
    for text in texts:
        if not text or text.isascii():
            continue
        for ch in text:
            if not ch.isalpha():
                continue
            code = _script_of(ch)
            if code is not None:
                return code
    return None


class Checker:
    """Collects field errors against a reference date (today)."""

    def __init__(self, today: dt.date, *, country_iso3: str | None = None) -> None:
        self.today = today
        self.country_iso3 = country_iso3  # the operation's: phones without '+' are read as dialled there
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(field, message, code))

    def date_not_future(self, field: str, value: dt.date | None, what: str = "date") -> None:
        if value is not None and value > self.today:
            self.add(field, f"{what} {value.isoformat()} is in the future", "future_date")

    def date_plausible(self, field: str, value: dt.date | None) -> None:
        if value is not None and value < EARLIEST_DOB:
            self.add(
                field, f"{value.isoformat()} is before {EARLIEST_DOB.year}: not plausible", "implausible_date"
            )

    def country(self, field: str, code: str | None) -> None:
        if code is not None and not reference.is_country(code):
            self.add(
                field, f"unknown country code {code!r} (use ISO 3166-1 alpha-3, e.g. SYR)", "unknown_code"
            )

    def phone(self, field: str, value: str | None) -> None:
        if value and not _PHONE.match(value):
            self.add(
                field, "use digits, spaces, '-', '(', ')' and an optional leading '+', 6 to 29 characters"
            )
            return
        region = phonenumbers_e164.region_of(self.country_iso3)
        if value and region and phonenumbers_e164.to_e164(value, region) is None:
            sample = phonenumbers_e164.example(region)
            hint = f" (for example {sample})" if sample else ""
            self.add(
                field,
                f"{value} is not a valid phone number for {self.country_iso3}: write it as it is dialled "
                f"there{hint}, or with its country code after a '+'",
                "invalid_phone",
            )

    def need(self, field: str, flag: NeedFlag) -> None:
        if lookup_need(flag.code) is None:
            self.add(
                f"{field}.code",
                f"unknown specific-needs code {flag.code!r} (e.g. SC-UC, ER-NF)",
                "unknown_code",
            )

    def document(self, field: str, doc: DocumentCreate) -> None:
        self.country(f"{field}.issuing_country", doc.issuing_country)
        self.date_not_future(f"{field}.issue_date", doc.issue_date, "issue date")
        if doc.issue_date and doc.expiry_date and doc.expiry_date < doc.issue_date:
            self.add(f"{field}.expiry_date", "expiry date is before the issue date")
        if not normalise_document_number(doc.number):
            self.add(f"{field}.number", "a document number needs at least one letter or digit")

    def dob(self, field: str, person: PersonFields, on: dt.date) -> ParsedDob | None:
        """Date of birth from the partial date or the stated age; errors under `field`."""
        if person.date_of_birth:
            try:
                value, precision = parse_partial_date(person.date_of_birth)
            except ValueError as exc:
                self.add(f"{field}.date_of_birth", str(exc), "bad_date")
                return None
            if person.estimated:
                precision = "estimated"
            if value > on:
                self.add(
                    f"{field}.date_of_birth",
                    f"date of birth {value.isoformat()} is after {on.isoformat()} (in the future)",
                    "future_date",
                )
                return None
            if value < EARLIEST_DOB:
                self.add(
                    f"{field}.date_of_birth",
                    f"{value.isoformat()} is before {EARLIEST_DOB.year}: not plausible",
                    "implausible_date",
                )
                return None
            return ParsedDob(value, precision)
        if person.stated_age is not None:
            try:
                value = on.replace(year=on.year - person.stated_age)
            except ValueError:  # 29 February
                value = on.replace(year=on.year - person.stated_age, day=28)
            return ParsedDob(value, "estimated")
        self.add(
            f"{field}.date_of_birth",
            "give a date of birth (YYYY, YYYY-MM or YYYY-MM-DD) or a stated age",
            "required",
        )
        return None

    def person(self, field: str, person: PersonFields, on: dt.date) -> ParsedDob | None:
        if not person.given_name and not person.family_name:
            self.add(
                f"{field}.family_name",
                "give at least a given name or a family name (Latin script)",
                "required",
            )
        for name_field in ("given_name", "middle_name", "family_name"):
            value = getattr(person, name_field)
            if value and detect_script(value) not in (None, "Latn"):
                self.add(
                    f"{field}.{name_field}",
                    "this field takes the Latin transliteration; put the "
                    f"original script in {name_field}_original",
                    "wrong_script",
                )
        if person.original_script is not None and person.original_script not in reference.SCRIPTS:
            self.add(
                f"{field}.original_script",
                f"unknown script {person.original_script!r} (ISO 15924, e.g. Arab)",
                "unknown_code",
            )
        self.country(f"{field}.nationality", person.nationality)
        self.country(f"{field}.country_of_origin", person.country_of_origin)
        for i, lang in enumerate(person.languages):
            if not reference.is_language(lang.lower()):
                self.add(
                    f"{field}.languages.{i}",
                    f"unknown language code {lang!r} (ISO 639-3, e.g. ara)",
                    "unknown_code",
                )
        self.phone(f"{field}.phone", person.phone)
        for i, doc in enumerate(person.documents):
            self.document(f"{field}.documents.{i}", doc)
        seen_codes: set[str] = set()
        for i, flag in enumerate(person.needs):
            self.need(f"{field}.needs.{i}", flag)
            if flag.code in seen_codes:
                self.add(f"{field}.needs.{i}.code", f"{flag.code} is listed twice")
            seen_codes.add(flag.code)
        return self.dob(field, person, on)


def normalise_phone(phone: str | None, country_iso3: str | None = None) -> str | None:
    """How phones are stored and searched: E.164 (`+962791234567`) when the number is valid (read as
    dialled in `country_iso3` when it has no '+'); otherwise digits only, keeping a leading '+'."""
    if not phone:
        return None
    region = phonenumbers_e164.region_of(country_iso3)
    if region or phone.strip().startswith("+"):
        e164 = phonenumbers_e164.to_e164(phone, region)
        if e164 is not None:
            return e164
    digits = re.sub(r"[^0-9]", "", phone)
    return ("+" if phone.strip().startswith("+") else "") + digits


def normalise_document_number(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", number).upper())


def parse_dobs(data: HouseholdCreate, today: dt.date) -> list[ParsedDob | None] | None:
    """Each member's parsed date of birth, for a household `check_household` has already passed (an
    import checks every household when it is validated, and commits it unchanged later); None if a date
    no longer parses as it did (the caller then checks the household again)."""
    c = Checker(today)
    reg_date = data.registration_date or today
    dobs = [c.dob(f"members.{i}", m, reg_date) for i, m in enumerate(data.members)]
    return None if c.errors else dobs


def check_household(
    data: HouseholdCreate, today: dt.date, *, country_iso3: str | None = None
) -> tuple[list[FieldError], list[ParsedDob | None]]:
    """All domain errors of a household registration, and each member's parsed date of birth; phones
    are checked as dialled in `country_iso3` (the operation's country) when given."""
    c = Checker(today, country_iso3=country_iso3)
    reg_date = data.registration_date or today
    c.date_not_future("registration_date", data.registration_date, "registration date")
    c.date_plausible("registration_date", data.registration_date)
    c.date_not_future("arrival_date", data.arrival_date, "arrival date")
    c.date_plausible("arrival_date", data.arrival_date)
    if data.arrival_date and data.arrival_date > reg_date:
        c.add("arrival_date", "arrival date is after the registration date")
    c.country("country_of_origin", data.country_of_origin)
    c.phone("phone", data.phone)
    if data.legal_basis is not None and data.legal_basis not in LEGAL_BASES:
        c.add(
            "legal_basis",
            f"unknown legal basis {data.legal_basis!r}; one of {', '.join(sorted(LEGAL_BASES))}",
        )
    if not data.consent_given and (data.legal_basis in (None, "consent")):
        c.add(
            "consent_given",
            "consent was not given: record it, or choose another legal basis for processing",
            "consent_required",
        )
    focal = [i for i, m in enumerate(data.members) if m.relationship == "focal_point"]
    if not focal:
        c.add(
            "members",
            "a household needs exactly one focal point (relationship 'focal_point')",
            "no_focal_point",
        )
    for extra in focal[1:]:
        c.add(f"members.{extra}.relationship", "a household has only one focal point", "two_focal_points")
    dobs = [c.person(f"members.{i}", m, reg_date) for i, m in enumerate(data.members)]
    seen_docs: dict[tuple[str, str, str], int] = {}
    for i, m in enumerate(data.members):
        for j, d in enumerate(m.documents):
            key = (d.doc_type.value, d.issuing_country, normalise_document_number(d.number))
            if key in seen_docs:
                c.add(
                    f"members.{i}.documents.{j}.number",
                    f"the same document is given for member {seen_docs[key] + 1} of this household",
                    "duplicate_document",
                )
            seen_docs.setdefault(key, i)
    return c.errors, dobs
