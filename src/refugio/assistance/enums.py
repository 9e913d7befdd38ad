"""Assistance vocabularies: programme kinds, cycle, plan and payment statuses. Imports nothing."""

from __future__ import annotations

from enum import StrEnum


class ProgrammeKind(StrEnum):
    CASH = "cash"
    VOUCHER = "voucher"
    IN_KIND = "in_kind"
    SERVICE = "service"


class CycleStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    FINISHED = "finished"


class PlanStatus(StrEnum):
    OPEN = "open"
    LOCKED = "locked"
    IN_APPROVAL = "in_approval"
    AUTHORISED = "authorised"
    RELEASED = "released"
    RECONCILED = "reconciled"
    CLOSED = "closed"
    ABORTED = "aborted"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"
    NOT_DELIVERED = "not_delivered"
    ERRONEOUS = "erroneous"


# a final payment is never changed by a later report (its rows are skipped and reported)
FINAL_PAYMENT_STATUSES = frozenset({PaymentStatus.DELIVERED, PaymentStatus.ERRONEOUS})


class CollectorRole(StrEnum):
    FOCAL_POINT = "focal_point"
    ALTERNATE = "alternate"


class ComplaintChannel(StrEnum):
    DESK = "desk"
    PHONE = "phone"
    HOTLINE = "hotline"
    WEB_FORM = "web_form"
    PDM = "pdm"


class ComplaintCategory(StrEnum):
    TARGETING = "targeting"
    AMOUNT = "amount"
    DELAY = "delay"
    NOT_RECEIVED = "not_received"
    SERVICE_QUALITY = "service_quality"
    INFORMATION = "information"
    STAFF_CONDUCT = "staff_conduct"
    SEA = "sea"  # sexual exploitation and abuse: sensitive
    STAFF_FRAUD = "staff_fraud"  # fraud by staff: sensitive
    OTHER = "other"


SENSITIVE_CATEGORIES = frozenset({ComplaintCategory.SEA, ComplaintCategory.STAFF_FRAUD})


class ComplaintPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# service level: hours to close a complaint of each priority
SLA_HOURS = {"low": 24 * 14, "normal": 24 * 7, "high": 72, "urgent": 24}


class ComplaintStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class PdmOutcomeKind(StrEnum):
    RECEIVED = "received"
    NOT_RECEIVED = "not_received"
    RECEIVED_WITH_ISSUES = "received_with_issues"
