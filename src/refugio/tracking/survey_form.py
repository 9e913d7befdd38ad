"""The flow monitoring survey as an XLSForm (openpyxl): an interview of a traveller (or the head of a
travelling group) at one of the operation's flow monitoring points — direction, sex, age group,
nationality, means of transport, country of departure and of intended destination, reasons for
moving (several), and the size of the group. Labels in English and French; element names are the
fields of `FlowSurveyIn`, so a submission needs no mapping.

Checking and converting the form with pyxform, publishing it and receiving its submissions are the
OpenRosa channel's work (refugio.intake.openrosa); this module only writes the workbook.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from refugio.tracking.enums import AgeGroup, Direction, SurveyReason, Transport

FORM_PREFIX = "refugio_flow_survey"
HANDLER = "tracking.flow_survey"  # the OpenRosa form's handler: submissions land in tracking
ISO3 = "regex(., '^[A-Z]{3}$')"
ISO3_MESSAGE = ("Three capital letters: the ISO 3166 code (SYR, JOR…)", "Trois majuscules : le code ISO 3166")

# name, type, English label, French label, required, constraint
QUESTIONS: list[tuple[str, str, str, str, bool, str]] = [
    ("point", "select_one point", "Flow monitoring point", "Point de suivi des flux", True, ""),
    ("survey_date", "date", "Date of the interview", "Date de l'entretien", True, ". <= today()"),
    ("direction", "select_one direction", "Direction of travel", "Sens du déplacement", True, ""),
    ("sex", "select_one sex", "Sex of the person interviewed", "Sexe de la personne interrogée", True, ""),
    ("age_group", "select_one age_group", "Age group", "Tranche d'âge", True, ""),
    ("nationality", "text", "Nationality (ISO3 code)", "Nationalité (code ISO3)", True, ISO3),
    ("transport", "select_one transport", "Means of transport", "Moyen de transport", True, ""),
    ("origin_country", "text", "Country of departure (ISO3)", "Pays de départ (ISO3)", False, ISO3),
    ("destination_country", "text", "Intended destination (ISO3)", "Destination prévue (ISO3)", False, ISO3),
    ("reasons", "select_multiple reason", "Reasons for moving", "Raisons du déplacement", True, ""),
    ("group_size", "integer", "People travelling together (with the person interviewed)",
     "Personnes voyageant ensemble (avec la personne interrogée)", True, ". >= 1 and . <= 500"),
]  # fmt: skip

CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "direction": [(Direction.INCOMING, "Coming in", "Entrant"), (Direction.OUTGOING, "Going out", "Sortant")],
    "sex": [("F", "Female", "Femme"), ("M", "Male", "Homme"), ("U", "Not stated", "Non indiqué")],
    "age_group": [
        (AgeGroup.CHILD, "0–17", "0–17"), (AgeGroup.ADULT, "18–59", "18–59"), (AgeGroup.OLDER, "60+", "60+"),
        (AgeGroup.UNKNOWN, "Not known", "Inconnu"),
    ],
    "transport": [
        (Transport.FOOT, "On foot", "À pied"), (Transport.BUS, "Bus", "Bus"),
        (Transport.CAR, "Car", "Voiture"), (Transport.TRUCK, "Truck", "Camion"),
        (Transport.TRAIN, "Train", "Train"), (Transport.BOAT, "Boat", "Bateau"),
        (Transport.PLANE, "Plane", "Avion"), (Transport.OTHER, "Other", "Autre"),
    ],
    "reason": [
        (SurveyReason.CONFLICT, "Conflict or violence", "Conflit ou violence"),
        (SurveyReason.PERSECUTION, "Persecution", "Persécution"),
        (SurveyReason.ECONOMIC, "Economic reasons, work", "Raisons économiques, travail"),
        (SurveyReason.FAMILY, "Family reunification or visit", "Regroupement ou visite familiale"),
        (SurveyReason.DISASTER, "Natural disaster", "Catastrophe naturelle"),
        (SurveyReason.SERVICES, "Access to services (health, education)",
         "Accès aux services (santé, éducation)"),
        (SurveyReason.RETURN, "Return home", "Retour chez soi"),
        (SurveyReason.OTHER, "Other", "Autre"),
    ],
}  # fmt: skip


def flow_survey_xlsform(
    *, points: Sequence[tuple[str, str]], form_id: str, version: str, title: str
) -> bytes:
    """The survey form (XLSX bytes); `points` are the (code, name) of the points an enumerator picks from."""
    from openpyxl import Workbook

    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::Français (fr)", "required", "constraint",
                   "constraint_message::English (en)", "constraint_message::Français (fr)"])  # fmt: skip
    for name, kind, en, fr, required, constraint in QUESTIONS:
        messages = (
            ISO3_MESSAGE if constraint == ISO3 else (("", "") if not constraint else ("Out of range",) * 2)
        )
        survey.append([kind, name, en, fr, "yes" if required else "", constraint, *messages])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Français (fr)"])
    for code, name in points:
        choices.append(["point", code, f"{code} · {name}", f"{code} · {name}"])
    for list_name, options in CHOICES.items():
        for value, en, fr in options:
            choices.append([list_name, str(value), en, fr])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, version, "English (en)"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["FORM_PREFIX", "HANDLER", "flow_survey_xlsform"]
