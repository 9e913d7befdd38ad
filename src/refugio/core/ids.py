"""Identifiers: internal UUIDs and human-readable references. Imports nothing from refugio.

Internal ids are time-ordered UUIDs (version 7, RFC 9562: 48 bits of Unix milliseconds, then 74
random bits): rows created together sit together in every B-tree index on an id, so a bulk
registration of a million people appends to the indexes instead of writing all over them
(docs/decisions/0005-time-ordered-ids.md). They say when a record was created, to the millisecond,
and nothing else; 74 random bits keep them unguessable.

Households get `OPC-YY-NNNNNN` (operation code, two-digit year of registration, sequence), e.g.
`JOR-26-000123`; individuals get the household reference plus a two-digit member number,
`JOR-26-000123-02`, which they keep if they later move to another household.
"""

from __future__ import annotations

import os
import re
import time
import uuid

HOUSEHOLD_REF = re.compile(r"^[A-Z]{3}-\d{2}-\d{6,}$")
INDIVIDUAL_REF = re.compile(r"^[A-Z]{3}-\d{2}-\d{6,}-\d{2,}$")


_MS = (1 << 48) - 1
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1


def new_id() -> uuid.UUID:
    """A new internal identifier: a UUID version 7 (time-ordered, random below the millisecond)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (ms & _MS) << 80
        | 0x7 << 76  # version
        | ((rand >> 62) & _RAND_A) << 64
        | 0b10 << 62  # RFC 9562 variant
        | (rand & _RAND_B)
    )
    return uuid.UUID(int=value)


def household_ref(operation_code: str, year: int, seq: int) -> str:
    return f"{operation_code.upper()}-{year % 100:02d}-{seq:06d}"


def individual_ref(household: str, member_no: int) -> str:
    return f"{household}-{member_no:02d}"


def looks_like_ref(text: str) -> bool:
    t = text.strip().upper()
    return bool(HOUSEHOLD_REF.match(t) or INDIVIDUAL_REF.match(t))
