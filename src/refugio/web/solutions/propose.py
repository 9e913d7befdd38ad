"""The matching runs' list, with the form that proposes a run from uploaded files: CASES.csv,
LOCALITIES.csv and either SCORES.csv or one of the operation's placement-score models (then CASES.csv
carries the model's feature columns too). A refused proposal shows the list again with every wrong line
beside the form and the values kept; nothing is stored. Success leads to the new run's page.

Permissions are checked by refugio.solutions (MATCHING_RUN proposes). Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, NotFound, RefugioError, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions import queries
from refugio.solutions.schemas import MatchingRunCreate
from refugio.solutions.score_schemas import RunSettings
from refugio.solutions.service import matching_runs, matching_uploads, score_models
from refugio.web import forms
from refugio.web.context import Page, state_of
from refugio.web.forms import text
from refugio.web.solutions.labels import RUN_STATES
from refugio.web.solutions.scores import _upload_form

router = APIRouter(include_in_schema=False)
PATH = "/solutions/matching"
FILES = ("cases", "localities", "scores")
FIELDS = ("operation_id", "title", "time_limit", "model_id")


def _list_page(
    pg: Page, *, errors: list[str] | None = None, values: dict[str, str] | None = None
) -> Response:
    runs = queries.list_runs(pg.db, actor=pg.principal)
    proposable = [
        o
        for o in registry.operations(pg.db, actor=pg.principal)
        if pg.can(Permission.MATCHING_RUN, operation_id=o.id)
    ]
    data_dir = pg.state.settings.data_dir
    models = [
        (o, m)
        for o in proposable
        for m in score_models.list_models(pg.db, actor=pg.principal, data_dir=data_dir, operation_id=o.id)
    ]
    return pg.render(
        "solutions/runs.html",
        status=422 if errors else 200,
        runs=runs,
        states=RUN_STATES,
        operations=proposable,
        models=models,
        errors=errors or [],
        values=values or {"time_limit": "10"},
    )


@router.get(PATH)
def runs_page(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        return _list_page(pg)


@router.post(PATH)
async def propose(request: Request) -> Response:
    form, files, refused = await _upload_form(request, FILES)
    return await run_in_threadpool(_propose, request, form, files, refused)


def _uuid(pg: Page, value: str, field: str, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed.single(field, pg.gettext(label)) from None


def _checked(
    pg: Page, values: dict[str, str], files: dict[str, str | None], refused: ValidationFailed | None
) -> tuple[uuid.UUID, uuid.UUID | None, RunSettings, list[FieldError]]:
    """The operation, the model, the settings and every error of the form itself (files missing or
    unreadable, a bad title or time limit), gathered before the files are read."""
    errors: list[FieldError] = list(refused.errors) if refused is not None else []
    operation_id = _uuid(pg, values["operation_id"], "operation_id", "Choose the operation.")
    model_id = None
    if values["model_id"]:
        model_id = _uuid(pg, values["model_id"], "model_id", "Choose a placement-score model.")
    settings = RunSettings(title="---", time_limit=10.0)
    try:
        settings = forms.build(
            RunSettings, forms.compact({"title": values["title"], "time_limit": values["time_limit"]}), pg.t
        )
    except ValidationFailed as exc:
        seconds = pg.gettext("Enter a number of seconds above 0 and at most 600.")
        errors += [FieldError(e.field, seconds, e.code) if e.field == "time_limit" else e for e in exc.errors]
    missing = {
        "cases": pg.gettext("Choose the cases (CASES.csv)."),
        "localities": pg.gettext("Choose the localities (LOCALITIES.csv)."),
    }
    if refused is None:
        for name, message in missing.items():
            if files.get(name) is None:
                errors.append(FieldError(name, message, "required"))
        if (files.get("scores") is None) == (model_id is None):
            message = pg.gettext("Choose either the scores (SCORES.csv) or a placement-score model.")
            errors.append(FieldError("scores", message, "required"))
    return operation_id, model_id, settings, errors


def _proposed(
    pg: Page, values: dict[str, str], files: dict[str, str | None], refused: ValidationFailed | None
) -> uuid.UUID:
    """Check the form and the files (every error raised together), then solve and store the run."""
    operation_id, model_id, settings, errors = _checked(pg, values, files, refused)
    rows = None
    if not any(e.field in FILES for e in errors):
        try:
            rows = matching_uploads.read_upload(
                pg.db,
                actor=pg.principal,
                data_dir=pg.state.settings.data_dir,
                operation_id=operation_id,
                cases_csv=files["cases"] or "",
                localities_csv=files["localities"] or "",
                scores_csv=files.get("scores") if model_id is None else None,
                model_id=model_id,
            )
        except ValidationFailed as exc:
            errors += exc.errors
        except NotFound as exc:
            errors.append(FieldError("model_id", str(exc), "not_found"))
    if errors or rows is None:
        raise ValidationFailed(errors)
    cases, localities, scores, _dimensions = rows
    payload: dict[str, Any] = {
        "title": settings.title,
        "time_limit": settings.time_limit,
        "cases": [{"case_ref": c, "children": s[0], "adults": s[1], "seniors": s[2]} for c, s in cases],
        "localities": [{"locality_ref": lid, "capacities": caps} for lid, caps in localities],
        "scores": [{"case_ref": c, "locality_ref": lid, "score": v} for c, lid, v in scores],
    }
    data = forms.build(MatchingRunCreate, payload, pg.t)
    return matching_runs.propose(pg.db, actor=pg.principal, operation_id=operation_id, data=data).id


def _propose(
    request: Request, form: FormData, files: dict[str, str | None], refused: ValidationFailed | None
) -> Response:
    web = state_of(request)
    values = {f: text(form, f) for f in FIELDS}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            run_id = _proposed(pg, values, files, refused)
    except (ValidationFailed, Conflict) as exc:
        with web.page(request) as pg:
            return _list_page(pg, errors=_messages(pg, exc), values=values)
    return RedirectResponse(f"{PATH}/{run_id}", status_code=303)


def _messages(pg: Page, exc: RefugioError) -> list[str]:
    """Each error as a line; the form's own fields are named (the files' lines name themselves)."""
    if not isinstance(exc, ValidationFailed):
        return [pg.gettext(str(exc))]
    labels = {"title": pg.gettext("Title"), "time_limit": pg.gettext("Time limit (seconds)")}
    return [
        f"{labels[e.field]}: {pg.gettext(e.message)}" if e.field in labels else pg.gettext(e.message)
        for e in exc.errors
    ]
