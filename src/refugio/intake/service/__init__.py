"""Intake writes: stage → validate → review → commit (or refuse). Keyword-only arguments; they flush,
never commit: the caller's unit of work commits (see pipeline.py for the driver that stages a large
file in several units of work so that progress shows and memory stays flat).

- `start_batch` opens a batch; `stage` adds rows (values already read and mapped), each with its
  per-field errors, its keys and whether its person is already registered from this source, in one
  set-based insert per chunk (`store.bulk`: COPY on PostgreSQL). (`batches`, `staging`)
- `validate_page` / `finish_validation` rebuild households from the staged rows (whatever their order
  in the file), check them with the registration rules and against the registry, and compute for each
  re-imported person what would change. Then the batch is `ready` for review. Pages of households are
  read with one Core query (no ORM objects) and their registry context with a few batched queries.
  (`validation`, `registry`, `screening`)
- `commit_batch` registers every valid new household through `registration.service.register_households`
  and applies the changes of re-imported people through the registration event functions
  (`update_individual`, `change_status`, `change_address`, `add_document`, `flag_need`), all in the
  caller's ONE transaction: any failure leaves nothing. The same row imported again changes nothing.
  (`commit`)
- `refuse_batch` deletes the staged rows: nothing of the batch reaches the registry. (`batches`)

Deduplication hook (wired by refugio.main to refugio.dedup.screening): when a batch has
been validated, `SCREEN_EVENT` is published on `refugio.core.events.bus` with payload
`{"request": ScreenRequest}`; a handler reads `request.records()` (new people, in the shape of the
`refugio dedup link` input) and calls `request.flag(record_id, message)` for possible duplicates (shown
as warnings; presumption of innocence: they are still registered) or raises a RefugioError to block
the whole batch (e.g. half the batch looks duplicated). After a commit, `COMMITTED_EVENT` carries
`people()`, which yields the ids of the people registered or updated, and `possible_duplicates()`, the
ids of those whose rows screening flagged, for linkage against the registry (the review queue).

Imports refugio.registration (service, models, validation), security, store and core; never a web
framework. Every write is audited.
"""

from __future__ import annotations

from refugio.intake.service.batches import (
    mark_failed,
    refuse_batch,
    save_mapping,
    set_mapping,
    set_progress,
    start_batch,
)
from refugio.intake.service.commit import CommitResult, commit_batch
from refugio.intake.service.common import (
    BLOCKING,
    COMMITTED_EVENT,
    IMPORT_PERMISSION,
    OPEN_STATUSES,
    PAGE_HOUSEHOLDS,
    REGISTER_CHUNK,
    SCREEN_EVENT,
    load_batch,
    sites_by_code,
)
from refugio.intake.service.screening import ScreenRequest, finish_validation
from refugio.intake.service.staging import RowInput, stage
from refugio.intake.service.validation import check_households, validate_households, validate_page

__all__ = [
    "BLOCKING",
    "COMMITTED_EVENT",
    "IMPORT_PERMISSION",
    "OPEN_STATUSES",
    "PAGE_HOUSEHOLDS",
    "REGISTER_CHUNK",
    "SCREEN_EVENT",
    "CommitResult",
    "RowInput",
    "ScreenRequest",
    "check_households",
    "commit_batch",
    "finish_validation",
    "load_batch",
    "mark_failed",
    "refuse_batch",
    "save_mapping",
    "set_mapping",
    "set_progress",
    "sites_by_code",
    "stage",
    "start_batch",
    "validate_households",
    "validate_page",
]
