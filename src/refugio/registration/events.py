"""The events registration publishes on `refugio.core.events.bus` (wired by refugio.main): frozen
dataclasses of ids and plain data; a handler gets the publisher's session as its second argument.

- `HouseholdRegistered`: one household has just been registered with its members (the desk form, the API,
  the command line), in the publisher's transaction. Deduplication links its members against the
  registry, so the pairs they form land in the review queue in the same request. Bulk registration (an
  import) publishes intake's `ImportCommitted` instead.

Imports nothing from refugio.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class HouseholdRegistered:
    """A household registered (in the publisher's transaction); its members in the order given."""

    household_id: uuid.UUID
    operation_id: uuid.UUID
    member_ids: tuple[uuid.UUID, ...]


__all__ = ["HouseholdRegistered"]
