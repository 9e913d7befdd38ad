"""Forms of other domains on refugio's OpenRosa form list. A domain registers a *handler* (here: tracking's
flow monitoring survey, solutions' return intention survey): the XLSForm it writes is converted by
pyxform and published like any form, marked with the handler's name in its mapping (`{"handler": …}`);
its submissions are parsed by the OpenRosa channel and handed to the domain instead of staging
households. The handler says who may list and submit the form (its own permission, on the form's
operation), how its answers read and who may edit a survey; `receive_domain_submission` makes the checks
of registration's OpenRosa path for every domain (an instanceID is received once, again a `duplicate`
that changes nothing; the sender may submit with the form; the answers are valid and not dated in the
future; an edit, `deprecatedID`, comes through the same form from someone allowed to replace the survey
it edits, which is then `replaced`) and the domain checks and records the rest. Writes flush, never
commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.intake.models import PublishedForm
from refugio.intake.xlsform_pyxform import convert
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.solutions.returns import surveys as return_surveys
from refugio.solutions.returns.schemas import SurveyIn
from refugio.tracking import surveys as flow_surveys
from refugio.tracking.schemas import FlowSurveyIn


class Answers(Protocol):
    """The answers of a domain's survey, as its schema reads them: every survey has its date."""

    @property
    def survey_date(self) -> dt.date: ...


class Survey(Protocol):
    """A survey a domain has recorded, as an edit of it needs it."""

    form_id: str
    status: str


@dataclass(frozen=True)
class FormHandler:
    """What a domain provides for its form: the XLSForm, who may use it, how its answers read, and where
    submissions go."""

    build: Callable[..., tuple[str, bytes]]  # (session, actor=, operation_id=) → (form id, XLSX)
    may_submit: Callable[[Principal, uuid.UUID], bool]  # (actor, operation id)
    what: str  # what the domain's submissions are, in "may not submit <what> with form …"
    answers: Callable[[dict[str, Any]], Answers]  # the schema's model_validate
    list_fields: tuple[str, ...]  # select_multiple answers: space-separated in a submission
    find: Callable[[Session, str], Survey | None]  # the survey received with an instanceID
    may_replace: Callable[[Principal, Any], bool]  # (actor, the survey an edit replaces)
    # (session, actor=, operation_id=, form_id=, instance_id=, deprecated_id=, answers=, xml=,
    # replace_earlier=): checks what the answers name, calls replace_earlier(), records the survey
    record: Callable[..., object]


class SurveyModule(Protocol):
    """What a domain's survey module (e.g. refugio.tracking.surveys) provides for its form."""

    @property
    def LIST_FIELDS(self) -> tuple[str, ...]: ...  # the module's constant
    @property
    def record_survey(self) -> Callable[..., object]: ...  # see FormHandler.record
    def survey_form(
        self, session: Session, *, actor: Principal, operation_id: uuid.UUID
    ) -> tuple[str, bytes]: ...
    def may_collect(self, actor: Principal, operation_id: uuid.UUID) -> bool: ...
    def find_survey(self, session: Session, instance_id: str) -> Any: ...
    def may_replace(self, actor: Principal, earlier: Any) -> bool: ...


def _survey_handler(
    module: SurveyModule, what: str, answers: Callable[[dict[str, Any]], Answers]
) -> FormHandler:
    return FormHandler(
        module.survey_form, module.may_collect, what=what, answers=answers, list_fields=module.LIST_FIELDS,
        find=module.find_survey, may_replace=module.may_replace, record=module.record_survey,
    )  # fmt: skip


HANDLERS: dict[str, FormHandler] = {
    flow_surveys.HANDLER: _survey_handler(flow_surveys, "flow surveys", FlowSurveyIn.model_validate),
    return_surveys.HANDLER: _survey_handler(return_surveys, "return surveys", SurveyIn.model_validate),
}


def handler_of(form: PublishedForm) -> FormHandler | None:
    """The handler of a domain's form (None for registration forms)."""
    name = (form.mapping or {}).get("handler")
    return HANDLERS.get(name) if isinstance(name, str) else None


