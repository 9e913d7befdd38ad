"""The processing activities refugio itself performs, as a first register of processing activities
(`refugio demo`, or `refugio dpia seed` on a new installation): a DPO starts from something true and
adapts it (the legal bases and retention follow refugio's defaults, docs/decisions 0013 and 0014)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.dataprotection import dpia
from refugio.dataprotection.register_models import ProcessingActivity
from refugio.dataprotection.register_schemas import ActivityCreate
from refugio.security.principals import Principal

_REFUGEES = ["refugees", "asylum-seekers", "other persons of concern", "their family members"]
_IDENTITY = [
    "identity (names, sex, date of birth)",
    "nationality",
    "household composition",
    "contact (phone)",
]

REFUGIO_ACTIVITIES: tuple[ActivityCreate, ...] = (
    ActivityCreate(
        code="REG",
        name="Registration and identity management",
        purpose="Register people and households, issue documents and certificates, keep records current.",
        legal_basis="vital_interest",
        data_categories=[
            *_IDENTITY,
            "identity documents",
            "specific needs (incl. sensitive)",
            "legal status",
        ],
        data_subjects=_REFUGEES,
        recipients=["registration staff of the operation", "partners under a data-sharing agreement"],
        retention="departed people: 5 years after departure; deceased: 2 years after death",
        systems=["refugio registry (web, API, CLI)", "imports (CSV, XLSX, ODK/Kobo OpenRosa)"],
    ),
    ActivityCreate(
        code="DEDUP",
        name="Deduplication",
        purpose="Find people registered twice (fuzzy names, dates of birth, documents) and merge them.",
        legal_basis="legitimate_interest",
        data_categories=_IDENTITY,
        data_subjects=_REFUGEES,
        recipients=["information management officers"],
        retention="with the registration record",
        systems=["refugio dedup (blocking keys, scores)"],
    ),
    ActivityCreate(
        code="PROT",
        name="Protection case management",
        purpose="Assess and respond to protection risks, child protection and GBV; refer to services.",
        legal_basis="vital_interest",
        data_categories=["case narratives (encrypted)", "GBV and child protection details", "referrals"],
        data_subjects=["survivors", "children at risk", "people with specific needs"],
        recipients=["assigned caseworkers", "service providers on referral (with consent)"],
        retention="closed cases: narratives dropped 7 years after closure",
        systems=["refugio protection (access by assignment only)"],
    ),
    ActivityCreate(
        code="TRACE",
        name="Family tracing and reunification",
        purpose="Trace family members separated by displacement and reunite them.",
        legal_basis="vital_interest",
        data_categories=[*_IDENTITY, "tracing details (encrypted)", "last known locations"],
        data_subjects=["separated and unaccompanied children", "family members sought"],
        recipients=["protection officers", "tracing partners under an agreement"],
        retention="with the case; tracing requests closed after reunification",
        systems=["refugio tracing (matching)"],
    ),
    ActivityCreate(
        code="ASSIST",
        name="Assistance and cash",
        purpose="Target, plan and deliver assistance and cash; reconcile payments; handle complaints.",
        legal_basis="public_interest",
        data_categories=[*_IDENTITY, "entitlements", "payment details", "complaints (incl. SEA, encrypted)"],
        data_subjects=_REFUGEES,
        recipients=["financial service providers (payment lists only)", "programme staff"],
        retention="with the registration record; payment files per the donor's audit period",
        systems=["refugio assistance", "encrypted payment archives"],
    ),
    ActivityCreate(
        code="SHARE",
        name="Data sharing with partners",
        purpose="Share the minimum data a partner needs for an agreed purpose; answer registry checks.",
        legal_basis="consent",
        data_categories=["the fields an agreement allows"],
        data_subjects=["people who consented to the agreement's purpose"],
        recipients=["partners named in data-sharing agreements"],
        retention="as each agreement sets (retention at the partner)",
        systems=["refugio agreements (manifests, audited shares)", "partner registry search"],
    ),
    ActivityCreate(
        code="STATS",
        name="Statistics",
        purpose="Produce population figures and anonymised microdata for planning and reporting.",
        legal_basis="public_interest",
        data_categories=["aggregates by age, sex, origin, site", "k-anonymised microdata"],
        data_subjects=_REFUGEES,
        recipients=["public and donors (aggregates with disclosure control)"],
        retention="figures kept; microdata extracts not stored",
        systems=["refugio stats (disclosure control)"],
    ),
)


def seed_activities(session: Session, *, actor: Principal) -> int:
    """Record the activities of REFUGIO_ACTIVITIES not yet in the register; returns how many."""
    have = set(session.scalars(select(ProcessingActivity.code)))
    added = 0
    for activity in REFUGIO_ACTIVITIES:
        if activity.code not in have:
            dpia.record_activity(session, actor=actor, data=activity)
            added += 1
    return added
