"""Words of the return pages (translated in the solutions catalogue): intentions, conditions, kinds,
statuses, the reintegration dimensions and indicators."""

from __future__ import annotations

from refugio.web.i18n import N_

INTENTIONS = {
    "within_12_months": N_("Within 12 months"),
    "later": N_("Later"),
    "no": N_("No intention to return"),
    "undecided": N_("Undecided"),
}
CONDITIONS = {
    "safety": N_("Safety and security"),
    "housing": N_("Housing, shelter"),
    "livelihoods": N_("Work, livelihoods"),
    "services": N_("Health care, schools"),
    "documentation": N_("Civil documents"),
    "property": N_("Land, property restored"),
    "family": N_("Family there"),
    "other": N_("Other"),
}
RETURN_KINDS = {
    "voluntary_repatriation": N_("Voluntary repatriation"),
    "avrr": N_("Assisted voluntary return (AVRR)"),
}
RETURN_STATES = {"planned": N_("Planned"), "departed": N_("Departed"), "cancelled": N_("Cancelled")}
VISIT_STATES = {"planned": N_("Planned"), "done": N_("Done"), "cancelled": N_("Cancelled")}
DIMENSIONS = {"economic": N_("Economic"), "social": N_("Social"), "psychosocial": N_("Psychosocial")}
INDICATORS = {
    "income_sources": N_("Sources of income"),
    "employment": N_("Employment"),
    "debt": N_("Debt (5: none, or easily repaid)"),
    "food_security": N_("Food security"),
    "productive_assets": N_("Productive assets"),
    "housing": N_("Housing"),
    "health_access": N_("Access to health care"),
    "education_access": N_("Access to education"),
    "documentation": N_("Identity and civil documents"),
    "safety": N_("Safety"),
    "belonging": N_("Sense of belonging"),
    "community_participation": N_("Taking part in community life"),
    "no_discrimination": N_("Free from discrimination"),
    "no_distress": N_("Free from psychological distress"),
    "no_wish_to_remigrate": N_("No wish to migrate again"),
}
