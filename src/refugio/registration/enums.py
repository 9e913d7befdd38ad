"""Code lists of the registration domain (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class DobPrecision(StrEnum):
    EXACT = "exact"
    MONTH = "month"
    YEAR = "year"
    ESTIMATED = "estimated"  # derived from a stated age


class PopulationType(StrEnum):
    REFUGEE = "refugee"
    ASYLUM_SEEKER = "asylum_seeker"
    MIGRANT = "migrant"
    STATELESS = "stateless"
    IDP = "idp"
    RETURNEE = "returnee"
    HOST_COMMUNITY = "host_community"


class Relationship(StrEnum):
    """Relationship of a member to the household's focal point."""

    FOCAL_POINT = "focal_point"
    SPOUSE = "spouse"
    SON_DAUGHTER = "son_daughter"
    STEP_CHILD = "step_child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    GRANDPARENT = "grandparent"
    NEPHEW_NIECE = "nephew_niece"
    UNCLE_AUNT = "uncle_aunt"
    COUSIN = "cousin"
    IN_LAW = "in_law"
    OTHER_RELATIVE = "other_relative"
    NOT_RELATED = "not_related"


class RegistrationLevel(StrEnum):
    EMERGENCY = "emergency"  # household count only
    BASIC = "basic"
    COMPREHENSIVE = "comprehensive"


class IndividualStatus(StrEnum):
    ACTIVE = "active"
    DECEASED = "deceased"
    DEPARTED = "departed"
    INACTIVE = "inactive"


class LegalStatus(StrEnum):
    ASYLUM_SEEKER = "asylum_seeker"
    REFUGEE = "refugee"
    STATELESS = "stateless"
    OTHER = "other"
    COMPLEMENTARY = "complementary"  # complementary protection granted (status determination)
    REJECTED = "rejected"  # asylum claim finally rejected (status determination)


class MaritalStatus(StrEnum):
    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"
    SEPARATED = "separated"
    UNKNOWN = "unknown"


class DocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    BIRTH_CERTIFICATE = "birth_certificate"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    DRIVING_LICENCE = "driving_licence"
    REFUGEE_ID = "refugee_id"
    FAMILY_BOOK = "family_book"
    OTHER = "other"


class SiteKind(StrEnum):
    RECEPTION_CENTRE = "reception_centre"
    CAMP = "camp"
    COLLECTIVE_CENTRE = "collective_centre"
    URBAN_OFFICE = "urban_office"
    BORDER_POINT = "border_point"


class ConsentPurpose(StrEnum):
    REGISTRATION = "registration"
    ASSISTANCE = "assistance"
    PROTECTION = "protection"
    SOLUTIONS = "solutions"
    REFERRAL = "referral"
    TRACING = "tracing"
    DATA_SHARING = "data_sharing"


class EventType(StrEnum):
    REGISTERED = "registered"
    BIRTH = "birth"
    DEATH = "death"
    MARRIAGE = "marriage"
    ADDRESS_CHANGE = "address_change"
    STATUS_CHANGE = "status_change"
    HOUSEHOLD_CHANGE = "household_change"
    DETAILS_UPDATED = "details_updated"
    NEED_FLAGGED = "need_flagged"
    NEED_REMOVED = "need_removed"
    DOCUMENT_ADDED = "document_added"
    CERTIFICATE_ISSUED = "certificate_issued"
    CONSENT_CHANGED = "consent_changed"
    CERTIFICATE_REVOKED = "certificate_revoked"


class NeedSource(StrEnum):
    RULE = "rule"
    MANUAL = "manual"
