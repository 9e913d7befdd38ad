"""The words of the access report PDF in English, French, Arabic and Spanish: its title, sections and
the labels of the person's and household's fields. Other tables' columns keep their names."""

from __future__ import annotations

# English → (French, Arabic, Spanish)
_WORDS: dict[str, tuple[str, str, str]] = {
    "Your personal data": ("Vos données personnelles", "بياناتك الشخصية", "Sus datos personales"),
    "Data subject access request": (
        "Demande d'accès de la personne concernée",
        "طلب اطلاع صاحب البيانات",
        "Solicitud de acceso del interesado",
    ),
    "Request": ("Demande", "الطلب", "Solicitud"),
    "Generated": ("Établi le", "تاريخ الإعداد", "Generado el"),
    "Registration record": ("Dossier d'enregistrement", "سجل التسجيل", "Registro"),
    "Household": ("Ménage", "الأسرة", "Hogar"),
    "Identity documents": ("Pièces d'identité", "وثائق الهوية", "Documentos de identidad"),
    "Specific needs": ("Besoins spécifiques", "الاحتياجات الخاصة", "Necesidades específicas"),
    "Legal status history": (
        "Historique du statut juridique",
        "سجل الوضع القانوني",
        "Historial del estatuto jurídico",
    ),
    "Consent": ("Consentement", "الموافقة", "Consentimiento"),
    "Events": ("Événements", "الأحداث", "Eventos"),
    "Certificates": ("Certificats", "الشهادات", "Certificados"),
    "Other records": ("Autres dossiers", "سجلات أخرى", "Otros registros"),
    "Who read or changed your record": (
        "Qui a consulté ou modifié votre dossier",
        "من اطلع على سجلك أو عدّله",
        "Quién consultó o modificó su registro",
    ),
    "Withheld": ("Non communiqué", "محجوب", "No comunicado"),
    "None": ("Aucun", "لا يوجد", "Ninguno"),
    "ref": ("Référence", "الرقم المرجعي", "Referencia"),
    "given_name": ("Prénom", "الاسم الأول", "Nombre"),
    "middle_name": ("Deuxième prénom", "الاسم الأوسط", "Segundo nombre"),
    "family_name": ("Nom de famille", "اسم العائلة", "Apellido"),
    "given_name_original": (
        "Prénom (écriture d'origine)",
        "الاسم الأول (بالأصل)",
        "Nombre (escritura original)",
    ),
    "middle_name_original": (
        "Deuxième prénom (écriture d'origine)",
        "الاسم الأوسط (بالأصل)",
        "Segundo nombre (escritura original)",
    ),
    "family_name_original": (
        "Nom de famille (écriture d'origine)",
        "اسم العائلة (بالأصل)",
        "Apellido (escritura original)",
    ),
    "other_names": ("Autres noms", "أسماء أخرى", "Otros nombres"),
    "sex": ("Sexe", "الجنس", "Sexo"),
    "date_of_birth": ("Date de naissance", "تاريخ الميلاد", "Fecha de nacimiento"),
    "nationality": ("Nationalité", "الجنسية", "Nacionalidad"),
    "country_of_origin": ("Pays d'origine", "بلد المنشأ", "País de origen"),
    "languages": ("Langues", "اللغات", "Idiomas"),
    "legal_status": ("Statut juridique", "الوضع القانوني", "Estatuto jurídico"),
    "marital_status": ("Situation matrimoniale", "الحالة الاجتماعية", "Estado civil"),
    "arrival_date": ("Date d'arrivée", "تاريخ الوصول", "Fecha de llegada"),
    "phone": ("Téléphone", "الهاتف", "Teléfono"),
    "status": ("Statut", "الحالة", "Estado"),
    "address": ("Adresse", "العنوان", "Dirección"),
    "operation": ("Opération", "العملية", "Operación"),
    "site": ("Site", "الموقع", "Sitio"),
    "registration_date": ("Date d'enregistrement", "تاريخ التسجيل", "Fecha de registro"),
    "size": ("Taille", "العدد", "Tamaño"),
    "given": ("Donné", "ممنوحة", "Otorgado"),
    "purposes": ("Finalités", "الأغراض", "Finalidades"),
    "legal_basis": ("Base légale", "الأساس القانوني", "Base jurídica"),
}
_INDEX = {"fr": 0, "ar": 1, "es": 2}


def word(text: str, language: str) -> str:
    """`text` in `language` (English, and any word without a translation, as it is)."""
    if language not in _INDEX or text not in _WORDS:
        return text
    return _WORDS[text][_INDEX[language]]
