"""Human labels (English source strings, translated where shown) for the protection code lists, and the
notices shown after a protection action. The stored values stay the codes.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from refugio.protection.enums import (
    ApprovalStatus,
    AssignmentRole,
    BidDecision,
    CaseStatus,
    CaseType,
    ConsentBy,
    MemberRole,
    OrganisationKind,
    ReferralStatus,
    RiskLevel,
    ServiceType,
    SharedField,
    TaskStatus,
    Urgency,
)
from refugio.web.i18n import N_

PROTECTION_LABELS: dict[str, dict[str, str]] = {
    "case_type": {
        CaseType.CHILD_PROTECTION: N_("Child protection"),
        CaseType.GBV: N_("Gender-based violence"),
        CaseType.TRAFFICKING: N_("Trafficking"),
        CaseType.DISABILITY: N_("Disability"),
        CaseType.OLDER_PERSON: N_("Older person at risk"),
        CaseType.OTHER: N_("Other protection"),
    },
    "case_status": {
        CaseStatus.ASSESSMENT: N_("Assessment"),
        CaseStatus.PLAN: N_("Case plan"),
        CaseStatus.IMPLEMENTATION: N_("Services and referrals"),
        CaseStatus.FOLLOW_UP: N_("Follow-up"),
        CaseStatus.CLOSURE_REQUESTED: N_("Closure requested"),
        CaseStatus.CLOSED: N_("Closed"),
    },
    "risk": {
        RiskLevel.LOW: N_("Low"),
        RiskLevel.MEDIUM: N_("Medium"),
        RiskLevel.HIGH: N_("High"),
        RiskLevel.CRITICAL: N_("Critical"),
    },
    "assignment": {AssignmentRole.CASEWORKER: N_("Caseworker"), AssignmentRole.SUPERVISOR: N_("Supervisor")},
    "member": {
        MemberRole.PRIMARY: N_("Person of concern"),
        MemberRole.CAREGIVER: N_("Caregiver"),
        MemberRole.FAMILY: N_("Family member"),
    },
    "approval": {
        ApprovalStatus.SUBMITTED: N_("Awaiting approval"),
        ApprovalStatus.APPROVED: N_("Approved"),
        ApprovalStatus.RETURNED: N_("Returned for revision"),
    },
    "bid_decision": {
        BidDecision.FAMILY_REUNIFICATION: N_("Family reunification"),
        BidDecision.VOLUNTARY_REPATRIATION: N_("Voluntary repatriation"),
        BidDecision.LOCAL_INTEGRATION: N_("Local integration"),
        BidDecision.RESETTLEMENT: N_("Resettlement"),
        BidDecision.ALTERNATIVE_CARE: N_("Alternative care"),
        BidDecision.OTHER: N_("Other"),
    },
    "task_status": {
        TaskStatus.OPEN: N_("Open"),
        TaskStatus.DONE: N_("Done"),
        TaskStatus.CANCELLED: N_("Cancelled"),
    },
    "service_type": {
        ServiceType.HEALTH: N_("Health"),
        ServiceType.PSYCHOSOCIAL: N_("Psychosocial support"),
        ServiceType.LEGAL: N_("Legal aid"),
        ServiceType.SAFE_SHELTER: N_("Safe shelter"),
        ServiceType.CHILD_PROTECTION_AUTHORITY: N_("Child-protection authority"),
        ServiceType.EDUCATION: N_("Education"),
        ServiceType.LIVELIHOODS: N_("Livelihoods"),
        ServiceType.BASIC_NEEDS: N_("Basic needs"),
        ServiceType.REHABILITATION: N_("Rehabilitation"),
        ServiceType.OTHER: N_("Other"),
    },
    "org_kind": {
        OrganisationKind.UN_AGENCY: N_("UN agency"),
        OrganisationKind.INTERNATIONAL_NGO: N_("International NGO"),
        OrganisationKind.NATIONAL_NGO: N_("National NGO"),
        OrganisationKind.GOVERNMENT: N_("Government"),
        OrganisationKind.COMMUNITY_BASED: N_("Community-based organisation"),
    },
    "urgency": {
        Urgency.URGENT: N_("Urgent (24 hours)"),
        Urgency.HIGH: N_("High (72 hours)"),
        Urgency.NORMAL: N_("Normal (5 days)"),
    },
    "referral_status": {
        ReferralStatus.SENT: N_("Sent"),
        ReferralStatus.ACCEPTED: N_("Accepted"),
        ReferralStatus.REJECTED: N_("Declined"),
        ReferralStatus.COMPLETED: N_("Completed"),
        ReferralStatus.REVOKED: N_("Revoked"),
    },
    "consent_by": {
        ConsentBy.PERSON: N_("The person"),
        ConsentBy.CAREGIVER: N_("The caregiver"),
        ConsentBy.BEST_INTERESTS: N_("Best-interests note"),
    },
    "shared_field": {
        SharedField.GIVEN_NAME: N_("Given name"),
        SharedField.FAMILY_NAME: N_("Family name"),
        SharedField.SEX: N_("Sex"),
        SharedField.AGE: N_("Age"),
        SharedField.DATE_OF_BIRTH: N_("Date of birth"),
        SharedField.PHONE: N_("Phone"),
        SharedField.LANGUAGES: N_("Languages"),
        SharedField.NATIONALITY: N_("Nationality"),
        SharedField.SITE: N_("Site"),
        SharedField.SPECIFIC_NEEDS: N_("Specific needs"),
    },
}

NOTICES = {
    "opened": N_("The case was opened."),
    "saved": N_("Saved."),
    "assigned": N_("The assignment was saved."),
    "referred": N_("The referral was sent."),
    "answered": N_("Your answer was sent to the referring worker."),
    "directory": N_("The directory was updated."),
}
