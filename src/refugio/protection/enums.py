"""Code lists of the protection domain (stored as their string values).

Imports nothing from refugio.
"""

from __future__ import annotations

from enum import StrEnum


class CaseType(StrEnum):
    CHILD_PROTECTION = "child_protection"  # including unaccompanied and separated children
    GBV = "gbv"  # gender-based violence: survivor-centred, minimum identifying data
    TRAFFICKING = "trafficking"
    DISABILITY = "disability"
    OLDER_PERSON = "older_person"
    OTHER = "other"


SENSITIVE_CASE_TYPES = frozenset({CaseType.GBV, CaseType.TRAFFICKING})
"""Counted only above the sensitive disclosure threshold; GBV cases also keep minimum identifying data."""


class CaseStatus(StrEnum):
    ASSESSMENT = "assessment"
    PLAN = "plan"
    IMPLEMENTATION = "implementation"  # services and referrals
    FOLLOW_UP = "follow_up"
    CLOSURE_REQUESTED = "closure_requested"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(s for s in CaseStatus if s is not CaseStatus.CLOSED)

# the moves `move_case` makes (the plan, closure and reopening have verbs of their own)
MOVES: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.PLAN: frozenset({CaseStatus.IMPLEMENTATION}),
    CaseStatus.IMPLEMENTATION: frozenset({CaseStatus.FOLLOW_UP}),
    CaseStatus.FOLLOW_UP: frozenset({CaseStatus.IMPLEMENTATION}),
}


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AssignmentRole(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"


class MemberRole(StrEnum):
    PRIMARY = "primary"  # the person the case is about (the child, the survivor, …)
    CAREGIVER = "caregiver"
    FAMILY = "family"


class ApprovalStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"  # sent back by the supervisor for revision


class BidDecision(StrEnum):
    """Durable solution or care arrangement decided by a best-interests determination panel."""

    FAMILY_REUNIFICATION = "family_reunification"
    VOLUNTARY_REPATRIATION = "voluntary_repatriation"
    LOCAL_INTEGRATION = "local_integration"
    RESETTLEMENT = "resettlement"
    ALTERNATIVE_CARE = "alternative_care"
    OTHER = "other"


BID_MIN_PANEL = (
    3  # UNHCR Guidelines on Determining the Best Interests of the Child: a panel of three at least
)


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OrganisationKind(StrEnum):
    UN_AGENCY = "un_agency"
    INTERNATIONAL_NGO = "international_ngo"
    NATIONAL_NGO = "national_ngo"
    GOVERNMENT = "government"
    COMMUNITY_BASED = "community_based"


class ServiceType(StrEnum):
    HEALTH = "health"
    PSYCHOSOCIAL = "psychosocial"
    LEGAL = "legal"
    SAFE_SHELTER = "safe_shelter"
    CHILD_PROTECTION_AUTHORITY = "child_protection_authority"
    EDUCATION = "education"
    LIVELIHOODS = "livelihoods"
    BASIC_NEEDS = "basic_needs"
    REHABILITATION = "rehabilitation"
    OTHER = "other"


class Urgency(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


SLA_HOURS: dict[Urgency, int] = {Urgency.URGENT: 24, Urgency.HIGH: 72, Urgency.NORMAL: 120}
"""The receiving service answers (accepts or rejects) within this many hours of the referral."""


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COMPLETED = "completed"
    REVOKED = "revoked"


ACTIVE_REFERRAL = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED})


class ConsentBy(StrEnum):
    PERSON = "person"  # the adult concerned
    CAREGIVER = "caregiver"  # a child's parent or caregiver
    BEST_INTERESTS = "best_interests"  # a child without a caregiver able to consent: the BIA's note


class SharedField(StrEnum):
    """What a referral may carry about the person (the receiving service sees nothing else)."""

    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    SEX = "sex"
    AGE = "age"
    DATE_OF_BIRTH = "date_of_birth"
    PHONE = "phone"
    LANGUAGES = "languages"
    NATIONALITY = "nationality"
    SITE = "site"
    SPECIFIC_NEEDS = "specific_needs"


DEFAULT_SHARED = (
    SharedField.GIVEN_NAME,
    SharedField.SEX,
    SharedField.AGE,
    SharedField.LANGUAGES,
    SharedField.SITE,
)
GBV_DEFAULT_SHARED = (SharedField.SEX, SharedField.AGE, SharedField.LANGUAGES, SharedField.SITE)

# which case a specific need opens (category → type); SC-UC and SC-SC mark the case as UASC
NEED_CASE_TYPES: dict[str, CaseType] = {
    "SC": CaseType.CHILD_PROTECTION,
    "CR": CaseType.CHILD_PROTECTION,
    "SV": CaseType.GBV,
    "ER": CaseType.OLDER_PERSON,
    "DS": CaseType.DISABILITY,
}
UASC_CODES = frozenset({"SC-UC", "SC-SC"})
