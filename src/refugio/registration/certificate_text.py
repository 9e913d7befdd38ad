"""The words of the registration certificate in English and in the operation's language: the first
official language of the operation's country (babel's territory data) that refugio translates (Arabic,
French, Spanish); English alone elsewhere. Arabic is shaped and laid right to left by the PDF renderer
(fpdf2 text shaping with the Noto Naskh Arabic font the certificate already embeds).
"""

from __future__ import annotations

from functools import lru_cache

TRANSLATED = ("ar", "fr", "es")

# English → (Arabic, French, Spanish)
_WORDS: dict[str, tuple[str, str, str]] = {
    "Registration certificate": ("شهادة تسجيل", "Certificat d'enregistrement", "Certificado de registro"),
    "Individual ID": ("رقم الفرد", "Identifiant individuel", "Identificador individual"),
    "Registration group": ("مجموعة التسجيل", "Groupe d'enregistrement", "Grupo de registro"),
    "Name": ("الاسم", "Nom", "Nombre"),
    "Name (original)": ("الاسم (بالأصل)", "Nom (écriture d'origine)", "Nombre (escritura original)"),
    "Sex": ("الجنس", "Sexe", "Sexo"),
    "Date of birth": ("تاريخ الميلاد", "Date de naissance", "Fecha de nacimiento"),
    "Country of origin": ("بلد المنشأ", "Pays d'origine", "País de origen"),
    "Certificate": ("الشهادة", "Certificat", "Certificado"),
    "Issued": ("تاريخ الإصدار", "Délivré le", "Expedido el"),
    "Valid until": ("صالحة حتى", "Valable jusqu'au", "Válido hasta"),
    "Female": ("أنثى", "Femme", "Mujer"),
    "Male": ("ذكر", "Homme", "Hombre"),
    "Other": ("آخر", "Autre", "Otro"),
    "year only": ("السنة فقط", "année seulement", "solo el año"),
    "month": ("الشهر", "mois", "mes"),
    "estimated": ("تقديري", "estimée", "estimada"),
    "Scan to verify offline with the operation's public key (refugio verify, or the /verify page).": (
        "امسح الرمز للتحقق دون اتصال بالمفتاح العام للعملية.",
        "Scannez pour vérifier hors ligne avec la clé publique de l'opération.",
        "Escanee para verificar sin conexión con la clave pública de la operación.",
    ),
    "This certificate attests registration with the authority named above. It is not a travel document. "
    "Tampering is detectable: the QR code carries a digital signature.": (
        "تثبت هذه الشهادة التسجيل لدى الجهة المذكورة أعلاه. وهي ليست وثيقة سفر. "
        "يمكن كشف أي تلاعب: يحمل رمز QR توقيعًا رقميًا.",
        "Ce certificat atteste l'enregistrement auprès de l'autorité nommée ci-dessus. Ce n'est pas un "
        "document de voyage. Toute falsification est détectable : le code QR porte une signature numérique.",
        "Este certificado acredita el registro ante la autoridad indicada arriba. No es un documento de "
        "viaje. Toda alteración es detectable: el código QR lleva una firma digital.",
    ),
}


@lru_cache(maxsize=256)
def operation_language(country_iso3: str) -> str | None:
    """The language the certificate adds to English for an operation in this country, if any."""
    import pycountry
    from babel.languages import get_official_languages

    country = pycountry.countries.get(alpha_3=(country_iso3 or "").upper())
    if country is None:
        return None
    for code in get_official_languages(country.alpha_2, de_facto=True):
        if code in TRANSLATED:
            return code
    return None


def word(text: str, language: str | None) -> str | None:
    """`text` in `language` (None for English or a language without a translation)."""
    if language not in TRANSLATED:
        return None
    found = _WORDS.get(text)
    return found[TRANSLATED.index(language)] if found else None


def both(text: str, language: str | None) -> str:
    """ "English / translation" (English alone without a translation)."""
    other = word(text, language)
    return f"{text} / {other}" if other else text


__all__ = ["TRANSLATED", "both", "operation_language", "word"]
