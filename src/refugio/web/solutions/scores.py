"""The placement-score models' pages: the operation's models with each locality's held-out quality,
a form to train one from past placements (PAST.csv), and on a model's page a form that scores cases
(CASES.csv, optionally LOCALITIES.csv) into the SCORES.csv a matching run takes, downloaded. A refused
file shows the page again with every wrong line beside the form. Permissions are checked by
refugio.solutions (SOLUTIONS_VIEW reads, MATCHING_RUN trains and scores). Must not import refugio.api,
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

from refugio.core.errors import NotFound, RefugioError, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions.score_schemas import ScoresModelRead, ScoresTraining
from refugio.solutions.service import score_models
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text

router = APIRouter(include_in_schema=False)
PATH = "/solutions/scores"
MAX_FILE_BYTES = score_models.MAX_CSV_CHARS


def _errors(pg: Page, exc: RefugioError) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [pg.gettext(e.message) for e in exc.errors]
    return [pg.gettext(str(exc))]


def _list_page(
    pg: Page, *, errors: list[str] | None = None, values: dict[str, str] | None = None
) -> Response:
    data_dir = pg.state.settings.data_dir
    visible = [
        o
        for o in registry.operations(pg.db, actor=pg.principal)
        if pg.can(Permission.SOLUTIONS_VIEW, operation_id=o.id)
    ]
    models = [
        (o, m)
        for o in visible
        for m in score_models.list_models(pg.db, actor=pg.principal, data_dir=data_dir, operation_id=o.id)
    ]
    trainable = [o for o in visible if pg.can(Permission.MATCHING_RUN, operation_id=o.id)]
    return pg.render(
        "solutions/scores.html",
        status=422 if errors else 200,
        models=models,
        operations=trainable,
        errors=errors or [],
        values=values or {},
    )


def _model_page(
    pg: Page, operation_id: uuid.UUID, model: ScoresModelRead, errors: list[str] | None = None
) -> Response:
    return pg.render(
        "solutions/scores_model.html",
        status=422 if errors else 200,
        m=model,
        operation_id=operation_id,
        can_score=pg.can(Permission.MATCHING_RUN, operation_id=operation_id),
        errors=errors or [],
    )


@router.get(PATH)
def scores_page(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        return _list_page(pg)


async def _upload_form(
    request: Request, names: tuple[str, ...]
) -> tuple[FormData, dict[str, str | None], ValidationFailed | None]:
    """The form and its CSV files as text; every file too large or not UTF-8 refused together."""
    form, uploads = await forms.read_uploads(request, names, limit=MAX_FILE_BYTES)
    files, refused = forms.upload_texts(uploads, MAX_FILE_BYTES)
    return form, files, refused


@router.post(PATH)
async def train(request: Request) -> Response:
    form, files, refused = await _upload_form(request, ("placements",))
    return await run_in_threadpool(_train, request, form, files.get("placements"), refused)


def _train(
    request: Request, form: FormData, placements: str | None, refused: ValidationFailed | None
) -> Response:
    web = state_of(request)
    fields = ("name", "outcome", "min_placements", "seed")
    values = {f: text(form, f) for f in (*fields, "operation_id")}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            if refused is not None:
                raise refused
            if placements is None:
                raise ValidationFailed.single("placements", pg.gettext("Choose the past placements (CSV)."))
            operation_id = parse_uuid(values["operation_id"])
            payload: dict[str, Any] = forms.compact({f: values[f] for f in fields})
            data = forms.build(ScoresTraining, {**payload, "placements_csv": placements}, pg.t)
            model = score_models.train(
                pg.db,
                actor=pg.principal,
                data_dir=web.settings.data_dir,
                operation_id=operation_id,
                data=data,
            )
    except NotFound:
        raise
    except RefugioError as exc:
        with web.page(request) as pg:
            return _list_page(pg, errors=_errors(pg, exc), values=values)
    return RedirectResponse(f"{PATH}/{operation_id}/{model.id}?done=trained", status_code=303)


@router.get(PATH + "/{operation_id}/{model_id}")
def model_page(request: Request, operation_id: str, model_id: str) -> Response:
    op, mid = parse_uuid(operation_id), parse_uuid(model_id)
    with state_of(request).page(request) as pg:
        model = score_models.get_model(
            pg.db, actor=pg.principal, data_dir=pg.state.settings.data_dir, operation_id=op, model_id=mid
        )
        return _model_page(pg, op, model)


@router.post(PATH + "/{operation_id}/{model_id}/scores")
async def predict(request: Request, operation_id: str, model_id: str) -> Response:
    form, files, refused = await _upload_form(request, ("cases", "localities"))
    return await run_in_threadpool(
        _predict, request, form, parse_uuid(operation_id), parse_uuid(model_id), files, refused
    )


def _predict(
    request: Request,
    form: FormData,
    op: uuid.UUID,
    mid: uuid.UUID,
    files: dict[str, str | None],
    refused: ValidationFailed | None,
) -> Response:
    web = state_of(request)
    data_dir = web.settings.data_dir
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            if refused is not None:
                raise refused
            if files.get("cases") is None:
                raise ValidationFailed.single("cases", pg.gettext("Choose the cases to score (CSV)."))
            done = score_models.predict(
                pg.db,
                actor=pg.principal,
                data_dir=data_dir,
                operation_id=op,
                model_id=mid,
                cases_csv=files["cases"] or "",
                localities_csv=files.get("localities"),
            )
    except NotFound:
        raise
    except RefugioError as exc:
        with web.page(request) as pg:
            model = score_models.get_model(
                pg.db, actor=pg.principal, data_dir=data_dir, operation_id=op, model_id=mid
            )
            return _model_page(pg, op, model, errors=_errors(pg, exc))
    return Response(
        done.as_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="scores-{mid}.csv"'},
    )
