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


_UUID_NEW = object.__new__
_UUID_SET = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def _uuid_of(value: int) -> uuid.UUID:
    """`uuid.UUID(int=value)` for a value known to be a 128-bit version 7 UUID, without the constructor's
    argument checks (a third of the cost of an id made in bulk). Checked against the constructor when
    this module is imported."""
    made = _UUID_NEW(uuid.UUID)
    _UUID_SET(made, "int", value)
    _UUID_SET(made, "is_safe", _UNKNOWN)
    return made


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` new internal identifiers (as `new_id`), made together: one clock reading and one read of
    the random source for all of them (bulk writes make hundreds of thousands)."""
    head = ((time.time_ns() // 1_000_000) & _MS) << 80 | 0x7 << 76 | 0b10 << 62
    raw = os.urandom(10 * count)
    take = int.from_bytes
    out: list[uuid.UUID] = []
    for start in range(0, 10 * count, 10):
        rand = take(raw[start : start + 10], "big")
        out.append(_uuid_of(head | ((rand >> 62) & _RAND_A) << 64 | (rand & _RAND_B)))
    return out


_probe = new_id().int
if _uuid_of(_probe) != uuid.UUID(int=_probe) or str(_uuid_of(_probe)) != str(uuid.UUID(int=_probe)):
    raise RuntimeError("refugio.core.ids: this Python's uuid.UUID is not built as expected")


def household_ref(operation_code: str, year: int, seq: int) -> str:
    return f"{operation_code.upper()}-{year % 100:02d}-{seq:06d}"


def individual_ref(household: str, member_no: int) -> str:
    return f"{household}-{member_no:02d}"


def looks_like_ref(text: str) -> bool:
    t = text.strip().upper()
    return bool(HOUSEHOLD_REF.match(t) or INDIVIDUAL_REF.match(t))
