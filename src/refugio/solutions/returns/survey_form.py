"""The return intention survey as an XLSForm (openpyxl): asked of a registered household (its
reference) — whether it intends to return within 12 months, later, not, or is undecided; the
conditions it cites; the country and area it would return to; whether it wants a go-and-see visit.
Labels in English and French; element names are the fields of `SurveyIn`, so a submission needs no
mapping. Converting, publishing and receiving are the OpenRosa channel's (refugio.intake.openrosa).
"""

from __future__ import annotations

import io

from refugio.solutions.returns.enums import Condition, Intention

FORM_PREFIX = "refugio_return_intentions"
HANDLER = "solutions.return_intentions"
ISO3 = "regex(., '^[A-Z]{3}$')"

# name, type, English label, French label, required, constraint, relevant
QUESTIONS: list[tuple[str, str, str, str, bool, str, str]] = [
    (
        "household",
        "text",
        "Household reference (on the registration card)",
        "Référence du ménage (sur la carte d'enregistrement)",
        True,
        "string-length(.) >= 3",
        "",
    ),
    ("survey_date", "date", "Date of the interview", "Date de l'entretien", True, ". <= today()", ""),
    (
        "intention",
        "select_one intention",
        "Does the household intend to return?",
        "Le ménage a-t-il l'intention de rentrer ?",
        True,
        "",
        "",
    ),
    (
        "conditions",
        "select_multiple condition",
        "Conditions for returning (all that apply)",
        "Conditions du retour (toutes celles qui s'appliquent)",
        False,
        "",
        "${intention} != 'no'",
    ),
    (
        "destination_country",
        "text",
        "Country of return (ISO3)",
        "Pays de retour (ISO3)",
        False,
        ISO3,
        "${intention} != 'no'",
    ),
    (
        "origin_area",
        "text",
        "Area of origin (district, town)",
        "Zone d'origine (district, ville)",
        False,
        "",
        "",
    ),
    (
        "go_and_see",
        "select_one yes_no",
        "Would someone of the household join a go-and-see visit?",
        "Un membre du ménage participerait-il à une visite d'information ?",
        False,
        "",
        "",
    ),
]

CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "intention": [
        (Intention.WITHIN_12_MONTHS, "Yes, within 12 months", "Oui, dans les 12 mois"),
        (Intention.LATER, "Yes, later", "Oui, plus tard"),
        (Intention.NO, "No", "Non"),
        (Intention.UNDECIDED, "Undecided", "Indécis"),
    ],
    "condition": [
        (Condition.SAFETY, "Safety and security", "Sécurité"),
        (Condition.HOUSING, "Housing, shelter", "Logement, abri"),
        (Condition.LIVELIHOODS, "Work, livelihoods", "Travail, moyens de subsistance"),
        (Condition.SERVICES, "Health care, schools", "Santé, écoles"),
        (Condition.DOCUMENTATION, "Civil documents", "Documents d'état civil"),
        (Condition.PROPERTY, "Land, property restored", "Terres, biens restitués"),
        (Condition.FAMILY, "Family there", "Famille sur place"),
        (Condition.OTHER, "Other", "Autre"),
    ],
    "yes_no": [("true", "Yes", "Oui"), ("false", "No", "Non")],
}


def return_survey_xlsform(*, form_id: str, version: str, title: str) -> bytes:
    """The survey form (XLSX bytes)."""
    from openpyxl import Workbook

    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            "label::English (en)",
            "label::Français (fr)",
            "required",
            "constraint",
            "constraint_message::English (en)",
            "constraint_message::Français (fr)",
            "relevant",
        ]
    )
    for name, kind, en, fr, required, constraint, relevant in QUESTIONS:
        messages = ("Check the answer", "Vérifiez la réponse") if constraint else ("", "")
        survey.append([kind, name, en, fr, "yes" if required else "", constraint, *messages, relevant])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Français (fr)"])
    for list_name, options in CHOICES.items():
        for value, en, fr in options:
            choices.append([list_name, str(value), en, fr])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, version, "English (en)"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["FORM_PREFIX", "HANDLER", "return_survey_xlsform"]
