"""The permission catalogue (AREA_VERB) and the roles that bundle permissions.

A role is granted to a user for a scope: everywhere (administrators), one operation, or one site.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    OPERATION_VIEW = "OPERATION_VIEW"
    OPERATION_MANAGE = "OPERATION_MANAGE"
    HOUSEHOLD_VIEW = "HOUSEHOLD_VIEW"
    HOUSEHOLD_CREATE = "HOUSEHOLD_CREATE"
    HOUSEHOLD_UPDATE = "HOUSEHOLD_UPDATE"
    INDIVIDUAL_VIEW = "INDIVIDUAL_VIEW"
    INDIVIDUAL_UPDATE = "INDIVIDUAL_UPDATE"
    SEARCH_RUN = "SEARCH_RUN"
    DOCUMENT_VIEW = "DOCUMENT_VIEW"
    DOCUMENT_CREATE = "DOCUMENT_CREATE"
    NEEDS_VIEW = "NEEDS_VIEW"
    NEEDS_FLAG = "NEEDS_FLAG"
    NEEDS_SENSITIVE_VIEW = "NEEDS_SENSITIVE_VIEW"  # SV, TR and the sensitive LP/CR codes
    NEEDS_SENSITIVE_FLAG = "NEEDS_SENSITIVE_FLAG"
    EVENT_RECORD = "EVENT_RECORD"  # births, deaths, marriages, address/status/household changes
    CERTIFICATE_ISSUE = "CERTIFICATE_ISSUE"
    CERTIFICATE_REVOKE = "CERTIFICATE_REVOKE"
    USER_VIEW = "USER_VIEW"
    USER_MANAGE = "USER_MANAGE"
    AUDIT_VIEW = "AUDIT_VIEW"
    AUDIT_VERIFY = "AUDIT_VERIFY"
    STATS_VIEW = "STATS_VIEW"
    DEDUP_VIEW = "DEDUP_VIEW"
    DEDUP_DECIDE = "DEDUP_DECIDE"
    # protection case management (refugio.protection): see the block at the end of this module
    CASE_VIEW = "CASE_VIEW"  # the list of the cases one is assigned to (details: only if assigned)
    CASE_MANAGE = "CASE_MANAGE"  # open cases, work on the cases one is assigned to
    CASE_SUPERVISE = (
        "CASE_SUPERVISE"  # assign workers, approve BIA/BID/closure, the operation's case register
    )
    REFERRAL_RECEIVE = "REFERRAL_RECEIVE"  # act on referrals to a service one is a member of
    SERVICE_DIRECTORY_MANAGE = "SERVICE_DIRECTORY_MANAGE"  # organisations, services, their members
    # family tracing and reunification (refugio.protection.tracing)
    TRACING_VIEW = "TRACING_VIEW"
    TRACING_MANAGE = "TRACING_MANAGE"
    # responsibility sharing (refugio.sharing): keys, indicators, pledges
    SHARING_VIEW = "SHARING_VIEW"
    SHARING_MANAGE = "SHARING_MANAGE"
    # displacement and flow tracking, incidents in transit (refugio.tracking)
    TRACKING_VIEW = "TRACKING_VIEW"
    TRACKING_MANAGE = "TRACKING_MANAGE"  # import DTM / MMP files, edit sites
    TRACKING_SHARE = "TRACKING_SHARE"  # hand tracking exports to partners
    # assistance and cash (refugio.assistance): see the block at the end of this module
    ASSISTANCE_VIEW = "ASSISTANCE_VIEW"
    ASSISTANCE_PLAN = "ASSISTANCE_PLAN"  # programmes, cycles, rules, lists, payment plans (the preparer)
    ASSISTANCE_APPROVE = "ASSISTANCE_APPROVE"  # approve or reject a payment plan (never one's own)
    ASSISTANCE_RELEASE = "ASSISTANCE_RELEASE"  # release an authorised plan (neither preparer nor approver)
    ASSISTANCE_DISTRIBUTE = "ASSISTANCE_DISTRIBUTE"  # the point-of-service desk
    ASSISTANCE_RECONCILE = "ASSISTANCE_RECONCILE"  # import the provider's reports
    ASSISTANCE_COMPLAINT = "ASSISTANCE_COMPLAINT"
    ASSISTANCE_COMPLAINT_SENSITIVE = "ASSISTANCE_COMPLAINT_SENSITIVE"  # SEA, fraud by staff
    # durable solutions (refugio.solutions): see the block at the end of this module
    SOLUTIONS_VIEW = "SOLUTIONS_VIEW"  # claims register (metadata), matching runs, figures
    RSD_PROCESS = "RSD_PROCESS"  # open claims, schedule and hold interviews, assess (assigned claims)
    RSD_DECIDE = "RSD_DECIDE"  # decide claims one is assigned to (first instance or appeal)
    RSD_REVIEW = "RSD_REVIEW"  # second-officer review; assign officers
    RESETTLEMENT_MANAGE = "RESETTLEMENT_MANAGE"
    RETURN_MANAGE = "RETURN_MANAGE"  # return surveys, go-and-see visits, returns, reintegration monitoring
    MATCHING_RUN = "MATCHING_RUN"  # propose matching runs and change proposed placements
    MATCHING_CONFIRM = "MATCHING_CONFIRM"  # review and confirm placements
    # data protection (refugio.dataprotection): retention rules, legal holds
    RETENTION_VIEW = "RETENTION_VIEW"  # the rules, the reports of the runs, the holds (no personal data)
    RETENTION_RUN = "RETENTION_RUN"  # run the retention rules (everywhere only)
    LEGAL_HOLD_MANAGE = "LEGAL_HOLD_MANAGE"  # place and lift legal holds (everywhere only)
    # data-sharing agreements (refugio.agreements): see the block at the end of this module
    AGREEMENT_VIEW = "AGREEMENT_VIEW"
    AGREEMENT_MANAGE = "AGREEMENT_MANAGE"  # record agreements, suspend or end them (the DPO)
    DATA_SHARE = "DATA_SHARE"  # export personal data to a partner under an agreement in force
    PARTNER_REGISTRY_SEARCH = "PARTNER_REGISTRY_SEARCH"  # a partner's "is this person registered?"
    # data protection registers (refugio.dataprotection): breaches, processing activities and DPIAs
    BREACH_MANAGE = "BREACH_MANAGE"  # read and record breaches, the people affected, notifications
    DPIA_MANAGE = "DPIA_MANAGE"  # the register of processing activities and their DPIAs (write, submit)
    DPIA_APPROVE = "DPIA_APPROVE"  # approve a DPIA someone else wrote
    # data subject rights (refugio.dataprotection.rights): see the block at the end of this module
    RIGHTS_VIEW = "RIGHTS_VIEW"  # the register of requests: references, kinds, states, deadlines
    RIGHTS_MANAGE = "RIGHTS_MANAGE"  # record and handle requests: access reports, corrections (everywhere)
    RIGHTS_ERASE = "RIGHTS_ERASE"  # carry out an erasure (everywhere only)


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    REGISTRATION_CLERK = "registration_clerk"
    PROTECTION_OFFICER = "protection_officer"
    IM_OFFICER = "im_officer"
    VIEWER = "viewer"
    PROTECTION_SUPERVISOR = "protection_supervisor"
    SERVICE_PROVIDER = "service_provider"
    PROGRAMME_OFFICER = "programme_officer"
    FINANCE_APPROVER = "finance_approver"
    FINANCE_RELEASER = "finance_releaser"
    DISTRIBUTION_CLERK = "distribution_clerk"
    ACCOUNTABILITY_OFFICER = "accountability_officer"
    RSD_OFFICER = "rsd_officer"
    RSD_SUPERVISOR = "rsd_supervisor"
    RESETTLEMENT_OFFICER = "resettlement_officer"
    DATA_PROTECTION_OFFICER = "data_protection_officer"
    PARTNER = "partner"


P = Permission

_VIEW = {P.OPERATION_VIEW, P.HOUSEHOLD_VIEW, P.INDIVIDUAL_VIEW, P.SEARCH_RUN, P.NEEDS_VIEW, P.DOCUMENT_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.REGISTRATION_CLERK: frozenset(
        _VIEW
        | {
            P.HOUSEHOLD_CREATE,
            P.HOUSEHOLD_UPDATE,
            P.INDIVIDUAL_UPDATE,
            P.DOCUMENT_CREATE,
            P.NEEDS_FLAG,
            P.EVENT_RECORD,
            P.CERTIFICATE_ISSUE,
        }
    ),
    Role.PROTECTION_OFFICER: frozenset(
        _VIEW
        | {
            P.NEEDS_FLAG,
            P.NEEDS_SENSITIVE_VIEW,
            P.NEEDS_SENSITIVE_FLAG,
            P.EVENT_RECORD,
            P.CERTIFICATE_REVOKE,
        }
        | {P.TRACING_VIEW, P.TRACING_MANAGE}  # family tracing
    ),
    Role.IM_OFFICER: frozenset(_VIEW | {P.STATS_VIEW, P.DEDUP_VIEW, P.DEDUP_DECIDE, P.AUDIT_VIEW}),
    Role.VIEWER: frozenset(_VIEW),
}

ROLE_LABELS: dict[Role, str] = {
    Role.ADMINISTRATOR: "Administrator",
    Role.REGISTRATION_CLERK: "Registration clerk",
    Role.PROTECTION_OFFICER: "Protection officer",
    Role.IM_OFFICER: "Information management officer",
    Role.VIEWER: "Viewer",
}


# --- protection case management (refugio.protection) ------------------------------------------------
# Holding a CASE_* permission is necessary, not sufficient: a case's details are readable only by the
# users assigned to it (refugio.protection.policy), so administrators, who hold every permission, see
# case metadata only unless they are assigned.

_CASEWORK = frozenset({P.CASE_VIEW, P.CASE_MANAGE})
ROLE_PERMISSIONS[Role.PROTECTION_OFFICER] = ROLE_PERMISSIONS[Role.PROTECTION_OFFICER] | _CASEWORK
ROLE_PERMISSIONS[Role.PROTECTION_SUPERVISOR] = ROLE_PERMISSIONS[Role.PROTECTION_OFFICER] | {
    P.CASE_SUPERVISE,
    P.SERVICE_DIRECTORY_MANAGE,
}
ROLE_PERMISSIONS[Role.SERVICE_PROVIDER] = frozenset({P.OPERATION_VIEW, P.REFERRAL_RECEIVE})
ROLE_LABELS[Role.PROTECTION_SUPERVISOR] = "Protection supervisor"
ROLE_LABELS[Role.SERVICE_PROVIDER] = "Service provider (referral recipient)"


# --- responsibility sharing (refugio.sharing) ----------------------------------------------------------
# Information management officers prepare keys, indicators and the pledge ledger; viewers read them.
ROLE_PERMISSIONS[Role.IM_OFFICER] = ROLE_PERMISSIONS[Role.IM_OFFICER] | {P.SHARING_VIEW, P.SHARING_MANAGE}
ROLE_PERMISSIONS[Role.VIEWER] = ROLE_PERMISSIONS[Role.VIEWER] | {P.SHARING_VIEW}
# --- displacement and flow tracking (refugio.tracking) -----------------------------------------------
# Aggregate data only (no person): information management officers import and edit, viewers read.
_TRACKING = frozenset({P.TRACKING_VIEW, P.TRACKING_MANAGE, P.TRACKING_SHARE})
ROLE_PERMISSIONS[Role.IM_OFFICER] = ROLE_PERMISSIONS[Role.IM_OFFICER] | _TRACKING
ROLE_PERMISSIONS[Role.VIEWER] = ROLE_PERMISSIONS[Role.VIEWER] | {P.TRACKING_VIEW}
# --- assistance and cash (refugio.assistance) -------------------------------------------------------
# Segregation of duties is enforced per plan by refugio.assistance (the preparer, the approvers and the
# releaser are different people), whatever permissions one holds.

ROLE_PERMISSIONS[Role.PROGRAMME_OFFICER] = frozenset(
    _VIEW | {P.ASSISTANCE_VIEW, P.ASSISTANCE_PLAN, P.ASSISTANCE_RECONCILE, P.ASSISTANCE_COMPLAINT}
)
ROLE_PERMISSIONS[Role.FINANCE_APPROVER] = frozenset(
    {P.OPERATION_VIEW, P.ASSISTANCE_VIEW, P.ASSISTANCE_APPROVE}
)
ROLE_PERMISSIONS[Role.FINANCE_RELEASER] = frozenset(
    {P.OPERATION_VIEW, P.ASSISTANCE_VIEW, P.ASSISTANCE_RELEASE}
)
ROLE_PERMISSIONS[Role.DISTRIBUTION_CLERK] = frozenset(
    _VIEW | {P.ASSISTANCE_VIEW, P.ASSISTANCE_DISTRIBUTE, P.ASSISTANCE_COMPLAINT}
)
ROLE_PERMISSIONS[Role.ACCOUNTABILITY_OFFICER] = frozenset(
    {P.OPERATION_VIEW, P.ASSISTANCE_VIEW, P.ASSISTANCE_COMPLAINT, P.ASSISTANCE_COMPLAINT_SENSITIVE}
)
ROLE_LABELS[Role.ACCOUNTABILITY_OFFICER] = "Accountability officer (sensitive complaints)"
ROLE_LABELS[Role.PROGRAMME_OFFICER] = "Programme officer (assistance)"
ROLE_LABELS[Role.FINANCE_APPROVER] = "Finance approver (payment plans)"
ROLE_LABELS[Role.FINANCE_RELEASER] = "Finance releaser (payment plans)"
ROLE_LABELS[Role.DISTRIBUTION_CLERK] = "Distribution clerk (desk)"
# --- durable solutions (refugio.solutions) ----------------------------------------------------------
# An RSD file is read only by the staff assigned to the claim (refugio.solutions.policy), like a
# protection case: holding RSD_* is necessary, not sufficient.

_SOLUTIONS_VIEW = _VIEW | {P.SOLUTIONS_VIEW}
ROLE_PERMISSIONS[Role.RSD_OFFICER] = frozenset(_SOLUTIONS_VIEW | {P.RSD_PROCESS, P.RSD_DECIDE})
ROLE_PERMISSIONS[Role.RSD_SUPERVISOR] = frozenset(
    _SOLUTIONS_VIEW | {P.RSD_PROCESS, P.RSD_DECIDE, P.RSD_REVIEW}
)
ROLE_PERMISSIONS[Role.RESETTLEMENT_OFFICER] = frozenset(
    _SOLUTIONS_VIEW | {P.RESETTLEMENT_MANAGE, P.MATCHING_RUN, P.MATCHING_CONFIRM, P.RETURN_MANAGE}
)
ROLE_LABELS[Role.RSD_OFFICER] = "RSD officer"
ROLE_LABELS[Role.RSD_SUPERVISOR] = "RSD supervisor (second-officer review)"
ROLE_LABELS[Role.RESETTLEMENT_OFFICER] = "Resettlement officer"
ROLE_PERMISSIONS[Role.IM_OFFICER] = ROLE_PERMISSIONS[Role.IM_OFFICER] | {P.SOLUTIONS_VIEW}  # runs, figures
# --- data-sharing agreements (refugio.agreements) ----------------------------------------------------
# The data protection officer records and ends agreements; information management officers share under
# them; a partner's account holds only the registry search, answered within its agreement.
ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] = frozenset(
    {P.OPERATION_VIEW, P.AGREEMENT_VIEW, P.AGREEMENT_MANAGE, P.AUDIT_VIEW}
)
ROLE_PERMISSIONS[Role.PARTNER] = frozenset({P.PARTNER_REGISTRY_SEARCH})
ROLE_PERMISSIONS[Role.IM_OFFICER] = ROLE_PERMISSIONS[Role.IM_OFFICER] | {P.AGREEMENT_VIEW, P.DATA_SHARE}
ROLE_LABELS[Role.PARTNER] = "Partner (registry search under an agreement)"
# --- data protection (refugio.dataprotection) ---------------------------------------------------------
# The data protection officer also runs the retention rules, places legal holds and verifies the audit
# log; no permission to read people or cases (the reports and holds carry references and counts only).
ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] = ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] | {
    P.RETENTION_VIEW,
    P.RETENTION_RUN,
    P.LEGAL_HOLD_MANAGE,
    P.AUDIT_VERIFY,
}
ROLE_LABELS[Role.DATA_PROTECTION_OFFICER] = (
    "Data protection officer (agreements, retention, legal holds, data subject requests, breaches, DPIA)"
)
# --- data protection registers (refugio.dataprotection) -------------------------------------------------
# Breaches (with the people affected, found from the audit log) and DPIAs are the data protection
# officer's: read and written by that role (and administrators) only, whatever the grant's scope.
ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] = ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] | {
    P.BREACH_MANAGE,
    P.DPIA_MANAGE,
    P.DPIA_APPROVE,
}
# --- data subject rights (refugio.dataprotection.rights) -------------------------------------------------
# The data protection officer handles requests of access, correction and erasure; handling one reads (and,
# for a correction, changes) that one person's record, audited, through the request (decision 0017).
ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] = ROLE_PERMISSIONS[Role.DATA_PROTECTION_OFFICER] | {
    P.RIGHTS_VIEW,
    P.RIGHTS_MANAGE,
    P.RIGHTS_ERASE,
}
