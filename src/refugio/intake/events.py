"""The events intake publishes on `refugio.core.events.bus` (wired by refugio.main to deduplication).
Frozen dataclasses of ids and plain data; a handler gets the publisher's session as its second
argument, and reads what it needs through `refugio.intake.service` (`screening_records`,
`committed_people`, `flagged_people`).

- `ImportScreening`: a batch has been validated. A handler reads its new people
  (`service.screening_records(session, batch_id=…)`, in the shape of the `refugio dedup link` input)
  and calls `event.flag(record_id, message)` for possible duplicates (shown as warnings; presumption
  of innocence: they are still registered), or raises a RefugioError to block the whole batch (e.g.
  half the batch looks duplicated).
- `ImportCommitted`: a batch has been committed; `service.committed_people` yields the ids of the
  people registered or updated, `service.flagged_people` those whose rows screening flagged, for
  linkage against the registry (the review queue).

Imports nothing from refugio but core.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass
class ScreeningFlags:
    """What screening handlers found: staged row id → [(message, code)], a warning each."""

    by_row: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportScreening:
    """A validated import batch whose new people are offered to screening before review."""

    batch_id: uuid.UUID
    operation_id: uuid.UUID
    flags: ScreeningFlags = field(default_factory=ScreeningFlags)

    def flag(self, record_id: str, message: str, code: str = "possible_duplicate") -> None:
        """Mark a record (`row:<staged row id>`) as a possible duplicate: a warning on its row; the
        person is still registered."""
        rid = int(record_id.removeprefix("row:"))
        self.flags.by_row.setdefault(rid, []).append((message, code))


@dataclass(frozen=True)
class ImportCommitted:
    """An import batch committed to the registry (in the publisher's transaction)."""

    batch_id: uuid.UUID
    operation_id: uuid.UUID


__all__ = ["ImportCommitted", "ImportScreening", "ScreeningFlags"]
