"""refugio's household registration form as an XLSForm (openpyxl), labels in English, French, Arabic
and Spanish. The questions are data (`HOUSEHOLD`, `MEMBER`), written out by `registration_xlsform`;
element names are refugio's import field names, so the form's submissions need no mapping.
Checking and converting forms with pyxform is `xlsform_pyxform`'s job; this module never imports it.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

# Set by status determination (refugio.solutions), never chosen when registering.
DETERMINED_ONLY = frozenset({LegalStatus.COMPLEMENTARY, LegalStatus.REJECTED})

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


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet; `label` and `message` are keys of `T`."""

    type: str
    name: str
    label: str | None = None
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    message: str | None = None
    appearance: str = ""


_NOT_FUTURE = ". <= today()"
_LATIN_ONLY = f"regex(., '{_LATIN}')"
_PHONE_FORMAT = f"regex(., '{_PHONE}')"

# The household group, after the site question (a choice or a text code: see `registration_xlsform`).
HOUSEHOLD: tuple[Question, ...] = (
    Question(
        "date",
        "registration_date",
        "registration_date",
        required=True,
        constraint=_NOT_FUTURE,
        message="date_future",
    ),
    Question("date", "arrival_date", "arrival_date", constraint=_NOT_FUTURE, message="date_future"),
    Question(
        "select_one country", "country_of_origin", "country_of_origin", required=True, appearance="minimal"
    ),
    Question("text", "place_of_origin", "place_of_origin"),
    Question("text", "address", "address"),
    Question("text", "shelter", "shelter"),
    Question("text", "household_phone", "household_phone", constraint=_PHONE_FORMAT, message="phone_format"),
    Question("select_one population_type", "population_type", "population_type", required=True),
    Question("select_one yes_no", "consent_given", "consent_given", required=True),
    Question(
        "select_multiple consent_purpose",
        "consent_purposes",
        "consent_purposes",
        relevant="${consent_given} = 'yes'",
    ),
    Question(
        "select_one legal_basis",
        "legal_basis",
        "legal_basis",
        required=True,
        relevant="${consent_given} = 'no'",
    ),
)

# The members repeat.
MEMBER: tuple[Question, ...] = (
    Question(
        "select_one relationship",
        "relationship",
        "relationship",
        required=True,
        constraint="(position(..) = 1 and . = 'focal_point') or (position(..) > 1 and . != 'focal_point')",
        message="focal_first",
    ),
    Question("text", "given_name", "given_name", required=True, constraint=_LATIN_ONLY, message="latin_only"),
    Question("text", "middle_name", "middle_name", constraint=_LATIN_ONLY, message="latin_only"),
    Question(
        "text", "family_name", "family_name", required=True, constraint=_LATIN_ONLY, message="latin_only"
    ),
    Question("text", "given_name_original", "given_name_original"),
    Question("text", "family_name_original", "family_name_original"),
    Question("select_one sex", "sex", "sex", required=True),
    Question("select_one dob_known", "dob_known", "dob_known", required=True),
    Question(
        "date",
        "date_of_birth",
        "date_of_birth",
        required=True,
        relevant="${dob_known} = 'exact'",
        constraint=_NOT_FUTURE,
        message="date_future",
    ),
    Question(
        "date",
        "dob_month",
        "dob_month",
        required=True,
        relevant="${dob_known} = 'month'",
        appearance="month-year",
        constraint=_NOT_FUTURE,
        message="date_future",
    ),
    Question(
        "date",
        "dob_year",
        "dob_year",
        required=True,
        relevant="${dob_known} = 'year'",
        appearance="year",
        constraint=_NOT_FUTURE,
        message="date_future",
    ),
    Question(
        "integer",
        "stated_age",
        "stated_age",
        required=True,
        relevant="${dob_known} = 'age'",
        constraint=". >= 0 and . <= 130",
        message="age_range",
    ),
    Question("select_one country", "nationality", "nationality", appearance="minimal"),
    Question("select_multiple language", "languages", "languages", appearance="minimal"),
    Question("select_one marital_status", "marital_status", "marital_status"),
    Question("text", "phone", "phone", constraint=_PHONE_FORMAT, message="phone_format"),
    Question("select_one doc_type", "doc_type", "doc_type"),
    Question("text", "doc_number", "doc_number", required=True, relevant="${doc_type} != ''"),
    Question(
        "select_one country",
        "doc_country",
        "doc_country",
        required=True,
        relevant="${doc_type} != ''",
        appearance="minimal",
    ),
    Question("select_multiple need", "needs", "needs", appearance="minimal"),
    Question("text", "needs_reason", "needs_reason", required=True, relevant="count-selected(${needs}) > 0"),
)

