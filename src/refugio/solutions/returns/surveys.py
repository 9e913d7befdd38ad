"""Return intention surveys: the operation's survey form (an XLSForm) on refugio's OpenRosa form list,
and the submissions ODK/Kobo send back, handed here by the OpenRosa channel once it has made the checks
of registration's OpenRosa path (intake's `receive_domain_submission`: an instanceID is received once,
the sender may collect, the answers are valid, an edit comes through the same form). Here: the household
must be a registered household of the form's operation and the sender must hold RETURN_MANAGE on its
site; an edit (`deprecatedID`) must come from someone allowed on the site of the survey it edits, which
is then `replaced` and no longer counted. Writes flush, never commit; every survey is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import PermissionDenied, ValidationFailed
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


def find_survey(session: Session, instance_id: str) -> ReturnSurvey | None:
    """The survey received with this instanceID, if any."""
    return session.scalar(select(ReturnSurvey).where(ReturnSurvey.instance_id == instance_id))


def may_replace(actor: Principal, earlier: ReturnSurvey) -> bool:
    """Whether `actor` may send an edit of `earlier`: allowed on the site of the survey it edits."""
    return actor.can(Permission.RETURN_MANAGE, operation_id=earlier.operation_id, site_id=earlier.site_id)


def record_survey(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    form_id: str,
    instance_id: str,
    deprecated_id: str | None,
    answers: SurveyIn,
    xml: str,
    replace_earlier: Callable[[], None],
) -> ReturnSurvey:
    """Record one survey whose submission was checked (see the module's docstring): its household must be
    one of the operation's on a site of the sender's; `replace_earlier` marks the survey it edits."""
    hh_id = registry.household_id_for_key(session, key=answers.household)
    household = registry.households_brief(session, [hh_id]).get(hh_id) if hh_id else None
    if household is None or household.operation_id != operation_id or household.ref != answers.household:
        raise ValidationFailed.single(
            "household", f"no household {answers.household!r} in this form's operation", "unknown_household"
        )
    if not actor.can(Permission.RETURN_MANAGE, operation_id=operation_id, site_id=household.site_id):
        raise PermissionDenied(f"{actor.username} may not survey households of this site")
    replace_earlier()
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
