"""Cell values to refugio values: dates (ISO, day/month/year in several orders and separators, month
names in English, French and Spanish, Excel serial numbers of both epochs, Kobo/ODK timestamps),
partial dates of birth, yes/no in four languages, sex, code lists with their synonyms, countries (ISO
alpha-3, alpha-2 or English name), languages (ISO 639-3 or 639-1), phones and specific-needs codes.

Each parser returns the clean value, or raises `BadValue` with a message a clerk can act on. Pure
functions: no database, no I/O. Imports refugio.registration (enums, reference codes, needs) only.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from refugio.registration import reference
from refugio.registration.enums import (
    ConsentPurpose,
    DocumentType,
    LegalStatus,
    MaritalStatus,
    PopulationType,
    RegistrationLevel,
    Relationship,
)
from refugio.registration.needs import CODES as NEED_CODES

DateOrder = str  # "DMY" (default) | "MDY" | "YMD"
DATE_ORDERS = ("DMY", "MDY", "YMD")
EXCEL_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's phantom 1900-02-29
EXCEL_1904 = dt.date(1904, 1, 1)
_SERIAL_MIN, _SERIAL_MAX = 1, 2_958_465  # 9999-12-31


class BadValue(ValueError):
    """A cell that cannot be read as the field's kind of value; `code` names the reason."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, no accents, punctuation and underscores as single spaces: for comparing labels."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(r"[\W_]+", " ", t, flags=re.UNICODE)
    return t.strip()


# --- text ------------------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates in ISO form, stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value).strip()


# --- dates -----------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        ("jan", "january", "janv", "janvier", "ene", "enero"),
        ("feb", "february", "fev", "fevr", "fevrier", "febrero"),
        ("mar", "march", "mars", "marzo"),
        ("apr", "april", "avr", "avril", "abr", "abril"),
        ("may", "mai", "mayo"),
        ("jun", "june", "juin", "junio"),
        ("jul", "july", "juil", "juillet", "julio"),
        ("aug", "august", "aou", "aout", "ago", "agosto"),
        ("sep", "sept", "september", "septembre", "septiembre", "setiembre"),
        ("oct", "october", "octobre", "octubre"),
        ("nov", "november", "novembre", "noviembre"),
        ("dec", "december", "decembre", "dic", "diciembre"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _num

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})[./-](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})?[\s-]*([^\W\d_]+)\.?,?[\s-]*(\d{1,2})?,?[\s-]*(\d{4})$", re.UNICODE)
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")


def excel_serial(serial: float, epoch: dt.date = EXCEL_1900) -> dt.date:
    """An Excel date serial number as a date (1900 or 1904 date system)."""
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise BadValue(f"{serial:g} is not an Excel date serial number", "bad_date")
    return epoch + dt.timedelta(days=int(serial))


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadValue(f"{text!r} is not a real date", "bad_date") from None


def _full_year(year_text: str, text: str) -> int:
    if len(year_text) == 4:
        return int(year_text)
    raise BadValue(f"{text!r}: write the year with four digits", "bad_date")


def _month_word(word: str, text: str) -> int:
    month = _MONTHS.get(fold(word))
    if month is None:
        raise BadValue(f"{text!r}: {word!r} is not a month name", "bad_date")
    return month


