"""Flow monitoring pages: the points with their daily counts (breakdowns, day by day), a form to record
the people counted (a combination recorded again for a day corrects it), and the flow monitoring
survey — its XLSForm to download, a button publishing it on refugio's OpenRosa form list (ODK Collect
and KoboCollect then send surveys that land here) and the surveys received at the chosen point.

Permissions are checked by refugio.tracking (TRACKING_VIEW to read, TRACKING_MANAGE for the point's
operation to record counts and handle the survey form). Every count shown or downloaded (CSV at
/tracking/flows/table.csv, the chart at /tracking/charts/flows.png|svg) comes through the disclosure
control (refugio.stats.tracking_report). Must not import refugio.api, cli or main.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import FieldError, ValidationFailed
from refugio.intake.openrosa_forms import publish_domain_form, published_domain_form
from refugio.registration import queries as reg_queries
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.stats import tracking_report
from refugio.tracking import policy, queries, service
from refugio.tracking.enums import AgeGroup, Transport
from refugio.tracking.schemas import FlowCountIn
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, state_of
from refugio.web.forms import plain_input
from refugio.web.tracking.labels import BREAKDOWN_LABELS, FLOW_KINDS, SURVEY_BREAKDOWNS, TABLE_LABELS

router = APIRouter(include_in_schema=False)
COUNT_FIELDS = ("point", "day", "direction", "sex", "age_group", "nationality", "transport", "count")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value: str | None, low: int, high: int, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        raise ValidationFailed.single("days", "days must be a number") from None
    if not low <= number <= high:
        raise ValidationFailed.single("days", f"days must be between {low} and {high}")
    return number


def _render(request: Request, failure: Failure | None = None) -> Response:
    q = request.query_params
    with state_of(request).page(request) as pg:
        policy.require_view(pg.principal)
        days = _int(q.get("days"), 1, 366, 14)
        by = str(q.get("by")) if q.get("by") in BREAKDOWN_LABELS else "nationality"
        survey_by = str(q.get("survey_by")) if q.get("survey_by") in SURVEY_BREAKDOWNS else "nationality"
        start, end = service.flow_day_range(days)
        points = queries.flow_points(pg.db, actor=pg.principal)
        wanted = (failure.values.get("point") if failure else None) or q.get("point")
        chosen = next((p for p in points if str(p.id) == wanted), points[0] if points else None)
        daily = breakdown = sex_age = surveys = None
        if chosen is not None:

            def table(name: str) -> tracking_report.ControlledTable:
                return tracking_report.flow_table(pg.db, actor=pg.principal, point_id=chosen.id, start=start,
                                                  end=end, by=name)  # fmt: skip

            daily, breakdown, sex_age = table("day"), table(by), table("sex_age")
            surveys = tracking_report.survey_table(
                pg.db, actor=pg.principal, point_id=chosen.id, by=survey_by
            )
        manageable = [p for p in points if pg.can(Permission.TRACKING_MANAGE, operation_id=p.operation_id)]
        op_ids = {p.operation_id for p in manageable}
        operations = [o for o in reg_queries.operations(pg.db, actor=pg.principal) if o.id in op_ids]
        published = {
            o.id: published_domain_form(pg.db, handler=service.SURVEY_HANDLER, operation_id=o.id)
            for o in operations
        }
        return pg.render(
            "tracking/flows.html", status=422 if failure else 200, points=points, chosen=chosen, days=days,
            by=by, daily=daily, breakdown=breakdown, sex_age=sex_age, breakdowns=BREAKDOWN_LABELS,
            kinds=FLOW_KINDS, survey_by=survey_by, survey_breakdowns=SURVEY_BREAKDOWNS, surveys=surveys,
            labels=TABLE_LABELS,
            manageable=manageable, operations=operations, published=published, today=end.isoformat(),
            point_choices=[(str(p.id), f"{p.code} · {p.name}") for p in manageable],
            age_choices=[(a.value, a.value) for a in AgeGroup],
            transport_choices=[(t.value, t.value) for t in Transport],
            form=form_context(failure, "counts"),
            survey_form=form_context(failure, "survey"),
        )  # fmt: skip


@router.get("/tracking/flows")
def flows_page(request: Request) -> Response:
    return _render(request)


@router.get("/tracking/flows/table.csv")
def flows_csv(request: Request) -> Response:
    """A table of a point's counts (`by`: day, nationality, transport, sex, age_group, sex_age) or of
    its surveys (`survey_by`), as CSV under the disclosure rule (audited)."""
    q = request.query_params
    try:
        point_id = uuid.UUID(q.get("point") or "")
    except ValueError:
        raise ValidationFailed.single("point", "choose a flow monitoring point") from None
    days = _int(q.get("days"), 1, 366, 14)
    with state_of(request).page(request) as pg:
        if q.get("survey_by"):
            table = tracking_report.survey_table(pg.db, actor=pg.principal, point_id=point_id,
                                                 by=str(q.get("survey_by")))  # fmt: skip
        else:
            start, end = service.flow_day_range(days)
            table = tracking_report.flow_table(pg.db, actor=pg.principal, point_id=point_id, start=start,
                                               end=end, by=str(q.get("by") or "day"))  # fmt: skip
        audit.record(pg.db, actor=pg.principal, action="tracking.flows_downloaded",
                     object_type="tracking_flow_point", object_id=str(point_id),
                     details={"table": table.title, "rule": table.rule})  # fmt: skip
    text = queries.render(table.rows, table.columns, "csv")
    kind = f"surveys-{q.get('survey_by')}" if q.get("survey_by") else q.get("by") or "day"
    name = f"flows-{kind}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _record(pg: Page, form: FormData) -> str:
    values = {k: str(form.get(k) or "").strip() for k in COUNT_FIELDS}
    try:
        point_id = uuid.UUID(values["point"])
    except ValueError:
        raise ValidationFailed.single("point", "choose a flow monitoring point") from None
    data = {k: v for k, v in values.items() if v and k != "point"}
    data["nationality"] = data.get("nationality", "UNK").upper()
    try:
        count = FlowCountIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [FieldError(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in exc.errors()]
        ) from None
    service.record_flow_counts(pg.db, actor=pg.principal, point_id=point_id, counts=[count])
    return f"/tracking/flows?point={point_id}"


@router.post("/tracking/flows/counts")
async def record_counts(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        run_action, request, form, name="counts", work=lambda pg: _record(pg, form),
        to_input=plain_input(COUNT_FIELDS), on_failure=lambda f: _render(request, f),
    )  # fmt: skip


def _publish(pg: Page, form: FormData) -> str:
    try:
        operation_id = uuid.UUID(str(form.get("operation_id") or ""))
    except ValueError:
        raise ValidationFailed.single("operation_id", "choose the operation") from None
    publish_domain_form(pg.db, actor=pg.principal, handler=service.SURVEY_HANDLER, operation_id=operation_id)
    return "/tracking/flows"


@router.post("/tracking/flows/survey-form")
async def publish_survey(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        run_action, request, form, name="survey", work=lambda pg: _publish(pg, form),
        to_input=plain_input(("operation_id",)), on_failure=lambda f: _render(request, f),
    )  # fmt: skip


@router.get("/tracking/flows/survey-form.xlsx")
def survey_xlsform(request: Request) -> Response:
    try:
        operation_id = uuid.UUID(request.query_params.get("operation_id") or "")
    except ValueError:
        raise ValidationFailed.single("operation_id", "choose the operation") from None
    with state_of(request).page(request) as pg:
        form_id, xlsx = service.survey_form(pg.db, actor=pg.principal, operation_id=operation_id)
    return Response(xlsx, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{form_id}.xlsx"'})  # fmt: skip


__all__ = ["router"]
