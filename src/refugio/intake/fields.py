"""The import field catalogue: every refugio field a column of a file (or an element of a submission)
can feed, with its level (key, household or member), its kind of value, the header names it is known by
in the four UI languages and in Kobo/ODK exports, and the HXL hashtags that name it.

Pure data and lookups; imports nothing from refugio but the registration enums and needs catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["key", "household", "member"]
Kind = Literal[
    "text",
    "date",
    "partial_date",
    "int",
    "bool",
    "country",
    "languages",
    "codes",
    "needs",
    "sex",
    "enum",
    "phone",
]


@dataclass(frozen=True)
class ImportField:
    """One refugio field a column can feed."""

    name: str
    level: Level
    kind: Kind
    label: str
    aliases: tuple[str, ...] = ()
    # HXL: (hashtag, attributes that must all be present); the most specific match wins
    hxl: tuple[tuple[str, frozenset[str]], ...] = ()
    enum: str | None = None  # name of the code list for kind "enum"/"codes"


def _h(tag: str, *attrs: str) -> tuple[str, frozenset[str]]:
    return (tag, frozenset(attrs))


FIELDS: tuple[ImportField, ...] = (
    # --- keys: what groups rows into households and recognises a person on re-import -------------
    ImportField(
        "household_key",
        "key",
        "text",
        "Household identifier in the source",
        (
            "household id",
            "household key",
            "household",
            "hh id",
            "hhid",
            "hh",
            "group id",
            "registration group",
            "case number",
            "family id",
            "_uuid",
            "_submission__uuid",
            "instanceid",
            "identifiant menage",
            "id menage",
            "menage",
            "id hogar",
            "hogar",
            "رقم الاسرة",
            "الاسرة",
        ),
        (_h("#household", "id"), _h("#group", "id"), _h("#meta", "household"), _h("#household")),
    ),
    ImportField(
        "member_key",
        "key",
        "text",
        "Person identifier in the source",
        (
            "member id",
            "individual id",
            "person id",
            "beneficiary id",
            "member key",
            "individual key",
            "id individu",
            "identifiant individu",
            "id persona",
            "رقم الفرد",
        ),
        (_h("#beneficiary", "id"), _h("#indiv", "id"), _h("#meta", "id"), _h("#person", "id")),
    ),
    ImportField(
        "site",
        "key",
        "text",
        "Registration site (code)",
        ("site", "site code", "registration site", "camp", "centre", "center", "lieu", "sitio", "الموقع"),
        (_h("#loc", "code"), _h("#loc", "site"), _h("#site"), _h("#loc")),
    ),
    # --- household ------------------------------------------------------------------------------
    ImportField(
        "registration_date",
        "household",
        "date",
        "Registration date",
        (
            "registration date",
            "date of registration",
            "date registered",
            "today",
            "date enregistrement",
            "fecha de registro",
            "fecha registro",
            "تاريخ التسجيل",
        ),
        (_h("#date", "registered"), _h("#date", "registration")),
    ),
    ImportField(
        "registration_level",
        "household",
        "enum",
        "Registration level",
        ("registration level", "level", "niveau enregistrement", "nivel de registro"),
        enum="registration_level",
    ),
    ImportField(
        "arrival_date",
        "household",
        "date",
        "Arrival date",
        ("arrival date", "date of arrival", "date arrivee", "fecha de llegada", "تاريخ الوصول"),
        (_h("#date", "arrival"), _h("#date", "arrived")),
    ),
    ImportField(
        "country_of_origin",
        "household",
        "country",
        "Country of origin",
        (
            "country of origin",
            "origin",
            "origin country",
            "coo",
            "pays origine",
            "pais de origen",
            "بلد المنشأ",
        ),
        (_h("#country", "origin"), _h("#country", "code", "origin"), _h("#origin")),
    ),
    ImportField(
        "place_of_origin",
        "household",
        "text",
        "Place of origin",
        ("place of origin", "town of origin", "city of origin", "lieu origine", "lugar de origen"),
        (_h("#loc", "origin"), _h("#loc", "name", "origin")),
    ),
    ImportField(
        "address",
        "household",
        "text",
        "Address",
        ("address", "current address", "adresse", "direccion", "العنوان"),
        (_h("#loc", "address"), _h("#contact", "address")),
    ),
    ImportField(
        "shelter",
        "household",
        "text",
        "Shelter",
        ("shelter", "shelter number", "tent", "abri", "refugio", "المأوى"),
        (_h("#loc", "shelter"),),
    ),
    ImportField(
        "household_phone",
        "household",
        "phone",
        "Household phone",
        ("household phone", "hh phone", "contact phone", "telephone menage", "telefono del hogar"),
        (_h("#contact", "phone", "household"),),
    ),
    ImportField(
        "population_type",
        "household",
        "enum",
        "Population type",
        ("population type", "population group", "type de population", "tipo de poblacion", "نوع السكان"),
        (_h("#population", "type"), _h("#status", "population")),
        enum="population_type",
    ),
    ImportField(
        "consent_given",
        "household",
        "bool",
        "Consent given",
        ("consent", "consent given", "informed consent", "consentement", "consentimiento", "الموافقة"),
        (_h("#meta", "consent"), _h("#consent")),
    ),
    ImportField(
        "consent_purposes",
        "household",
        "codes",
        "Consent purposes",
        ("consent purposes", "purposes", "finalites", "propositos"),
        enum="consent_purpose",
    ),
    ImportField(
        "legal_basis",
        "household",
        "text",
        "Legal basis for processing",
        ("legal basis", "base legale", "base legal"),
    ),
    # --- member ---------------------------------------------------------------------------------
    ImportField(
        "relationship",
        "member",
        "enum",
        "Relationship to the focal point",
        (
            "relationship",
            "relationship to head",
            "relationship to focal point",
            "relation to head",
            "rel to hoh",
            "lien de parente",
            "lien avec le chef de menage",
            "parentesco",
            "relacion con el jefe de hogar",
            "صلة القرابة",
        ),
        (_h("#beneficiary", "relationship"), _h("#relationship")),
        enum="relationship",
    ),
    ImportField(
        "given_name",
        "member",
        "text",
        "Given name (Latin)",
        (
            "given name",
            "first name",
            "firstname",
            "forename",
            "prenom",
            "nombre",
            "nombres",
        ),
        (_h("#beneficiary", "name", "given"), _h("#beneficiary", "name", "first"), _h("#name", "given")),
    ),
    ImportField(
        "middle_name",
        "member",
        "text",
        "Middle name (Latin)",
        ("middle name", "father name", "fathers name", "second name", "deuxieme prenom", "segundo nombre"),
        (_h("#beneficiary", "name", "middle"), _h("#name", "middle")),
    ),
    ImportField(
        "family_name",
        "member",
        "text",
        "Family name (Latin)",
        ("family name", "last name", "surname", "lastname", "nom", "nom de famille", "apellido", "apellidos"),
        (
            _h("#beneficiary", "name", "family"),
            _h("#beneficiary", "name", "last"),
            _h("#name", "family"),
        ),
    ),
    ImportField(
        "given_name_original",
        "member",
        "text",
        "Given name (original script)",
        ("given name original", "first name arabic", "given name arabic", "الاسم", "الاسم الاول"),
        (_h("#beneficiary", "name", "given", "native"), _h("#beneficiary", "name", "given", "i_ar")),
    ),
    ImportField(
        "middle_name_original",
        "member",
        "text",
        "Middle name (original script)",
        ("middle name original", "father name arabic", "اسم الاب"),
        (_h("#beneficiary", "name", "middle", "native"), _h("#beneficiary", "name", "middle", "i_ar")),
    ),
    ImportField(
        "family_name_original",
        "member",
        "text",
        "Family name (original script)",
        ("family name original", "last name arabic", "family name arabic", "اسم العائلة", "الكنية"),
        (_h("#beneficiary", "name", "family", "native"), _h("#beneficiary", "name", "family", "i_ar")),
    ),
    ImportField(
        "full_name",
        "member",
        "text",
        "Full name, one column (split into given, middle and family name)",
        (
            "full name",
            "name",
            "names",
            "full names",
            "beneficiary name",
            "name of beneficiary",
            "nom complet",
            "nom et prenom",
            "nom prenom",
            "nombre completo",
            "الاسم الكامل",
            "الاسم الثلاثي",
            "الاسم الرباعي",
        ),
        (_h("#beneficiary", "name"), _h("#name")),
    ),
    ImportField(
        "other_names",
        "member",
        "text",
        "Other names and aliases",
        ("other names", "aliases", "alias", "autres noms", "otros nombres"),
        (_h("#beneficiary", "name", "alias"),),
    ),
    ImportField(
        "sex",
        "member",
        "sex",
        "Sex",
        ("sex", "gender", "sexe", "genre", "sexo", "genero", "الجنس"),
        (_h("#beneficiary", "sex"), _h("#beneficiary", "gender"), _h("#sex")),
    ),
    ImportField(
        "date_of_birth",
        "member",
        "partial_date",
        "Date of birth",
        (
            "date of birth",
            "dob",
            "birth date",
            "birthdate",
            "date de naissance",
            "fecha de nacimiento",
            "تاريخ الميلاد",
        ),
        (_h("#date", "birth"), _h("#date", "dob"), _h("#beneficiary", "dob")),
    ),
    ImportField(
        "stated_age",
        "member",
        "int",
        "Age (stated)",
        ("age", "stated age", "age years", "edad", "العمر"),
        (_h("#beneficiary", "age"), _h("#age")),
    ),
    ImportField(
        "dob_estimated",
        "member",
        "bool",
        "Date of birth is estimated",
        ("dob estimated", "estimated", "date of birth estimated", "date estimee", "fecha estimada"),
    ),
    ImportField(
        "nationality",
        "member",
        "country",
        "Nationality",
        ("nationality", "citizenship", "nationalite", "nacionalidad", "الجنسية"),
        (_h("#country", "nationality"), _h("#beneficiary", "nationality")),
    ),
    ImportField(
        "languages",
        "member",
        "languages",
        "Languages spoken",
        ("languages", "language", "languages spoken", "langues", "idiomas", "اللغات"),
        (_h("#beneficiary", "language"), _h("#language")),
    ),
    ImportField(
        "legal_status",
        "member",
        "enum",
        "Legal status",
        ("legal status", "statut legal", "estatuto legal", "الوضع القانوني"),
        (_h("#status", "legal"),),
        enum="legal_status",
    ),
    ImportField(
        "marital_status",
        "member",
        "enum",
        "Marital status",
        ("marital status", "civil status", "etat civil", "estado civil", "الحالة الاجتماعية"),
        (_h("#beneficiary", "marital"), _h("#status", "marital")),
        enum="marital_status",
    ),
    ImportField(
        "phone",
        "member",
        "phone",
        "Phone",
        ("phone", "mobile", "phone number", "telephone", "telefono", "celular", "الهاتف", "رقم الهاتف"),
        (_h("#contact", "phone"), _h("#beneficiary", "phone")),
    ),
    ImportField(
        "doc_type",
        "member",
        "enum",
        "Document type",
        ("document type", "id type", "type de document", "tipo de documento", "نوع الوثيقة"),
        (_h("#doc", "type"), _h("#beneficiary", "doc", "type")),
        enum="doc_type",
    ),
    ImportField(
        "doc_number",
        "member",
        "text",
        "Document number",
        (
            "document number",
            "id number",
            "passport number",
            "national id",
            "numero de document",
            "numero de documento",
            "رقم الوثيقة",
        ),
        (_h("#doc", "id"), _h("#doc", "number"), _h("#beneficiary", "doc", "id")),
    ),
    ImportField(
        "doc_country",
        "member",
        "country",
        "Document issuing country",
        ("document country", "issuing country", "pays de delivrance", "pais emisor"),
        (_h("#doc", "country"), _h("#country", "issuing")),
    ),
    ImportField(
        "doc_issue_date",
        "member",
        "date",
        "Document issue date",
        ("document issue date", "issue date", "date de delivrance", "fecha de emision"),
        (_h("#date", "issued"),),
    ),
    ImportField(
        "doc_expiry_date",
        "member",
        "date",
        "Document expiry date",
        ("document expiry", "expiry date", "expiry", "date expiration", "fecha de vencimiento"),
        (_h("#date", "expiry"), _h("#date", "expires")),
    ),
    ImportField(
        "needs",
        "member",
        "needs",
        "Specific needs (codes)",
        ("specific needs", "needs", "sn codes", "besoins specifiques", "necesidades especificas"),
        (_h("#need", "code"), _h("#beneficiary", "need")),
    ),
    ImportField(
        "needs_reason",
        "member",
        "text",
        "Reason for the specific needs",
        ("needs reason", "specific needs reason", "need reason", "motif", "motivo"),
        (_h("#need", "description"),),
    ),
)

BY_NAME: dict[str, ImportField] = {f.name: f for f in FIELDS}
HOUSEHOLD_FIELDS = tuple(f.name for f in FIELDS if f.level == "household")
MEMBER_FIELDS = tuple(f.name for f in FIELDS if f.level == "member")
IGNORE = "-"  # a column mapped to this is read but not imported

# Fields the registration rules cannot do without; reported when the mapping leaves them out.
REQUIRED_ANY: tuple[tuple[str, ...], ...] = (
    ("given_name", "family_name", "full_name"),
    ("sex",),
    ("date_of_birth", "stated_age"),
)


def field(name: str) -> ImportField:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown import field {name!r}") from None


__all__ = [
    "BY_NAME",
    "FIELDS",
    "HOUSEHOLD_FIELDS",
    "IGNORE",
    "MEMBER_FIELDS",
    "REQUIRED_ANY",
    "ImportField",
    "Kind",
    "Level",
    "field",
]
