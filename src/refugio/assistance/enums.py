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