LABEL_COLUMNS = [f"label::{name}" for _code, name in LANGS]
HINT_COLUMNS = [f"hint::{name}" for _code, name in LANGS]
MESSAGE_COLUMNS = [f"constraint_message::{name}" for _code, name in LANGS]
SURVEY_COLUMNS = [
    "type",
    "name",
    *LABEL_COLUMNS,
    *HINT_COLUMNS,
    "required",
    "relevant",
    "constraint",
    *MESSAGE_COLUMNS,
    "appearance",
    "choice_filter",
]


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


def _survey_row(q: Question) -> list[Any]:
    row: dict[str, Any] = {"type": q.type, "name": q.name}
    if q.label:
        row.update(zip(LABEL_COLUMNS, _labels(q.label), strict=True))
    row["required"] = "yes" if q.required else ""
    row["relevant"] = q.relevant
    row["constraint"] = q.constraint
    if q.message:
        row.update(zip(MESSAGE_COLUMNS, _labels(q.message), strict=True))
    row["appearance"] = q.appearance
    return [row.get(col, "") for col in SURVEY_COLUMNS]


def _survey(sites: Sequence[tuple[str, str]]) -> list[Question]:
    site = Question("select_one site" if sites else "text", "site", "site", required=True)
    return [
        Question("start", "start"),
        Question("end", "end"),
        Question("begin_group", GROUP, "household"),
        site,
        *HOUSEHOLD,
        Question("end_group", ""),
        Question("begin_repeat", REPEAT, "members"),
        *MEMBER,
        Question("end_repeat", ""),
    ]


def _choices(sites: Sequence[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    """(list name, value, labels in the four languages) of every choice list of the form."""
    rows: list[tuple[str, str, list[str]]] = []
    lists: list[tuple[str, Sequence[str]]] = [
        ("yes_no", ["yes", "no"]),
        ("sex", ["F", "M", "X"]),
        ("dob_known", ["exact", "month", "year", "age"]),
        ("relationship", [r.value for r in Relationship]),
        ("population_type", [p.value for p in PopulationType]),
        ("marital_status", [m.value for m in MaritalStatus]),
        ("legal_status", [s.value for s in LegalStatus if s not in DETERMINED_ONLY]),
        ("doc_type", [d.value for d in DocumentType]),
        ("consent_purpose", [p.value for p in ConsentPurpose]),
        ("legal_basis", sorted(LEGAL_BASES - {"consent"})),
    ]
    for list_name, values in lists:
        rows.extend((list_name, value, _labels(value)) for value in values)
    for code, site_name in sites:
        rows.append(("site", code, [f"{code} · {site_name}"] * len(LANGS)))
    for code, names in _translated_countries().items():
        rows.append(("country", code, names))
    for code, lang_name in reference.languages().items():
        rows.append(("language", code, [f"{lang_name} ({code})"] * len(LANGS)))
    for code, need in NEED_CODES.items():
        if not need.sensitive:  # sensitive codes are set by protection staff, not on a tablet
            rows.append(("need", code, [f"{code} · {need.label}"] * len(LANGS)))
    return rows


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

    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for question in _survey(sites):
        survey.append(_survey_row(question))
    choices_ws = wb.create_sheet("choices")
    choices_ws.append(["list_name", "name", *LABEL_COLUMNS])
    for list_name, name, labels in _choices(sites):
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
