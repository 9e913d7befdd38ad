"""The vocabularies of durable solutions: matching run states, RSD processing modalities, stages,
outcomes, legal bases and levels. Imports nothing from refugio."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    PROPOSED = "proposed"  # the solver's proposal, placements may be changed
    REVIEWED = "reviewed"  # a reviewer went through it; still changeable until confirmed
    CONFIRMED = "confirmed"  # final: placements confirmed by a person
    CANCELLED = "cancelled"


ACTIVE_RUN = (RunStatus.PROPOSED.value, RunStatus.REVIEWED.value)


class Modality(StrEnum):
    REGULAR = "regular"
    ACCELERATED = "accelerated"
    SIMPLIFIED = "simplified"
    MERGED_REGISTRATION_RSD = "merged_registration_rsd"
    MERGED_RSD_RESETTLEMENT = "merged_rsd_resettlement"


class Stage(StrEnum):
    """Where a claim stands; the order is the order of the procedure."""

    REGISTERED = "registered"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEWED = "interviewed"
    ASSESSED = "assessed"
    REVIEWED = "reviewed"
    DECIDED = "decided"  # first instance decided and notified
    APPEALED = "appealed"
    APPEAL_DECIDED = "appeal_decided"
    CLOSED = "closed"


OPEN_STAGES = tuple(s.value for s in Stage if s not in (Stage.DECIDED, Stage.APPEAL_DECIDED, Stage.CLOSED))


class Outcome(StrEnum):
    RECOGNISED = "recognised"  # refugee status (1951 Convention or a regional instrument)
    COMPLEMENTARY = "complementary"  # complementary protection
    REJECTED = "rejected"
    OTHERWISE_CLOSED = "otherwise_closed"  # abandoned, withdrawn, deceased: left out of the rates


class Level(StrEnum):
    FIRST_INSTANCE = "first_instance"
    APPEAL = "appeal"


class LegalBasis(StrEnum):
    """The ground of a positive outcome; a negative one cites `none_met` with its reasons."""

    CONVENTION_RACE = "1951:race"
    CONVENTION_RELIGION = "1951:religion"
    CONVENTION_NATIONALITY = "1951:nationality"
    CONVENTION_SOCIAL_GROUP = "1951:particular_social_group"
    CONVENTION_POLITICAL_OPINION = "1951:political_opinion"
    OAU_1969 = "oau_1969:art_1_2"  # events seriously disturbing public order (Africa)
    CARTAGENA_1984 = "cartagena_1984:iii_3"  # generalised violence, massive violation of human rights
    COMPLEMENTARY_SERIOUS_HARM = "complementary:serious_harm"
    COMPLEMENTARY_NON_REFOULEMENT = "complementary:non_refoulement"
    NONE_MET = "none_met"  # no ground met (rejection)
    EXCLUSION_1F = "1951:art_1f"  # excluded (rejection)


REFUGEE_BASES = {b.value for b in LegalBasis if b.value.startswith(("1951:", "oau_", "cartagena_"))} - {
    LegalBasis.EXCLUSION_1F.value
}
COMPLEMENTARY_BASES = {b.value for b in LegalBasis if b.value.startswith("complementary:")}
NEGATIVE_BASES = {LegalBasis.NONE_MET.value, LegalBasis.EXCLUSION_1F.value}


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    MISSED = "missed"


class NoticeKind(StrEnum):
    DECISION = "decision"  # a decision at a level, with its letter
    STATUS = "status"  # the person's legal status made final (or reopened) in the registry


class NoticeChannel(StrEnum):
    """How a notice reached the person."""

    IN_PERSON = "in_person"  # the letter handed over at the office
    POST = "post"
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"


class SubmissionCategory(StrEnum):
    """UNHCR's resettlement submission categories."""

    LEGAL_PHYSICAL_PROTECTION = "legal_physical_protection"
    SURVIVOR_VIOLENCE_TORTURE = "survivor_violence_torture"
    MEDICAL_NEEDS = "medical_needs"
    WOMEN_GIRLS_AT_RISK = "women_girls_at_risk"
    FAMILY_REUNIFICATION = "family_reunification"
    CHILDREN_AT_RISK = "children_adolescents_at_risk"
    NO_ALTERNATIVE_SOLUTION = "lack_of_alternative_durable_solutions"


class Priority(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    NORMAL = "normal"


class ResettlementStatus(StrEnum):
    IDENTIFIED = "identified"
    SUBMITTED = "submitted"  # to a resettlement State, against one of its quotas
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPARTED = "departed"  # left the country of asylum (a departure, not an arrival)
    WITHDRAWN = "withdrawn"


class PathwayKind(StrEnum):
    FAMILY_REUNIFICATION = "family_reunification"
    LABOUR_MOBILITY = "labour_mobility"
    EDUCATION = "education"
    PRIVATE_SPONSORSHIP = "private_sponsorship"
    HUMANITARIAN_ADMISSION = "humanitarian_admission"
    MEDICAL_EVACUATION = "medical_evacuation"


class Education(StrEnum):
    """Highest level completed, in order."""

    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    POSTGRADUATE = "postgraduate"


class ApplicationStatus(StrEnum):
    SHORTLISTED = "shortlisted"
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPARTED = "departed"  # left the country of asylum (a departure, not an arrival)
    WITHDRAWN = "withdrawn"


# the moves an application may make
APPLICATION_MOVES = {
    "shortlisted": ("applied", "withdrawn"),
    "applied": ("accepted", "rejected", "withdrawn"),
    "accepted": ("departed", "withdrawn"),
    "rejected": (),
    "departed": (),
    "withdrawn": (),
}
