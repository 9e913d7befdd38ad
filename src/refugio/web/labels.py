"""Human labels (English source strings, translated where shown) for the registration code lists.

Every enum the pages show or offer in a select has a label here, marked with N_ for extraction. The
stored values stay the codes. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from refugio.registration.enums import (
    ConsentPurpose,
    DobPrecision,
    DocumentType,
    EventType,
    IndividualStatus,
    LegalStatus,
    MaritalStatus,
    NeedSource,
    PopulationType,
    RegistrationLevel,
    Relationship,
    Sex,
    SiteKind,
)
from refugio.web.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "relationship": {
        Relationship.FOCAL_POINT: N_("Focal point"),
        Relationship.SPOUSE: N_("Spouse"),
        Relationship.SON_DAUGHTER: N_("Son or daughter"),
        Relationship.STEP_CHILD: N_("Stepchild"),
        Relationship.PARENT: N_("Parent"),
        Relationship.SIBLING: N_("Brother or sister"),
        Relationship.GRANDCHILD: N_("Grandchild"),
        Relationship.GRANDPARENT: N_("Grandparent"),
        Relationship.NEPHEW_NIECE: N_("Nephew or niece"),
        Relationship.UNCLE_AUNT: N_("Uncle or aunt"),
        Relationship.COUSIN: N_("Cousin"),
        Relationship.IN_LAW: N_("In-law"),
        Relationship.OTHER_RELATIVE: N_("Other relative"),
        Relationship.NOT_RELATED: N_("Not related"),
    },
    "sex": {Sex.FEMALE: N_("Female"), Sex.MALE: N_("Male"), Sex.OTHER: N_("Other")},
    "population_type": {
        PopulationType.REFUGEE: N_("Refugee"),
        PopulationType.ASYLUM_SEEKER: N_("Asylum-seeker"),
        PopulationType.MIGRANT: N_("Migrant"),
        PopulationType.STATELESS: N_("Stateless person"),
        PopulationType.IDP: N_("Internally displaced person"),
        PopulationType.RETURNEE: N_("Returnee"),
        PopulationType.HOST_COMMUNITY: N_("Host community"),
    },
    "registration_level": {
        RegistrationLevel.EMERGENCY: N_("Emergency (household count)"),
        RegistrationLevel.BASIC: N_("Basic (individual)"),
        RegistrationLevel.COMPREHENSIVE: N_("Comprehensive"),
    },
    "status": {
        IndividualStatus.ACTIVE: N_("Active"),
        IndividualStatus.DECEASED: N_("Deceased"),
        IndividualStatus.DEPARTED: N_("Departed"),
        IndividualStatus.INACTIVE: N_("Inactive"),
        "closed": N_("Closed"),
    },
    "legal_status": {
        LegalStatus.ASYLUM_SEEKER: N_("Asylum-seeker"),
        LegalStatus.REFUGEE: N_("Refugee"),
        LegalStatus.STATELESS: N_("Stateless person"),
        LegalStatus.OTHER: N_("Other"),
        LegalStatus.COMPLEMENTARY: N_("Complementary protection"),
        LegalStatus.REJECTED: N_("Rejected asylum-seeker (final)"),
    },
    "marital_status": {
        MaritalStatus.SINGLE: N_("Single"),
        MaritalStatus.MARRIED: N_("Married"),
        MaritalStatus.DIVORCED: N_("Divorced"),
        MaritalStatus.WIDOWED: N_("Widowed"),
        MaritalStatus.SEPARATED: N_("Separated"),
        MaritalStatus.UNKNOWN: N_("Unknown"),
    },
    "doc_type": {
        DocumentType.PASSPORT: N_("Passport"),
        DocumentType.NATIONAL_ID: N_("National identity card"),
        DocumentType.BIRTH_CERTIFICATE: N_("Birth certificate"),
        DocumentType.MARRIAGE_CERTIFICATE: N_("Marriage certificate"),
        DocumentType.DRIVING_LICENCE: N_("Driving licence"),
        DocumentType.REFUGEE_ID: N_("Refugee identity card"),
        DocumentType.FAMILY_BOOK: N_("Family book"),
        DocumentType.OTHER: N_("Other document"),
    },
    "consent_purpose": {
        ConsentPurpose.REGISTRATION: N_("Registration"),
        ConsentPurpose.ASSISTANCE: N_("Assistance"),
        ConsentPurpose.PROTECTION: N_("Protection"),
        ConsentPurpose.SOLUTIONS: N_("Durable solutions"),
        ConsentPurpose.REFERRAL: N_("Referral to partners"),
        ConsentPurpose.TRACING: N_("Family tracing"),
        ConsentPurpose.DATA_SHARING: N_("Data sharing"),
    },
    "legal_basis": {
        "consent": N_("Consent"),
        "vital_interest": N_("Vital interest"),
        "public_interest": N_("Public interest"),
        "legal_obligation": N_("Legal obligation"),
        "mandate": N_("Mandate"),
        "contract": N_("Contract"),
    },
    "event_type": {
        EventType.REGISTERED: N_("Registered"),
        EventType.BIRTH: N_("Birth"),
        EventType.DEATH: N_("Death"),
        EventType.MARRIAGE: N_("Marriage"),
        EventType.ADDRESS_CHANGE: N_("Address change"),
        EventType.STATUS_CHANGE: N_("Status change"),
        EventType.HOUSEHOLD_CHANGE: N_("Household change"),
        EventType.DETAILS_UPDATED: N_("Details corrected"),
        EventType.NEED_FLAGGED: N_("Specific need flagged"),
        EventType.NEED_REMOVED: N_("Specific need removed"),
        EventType.DOCUMENT_ADDED: N_("Document added"),
        EventType.CERTIFICATE_ISSUED: N_("Certificate issued"),
        EventType.CERTIFICATE_REVOKED: N_("Certificate revoked"),
    },
    "need_category": {
        "CR": N_("Child at risk"),
        "SC": N_("Unaccompanied or separated child"),
        "WR": N_("Woman at risk"),
        "ER": N_("Older person at risk"),
        "SP": N_("Single parent or caregiver"),
        "DS": N_("Disability"),
        "SM": N_("Serious medical condition"),
        "FU": N_("Family unity"),
        "LP": N_("Specific legal and physical protection needs"),
        "TR": N_("Torture"),
        "SV": N_("SGBV"),
    },
    "need_source": {NeedSource.RULE: N_("Rule"), NeedSource.MANUAL: N_("Manual")},
    "dob_precision": {
        DobPrecision.EXACT: N_("exact"),
        DobPrecision.MONTH: N_("month known"),
        DobPrecision.YEAR: N_("year known"),
        DobPrecision.ESTIMATED: N_("estimated"),
    },
    "site_kind": {
        SiteKind.RECEPTION_CENTRE: N_("Reception centre"),
        SiteKind.CAMP: N_("Camp"),
        SiteKind.COLLECTIVE_CENTRE: N_("Collective centre"),
        SiteKind.URBAN_OFFICE: N_("Urban office"),
        SiteKind.BORDER_POINT: N_("Border point"),
    },
    "certificate_status": {
        "valid": N_("VALID"),
        "tampered": N_("TAMPERED"),
        "revoked": N_("REVOKED"),
        "expired": N_("EXPIRED"),
        "malformed": N_("MALFORMED"),
        "unknown": N_("UNKNOWN"),
    },
}


def english_label(kind: str, value: object) -> str:
    """The source-language label of a code (the code itself when it has none)."""
    if value is None:
        return ""
    key = str(getattr(value, "value", value))
    return LABELS.get(kind, {}).get(key, key)


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, English label) pairs of a code list, in catalogue order."""
    return [(str(value), label) for value, label in LABELS[kind].items()]


