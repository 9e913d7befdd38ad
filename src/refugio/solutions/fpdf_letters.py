"""The decision letter of an RSD claim as a PDF in the applicant's language (English, French, Arabic
right to left, Spanish; English for any other language), with fpdf2 — the only module of the domain
that imports it, lazily. The letter names the claim, the level, each person's outcome, the legal basis,
the reasons as the officer wrote them and, after a first-instance decision, the appeal deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from refugio.core.pdf_fonts import add_sans, font_path

LANGUAGES = {"eng": "en", "fra": "fr", "ara": "ar", "spa": "es"}
TEXT: dict[str, dict[str, str]] = {
    "title": {
        "en": "Decision on your claim for international protection",
        "fr": "Décision sur votre demande de protection internationale",
        "ar": "قرار بشأن طلبك للحماية الدولية",
        "es": "Decisión sobre su solicitud de protección internacional",
    },
    "claim": {"en": "Claim", "fr": "Demande", "ar": "الطلب", "es": "Solicitud"},
    "date": {
        "en": "Date of the decision",
        "fr": "Date de la décision",
        "ar": "تاريخ القرار",
        "es": "Fecha de la decisión",
    },
    "first_instance": {
        "en": "First instance",
        "fr": "Première instance",
        "ar": "الدرجة الأولى",
        "es": "Primera instancia",
    },
    "appeal": {"en": "Appeal", "fr": "Appel", "ar": "الاستئناف", "es": "Apelación"},
    "outcomes": {
        "en": "Outcome for each person",
        "fr": "Décision pour chaque personne",
        "ar": "القرار لكل شخص",
        "es": "Decisión para cada persona",
    },
    "basis": {
        "en": "Legal basis",
        "fr": "Fondement juridique",
        "ar": "الأساس القانوني",
        "es": "Fundamento jurídico",
    },
    "reasons": {"en": "Reasons", "fr": "Motifs", "ar": "الأسباب", "es": "Motivos"},
    "deadline": {
        "en": "You may appeal this decision until",
        "fr": "Vous pouvez faire appel de cette décision jusqu'au",
        "ar": "يمكنك استئناف هذا القرار حتى",
        "es": "Puede apelar esta decisión hasta el",
    },
}
OUTCOMES: dict[str, dict[str, str]] = {
    "recognised": {
        "en": "Recognised (refugee status)",
        "fr": "Reconnu (statut de réfugié)",
        "ar": "معترف به (صفة اللاجئ)",
        "es": "Reconocido (estatuto de refugiado)",
    },
    "complementary": {
        "en": "Complementary protection",
        "fr": "Protection complémentaire",
        "ar": "حماية تكميلية",
        "es": "Protección complementaria",
    },
    "rejected": {"en": "Rejected", "fr": "Rejeté", "ar": "مرفوض", "es": "Rechazado"},
    "otherwise_closed": {
        "en": "Otherwise closed",
        "fr": "Clos pour un autre motif",
        "ar": "مغلق لأسباب أخرى",
        "es": "Cerrado por otros motivos",
    },
}
BASES: dict[str, dict[str, str]] = {
    "1951:race": {
        "en": "1951 Convention: race",
        "fr": "Convention de 1951 : race",
        "ar": "اتفاقية 1951: العرق",
        "es": "Convención de 1951: raza",
    },
    "1951:religion": {
        "en": "1951 Convention: religion",
        "fr": "Convention de 1951 : religion",
        "ar": "اتفاقية 1951: الدين",
        "es": "Convención de 1951: religión",
    },
    "1951:nationality": {
        "en": "1951 Convention: nationality",
        "fr": "Convention de 1951 : nationalité",
        "ar": "اتفاقية 1951: الجنسية",
        "es": "Convención de 1951: nacionalidad",
    },
    "1951:particular_social_group": {
        "en": "1951 Convention: particular social group",
        "fr": "Convention de 1951 : appartenance à un certain groupe social",
        "ar": "اتفاقية 1951: الانتماء إلى فئة اجتماعية معيّنة",
        "es": "Convención de 1951: pertenencia a determinado grupo social",
    },
    "1951:political_opinion": {
        "en": "1951 Convention: political opinion",
        "fr": "Convention de 1951 : opinions politiques",
        "ar": "اتفاقية 1951: الرأي السياسي",
        "es": "Convención de 1951: opiniones políticas",
    },
    "oau_1969:art_1_2": {
        "en": "OAU Convention 1969, Article I(2)",
        "fr": "Convention de l'OUA de 1969, article I(2)",
        "ar": "اتفاقية منظمة الوحدة الأفريقية 1969، المادة 1(2)",
        "es": "Convención de la OUA de 1969, artículo I(2)",
    },
    "cartagena_1984:iii_3": {
        "en": "Cartagena Declaration 1984, III(3)",
        "fr": "Déclaration de Carthagène de 1984, III(3)",
        "ar": "إعلان قرطاجنة 1984، الفقرة 3(3)",
        "es": "Declaración de Cartagena de 1984, III(3)",
    },
    "complementary:serious_harm": {
        "en": "Complementary protection: serious harm",
        "fr": "Protection complémentaire : atteintes graves",
        "ar": "حماية تكميلية: ضرر جسيم",
        "es": "Protección complementaria: daños graves",
    },
    "complementary:non_refoulement": {
        "en": "Complementary protection: non-refoulement",
        "fr": "Protection complémentaire : non-refoulement",
        "ar": "حماية تكميلية: عدم الإعادة القسرية",
        "es": "Protección complementaria: no devolución",
    },
    "none_met": {
        "en": "No ground met",
        "fr": "Aucun motif établi",
        "ar": "لم يثبت أيّ سبب",
        "es": "Ningún motivo acreditado",
    },
    "1951:art_1f": {
        "en": "Excluded (Article 1F)",
        "fr": "Exclu (article 1F)",
        "ar": "مستبعد (المادة 1 واو)",
        "es": "Excluido (artículo 1F)",
    },
}


@dataclass(frozen=True)
class Letter:
    claim_ref: str
    operation: str
    language: str  # ISO 639-3 of the claim
    level: str  # first_instance or appeal
    decided_on: dt.date
    people: list[tuple[str, str]]  # (name, outcome code)
    legal_basis: list[str]
    reasons: str
    appeal_deadline: dt.date | None


def render(letter: Letter) -> bytes:
    """The letter as PDF bytes."""
    from fpdf import FPDF

    lang = LANGUAGES.get(letter.language, "en")
    if lang == "ar" and not font_path("naskh"):
        lang = "en"  # no Arabic font on this machine: the letter falls back to English
    pdf = FPDF(format="A4")
    pdf.set_title(f"{TEXT['title']['en']} {letter.claim_ref}")
    pdf.set_subject(letter.claim_ref)
    family = add_sans(pdf, arabic=True, direction="rtl" if lang == "ar" else "ltr")
    align = "R" if lang == "ar" else "L"
    mark = "\u200e" if lang == "ar" else ""  # keeps dates and references left to right in Arabic

    def ltr(value: object) -> str:
        return f"{mark}{value}{mark}"

    pdf.add_page()

    def line(text: str, size: int = 11, style: str = "", gap: float = 7) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, gap, text, align=align, new_x="LMARGIN", new_y="NEXT")

    line(letter.operation, 9)
    line(TEXT["title"][lang], 15, "B", 10)
    line(f"{TEXT['claim'][lang]}: {ltr(letter.claim_ref)} · {TEXT[letter.level][lang]}")
    line(f"{TEXT['date'][lang]}: {ltr(letter.decided_on.isoformat())}")
    pdf.ln(3)
    line(TEXT["outcomes"][lang], 12, "B")
    for name, outcome in letter.people:
        line(f"{name}: {OUTCOMES.get(outcome, {}).get(lang, outcome)}")
    pdf.ln(3)
    line(TEXT["basis"][lang], 12, "B")
    for code in letter.legal_basis:
        line(BASES.get(code, {}).get(lang, code))
    pdf.ln(3)
    line(TEXT["reasons"][lang], 12, "B")
    line(letter.reasons, 10, "", 6)
    if letter.appeal_deadline is not None and letter.level == "first_instance":
        pdf.ln(3)
        line(f"{TEXT['deadline'][lang]} {ltr(letter.appeal_deadline.isoformat())}.", 11, "B")
    return bytes(pdf.output())
