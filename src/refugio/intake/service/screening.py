"""The screening hook: once a batch is validated, `ImportScreening` is published; its handlers
(deduplication) read the batch's new people (`screening_records`) and flag possible duplicates, whose
warnings go onto the rows, or refuse the batch (it is then `blocked`); else the batch is `ready`.

Imports intake models and the event bus; never a web framework.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import RefugioError
from refugio.core.events import EventBus, bus
from refugio.intake.events import ImportScreening
from refugio.intake.models import ImportBatch, StagedRow
from refugio.intake.service.common import (
    ROW,
    load_batch,
    write_rows,
)
from refugio.intake.service.validation import count_rows, cross_household_checks
from refugio.registration.validation import normalise_document_number
from refugio.security import audit
from refugio.security.principals import Principal


def screening_records(session: Session, *, batch_id: uuid.UUID) -> Iterator[dict[str, str]]:
    """The new people of a validated batch as `record_id,given_name,middle_name,family_name,sex,
    date_of_birth,country_of_origin,phone,document_number,site` (the `refugio dedup link` input);
    record_id is `row:<staged row id>`. Also `row_no` (in the file), `household` (the household key),
    the names in the original script (`*_original`), `stated_age` and `dob_estimated`."""
    stmt = (
        select(StagedRow.id, StagedRow.row_no, StagedRow.household_key, StagedRow.values)
        .where(StagedRow.batch_id == batch_id, StagedRow.status == "new")
        .order_by(StagedRow.id)
        .execution_options(yield_per=5000)
    )
    for rid, row_no, household_key, v in session.execute(stmt):
        yield {
            "record_id": f"row:{rid}",
            "row_no": str(row_no),
            "household": household_key,
            "given_name_original": str(v.get("given_name_original") or ""),
            "middle_name_original": str(v.get("middle_name_original") or ""),
            "family_name_original": str(v.get("family_name_original") or ""),
            "stated_age": str(v.get("stated_age") or ""),
            "dob_estimated": "1" if v.get("dob_estimated") else "",
            "given_name": str(v.get("given_name") or v.get("given_name_original") or ""),
            "middle_name": str(v.get("middle_name") or ""),
            "family_name": str(v.get("family_name") or v.get("family_name_original") or ""),
            "sex": str(v.get("sex") or ""),
            "date_of_birth": str(v.get("date_of_birth") or ""),
            "country_of_origin": str(v.get("nationality") or v.get("country_of_origin") or ""),
            "phone": str(v.get("phone") or v.get("household_phone") or ""),
            "document_number": normalise_document_number(str(v.get("doc_number") or "")),
            "site": str(v.get("site") or ""),
        }


def _add_flags(session: Session, batch_id: uuid.UUID, flags: dict[int, list[tuple[str, str]]]) -> None:
    """Screening's warnings onto their rows: read and written a chunk of rows at a time (no ORM)."""
    ids = sorted(flags)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        updates = [
            {
                "rid": rid,
                "st": status,
                "ch": changes,
                "er": [
                    *(errors or []),
                    *(
                        {"field": "person", "column": None, "message": m, "code": c, "level": "warning"}
                        for m, c in flags[rid]
                    ),
                ],
            }
            for rid, status, errors, changes in session.connection().execute(
                select(ROW.id, ROW.status, ROW.errors, ROW.changes).where(
                    ROW.batch_id == batch_id, ROW.id.in_(chunk)
                )
            )
        ]
        write_rows(session, updates)


def finish_validation(
    session: Session, *, actor: Principal, batch_id: uuid.UUID, events: EventBus | None = None
) -> ImportBatch:
    """Checks across households, the screening hook, the counts; the batch is then `ready` (or
    `blocked` if a screening handler refused it)."""
    batch = load_batch(session, actor=actor, batch_id=batch_id)
    cross_household_checks(session, batch)
    event = ImportScreening(batch_id=batch.id, operation_id=batch.operation_id)
    try:
        (events or bus).publish(event, session=session)
    except RefugioError as exc:
        batch.status = "blocked"
        batch.message = f"refused by screening: {exc.message}"
    else:
        batch.status = "ready"
    flags = event.flags.by_row
    if flags:
        _add_flags(session, batch.id, flags)
    session.flush()
    batch.counts = {**count_rows(session, batch), "possible_duplicates": len(flags)}
    batch.phase_done = batch.counts["rows"]
    batch.phase_total = batch.counts["rows"]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.batch_validated",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"counts": batch.counts, "status": batch.status},
    )
    return batch
