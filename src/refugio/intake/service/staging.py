"""Staging: rows read from a file or a submission (values already mapped) added to a batch, each with
its per-field errors, its keys and whether its person is already registered from this source, in one
set-based insert per chunk (`store.bulk`: COPY on PostgreSQL).

Imports intake models and the store; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.intake.households import row_keys, values_json_and_hash
from refugio.intake.mapping import CellError
from refugio.intake.models import ImportBatch, SourceRecord
from refugio.intake.service.common import STAGED
from refugio.store import bulk, jsontext


@dataclass(frozen=True)
class RowInput:
    """One row read from a file or a submission, already mapped to refugio values. `text_cells`: every
    cell is text already (a CSV row), stored as it is."""

    row_no: int
    values: dict[str, Any]
    errors: Sequence[CellError] = ()
    cells: Sequence[Any] = ()
    sheet: str | None = None
    submission_id: uuid.UUID | None = None
    text_cells: bool = False


def _json_cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _json_cells(cells: Sequence[Any]) -> list[Any]:
    out = list(cells)
    for i, c in enumerate(out):
        if type(c) is not str:  # CSV cells are all text: nothing to convert
            out[i] = _json_cell(c)
    return out


_COLUMNS = (
    "batch_id",
    "row_no",
    "sheet",
    "household_key",
    "member_key",
    "content_hash",
    "cells",
    "values",
    "errors",
    "status",
    "individual_id",
    "changes",
    "submission_id",
)
_NO_ERRORS = "[]"


def stage(
    session: Session,
    *,
    batch: ImportBatch,
    inputs: Sequence[RowInput],
    sites: dict[str, uuid.UUID],
) -> int:
    """Add rows to a batch: keys, content hash, per-field errors, and the person each re-imported row
    is (from this source). Returns the number of rows staged.

    Set-based: one query for the people the rows were imported as before, then one insert of all the
    rows (`store.bulk.insert_tuples`: COPY on PostgreSQL) in the driver's form, each JSON column
    encoded once here (the values' text is also what is hashed)."""
    if not inputs:
        return 0
    prepared: list[tuple[RowInput, str, list[dict[str, Any]], str, str, str]] = []
    for item in inputs:
        values = item.values
        errors = [e.as_dict() for e in item.errors] if item.errors else []
        code = values.get("site")
        if code:
            upper = str(code).strip().upper()
            if upper != code:
                values = {**values, "site": upper}  # the caller's dict is left as given
            if upper not in sites:
                errors.append(
                    CellError("site", None, f"no site {upper!r} in this operation", "unknown_site").as_dict()
                )
        household_key, member_key = row_keys(values)
        text, digest = values_json_and_hash(values)  # hashed and stored: encoded once
        prepared.append((item, text, errors, household_key, member_key, digest))
    links = {
        key: (target, digest)
        for key, target, digest in session.execute(
            select(SourceRecord.record_key, SourceRecord.target_id, SourceRecord.content_hash).where(
                SourceRecord.operation_id == batch.operation_id,
                SourceRecord.source == batch.source,
                SourceRecord.kind == "member",
                SourceRecord.record_key.in_({p[4] for p in prepared}),
            )
        )
    }
    conn = session.connection()
    as_id = bulk.bind_processor(conn, STAGED, "individual_id")
    batch_id = bulk.bind_processor(conn, STAGED, "batch_id")(batch.id)
    as_submission = bulk.bind_processor(conn, STAGED, "submission_id")
    rows: list[tuple[Any, ...]] = []
    for item, text, errors, household_key, member_key, digest in prepared:
        link = links.get(member_key)
        if errors and any(e["level"] == "error" for e in errors):
            status = "invalid"
        elif link is None:
            status = "new"
        else:
            status = "unchanged" if link[1] == digest else "update"
        rows.append(
            (
                batch_id,
                item.row_no,
                item.sheet,
                household_key,
                member_key,
                digest,
                jsontext.dumps(item.cells if item.text_cells else _json_cells(item.cells)),
                text,
                jsontext.dumps(errors) if errors else _NO_ERRORS,
                status,
                as_id(link[0]) if link else None,
                None,  # changes: found by validation
                None if item.submission_id is None else as_submission(item.submission_id),
            )
        )
    return bulk.insert_tuples(conn, STAGED, _COLUMNS, rows)
