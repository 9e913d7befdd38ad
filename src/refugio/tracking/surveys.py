"""Flow monitoring surveys: the operation's survey form (an XLSForm listing its flow monitoring
points) and the submissions ODK/Kobo send back through refugio's OpenRosa endpoint, which hands
each one here (`receive_survey`). The checks are those of registration's OpenRosa path: the
sender must hold TRACKING_MANAGE for the form's operation; an instanceID is received once (again
is a `duplicate` that changes nothing); an edit (`deprecatedID`) must come through the same form
from someone allowed on the survey it edits, which is then `replaced` and no longer counted; the
point must be one of the form's operation. Writes flush, never commit; every survey is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.registration import queries as registration
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal
from refugio.tracking import policy
from refugio.tracking.models import FlowPoint, FlowSurvey
from refugio.tracking.schemas import FlowSurveyIn
from refugio.tracking.survey_form import FORM_PREFIX, HANDLER, flow_survey_xlsform

LIST_FIELDS = ("reasons",)  # select_multiple answers: space-separated in a submission


def survey_form(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> tuple[str, bytes]:
    """The form id and XLSForm (XLSX bytes) of the operation's flow survey, listing its active points."""
    policy.require_site_manage(actor, operation_id)
    op = next((o for o in registration.operations(session, actor=SYSTEM) if o.id == operation_id), None)
    if op is None:
        raise ValidationFailed.single("operation", "unknown operation", "unknown_operation")
    points = [
        (p.code, p.name)
        for p in session.scalars(
            select(FlowPoint)
            .where(FlowPoint.operation_id == operation_id, FlowPoint.active.is_(True))
            .order_by(FlowPoint.code)
        )
    ]
    if not points:
        raise ValidationFailed.single(
            "operation", "the operation has no flow monitoring point: add one first", "no_flow_point"
        )
    form_id = f"{FORM_PREFIX}_{op.code.lower()}"
    version = clock.now().strftime("%Y%m%d%H%M")
    title = f"{op.name}: flow monitoring survey"
    return form_id, flow_survey_xlsform(points=points, form_id=form_id, version=version, title=title)


def may_collect(actor: Principal, operation_id: uuid.UUID) -> bool:
    """Whether `actor` may download the operation's survey form and submit surveys with it."""
    return actor.can(Permission.TRACKING_MANAGE, operation_id=operation_id)


def _answers(values: dict[str, str]) -> FlowSurveyIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    for name in LIST_FIELDS:
        if name in data:
            data[name] = data[name].split()
    try:
        return FlowSurveyIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [FieldError(str(e["loc"][0]), f"{e['loc'][0]}: {e['msg']}") for e in exc.errors() if e["loc"]]
        ) from None


def receive_survey(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    form_id: str,
    instance_id: str,
    deprecated_id: str | None,
    values: dict[str, str],
    xml: str,
) -> str:
    """Record one survey submission; `created` or `duplicate` (its instanceID was received already)."""
    if session.scalar(select(FlowSurvey.id).where(FlowSurvey.instance_id == instance_id)) is not None:
        return "duplicate"
    if not may_collect(actor, operation_id):
        raise PermissionDenied(f"{actor.label} may not submit flow surveys with form {form_id}")
    answers = _answers(values)
    if answers.survey_date > clock.today():
        raise ValidationFailed.single("survey_date", "the date of the interview is in the future")
    point = session.scalar(
        select(FlowPoint).where(FlowPoint.operation_id == operation_id, FlowPoint.code == answers.point)
    )
    if point is None:
        raise ValidationFailed.single(
            "point", f"no flow monitoring point {answers.point!r} in this operation"
        )
    if deprecated_id:
        _replace(session, actor=actor, form_id=form_id, deprecated_id=deprecated_id)
    survey = FlowSurvey(
        operation_id=operation_id, point_id=point.id, form_id=form_id, instance_id=instance_id[:100],
        deprecated_id=(deprecated_id or "")[:100] or None, status="current", submitted_by=actor.label,
        xml=xml, **{**answers.model_dump(mode="json", exclude={"point"}), "survey_date": answers.survey_date},
    )  # fmt: skip
    session.add(survey)
    session.flush()
    audit.record(
        session, actor=actor, action="tracking.flow_survey_received", object_type="tracking_flow_survey",
        object_id=str(survey.id),
        details={"form_id": form_id, "instance_id": instance_id, "point": point.code},
    )  # fmt: skip
    return "created"


def _replace(session: Session, *, actor: Principal, form_id: str, deprecated_id: str) -> None:
    """An edited survey replaces the one it edits: same form, and the sender allowed on the earlier one."""
    earlier = session.scalar(select(FlowSurvey).where(FlowSurvey.instance_id == deprecated_id))
    if earlier is None:
        return  # the edit of a survey never received: kept as a survey of its own
    if not may_collect(actor, earlier.operation_id):
        raise PermissionDenied(f"{actor.label} may not replace survey {deprecated_id}")
    if earlier.form_id != form_id:
        raise ValidationFailed.single(
            "deprecatedID",
            f"the edited survey {deprecated_id} was sent with another form; an edit must use the same form",
            "other_form",
        )
    earlier.status = "replaced"


__all__ = ["HANDLER", "may_collect", "receive_survey", "survey_form"]
