"""A matching run proposed from uploaded CSV text (the web form of the matching runs): CASES.csv,
LOCALITIES.csv and either SCORES.csv or a placement-score model kept for the operation.

The files are checked by the same readers as `refugio solutions runs propose` (every wrong line named
with its file and line, all at once). With a model, CASES.csv also carries the model's feature columns
(head_age, education, languages, skills): the model scores every case for the file's localities, and
the matching is given only case_id,children,adults,seniors (the CLI's CASES.csv stays exactly that).
Nothing is stored here: the caller proposes the run with the rows returned."""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, ValidationFailed
from refugio.security.principals import Principal
from refugio.solutions.matching import files
from refugio.solutions.service import score_models

CASES, LOCALITIES, SCORES = "CASES.csv", "LOCALITIES.csv", "SCORES.csv"


def _written(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _renamed(exc: ValidationFailed, field: str, name: str) -> list[FieldError]:
    """The score models' errors name the request field (cases_csv line 3); name the file instead."""
    return [
        FieldError(e.field.replace(field, name, 1), e.message.replace(field, name, 1), e.code)
        for e in exc.errors
    ]


def matching_cases(cases_csv: str) -> str:
    """CASES.csv with only the matching's columns (other columns dropped, line numbers kept)."""
    reader = csv.reader(io.StringIO(cases_csv.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in next(reader, [])]
    keep = [header.index(c) for c in files.CASE_COLUMNS if c in header]
    if len(keep) < len(files.CASE_COLUMNS):
        return cases_csv  # the matching's reader names the header that is wrong
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(files.CASE_COLUMNS)
    for values in reader:
        writer.writerow([values[i] if i < len(values) else "" for i in keep] if values else [])
    return out.getvalue()


def _model_scores(
    session: Session,
    *,
    actor: Principal,
    data_dir: Path,
    operation_id: uuid.UUID,
    model_id: uuid.UUID,
    cases_csv: str,
    localities_path: Path,
) -> str:
    """SCORES.csv text predicted by the model for the file's localities; the cases' and localities'
    errors raised together."""
    errors: list[FieldError] = []
    try:
        wanted = files.locality_ids(localities_path)
    except ValidationFailed as exc:
        errors += exc.errors
        wanted = []
    try:
        done = score_models.predict(
            session,
            actor=actor,
            data_dir=data_dir,
            operation_id=operation_id,
            model_id=model_id,
            cases_csv=cases_csv,
        )
    except ValidationFailed as exc:
        raise ValidationFailed([*_renamed(exc, "cases_csv", CASES), *errors]) from None
    if errors:
        raise ValidationFailed(errors)
    keep = set(wanted)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(files.SCORE_COLUMNS)
    writer.writerows(
        (s.case_ref, s.locality_ref, repr(s.score)) for s in done.scores if s.locality_ref in keep
    )
    return out.getvalue()


def read_upload(
    session: Session,
    *,
    actor: Principal,
    data_dir: Path,
    operation_id: uuid.UUID,
    cases_csv: str,
    localities_csv: str,
    scores_csv: str | None = None,
    model_id: uuid.UUID | None = None,
) -> files.Rows:
    """The checked rows of the uploaded files (cases, localities, scores, dimensions), scored by the
    model `model_id` when no SCORES.csv is given; ValidationFailed names every wrong line."""
    if (scores_csv is None) == (model_id is None):
        raise ValidationFailed.single(
            "scores", "give either SCORES.csv or a placement-score model", "required"
        )
    with tempfile.TemporaryDirectory(prefix="refugio-matching-") as tmp:
        folder = Path(tmp)
        localities = _written(folder, LOCALITIES, localities_csv)
        if model_id is not None:
            scores_csv = _model_scores(
                session,
                actor=actor,
                data_dir=data_dir,
                operation_id=operation_id,
                model_id=model_id,
                cases_csv=cases_csv,
                localities_path=localities,
            )
            cases_csv = matching_cases(cases_csv)
        cases = _written(folder, CASES, cases_csv)
        scores = _written(folder, SCORES, scores_csv or "")
        return files.read_rows(cases, localities, scores)
