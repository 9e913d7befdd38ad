"""XLSForms: refugio's registration form written as an XLSForm (openpyxl) with labels in English,
French, Arabic and Spanish, checked and converted to an XForm with pyxform; and uploaded XLSForms
(KoboToolbox, ODK) checked with pyxform, with errors that name the sheet, the row and the problem.

    data = registration_xlsform(sites=[("ZAA", "Zaatari camp")], form_id="refugio_registration_jor")
    form = convert(data)              # FormInfo: form_id, version, title, xform XML, fields
    form = check_xlsform(uploaded)    # or ValidationFailed([FieldError("choices.row 160", "…")])

The only module that imports pyxform (lazily). Element names of the generated form are refugio's
import field names, so its submissions need no mapping.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration import reference
from refugio.registration.enums import (
    ConsentPurpose,
    DocumentType,
    LegalStatus,
    MaritalStatus,
    PopulationType,
    Relationship,
)
from refugio.registration.needs import CODES as NEED_CODES
from refugio.registration.validation import LEGAL_BASES

LANGS = (("en", "English (en)"), ("fr", "Français (fr)"), ("ar", "العربية (ar)"), ("es", "Español (es)"))
FORM_ID = "refugio_registration"
GROUP = "household"
REPEAT = "members"

# (English, French, Arabic, Spanish)
T: dict[str, tuple[str, str, str, str]] = {
    "form_title": (
        "Household registration",
        "Enregistrement du ménage",
        "تسجيل الأسرة",
        "Registro del hogar",
    ),
    "household": ("Household", "Ménage", "الأسرة", "Hogar"),
    "site": ("Registration site", "Site d'enregistrement", "موقع التسجيل", "Lugar de registro"),
    "registration_date": ("Registration date", "Date d'enregistrement", "تاريخ التسجيل", "Fecha de registro"),
    "arrival_date": ("Arrival date", "Date d'arrivée", "تاريخ الوصول", "Fecha de llegada"),
    "country_of_origin": ("Country of origin", "Pays d'origine", "بلد المنشأ", "País de origen"),
    "place_of_origin": ("Place of origin", "Lieu d'origine", "مكان المنشأ", "Lugar de origen"),
    "address": ("Address", "Adresse", "العنوان", "Dirección"),
    "shelter": ("Shelter", "Abri", "المأوى", "Refugio"),
    "household_phone": ("Household phone", "Téléphone du ménage", "هاتف الأسرة", "Teléfono del hogar"),
    "population_type": ("Population type", "Type de population", "فئة السكان", "Tipo de población"),
    "consent_given": (
        "Does the household consent to the processing of its data?",
        "Le ménage consent-il au traitement de ses données ?",
        "هل توافق الأسرة على معالجة بياناتها؟",
        "¿Consiente el hogar el tratamiento de sus datos?",
    ),
    "consent_purposes": ("Purposes", "Finalités", "الأغراض", "Finalidades"),
    "legal_basis": (
        "Legal basis for processing",
        "Base légale du traitement",
        "الأساس القانوني للمعالجة",
        "Base jurídica del tratamiento",
    ),
    "members": ("Members", "Membres", "الأفراد", "Miembros"),
    "relationship": (
        "Relationship to the focal point",
        "Lien avec le point focal",
        "صلة القرابة بممثل الأسرة",
        "Relación con el punto focal",
    ),
    "given_name": (
        "Given name (Latin letters)",
        "Prénom (lettres latines)",
        "الاسم الأول (بأحرف لاتينية)",
        "Nombre (letras latinas)",
    ),
    "middle_name": (
        "Middle name (Latin letters)",
        "Deuxième prénom (lettres latines)",
        "الاسم الأوسط (بأحرف لاتينية)",
        "Segundo nombre (letras latinas)",
    ),
    "family_name": (
        "Family name (Latin letters)",
        "Nom de famille (lettres latines)",
        "اسم العائلة (بأحرف لاتينية)",
        "Apellido (letras latinas)",
    ),
    "given_name_original": (
        "Given name (original script)",
        "Prénom (écriture d'origine)",
        "الاسم الأول (بالخط الأصلي)",
        "Nombre (escritura original)",
    ),
    "family_name_original": (
        "Family name (original script)",
        "Nom de famille (écriture d'origine)",
        "اسم العائلة (بالخط الأصلي)",
        "Apellido (escritura original)",
    ),
    "sex": ("Sex", "Sexe", "الجنس", "Sexo"),
    "dob_known": (
        "Date of birth known as",
        "Date de naissance connue",
        "تاريخ الميلاد معروف",
        "Fecha de nacimiento conocida",
    ),
    "date_of_birth": ("Date of birth", "Date de naissance", "تاريخ الميلاد", "Fecha de nacimiento"),
    "dob_month": (
        "Month and year of birth",
        "Mois et année de naissance",
        "شهر وسنة الميلاد",
        "Mes y año de nacimiento",
    ),
    "dob_year": ("Year of birth", "Année de naissance", "سنة الميلاد", "Año de nacimiento"),
    "stated_age": (
        "Age in years (stated)",
        "Âge en années (déclaré)",
        "العمر بالسنوات (المصرح به)",
        "Edad en años (declarada)",
    ),
    "nationality": ("Nationality", "Nationalité", "الجنسية", "Nacionalidad"),
    "languages": ("Languages spoken", "Langues parlées", "اللغات المحكية", "Idiomas hablados"),
    "marital_status": ("Marital status", "État civil", "الحالة الاجتماعية", "Estado civil"),
    "phone": ("Phone", "Téléphone", "الهاتف", "Teléfono"),
    "doc_type": ("Identity document", "Pièce d'identité", "وثيقة الهوية", "Documento de identidad"),
    "doc_number": ("Document number", "Numéro du document", "رقم الوثيقة", "Número del documento"),
    "doc_country": ("Issuing country", "Pays de délivrance", "بلد الإصدار", "País emisor"),
    "needs": ("Specific needs", "Besoins spécifiques", "الاحتياجات الخاصة", "Necesidades específicas"),
    "needs_reason": (
        "Why (specific needs)",
        "Pourquoi (besoins spécifiques)",
        "السبب (الاحتياجات الخاصة)",
        "Por qué (necesidades específicas)",
    ),
    "date_future": (
        "The date cannot be in the future",
        "La date ne peut pas être dans le futur",
        "لا يمكن أن يكون التاريخ في المستقبل",
        "La fecha no puede ser futura",
    ),
    "focal_first": (
        "The first member is the focal point, and only the first",
        "Le premier membre est le point focal, et lui seul",
        "الفرد الأول هو ممثل الأسرة، وهو وحده",
        "El primer miembro es el punto focal, y solo él",
    ),
    "latin_only": (
        "Latin letters only",
        "Lettres latines uniquement",
        "بأحرف لاتينية فقط",
        "Solo letras latinas",
    ),
    "phone_format": (
        "Digits, spaces, + - ( ) only",
        "Chiffres, espaces, + - ( ) seulement",
        "أرقام ومسافات و + - ( ) فقط",
        "Solo dígitos, espacios, + - ( )",
    ),
    "age_range": ("Between 0 and 130", "Entre 0 et 130", "بين 0 و130", "Entre 0 y 130"),
    "yes": ("Yes", "Oui", "نعم", "Sí"),
    "no": ("No", "Non", "لا", "No"),
    "F": ("Female", "Femme", "أنثى", "Mujer"),
    "M": ("Male", "Homme", "ذكر", "Hombre"),
    "X": ("Other", "Autre", "آخر", "Otro"),
    "exact": ("Exact date", "Date exacte", "تاريخ دقيق", "Fecha exacta"),
    "month": ("Month and year", "Mois et année", "الشهر والسنة", "Mes y año"),
    "year": ("Year only", "Année seulement", "السنة فقط", "Solo el año"),
    "age": ("Stated age only", "Âge déclaré seulement", "العمر المصرح به فقط", "Solo la edad declarada"),
    # relationships
    "focal_point": ("Focal point", "Point focal", "ممثل الأسرة", "Punto focal"),
    "spouse": ("Spouse", "Conjoint(e)", "زوج/زوجة", "Cónyuge"),
    "son_daughter": ("Son or daughter", "Fils ou fille", "ابن أو ابنة", "Hijo o hija"),
    "step_child": ("Stepchild", "Enfant du conjoint", "ربيب أو ربيبة", "Hijastro o hijastra"),
    "parent": ("Parent", "Parent", "أب أو أم", "Padre o madre"),
    "sibling": ("Brother or sister", "Frère ou sœur", "أخ أو أخت", "Hermano o hermana"),
    "grandchild": ("Grandchild", "Petit-enfant", "حفيد أو حفيدة", "Nieto o nieta"),
    "grandparent": ("Grandparent", "Grand-parent", "جد أو جدة", "Abuelo o abuela"),
    "nephew_niece": ("Nephew or niece", "Neveu ou nièce", "ابن أو ابنة الأخ/الأخت", "Sobrino o sobrina"),
    "uncle_aunt": ("Uncle or aunt", "Oncle ou tante", "عم/خال أو عمة/خالة", "Tío o tía"),
    "cousin": ("Cousin", "Cousin(e)", "ابن أو ابنة العم/الخال", "Primo o prima"),
    "in_law": ("In-law", "Beau-parent ou allié", "نسيب أو نسيبة", "Pariente político"),
    "other_relative": ("Other relative", "Autre parent", "قريب آخر", "Otro pariente"),
    "not_related": ("Not related", "Sans lien de parenté", "ليس قريباً", "Sin parentesco"),
    # population types
    "refugee": ("Refugee", "Réfugié(e)", "لاجئ", "Refugiado/a"),
    "asylum_seeker": ("Asylum-seeker", "Demandeur(se) d'asile", "طالب لجوء", "Solicitante de asilo"),
    "migrant": ("Migrant", "Migrant(e)", "مهاجر", "Migrante"),
    "stateless": ("Stateless person", "Apatride", "عديم الجنسية", "Apátrida"),
    "idp": (
        "Internally displaced person",
        "Personne déplacée interne",
        "نازح داخلياً",
        "Desplazado/a interno/a",
    ),
    "returnee": ("Returnee", "Rapatrié(e)", "عائد", "Retornado/a"),
    "host_community": ("Host community", "Communauté d'accueil", "المجتمع المضيف", "Comunidad de acogida"),
    # marital status
    "single": ("Single", "Célibataire", "أعزب/عزباء", "Soltero/a"),
    "married": ("Married", "Marié(e)", "متزوج/ة", "Casado/a"),
    "divorced": ("Divorced", "Divorcé(e)", "مطلق/ة", "Divorciado/a"),
    "widowed": ("Widowed", "Veuf/veuve", "أرمل/ة", "Viudo/a"),
    "separated": ("Separated", "Séparé(e)", "منفصل/ة", "Separado/a"),
    "unknown": ("Unknown", "Inconnu", "غير معروف", "Desconocido"),
    # legal status (other than the population types above)
    "other": ("Other", "Autre", "أخرى", "Otro"),
    # documents
    "passport": ("Passport", "Passeport", "جواز سفر", "Pasaporte"),
    "national_id": (
        "National identity card",
        "Carte d'identité nationale",
        "بطاقة هوية وطنية",
        "Documento nacional de identidad",
    ),
    "birth_certificate": ("Birth certificate", "Acte de naissance", "شهادة ميلاد", "Partida de nacimiento"),
    "marriage_certificate": ("Marriage certificate", "Acte de mariage", "عقد زواج", "Acta de matrimonio"),
    "driving_licence": ("Driving licence", "Permis de conduire", "رخصة قيادة", "Licencia de conducir"),
    "refugee_id": ("Refugee identity card", "Carte de réfugié", "بطاقة لاجئ", "Tarjeta de refugiado"),
    "family_book": ("Family book", "Livret de famille", "دفتر العائلة", "Libro de familia"),
    # consent purposes
    "registration": ("Registration", "Enregistrement", "التسجيل", "Registro"),
    "assistance": ("Assistance", "Assistance", "المساعدة", "Asistencia"),
    "protection": ("Protection", "Protection", "الحماية", "Protección"),
    "solutions": ("Durable solutions", "Solutions durables", "الحلول الدائمة", "Soluciones duraderas"),
    "referral": (
        "Referral to services",
        "Orientation vers des services",
        "الإحالة إلى الخدمات",
        "Derivación a servicios",
    ),
    "tracing": ("Family tracing", "Recherche familiale", "البحث عن الأسر", "Búsqueda de familiares"),
    "data_sharing": (
        "Data sharing with partners",
        "Partage avec des partenaires",
        "مشاركة البيانات مع الشركاء",
        "Intercambio con socios",
    ),
    # legal bases
    "consent": ("Consent", "Consentement", "الموافقة", "Consentimiento"),
    "vital_interest": ("Vital interest", "Intérêt vital", "مصلحة حيوية", "Interés vital"),
    "public_interest": ("Public interest", "Intérêt public", "المصلحة العامة", "Interés público"),
    "legal_obligation": ("Legal obligation", "Obligation légale", "التزام قانوني", "Obligación legal"),
    "mandate": ("Mandate", "Mandat", "الولاية", "Mandato"),
    "contract": ("Contract", "Contrat", "عقد", "Contrato"),
}

_LATIN = r"^[^\u0600-\u06FF\u0400-\u04FF\u1200-\u137F]*$"
_PHONE = r"^\+?[0-9][0-9 ()-]{5,28}$"


@dataclass
class FormInfo:
    """A converted XLSForm."""

    form_id: str
    version: str
    title: str
    xform: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (element path, type, English label)
    repeats: list[str] = field(default_factory=list)  # element paths of the repeats
    warnings: list[str] = field(default_factory=list)


def _labels(key: str) -> list[str]:
    return list(T[key])


def _translated_countries() -> dict[str, list[str]]:
    """ISO alpha-3 → names in the four languages (English where pycountry has no translation)."""
    names = reference.countries()
    out = {code: [name] for code, name in names.items()}
    for lang in ("fr", "ar", "es"):
        try:
            import pycountry

            tr: gettext.NullTranslations = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[lang]
            )
        except (ImportError, OSError):
            tr = gettext.NullTranslations()
        for code, name in names.items():
            out[code].append(tr.gettext(name))
    return out


def registration_xlsform(
    *,
    sites: Sequence[tuple[str, str]] = (),
    form_id: str = FORM_ID,
    version: str | None = None,
    title: str | None = None,
) -> bytes:
    """refugio's household registration form as an XLSForm (XLSX bytes). With `sites` (code, name), the
    site is a choice; without, a text code."""
    from openpyxl import Workbook

    label_cols = [f"label::{name}" for _code, name in LANGS]
    hint_cols = [f"hint::{name}" for _code, name in LANGS]
    msg_cols = [f"constraint_message::{name}" for _code, name in LANGS]
    survey_head = [
        "type",
        "name",
        *label_cols,
        *hint_cols,
        "required",
        "relevant",
        "constraint",
        *msg_cols,
        "appearance",
        "choice_filter",
    ]
    rows: list[dict[str, Any]] = []

    def q(
        type_: str,
        name: str,
        label: str | None = None,
        *,
        required: bool = False,
        relevant: str = "",
        constraint: str = "",
        message: str | None = None,
        appearance: str = "",
    ) -> None:
        row: dict[str, Any] = {"type": type_, "name": name}
        if label:
            row.update(zip(label_cols, _labels(label), strict=True))
        row["required"] = "yes" if required else ""
        row["relevant"] = relevant
        row["constraint"] = constraint
        if message:
            row.update(zip(msg_cols, _labels(message), strict=True))
        row["appearance"] = appearance
        rows.append(row)

    q("start", "start")
    q("end", "end")
    q("begin_group", GROUP, "household")
    if sites:
        q("select_one site", "site", "site", required=True)
    else:
        q("text", "site", "site", required=True)
    q(
        "date",
        "registration_date",
        "registration_date",
        required=True,
        constraint=". <= today()",
        message="date_future",
    )
    q("date", "arrival_date", "arrival_date", constraint=". <= today()", message="date_future")
    q("select_one country", "country_of_origin", "country_of_origin", required=True, appearance="minimal")
    q("text", "place_of_origin", "place_of_origin")
    q("text", "address", "address")
    q("text", "shelter", "shelter")
    q(
        "text",
        "household_phone",
        "household_phone",
        constraint=f"regex(., '{_PHONE}')",
        message="phone_format",
    )
    q("select_one population_type", "population_type", "population_type", required=True)
    q("select_one yes_no", "consent_given", "consent_given", required=True)
    q(
        "select_multiple consent_purpose",
        "consent_purposes",
        "consent_purposes",
        relevant="${consent_given} = 'yes'",
    )
    q(
        "select_one legal_basis",
        "legal_basis",
        "legal_basis",
        required=True,
        relevant="${consent_given} = 'no'",
    )
    q("end_group", "")
    q("begin_repeat", REPEAT, "members")
    q(
        "select_one relationship",
        "relationship",
        "relationship",
        required=True,
        constraint="(position(..) = 1 and . = 'focal_point') or (position(..) > 1 and . != 'focal_point')",
        message="focal_first",
    )
    q(
        "text",
        "given_name",
        "given_name",
        required=True,
        constraint=f"regex(., '{_LATIN}')",
        message="latin_only",
    )
    q("text", "middle_name", "middle_name", constraint=f"regex(., '{_LATIN}')", message="latin_only")
    q(
        "text",
        "family_name",
        "family_name",
        required=True,
        constraint=f"regex(., '{_LATIN}')",
        message="latin_only",
    )
    q("text", "given_name_original", "given_name_original")
    q("text", "family_name_original", "family_name_original")
    q("select_one sex", "sex", "sex", required=True)
    q("select_one dob_known", "dob_known", "dob_known", required=True)
    q(
        "date",
        "date_of_birth",
        "date_of_birth",
        required=True,
        relevant="${dob_known} = 'exact'",
        constraint=". <= today()",
        message="date_future",
    )
    q(
        "date",
        "dob_month",
        "dob_month",
        required=True,
        relevant="${dob_known} = 'month'",
        constraint=". <= today()",
        message="date_future",
        appearance="month-year",
    )
    q(
        "date",
        "dob_year",
        "dob_year",
        required=True,
        relevant="${dob_known} = 'year'",
        constraint=". <= today()",
        message="date_future",
        appearance="year",
    )
    q(
        "integer",
        "stated_age",
        "stated_age",
        required=True,
        relevant="${dob_known} = 'age'",
        constraint=". >= 0 and . <= 130",
        message="age_range",
    )
    q("select_one country", "nationality", "nationality", appearance="minimal")
    q("select_multiple language", "languages", "languages", appearance="minimal")
    q("select_one marital_status", "marital_status", "marital_status")
    q("text", "phone", "phone", constraint=f"regex(., '{_PHONE}')", message="phone_format")
    q("select_one doc_type", "doc_type", "doc_type")
    q("text", "doc_number", "doc_number", required=True, relevant="${doc_type} != ''")
    q(
        "select_one country",
        "doc_country",
        "doc_country",
        required=True,
        relevant="${doc_type} != ''",
        appearance="minimal",
    )
    q("select_multiple need", "needs", "needs", appearance="minimal")
    q("text", "needs_reason", "needs_reason", required=True, relevant="count-selected(${needs}) > 0")
    q("end_repeat", "")

    choice_rows: list[tuple[str, str, list[str]]] = []

    def choices(list_name: str, values: Sequence[str]) -> None:
        for value in values:
            choice_rows.append((list_name, value, _labels(value)))

    choices("yes_no", ["yes", "no"])
    choices("sex", ["F", "M", "X"])
    choices("dob_known", ["exact", "month", "year", "age"])
    choices("relationship", [r.value for r in Relationship])
    choices("population_type", [p.value for p in PopulationType])
    choices("marital_status", [m.value for m in MaritalStatus])
    choices("legal_status", [s.value for s in LegalStatus])
    choices("doc_type", [d.value for d in DocumentType])
    choices("consent_purpose", [p.value for p in ConsentPurpose])
    choices("legal_basis", sorted(LEGAL_BASES - {"consent"}))
    for code, site_name in sites:
        choice_rows.append(("site", code, [f"{code} · {site_name}"] * len(LANGS)))
    for code, names in _translated_countries().items():
        choice_rows.append(("country", code, names))
    for code, lang_name in reference.languages().items():
        choice_rows.append(("language", code, [f"{lang_name} ({code})"] * len(LANGS)))
    for code, need in NEED_CODES.items():
        if not need.sensitive:  # sensitive codes are set by protection staff, not on a tablet
            choice_rows.append(("need", code, [f"{code} · {need.label}"] * len(LANGS)))

    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    survey.append(survey_head)
    for row in rows:
        survey.append([row.get(col, "") for col in survey_head])
    choices_ws = wb.create_sheet("choices")
    choices_ws.append(["list_name", "name", *label_cols])
    for list_name, name, labels in choice_rows:
        choices_ws.append([list_name, name, *labels])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "allow_choice_duplicates"])
    settings.append(
        [
            title or T["form_title"][0],
            form_id,
            version or dt.datetime.now(dt.UTC).strftime("%Y%m%d%H"),
            LANGS[0][1],
            "no",
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_ROW = re.compile(r"\[row\s*:\s*(\d+)\]", re.I)
_SHEET = re.compile(r"(?:on|in) the '?(survey|choices|settings|external_choices|entities)'? sheet", re.I)


def _located(message: str) -> FieldError:
    """A pyxform message as a field error named `sheet.row N` (or the sheet, or `form`)."""
    text = " ".join(message.split())
    row = _ROW.search(text)
    sheet = _SHEET.search(text)
    sheet_name = sheet.group(1).lower() if sheet else ("survey" if row else "form")
    where = f"{sheet_name}.row {row.group(1)}" if row else sheet_name
    clean = _ROW.sub("", text).strip(" :")
    clean = re.sub(r"\s*Learn more: \S+", "", clean)
    return FieldError(where, clean, "xlsform")


def convert(source: bytes | Path, *, file_type: str | None = None) -> FormInfo:
    """Check an XLSForm with pyxform and convert it to an XForm. Raises ValidationFailed whose errors
    are named `sheet.row N` (e.g. `choices.row 160`) with pyxform's explanation."""
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2xform import convert as pyxform_convert  # type: ignore[import-untyped]

    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="refugio-xlsform-") as tmp:
        if isinstance(source, bytes):
            suffix = ".xls" if source.startswith(b"\xd0\xcf\x11\xe0") else ".xlsx"
            path = Path(tmp) / f"form{suffix}"
            path.write_bytes(source)
        else:
            path = source
        if path.suffix.lower() not in (".xls", ".xlsx"):
            raise ValidationFailed.single("form", "an XLSForm is an .xlsx or .xls workbook", "xlsform")
        try:
            result = pyxform_convert(
                xlsform=str(path), warnings=warnings, validate=False, file_type=file_type
            )
        except PyXFormError as exc:
            raise ValidationFailed([_located(str(exc))], f"the XLSForm is not valid: {exc}") from None
        except Exception as exc:  # a workbook pyxform cannot even open (damaged, not a workbook)
            raise ValidationFailed(
                [
                    FieldError(
                        "form", f"the file cannot be read as an XLSForm ({type(exc).__name__})", "xlsform"
                    )
                ]
            ) from None
    survey = result._survey
    settings = result._pyxform or {}
    fields: list[tuple[str, str, str]] = []
    repeats: list[str] = []
    if survey is not None:
        for element in survey.iter_descendants():
            kind = str(getattr(element, "type", "") or "")
            if kind == "repeat":
                repeats.append(str(element.get_xpath()))
            if kind in ("survey", "group", "repeat", ""):
                continue
            xpath = str(element.get_xpath())
            label = getattr(element, "label", "")
            if isinstance(label, dict):
                label = next(iter(label.values()), "")
            fields.append((xpath, kind, str(label or "")))
    return FormInfo(
        form_id=str(settings.get("id_string") or (survey.id_string if survey else "") or ""),
        version=str(settings.get("version") or (getattr(survey, "version", "") or "")),
        title=str(settings.get("title") or getattr(survey, "title", "") or ""),
        xform=result.xform,
        fields=fields,
        repeats=repeats,
        warnings=[_located(w).message for w in warnings],
    )


def check_xlsform(source: bytes | Path) -> FormInfo:
    """Check an uploaded XLSForm (see `convert`)."""
    return convert(source)


__all__ = ["FORM_ID", "LANGS", "FormInfo", "T", "check_xlsform", "convert", "registration_xlsform"]
