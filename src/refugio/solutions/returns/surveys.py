"""Return intention surveys: the operation's survey form (an XLSForm) on refugio's OpenRosa form list,
and the submissions ODK/Kobo send back, handed here by the OpenRosa channel (`receive_survey`). The
checks are those of registration's OpenRosa path: an instanceID is received once (again: `duplicate`,
nothing changed); the sender must hold RETURN_MANAGE on the household's site; an edit (`deprecatedID`)
must come through the same form from someone allowed on the site of the survey it edits, which is then
`replaced` and no longer counted. The household must be a registered household of the form's
operation. Writes flush, never commit; every survey is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.permissions import ROLE_PERMISSIONS, Permission
from refugio.security.principals import Principal
from refugio.solutions.returns.models import ReturnSurvey
from refugio.solutions.returns.schemas import SurveyIn
from refugio.solutions.returns.survey_form import FORM_PREFIX, HANDLER, return_survey_xlsform

LIST_FIELDS = ("conditions",)  # select_multiple answers: space-separated in a submission


def may_collect(actor: Principal, operation_id: uuid.UUID) -> bool:
    """Whether `actor` may download the operation's survey form (RETURN_MANAGE in the operation or at one
    of its sites); each submission is checked against its household's site."""
    return any(
        Permission.RETURN_MANAGE in ROLE_PERMISSIONS[g.role] and g.operation_id in (None, operation_id)
        for g in actor.grants
    )


def survey_form(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> tuple[str, bytes]:
    """The form id and XLSForm (XLSX bytes) of the operation's return intention survey."""
    if not may_collect(actor, operation_id):
        raise PermissionDenied(f"{actor.username} lacks RETURN_MANAGE for this operation")
    code = registry.operation_code(session, operation_id)
    form_id = f"{FORM_PREFIX}_{code.lower()}"
    version = clock.now().strftime("%Y%m%d%H%M")
    return form_id, return_survey_xlsform(
        form_id=form_id, version=version, title=f"{code}: return intentions"
    )


def _answers(values: dict[str, str]) -> SurveyIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    for name in LIST_FIELDS:
        if name in data:
            data[name] = data[name].split()
    try:
        return SurveyIn.model_validate(data)
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
    if session.scalar(select(ReturnSurvey.id).where(ReturnSurvey.instance_id == instance_id)) is not None:
        return "duplicate"
    if not may_collect(actor, operation_id):
        raise PermissionDenied(f"{actor.username} may not submit return surveys with form {form_id}")
    answers = _answers(values)
    if answers.survey_date > clock.today():
        raise ValidationFailed.single("survey_date", "the date of the interview is in the future")
    hh_id = registry.household_id_for_key(session, key=answers.household)
    household = registry.households_brief(session, [hh_id]).get(hh_id) if hh_id else None
    if household is None or household.operation_id != operation_id or household.ref != answers.household:
        raise ValidationFailed.single(
            "household", f"no household {answers.household!r} in this form's operation", "unknown_household"
        )
    if not actor.can(Permission.RETURN_MANAGE, operation_id=operation_id, site_id=household.site_id):
        raise PermissionDenied(f"{actor.username} may not survey households of this site")
    if deprecated_id:
        _replace(session, actor=actor, form_id=form_id, deprecated_id=deprecated_id)
    survey = ReturnSurvey(
        operation_id=operation_id,
        household_id=household.id,
        site_id=household.site_id,
        form_id=form_id,
        instance_id=instance_id[:100],
        deprecated_id=(deprecated_id or "")[:100] or None,
        status="current",
        survey_date=answers.survey_date,
        intention=answers.intention.value,
        conditions=sorted({c.value for c in answers.conditions}),
        destination_iso3=answers.destination_country,
        origin_area=(answers.origin_area or household.place_of_origin or "not stated")[:200],
        go_and_see=answers.go_and_see,
        submitted_by=actor.label,
        xml=xml,
    )
    session.add(survey)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="solutions.return_survey_received",
        object_type="return_survey",
        object_id=str(survey.id),
        details={"form_id": form_id, "instance_id": instance_id, "household": household.ref},
    )
    return "created"


def _replace(session: Session, *, actor: Principal, form_id: str, deprecated_id: str) -> None:
    """An edited survey replaces the one it edits: same form, the sender allowed on its site."""
    earlier = session.scalar(select(ReturnSurvey).where(ReturnSurvey.instance_id == deprecated_id))
    if earlier is None:
        return  # the edit of a survey never received: kept as a survey of its own
    if not actor.can(Permission.RETURN_MANAGE, operation_id=earlier.operation_id, site_id=earlier.site_id):
        raise PermissionDenied(f"{actor.username} may not replace survey {deprecated_id}")
    if earlier.form_id != form_id:
        raise ValidationFailed.single(
            "deprecatedID",
            f"the edited survey {deprecated_id} was sent with another form; an edit must use the same form",
            "other_form",
        )
    earlier.status = "replaced"


__all__ = ["HANDLER", "may_collect", "receive_survey", "survey_form"]