def publish_domain_form(
    session: Session, *, actor: Principal, handler: str, operation_id: uuid.UUID
) -> PublishedForm:
    """Write the handler's form for the operation, check it with pyxform and publish it (again
    replaces the earlier version). The handler checks the actor's permission."""
    if handler not in HANDLERS:
        raise ValidationFailed.single("handler", f"no form handler {handler!r}", "unknown_handler")
    form_id, xlsx = HANDLERS[handler].build(session, actor=actor, operation_id=operation_id)
    info = convert(xlsx)
    form = session.scalar(select(PublishedForm).where(PublishedForm.form_id == info.form_id))
    if form is not None and form.operation_id != operation_id:
        raise Conflict(f"form id {info.form_id} is already published by another operation")
    if form is None:
        form = PublishedForm(form_id=info.form_id, operation_id=operation_id, created_by=actor.label)
        session.add(form)
    form.version, form.title, form.site_id = info.version or form_id, info.title or form_id, None
    form.xform = info.xform
    form.md5 = hashlib.md5(info.xform.encode(), usedforsecurity=False).hexdigest()
    form.xlsx, form.mapping, form.builtin, form.active = xlsx, {"handler": handler}, False, True
    session.flush()
    audit.record(session, actor=actor, action="intake.form_publish", object_type="intake_form",
                 object_id=str(form.id), details={"form_id": form.form_id, "version": form.version,
                                                  "handler": handler})  # fmt: skip
    return form


def published_domain_form(session: Session, *, handler: str, operation_id: uuid.UUID) -> PublishedForm | None:
    """The operation's published form of the handler, if any."""
    forms = session.scalars(
        select(PublishedForm).where(
            PublishedForm.operation_id == operation_id, PublishedForm.active.is_(True)
        )
    )
    return next((f for f in forms if (f.mapping or {}).get("handler") == handler), None)


def receive_domain_submission(
    session: Session,
    handler: FormHandler,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    form_id: str,
    instance_id: str,
    deprecated_id: str | None,
    values: dict[str, str],
    xml: str,
) -> str:
    """Check one submission of a domain's form as registration's OpenRosa path does and hand it to the
    domain to record; `created`, or `duplicate` (its instanceID was received already: nothing changed)."""
    if handler.find(session, instance_id) is not None:
        return "duplicate"
    if not handler.may_submit(actor, operation_id):
        raise PermissionDenied(f"{actor.label} may not submit {handler.what} with form {form_id}")
    answers = _answers(handler, values)
    if answers.survey_date > clock.today():
        raise ValidationFailed.single("survey_date", "the date of the interview is in the future")

    def replace_earlier() -> None:
        if deprecated_id:
            _replace(session, handler, actor=actor, form_id=form_id, deprecated_id=deprecated_id)

    handler.record(
        session, actor=actor, operation_id=operation_id, form_id=form_id, instance_id=instance_id,
        deprecated_id=deprecated_id, answers=answers, xml=xml, replace_earlier=replace_earlier,
    )  # fmt: skip
    return "created"


def _answers(handler: FormHandler, values: dict[str, str]) -> Answers:
    """The submission's answers read by the domain's schema (empty answers left out); every problem named."""
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    for name in handler.list_fields:
        if name in data:
            data[name] = data[name].split()
    try:
        return handler.answers(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [FieldError(str(e["loc"][0]), f"{e['loc'][0]}: {e['msg']}") for e in exc.errors() if e["loc"]]
        ) from None


def _replace(
    session: Session, handler: FormHandler, *, actor: Principal, form_id: str, deprecated_id: str
) -> None:
    """An edited survey replaces the one it edits: same form, and the sender allowed to replace it."""
    earlier = handler.find(session, deprecated_id)
    if earlier is None:
        return  # the edit of a survey never received: kept as a survey of its own
    if not handler.may_replace(actor, earlier):
        raise PermissionDenied(f"{actor.label} may not replace survey {deprecated_id}")
    if earlier.form_id != form_id:
        raise ValidationFailed.single(
            "deprecatedID",
            f"the edited survey {deprecated_id} was sent with another form; an edit must use the same form",
            "other_form",
        )
    earlier.status = "replaced"


__all__ = [
    "HANDLERS",
    "FormHandler",
    "handler_of",
    "publish_domain_form",
    "published_domain_form",
    "receive_domain_submission",
]
