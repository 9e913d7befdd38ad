"""Labels of the tracking code lists shown in the web UI (translated through the catalogues of
web/tracking/locale). Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from refugio.tracking.enums import FlowPointKind, SiteKind, SiteStatus, SummaryBy
from refugio.web.i18n import N_

SITE_KINDS = {
    SiteKind.CAMP.value: N_("Camp"),
    SiteKind.COLLECTIVE_CENTRE.value: N_("Collective centre"),
    SiteKind.INFORMAL_SETTLEMENT.value: N_("Informal settlement"),
    SiteKind.HOST_COMMUNITY.value: N_("Host community"),
}
SITE_STATUSES = {
    SiteStatus.OPEN.value: N_("Open"),
    SiteStatus.CLOSED.value: N_("Closed"),
    SiteStatus.PLANNED.value: N_("Planned"),
}
SUMMARY_BY = {
    SummaryBy.YEAR.value: N_("Year"),
    SummaryBy.ROUTE.value: N_("Migration route"),
    SummaryBy.REGION.value: N_("Region"),
    SummaryBy.COUNTRY.value: N_("Country"),
    SummaryBy.CAUSE.value: N_("Cause of death"),
}
ASSESSMENT_TYPES = {"BA": N_("Baseline area assessment"), "SA": N_("Site assessment")}
FLOW_KINDS = {
    FlowPointKind.BORDER_CROSSING.value: N_("Border crossing"),
    FlowPointKind.TRANSIT_CENTRE.value: N_("Transit centre"),
    FlowPointKind.BUS_STATION.value: N_("Bus station"),
    FlowPointKind.PORT.value: N_("Port"),
    FlowPointKind.AIRPORT.value: N_("Airport"),
    FlowPointKind.OTHER.value: N_("Other"),
}
BREAKDOWN_LABELS = {
    "nationality": N_("Nationality"),
    "transport": N_("Means of transport"),
    "sex": N_("Sex"),
    "age_group": N_("Age group"),
}
TABLE_LABELS = {
    "day": N_("Date"),
    "incoming": N_("Coming in"),
    "outgoing": N_("Going out"),
    "total": N_("Total"),
    "surveys": N_("Surveys"),
    "age_group": N_("Age group"),
    "female": N_("Female"),
    "male": N_("Male"),
    "sex_unknown": N_("Sex not known"),
    "nationality": N_("Nationality"),
    "transport": N_("Means of transport"),
    "sex": N_("Sex"),
    "reasons": N_("Reason for moving"),
    "destination_country": N_("Intended destination"),
    "origin_country": N_("Country of departure"),
}
SURVEY_BREAKDOWNS = {
    "nationality": N_("Nationality"),
    "reasons": N_("Reason for moving"),
    "destination_country": N_("Intended destination"),
    "origin_country": N_("Country of departure"),
    "transport": N_("Means of transport"),
    "sex": N_("Sex"),
    "age_group": N_("Age group"),
}
SECTORS = {
    "food": N_("Food security"),
    "shelter": N_("Shelter"),
    "nfi": N_("Non-food items"),
    "wash": N_("Water, sanitation and hygiene"),
    "health": N_("Health"),
    "protection": N_("Protection"),
    "education": N_("Education"),
    "livelihoods": N_("Livelihoods"),
}
SHELTERS = {
    "own_house": N_("Own house"),
    "rented": N_("Rented"),
    "host_family": N_("Host family"),
    "camp": N_("Camp"),
    "collective_centre": N_("Collective centre"),
    "makeshift": N_("Makeshift shelter"),
    "open_air": N_("Open air"),
}
