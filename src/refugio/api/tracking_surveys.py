"""Flow monitoring surveys (/api/v1/tracking/flow-surveys…): the operation's survey form as an
XLSForm, published to refugio's OpenRosa form list (ODK Collect / KoboCollect download it from
/openrosa/formList and send their submissions to /openrosa/submission, which land in tracking), and
the surveys received with their breakdowns. Included by api/tracking.py under /tracking.

Permissions (checked by refugio.tracking): TRACKING_MANAGE for the operation to get or publish the
form and to submit; TRACKING_VIEW for the point's operation to read the surveys.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses
from refugio.intake.openrosa_forms import publish_domain_form
from refugio.stats import tracking_report
from refugio.stats.tracking_report import ControlledTable
from refugio.tracking import queries, service
from refugio.tracking.schemas import FlowSurveyRead, SurveyFormRead

router = APIRouter(responses=responses(401, 403, 404, 422))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
By = Literal[
    "nationality", "reasons", "destination_country", "origin_country", "transport", "sex", "age_group"
]


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation_id: uuid.UUID


@router.post("/flow-surveys/form", response_model=SurveyFormRead, status_code=201)
def publish_survey_form(session: Db, actor: Caller, body: PublishRequest) -> SurveyFormRead:
    """Publish (or publish again, with the current points) the operation's flow survey form on the
    OpenRosa form list."""
    form = publish_domain_form(
        session, actor=actor, handler=service.SURVEY_HANDLER, operation_id=body.operation_id
    )
    return SurveyFormRead(form_id=form.form_id, version=form.version, title=form.title)


@router.get("/flow-surveys/form.xlsx", response_model=None, responses=responses(409))
def survey_xlsform(session: Db, actor: Caller, operation_id: uuid.UUID) -> Response:
    """The operation's flow survey form as an XLSForm (to load into KoboToolbox or ODK Central); 409
    while the operation has no active flow monitoring point."""
    form_id, xlsx = service.survey_form(session, actor=actor, operation_id=operation_id)
    return Response(xlsx, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{form_id}.xlsx"'})  # fmt: skip


@router.get("/flow-points/{point_id}/surveys", response_model=list[FlowSurveyRead])
def point_surveys(
    session: Db, actor: Caller, point_id: str, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[FlowSurveyRead]:
    """The surveys received at a point (edited ones replaced by their edit), newest first."""
    pid = parse_id(point_id, "flow monitoring point")
    return queries.flow_surveys(session, actor=actor, point_id=pid, limit=limit)


@router.get("/flow-points/{point_id}/surveys/breakdown", response_model=ControlledTable)
def survey_breakdown(session: Db, actor: Caller, point_id: str, by: By = "nationality") -> ControlledTable:
    """People described by the surveys of a point (whole groups), by `by` and direction, and the
    surveys, under the disclosure rule (`<5`, `x`)."""
    pid = parse_id(point_id, "flow monitoring point")
    return tracking_report.survey_table(session, actor=actor, point_id=pid, by=by)


__all__ = ["router"]
