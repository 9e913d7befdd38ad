"""Code lists of family tracing (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class RequestStatus(StrEnum):
    """open → matching → candidate_found → verification → reunification → closed | closed_not_found."""

    OPEN = "open"
    MATCHING = "matching"  # searched; no candidate to review at the moment
    CANDIDATE_FOUND = "candidate_found"  # candidates wait for review
    VERIFICATION = "verification"  # a candidate was confirmed at review: verification interview next
    REUNIFICATION = "reunification"  # verified (both sides agree): reunification being arranged
    CLOSED = "closed"
    CLOSED_NOT_FOUND = "closed_not_found"


OPEN_STATUSES = frozenset(
    {
        RequestStatus.OPEN,
        RequestStatus.MATCHING,
        RequestStatus.CANDIDATE_FOUND,
        RequestStatus.VERIFICATION,
        RequestStatus.REUNIFICATION,
    }
)
CLOSED_STATUSES = frozenset({RequestStatus.CLOSED, RequestStatus.CLOSED_NOT_FOUND})


class SoughtRelationship(StrEnum):
    """What the sought person is to the enquirer ("child": the enquirer's son or daughter)."""

    CHILD = "child"
    PARENT = "parent"
    SPOUSE = "spouse"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    GRANDPARENT = "grandparent"
    UNCLE_AUNT = "uncle_aunt"
    NEPHEW_NIECE = "nephew_niece"
    COUSIN = "cousin"
    OTHER_RELATIVE = "other_relative"
    NOT_RELATED = "not_related"


# the reverse relationship: if B is A's child, A is B's parent
RECIPROCAL_RELATIONSHIP: dict[str, str] = {
    "child": "parent",
    "parent": "child",
    "spouse": "spouse",
    "sibling": "sibling",
    "grandchild": "grandparent",
    "grandparent": "grandchild",
    "uncle_aunt": "nephew_niece",
    "nephew_niece": "uncle_aunt",
    "cousin": "cousin",
    "other_relative": "other_relative",
    "not_related": "not_related",
}


class CandidateKind(StrEnum):
    REGISTERED = "registered"  # a registered individual
    ENQUIRER = "enquirer"  # the enquirer of another tracing request (someone looking for the enquirer)
    SOUGHT = "sought"  # a person sought by another request (two families looking for the same person)


class CandidateStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # confirmed at review: goes to verification
    VERIFIED = "verified"  # verification interview: both sides agree
    REJECTED = "rejected"  # not the person (at review or at verification); never raised again
    WITHDRAWN = "withdrawn"  # consent of one side withdrawn: hidden


class EventType(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    MATCHED = "matched"
    CANDIDATE_CONFIRMED = "candidate_confirmed"
    CANDIDATE_REJECTED = "candidate_rejected"
    VERIFICATION = "verification"
    REUNIFICATION = "reunification"
    CLOSED = "closed"
    CLOSED_NOT_FOUND = "closed_not_found"
    REOPENED = "reopened"


class ReunificationOutcome(StrEnum):
    REUNIFIED = "reunified"  # the family is together again
    CONTACT_RESTORED = "contact_restored"  # in contact, living apart (e.g. another country)
    DECLINED = "declined"  # one side did not want reunification
    OTHER = "other"
