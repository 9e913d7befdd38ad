"""Forms of other domains on refugio's OpenRosa form list. A domain registers a *handler* (here: tracking's
flow monitoring survey, solutions' return intention survey): the XLSForm it writes is converted by
pyxform and published like any form, marked with the handler's name in its mapping (`{"handler": …}`);
its submissions are parsed by the OpenRosa channel and handed to the domain instead of staging
households. The handler says who may list and submit the form (its own permission, on the form's
operation) and records a submission (`created` or `duplicate`), checking instanceID, deprecatedID and
scope as registration's path does. Writes flush, never commit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, ValidationFailed
from refugio.intake.models import PublishedForm
from refugio.intake.xlsform_pyxform import convert
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.solutions.returns import surveys as return_surveys
from refugio.tracking import service as tracking


@dataclass(frozen=True)
class FormHandler:
    """What a domain provides for its form: the XLSForm, who may use it, and where submissions go."""

    build: Callable[..., tuple[str, bytes]]  # (session, actor=, operation_id=) → (form id, XLSX)
    may_submit: Callable[[Principal, uuid.UUID], bool]  # (actor, operation id)
    receive: Callable[..., str]  # (session, actor=, operation_id=, form_id=, instance_id=, …) → status


HANDLERS: dict[str, FormHandler] = {
    tracking.SURVEY_HANDLER: FormHandler(tracking.survey_form, tracking.may_collect, tracking.receive_survey),
    return_surveys.HANDLER: FormHandler(
        return_surveys.survey_form, return_surveys.may_collect, return_surveys.receive_survey
    ),
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


__all__ = ["HANDLERS", "FormHandler", "handler_of", "publish_domain_form", "published_domain_form"]