def parse_date(
    value: Any, *, order: DateOrder = "DMY", epoch: dt.date = EXCEL_1900, allow_serial: bool = True
) -> dt.date:
    """A full date from a cell: a date object, an Excel serial, ISO text, `12/03/2024` (in `order`),
    `12 March 2024`, `March 12, 2024`, or an ODK/Kobo timestamp."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not allow_serial:
            raise BadValue(f"{value!r} is a number, not a date", "bad_date")
        return excel_serial(float(value), epoch)
    text = as_text(value)
    if not text:
        raise BadValue("empty", "required")
    m = _ISO.match(text)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _NUMERIC.match(text)
    if m:
        a, b, c = m.group(1), m.group(2), m.group(3)
        if len(a) == 4:  # year first is never ambiguous: YYYY/MM/DD
            return _date(int(a), int(b), int(c), text)
        year = _full_year(c, text)
        first, second = int(a), int(b)
        if order == "MDY":
            month, day = (second, first) if first > 12 >= second else (first, second)
        else:
            day, month = (second, first) if second > 12 >= first else (first, second)
        return _date(year, month, day, text)
    m = _WORDS.match(text)
    if m and (m.group(1) or m.group(3)):
        day = int(m.group(1) or m.group(3))
        return _date(int(m.group(4)), _month_word(m.group(2), text), day, text)
    if allow_serial and _SERIAL.match(text):
        return excel_serial(float(text), epoch)
    raise BadValue(f"{text!r} is not a date I can read: use YYYY-MM-DD (or DD/MM/YYYY)", "bad_date")


def parse_partial_date(value: Any, *, order: DateOrder = "DMY", epoch: dt.date = EXCEL_1900) -> str:
    """A date of birth as partial ISO text: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (what registration takes)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 1890 <= number <= 2200:
            return f"{int(number):04d}"  # a bare year typed into a number cell
        return excel_serial(number, epoch).isoformat()
    if isinstance(value, dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = as_text(value)
    if _YEAR.match(text):
        return text
    m = _YEAR_MONTH.match(text)
    if m:
        _date(int(m.group(1)), int(m.group(2)), 1, text)
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _MONTH_YEAR.match(text)
    if m:
        _date(int(m.group(2)), int(m.group(1)), 1, text)
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    m = re.match(r"^([^\W\d_]+)\.?\s+(\d{4})$", text, re.UNICODE)
    if m:
        return f"{int(m.group(2)):04d}-{_month_word(m.group(1), text):02d}"
    return parse_date(text, order=order, epoch=epoch).isoformat()


# --- numbers and yes/no ----------------------------------------------------------------------------


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise BadValue("expected a whole number", "not_a_number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise BadValue(f"{value:g} is not a whole number", "not_a_number")
    text = as_text(value)
    m = re.match(r"^(\d{1,3})(?:[.,]0+)?(?:\s*(?:years?|yrs?|y|ans?|anos?|años?|سنة|سنوات))?$", text, re.I)
    if not m:
        raise BadValue(f"{text!r} is not a whole number", "not_a_number")
    return int(m.group(1))


_YES = {"yes", "y", "true", "1", "x", "oui", "o", "si", "sí", "نعم", "ja", "vrai", "verdadero"}
_NO = {"no", "n", "false", "0", "non", "لا", "nein", "faux", "falso"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = fold(as_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise BadValue(f"{as_text(value)!r}: answer yes or no", "not_yes_no")


# --- code lists ------------------------------------------------------------------------------------

_SEX = {
    "F": (
        "f",
        "female",
        "woman",
        "girl",
        "femme",
        "feminin",
        "fille",
        "mujer",
        "femenino",
        "nina",
        "أنثى",
        "انثى",
    ),
    "M": ("m", "male", "man", "boy", "homme", "masculin", "garcon", "hombre", "masculino", "nino", "ذكر"),
    "X": ("x", "other", "autre", "otro", "otra", "intersex", "non binary", "آخر"),
}
_SEX_INDEX = {fold(word): code for code, words in _SEX.items() for word in words}


def parse_sex(value: Any) -> str:
    text = fold(as_text(value))
    code = _SEX_INDEX.get(text)
    if code is None:
        raise BadValue(f"{as_text(value)!r}: use M, F or X (male, female, other)", "unknown_code")
    return code


_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "relationship": {
        "focal_point": (
            "head",
            "hoh",
            "head of household",
            "household head",
            "principal applicant",
            "pa",
            "self",
            "focal point",
            "chef de menage",
            "chef",
            "jefe de hogar",
            "jefe",
            "jefa de hogar",
            "رب الاسرة",
        ),
        "spouse": (
            "wife",
            "husband",
            "partner",
            "epouse",
            "epoux",
            "conjoint",
            "esposa",
            "esposo",
            "conyuge",
            "زوجة",
            "زوج",
        ),
        "son_daughter": (
            "son",
            "daughter",
            "child",
            "fils",
            "fille",
            "enfant",
            "hijo",
            "hija",
            "ابن",
            "ابنة",
        ),
        "step_child": (
            "stepchild",
            "stepson",
            "stepdaughter",
            "beau fils",
            "belle fille",
            "hijastro",
            "hijastra",
        ),
        "parent": ("father", "mother", "pere", "mere", "padre", "madre", "اب", "ام"),
        "sibling": ("brother", "sister", "frere", "soeur", "hermano", "hermana", "اخ", "اخت"),
        "grandchild": ("grandson", "granddaughter", "petit fils", "petite fille", "nieto", "nieta"),
        "grandparent": ("grandfather", "grandmother", "grand pere", "grand mere", "abuelo", "abuela"),
        "nephew_niece": ("nephew", "niece", "neveu", "niece", "sobrino", "sobrina"),
        "uncle_aunt": ("uncle", "aunt", "oncle", "tante", "tio", "tia"),
        "cousin": ("cousine", "prima", "primo"),
        "in_law": (
            "son in law",
            "daughter in law",
            "mother in law",
            "father in law",
            "beau pere",
            "belle mere",
            "suegro",
            "suegra",
            "yerno",
            "nuera",
        ),
        "other_relative": ("other relative", "relative", "autre parent", "otro pariente"),
        "not_related": ("not related", "unrelated", "non apparente", "sin parentesco"),
    },
    "population_type": {
        "refugee": ("ref", "refugie", "refugiado", "لاجئ"),
        "asylum_seeker": ("asylum seeker", "asy", "demandeur d asile", "solicitante de asilo"),
        "migrant": ("migrante",),
        "stateless": ("apatride", "apatrida", "sta"),
        "idp": ("internally displaced", "deplace interne", "desplazado interno"),
        "returnee": ("returned", "retourne", "retornado"),
        "host_community": ("host", "hst", "communaute hote", "comunidad de acogida"),
    },
    "legal_status": {
        "asylum_seeker": ("asylum seeker", "demandeur d asile"),
        "refugee": ("refugie", "refugiado"),
        "stateless": ("apatride", "apatrida"),
        "other": ("autre", "otro"),
    },
    "marital_status": {
        "single": ("celibataire", "soltero", "soltera", "never married"),
        "married": ("marie", "mariee", "casado", "casada"),
        "divorced": ("divorce", "divorcee", "divorciado", "divorciada"),
        "widowed": ("widow", "widower", "veuf", "veuve", "viudo", "viuda"),
        "separated": ("separe", "separee", "separado", "separada"),
        "unknown": ("inconnu", "desconocido"),
    },
    "doc_type": {
        "passport": ("passeport", "pasaporte", "جواز سفر"),
        "national_id": ("id card", "national id card", "nid", "cni", "carte d identite", "cedula", "dni"),
        "birth_certificate": ("birth cert", "acte de naissance", "partida de nacimiento"),
        "marriage_certificate": ("acte de mariage", "acta de matrimonio"),
        "driving_licence": (
            "driving license",
            "driver license",
            "permis de conduire",
            "licencia de conducir",
        ),
        "refugee_id": ("refugee card", "carte de refugie"),
        "family_book": ("family booklet", "livret de famille", "libro de familia"),
        "other": ("autre", "otro"),
    },
    "registration_level": {
        "emergency": ("household count", "urgence", "emergencia"),
        "basic": ("individual", "base", "basico"),
        "comprehensive": ("full", "complet", "completo"),
    },
    "consent_purpose": {},
}
_ENUMS: dict[str, tuple[str, ...]] = {
    "relationship": tuple(r.value for r in Relationship),
    "population_type": tuple(p.value for p in PopulationType),
    "legal_status": tuple(s.value for s in LegalStatus),
    "marital_status": tuple(s.value for s in MaritalStatus),
    "doc_type": tuple(d.value for d in DocumentType),
    "registration_level": tuple(r.value for r in RegistrationLevel),
    "consent_purpose": tuple(p.value for p in ConsentPurpose),
}


@lru_cache(maxsize=16)
def _enum_index(name: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for value in _ENUMS[name]:
        index[fold(value)] = value
    for value, words in _SYNONYMS.get(name, {}).items():
        for word in words:
            index.setdefault(fold(word), value)
    return index


def enum_values(name: str) -> tuple[str, ...]:
    return _ENUMS[name]


def parse_enum(value: Any, name: str) -> str:
    text = as_text(value)
    index = _enum_index(name)
    found = index.get(text) or index.get(fold(text))
    if found is None:
        allowed = ", ".join(_ENUMS[name])
        raise BadValue(f"{text!r} is not one of: {allowed}", "unknown_code")
    return found


def parse_codes(value: Any, name: str) -> list[str]:
    out: list[str] = []
    for part in split_list(as_text(value)):
        code = parse_enum(part, name)
        if code not in out:
            out.append(code)
    return out


def split_list(text: str) -> list[str]:
    """`a, b; c d` → [a, b, c, d]: the separators of spreadsheets and of ODK select_multiple."""
    return [p for p in re.split(r"[,;|\s]+", text.strip()) if p]


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, name in reference.countries().items():
        index[code.lower()] = code
        index[fold(name)] = code
    try:
        import pycountry

        for c in pycountry.countries:
            index.setdefault(c.alpha_2.lower(), c.alpha_3)
            for attr in ("common_name", "official_name"):
                other = getattr(c, attr, None)
                if other:
                    index.setdefault(fold(other), c.alpha_3)
    except ImportError:  # pragma: no cover - pycountry is a dependency of registration
        pass
    return index


def parse_country(value: Any) -> str:
    text = as_text(value)
    code = _country_index().get(text.lower()) or _country_index().get(fold(text))
    if code is None:
        raise BadValue(f"{text!r} is not a country: use ISO 3166-1 alpha-3 (e.g. SYR)", "unknown_code")
    return code


@lru_cache(maxsize=1)
def _language_index() -> dict[str, str]:
    index = {code: code for code in reference.languages()}
    try:
        import pycountry

        for lang in pycountry.languages:
            two, three = getattr(lang, "alpha_2", None), getattr(lang, "alpha_3", None)
            if two and three and three in index:
                index.setdefault(two, three)
            if three in index:
                index.setdefault(fold(lang.name), three)
    except ImportError:  # pragma: no cover
        pass
    return index


def parse_languages(value: Any) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[,;|/]+|\s+(?=[a-z]{2,3}\b)", as_text(value).lower()):
        part = part.strip()
        if not part:
            continue
        code = _language_index().get(part) or _language_index().get(fold(part))
        if code is None:
            raise BadValue(f"{part!r} is not a language: use ISO 639-3 codes (e.g. ara, eng)", "unknown_code")
        if code not in out:
            out.append(code)
    return out


def parse_needs(value: Any) -> list[str]:
    out: list[str] = []
    for part in split_list(as_text(value).upper().replace("_", "-")):
        if part not in NEED_CODES:
            raise BadValue(f"{part!r} is not a specific-needs code (e.g. SC-UC, ER-NF)", "unknown_code")
        if part not in out:
            out.append(part)
    return out


def parse_phone(value: Any) -> str:
    text = as_text(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = str(int(value))  # a phone typed into a number cell lost its leading '+'
    if not re.match(r"^\+?[0-9][0-9 ()./-]{5,28}$", text):
        raise BadValue(f"{text!r} is not a phone number", "invalid")
    return text.replace(".", " ").replace("/", " ")


Parser = Callable[[Any], Any]

__all__ = [
    "DATE_ORDERS",
    "EXCEL_1900",
    "EXCEL_1904",
    "BadValue",
    "as_text",
    "enum_values",
    "excel_serial",
    "fold",
    "parse_bool",
    "parse_codes",
    "parse_country",
    "parse_date",
    "parse_enum",
    "parse_int",
    "parse_languages",
    "parse_needs",
    "parse_partial_date",
    "parse_phone",
    "parse_sex",
    "split_list",
]
