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
- `purge_abandoned` deletes the staged data of imports left unfinished for too long. (`batches`)

Deduplication hook (wired by refugio.main to refugio.dedup.screening): the typed events of
`refugio.intake.events`, published on `refugio.core.events.bus` with the caller's session. When a
batch has been validated, `ImportScreening` (also `SCREEN_EVENT`): a handler reads
`screening_records(session, batch_id=…)` (new people, in the shape of the `refugio dedup link` input)
and calls `event.flag(record_id, message)` for possible duplicates (shown as warnings; presumption of
innocence: they are still registered) or raises a RefugioError to block the whole batch (e.g. half
the batch looks duplicated). After a commit, `ImportCommitted` (also `COMMITTED_EVENT`):
`committed_people(session, batch_id=…)` yields the ids of the people registered or updated, and
`flagged_people(session, batch_id=…)` those whose rows screening flagged, for linkage against the
registry (the review queue).

Imports refugio.registration (service, models, validation), security, store and core; never a web
framework. Every write is audited.
"""

from __future__ import annotations

from refugio.intake.events import ImportScreening
from refugio.intake.service.batches import (
    checked_mapping,
    mark_failed,
    purge_abandoned,
    refuse_batch,
    save_mapping,
    set_mapping,
    set_progress,
    start_batch,
)
from refugio.intake.service.commit import CommitResult, commit_batch, committed_people, flagged_people
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
from refugio.intake.service.screening import finish_validation, screening_records
from refugio.intake.service.staging import RowInput, stage
from refugio.intake.service.validation import check_households, validate_households, validate_page

ScreenRequest = ImportScreening  # its name when the request carried the session (before typed events)

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
    "checked_mapping",
    "commit_batch",
    "committed_people",
    "finish_validation",
    "flagged_people",
    "load_batch",
    "mark_failed",
    "purge_abandoned",
    "refuse_batch",
    "save_mapping",
    "screening_records",
    "set_mapping",
    "set_progress",
    "sites_by_code",
    "stage",
    "start_batch",
    "validate_households",
    "validate_page",
]