# Labels of form inputs, for the error summary ("Member 3 · Date of birth: …").
FIELD_LABELS: dict[str, str] = {
    # a status determination claim opened, its staff assigned (refugio.web.solutions.claims)
    "principal_id": N_("Principal applicant"),
    "member_ids": N_("Other members of the household on the claim"),
    "modality": N_("Modality"),
    "language": N_("Language"),
    "interpreter_gender": N_("Interpreter asked for"),
    "lodged_on": N_("Lodged on"),
    "officer_id": N_("Officer"),
    "user_id": N_("Member of staff"),
    "role": N_("Role"),
    "dup_reason": N_("Reason to register this person anyway"),
    "site_id": N_("Site"),
    "registration_level": N_("Registration level"),
    "registration_date": N_("Registration date"),
    "arrival_date": N_("Arrival date"),
    "country_of_origin": N_("Country of origin"),
    "place_of_origin": N_("Place of origin"),
    "address": N_("Address"),
    "shelter": N_("Shelter"),
    "phone": N_("Phone"),
    "population_type": N_("Population type"),
    "legal_basis": N_("Legal basis for processing"),
    "consent_given": N_("Consent"),
    "consent_purposes": N_("Purposes"),
    "members": N_("Members"),
    "relationship": N_("Relationship to the focal point"),
    "given_name": N_("Given name (Latin script)"),
    "middle_name": N_("Middle name (Latin script)"),
    "family_name": N_("Family name (Latin script)"),
    "given_name_original": N_("Given name (original script)"),
    "middle_name_original": N_("Middle name (original script)"),
    "family_name_original": N_("Family name (original script)"),
    "other_names": N_("Other names"),
    "sex": N_("Sex"),
    "date_of_birth": N_("Date of birth"),
    "stated_age": N_("Or stated age in years"),
    "estimated": N_("Date of birth is estimated"),
    "nationality": N_("Nationality"),
    "languages": N_("Languages"),
    "doc_type": N_("Document type"),
    "doc_number": N_("Document number"),
    "doc_country": N_("Issuing country"),
    "doc_expiry": N_("Expiry date"),
    "need_code": N_("Specific-need code"),
    "need_reason": N_("Reason"),
    "reason": N_("Reason"),
    "individual_id": N_("Member"),
    "to_household": N_("Household ID to move to"),
    "effective_date": N_("Effective date"),
    "date_of_death": N_("Date of death"),
    "note": N_("Note"),
    "date_of_marriage": N_("Date of marriage"),
    "spouse": N_("Registered spouse (ID)"),
    "spouse_name": N_("Spouse's name"),
    "status": N_("Status"),
    "legal_status": N_("Legal status"),
    "marital_status": N_("Marital status"),
    "number": N_("Document number"),
    "issuing_country": N_("Issuing country"),
    "issue_date": N_("Issue date"),
    "expiry_date": N_("Expiry date"),
    "code": N_("Specific-need code"),
    "serial": N_("Certificate"),
    "place_of_birth": N_("Place of birth"),
    "civil_registration_number": N_("Civil registration number"),
    "birth_registered_with_authorities": N_("Birth registered with the civil authorities"),
}


# Wording of the registration domain's error codes on pages in other languages than English (the
# domain's own messages are in English and more precise; English pages show those).
DOMAIN_ERRORS: dict[str, str] = {
    "required": N_("This field is required."),
    "future_date": N_("This date is in the future."),
    "implausible_date": N_("This date is too far in the past to be plausible."),
    "bad_date": N_("Not a real date: use YYYY, YYYY-MM or YYYY-MM-DD."),
    "unknown_code": N_("Unknown code."),
    "wrong_script": N_("Write this name in Latin letters; the original script has its own field."),
    "document_taken": N_("This document is already held by another registered person."),
    "duplicate_document": N_("The same document is given twice."),
    "no_focal_point": N_("A household needs exactly one focal point."),
    "two_focal_points": N_("A household has only one focal point."),
    "consent_required": N_("Consent was not given: record it, or choose another legal basis for processing."),
    "forbidden": N_("You may not do this at this site."),
    "unknown_site": N_("Unknown site."),
    "already_flagged": N_("This need is already flagged."),
    "already_deceased": N_("This person is already recorded as deceased."),
    "not_found": N_("Not found among the sites you can see."),
    "focal_point": N_("This person is the focal point: choose a new focal point first."),
}
