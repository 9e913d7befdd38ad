"""The words of the solutions pages: stages, outcomes, modalities, legal bases, run states (marked for
translation with N_; the templates translate them)."""

from __future__ import annotations

from refugio.web.i18n import N_

STAGES = {
    "registered": N_("Registered"),
    "interview_scheduled": N_("Interview scheduled"),
    "interviewed": N_("Interviewed"),
    "assessed": N_("Assessed"),
    "reviewed": N_("Reviewed"),
    "decided": N_("Decided"),
    "appealed": N_("Appealed"),
    "appeal_decided": N_("Appeal decided"),
    "closed": N_("Closed"),
}
OUTCOMES = {
    "recognised": N_("Recognised (refugee status)"),
    "complementary": N_("Complementary protection"),
    "rejected": N_("Rejected"),
    "otherwise_closed": N_("Otherwise closed"),
}
MODALITIES = {
    "regular": N_("Regular"),
    "accelerated": N_("Accelerated"),
    "simplified": N_("Simplified"),
    "merged_registration_rsd": N_("Merged registration and RSD"),
    "merged_rsd_resettlement": N_("Merged RSD and resettlement"),
}
RUN_STATES = {
    "proposed": N_("Proposed"),
    "reviewed": N_("Reviewed"),
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
}
BASES = {
    "1951:race": N_("1951 Convention: race"),
    "1951:religion": N_("1951 Convention: religion"),
    "1951:nationality": N_("1951 Convention: nationality"),
    "1951:particular_social_group": N_("1951 Convention: particular social group"),
    "1951:political_opinion": N_("1951 Convention: political opinion"),
    "oau_1969:art_1_2": N_("OAU Convention 1969, Article I(2)"),
    "cartagena_1984:iii_3": N_("Cartagena Declaration 1984, III(3)"),
    "complementary:serious_harm": N_("Complementary protection: serious harm"),
    "complementary:non_refoulement": N_("Complementary protection: non-refoulement"),
    "none_met": N_("No ground met"),
    "1951:art_1f": N_("Excluded (Article 1F)"),
}
NOTICE_KINDS = {
    "decision": N_("Decision"),
    "status": N_("Legal status"),
}
CHANNELS = {
    "in_person": N_("Handed over in person"),
    "post": N_("Post"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "sms": N_("SMS"),
}
LEGAL_STATUSES = {
    "asylum_seeker": N_("Asylum-seeker"),
    "refugee": N_("Refugee"),
    "complementary": N_("Complementary protection"),
    "rejected": N_("Rejected asylum-seeker (final)"),
}
NOTICE_LABELS = {  # for the notices shown on a person's page
    "notice_kinds": NOTICE_KINDS,
    "channels": CHANNELS,
    "legal_statuses": LEGAL_STATUSES,
    "outcomes": OUTCOMES,
}
CATEGORIES = {
    "legal_physical_protection": N_("Legal and/or physical protection needs"),
    "survivor_violence_torture": N_("Survivors of violence and/or torture"),
    "medical_needs": N_("Medical needs"),
    "women_girls_at_risk": N_("Women and girls at risk"),
    "family_reunification": N_("Family reunification"),
    "children_adolescents_at_risk": N_("Children and adolescents at risk"),
    "lack_of_alternative_durable_solutions": N_("Lack of foreseeable alternative durable solutions"),
}
PRIORITIES = {"emergency": N_("Emergency"), "urgent": N_("Urgent"), "normal": N_("Normal")}
CASE_STATES = {
    "identified": N_("Identified"),
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted by the State"),
    "rejected": N_("Rejected by the State"),
    "departed": N_("Departed"),
    "withdrawn": N_("Withdrawn"),
}
PATHWAY_KINDS = {
    "family_reunification": N_("Family reunification"),
    "labour_mobility": N_("Labour mobility"),
    "education": N_("Education"),
    "private_sponsorship": N_("Private sponsorship"),
    "humanitarian_admission": N_("Humanitarian admission"),
    "medical_evacuation": N_("Medical evacuation"),
}
EDUCATION = {
    "none": N_("None"),
    "primary": N_("Primary"),
    "secondary": N_("Secondary"),
    "tertiary": N_("Tertiary"),
    "postgraduate": N_("Postgraduate"),
}
APPLICATION_STATES = {
    "shortlisted": N_("Shortlisted"),
    "applied": N_("Applied"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "departed": N_("Departed"),
    "withdrawn": N_("Withdrawn"),
}
