"""Identifiers: internal UUIDs and human-readable references. Imports nothing from refugio.

Households get `OPC-YY-NNNNNN` (operation code, two-digit year of registration, sequence), e.g.
`JOR-26-000123`; individuals get the household reference plus a two-digit member number,
`JOR-26-000123-02`, which they keep if they later move to another household.
"""

from __future__ import annotations

import re
import uuid

HOUSEHOLD_REF = re.compile(r"^[A-Z]{3}-\d{2}-\d{6,}$")
INDIVIDUAL_REF = re.compile(r"^[A-Z]{3}-\d{2}-\d{6,}-\d{2,}$")


def new_id() -> uuid.UUID:
    """A new random internal identifier."""
    return uuid.uuid4()


def household_ref(operation_code: str, year: int, seq: int) -> str:
    return f"{operation_code.upper()}-{year % 100:02d}-{seq:06d}"


def individual_ref(household: str, member_no: int) -> str:
    return f"{household}-{member_no:02d}"


def looks_like_ref(text: str) -> bool:
    t = text.strip().upper()
    return bool(HOUSEHOLD_REF.match(t) or INDIVIDUAL_REF.match(t))
