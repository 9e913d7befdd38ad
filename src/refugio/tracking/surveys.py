"""Flow monitoring surveys: the operation's survey form (an XLSForm listing its flow monitoring
points) and the submissions ODK/Kobo send back through refugio's OpenRosa endpoint, which hands
each one here once it has made the checks of registration's OpenRosa path (intake's
`receive_domain_submission`: an instanceID is received once, again a `duplicate` that changes nothing;
the sender must hold TRACKING_MANAGE for the form's operation; the answers are valid; an edit,
`deprecatedID`, comes through the same form from someone allowed on the survey it edits, which is then
`replaced` and no longer counted). Here: the point must be one of the form's operation. Writes flush,
never commit; every survey is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, UnknownReference, ValidationFailed
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
        raise UnknownReference.single("operation", "unknown operation", "unknown_operation")
    points = [
        (p.code, p.name)
        for p in session.scalars(
            select(FlowPoint)
            .where(FlowPoint.operation_id == operation_id, FlowPoint.active.is_(True))
            .order_by(FlowPoint.code)
        )
    ]
    if not points:
        message = "the operation has no flow monitoring point: add one first"
        raise Conflict(message, [FieldError("operation", message, "no_flow_point")])
    form_id = f"{FORM_PREFIX}_{op.code.lower()}"
    version = clock.now().strftime("%Y%m%d%H%M")
    title = f"{op.name}: flow monitoring survey"
    return form_id, flow_survey_xlsform(points=points, form_id=form_id, version=version, title=title)


def may_collect(actor: Principal, operation_id: uuid.UUID) -> bool:
    """Whether `actor` may download the operation's survey form and submit surveys with it."""
    return actor.can(Permission.TRACKING_MANAGE, operation_id=operation_id)


def find_survey(session: Session, instance_id: str) -> FlowSurvey | None:
    """The survey received with this instanceID, if any."""
    return session.scalar(select(FlowSurvey).where(FlowSurvey.instance_id == instance_id))


def may_replace(actor: Principal, earlier: FlowSurvey) -> bool:
    """Whether `actor` may send an edit of `earlier`: allowed to collect in its operation."""
    return may_collect(actor, earlier.operation_id)


def record_survey(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    form_id: str,
    instance_id: str,
    deprecated_id: str | None,
    answers: FlowSurveyIn,
    xml: str,
    replace_earlier: Callable[[], None],
) -> FlowSurvey:
    """Record one survey whose submission was checked (see the module's docstring): its point must be one
    of the operation's; `replace_earlier` marks the survey it edits."""
    point = session.scalar(
        select(FlowPoint).where(FlowPoint.operation_id == operation_id, FlowPoint.code == answers.point)
    )
    if point is None:
        raise ValidationFailed.single(
            "point", f"no flow monitoring point {answers.point!r} in this operation"
        )
    replace_earlier()
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
    return survey


__all__ = [
    "HANDLER",
    "LIST_FIELDS",
    "find_survey",
    "may_collect",
    "may_replace",
    "record_survey",
    "survey_form",
]
