"""OpenRosa 1.0 for ODK Collect, KoboCollect and Enketo: published forms (refugio's own registration
form or an uploaded XLSForm), the form list and manifest documents, and submissions parsed with
defusedxml (no DTDs, no entities) into staging, one household per submission.

A submission's instanceID is received once: the same instanceID again changes nothing (the caller
answers it as a duplicate). An edited submission (`deprecatedID`) replaces the rows of the one it
edits while those are still in staging, or updates the registered household afterwards. Submissions
of a form collect in one open batch (`receiving`); an officer closes it to review and commit it like
any import.

The only module that imports defusedxml (lazily). Writes go through intake.service; flush, never commit.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, defer

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.core.events import EventBus
from refugio.intake import service
from refugio.intake.fields import BY_NAME, IGNORE
from refugio.intake.households import row_keys
from refugio.intake.mapping import CellError, Mapping, suggest_field
from refugio.intake.models import Attachment, ImportBatch, PublishedForm, StagedRow, Submission
from refugio.intake.openrosa_forms import FormHandler, handler_of, receive_domain_submission
from refugio.intake.xlsform_pyxform import FORM_ID, FormInfo, convert, registration_xlsform
from refugio.registration.models import Operation, Site
from refugio.security import audit
from refugio.security.principals import Principal

OPENROSA_VERSION = "1.0"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
MAX_XML_BYTES = 2 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_XML_DEPTH = 100  # forms nest groups and repeats a few levels; Python's recursion limit is 1000
_SKIP = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "dob_known",
    "instanceID",
    "deprecatedID",
    "instanceName",
}
_SAFE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


# ---------------------------------------------------------------------------------------------------
# documents


def form_list_xml(forms: Sequence[PublishedForm], base_url: str) -> str:
    """The OpenRosa form list (`GET /formList`)."""
    items = []
    for f in forms:
        fid = escape(f.form_id)
        items.append(
            "<xform>"
            f"<formID>{fid}</formID>"
            f"<name>{escape(f.title)}</name>"
            f"<version>{escape(f.version)}</version>"
            f"<hash>md5:{f.md5}</hash>"
            f"<downloadUrl>{escape(base_url)}/forms/{fid}/form.xml</downloadUrl>"
            f"<manifestUrl>{escape(base_url)}/forms/{fid}/manifest</manifestUrl>"
            "</xform>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{XFORMS_LIST_NS}">{"".join(items)}</xforms>'
    )


def manifest_xml() -> str:
    """The manifest of a form (`GET …/manifest`): refugio's forms need no media files."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{MANIFEST_NS}"></manifest>'


def response_xml(message: str, nature: str = "") -> str:
    """An OpenRosaResponse document, the body ODK Collect shows to the enumerator."""
    attr = f' nature="{escape(nature)}"' if nature else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{RESPONSE_NS}">'
        f"<message{attr}>{escape(message)}</message></OpenRosaResponse>"
    )


# ---------------------------------------------------------------------------------------------------
# forms


def _mapping_for(info: FormInfo, builtin: bool) -> dict[str, Any]:
    repeat = info.repeats[0].rsplit("/", 1)[-1] if info.repeats else None
    columns: dict[str, str] = {}
    for xpath, _kind, label in info.fields:
        name = xpath.rsplit("/", 1)[-1]
        if name in _SKIP or name in columns:
            continue
        if builtin:
            if name in BY_NAME or name in ("dob_month", "dob_year"):
                columns[name] = name
            continue
        s = suggest_field(name)
        if s.field is None or s.confidence < 0.8:
            s = suggest_field(label)
        if s.field is not None and s.confidence >= 0.8 and s.field not in columns.values():
            columns[name] = s.field
    return {"columns": columns, "repeat": repeat, "builtin": builtin}


def publish_form(
    session: Session,
    *,
    actor: Principal,
    site_id: uuid.UUID | None = None,
    operation_id: uuid.UUID | None = None,
    xlsform: bytes | None = None,
    mapping: Mapping | None = None,
) -> PublishedForm:
    """Publish refugio's registration form (no `xlsform`) or an uploaded XLSForm to the form list.

    The built-in form of an operation lists its sites; an uploaded form's fields are mapped to refugio
    fields by name and label (or by `mapping`). Publishing a form id again replaces it."""
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None:
            raise ValidationFailed.single("site_id", "unknown site", "unknown_site")
        operation_id = site.operation_id
    if operation_id is None:
        raise ValidationFailed.single("operation", "choose the operation (or site) of the form", "required")
    op = session.get(Operation, operation_id)
    if op is None:
        raise ValidationFailed.single("operation", "unknown operation", "unknown_operation")
    actor.require(service.IMPORT_PERMISSION, operation_id=operation_id, site_id=site_id)
    builtin = xlsform is None
    if builtin:
        sites = [
            (s.code, s.name)
            for s in session.scalars(
                select(Site).where(Site.operation_id == operation_id).order_by(Site.code)
            )
            if site_id is None or s.id == site_id
        ]
        version = clock.now().strftime("%Y%m%d%H%M")
        xlsform = registration_xlsform(
            sites=sites,
            form_id=f"{FORM_ID}_{op.code.lower()}",
            version=version,
            title=f"{op.name}: registration",
        )
    assert xlsform is not None
    info = convert(xlsform)
    if not _SAFE_ID.match(info.form_id):
        raise ValidationFailed.single(
            "form_id", f"form id {info.form_id!r} is not a plain identifier", "xlsform"
        )
    content = _mapping_for(info, builtin)
    if mapping is not None:
        content["columns"] = {k: v for k, v in mapping.columns.items() if v != IGNORE}
    form = session.scalar(select(PublishedForm).where(PublishedForm.form_id == info.form_id))
    if form is not None and form.operation_id != operation_id:
        raise Conflict(f"form id {info.form_id} is already published by another operation")
    if form is None:
        form = PublishedForm(form_id=info.form_id, operation_id=operation_id, created_by=actor.label)
        session.add(form)
    form.version = info.version or clock.now().strftime("%Y%m%d%H%M")
    form.title = info.title or info.form_id
    form.site_id = site_id
    form.xform = info.xform
    form.md5 = hashlib.md5(info.xform.encode(), usedforsecurity=False).hexdigest()
    form.xlsx = xlsform
    form.mapping = content
    form.builtin = builtin
    form.active = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.form_publish",
        object_type="intake_form",
        object_id=str(form.id),
        details={"form_id": form.form_id, "version": form.version, "builtin": builtin},
    )
    return form


def visible_forms(session: Session, *, actor: Principal) -> list[PublishedForm]:
    """The active forms the actor may submit to (the OpenRosa form list)."""
    forms = session.scalars(
        select(PublishedForm).where(PublishedForm.active.is_(True)).order_by(PublishedForm.form_id)
    )
    scope = actor.scope(service.IMPORT_PERMISSION)
    out = []
    for f in forms:
        handler = handler_of(f)
        if handler is not None:  # another domain's form: its own permission decides
            if handler.may_submit(actor, f.operation_id):
                out.append(f)
        elif scope.everything or f.operation_id in scope.operation_ids or (f.site_id in scope.site_ids):
            out.append(f)
        elif f.site_id is None and scope.site_ids:
            site_ops = set(session.scalars(select(Site.operation_id).where(Site.id.in_(scope.site_ids))))
            if f.operation_id in site_ops:
                out.append(f)
    return out


def get_form(session: Session, *, actor: Principal, form_id: str) -> PublishedForm:
    for f in visible_forms(session, actor=actor):
        if f.form_id == form_id:
            return f
    raise NotFound(f"no form {form_id!r} on this server")


# ---------------------------------------------------------------------------------------------------
# submissions


@dataclass
class ParsedSubmission:
    form_id: str
    version: str | None
    instance_id: str
    deprecated_id: str | None
    household: dict[str, str] = field(default_factory=dict)
    members: list[dict[str, str]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(xml: bytes) -> Element:
    """The submission's root element; malformed or hostile XML (DTDs, entities) is a ValidationFailed."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    if len(xml) > MAX_XML_BYTES:
        raise ValidationFailed.single(
            "xml_submission_file", "the submission is larger than 2 MB", "too_large"
        )
    try:
        root: Element = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ValidationFailed.single(
            "xml_submission_file",
            "the submission contains a DTD or entities, which are refused",
            "forbidden_xml",
        ) from None
    except SafeET.ParseError as exc:
        raise ValidationFailed.single(
            "xml_submission_file", f"the submission is not well-formed XML ({exc})", "malformed_xml"
        ) from None
    stack = [(root, 1)]  # refuse nesting deeper than any form makes (the reader walks it recursively)
    while stack:
        el, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            message = f"the submission nests elements more than {MAX_XML_DEPTH} deep"
            raise ValidationFailed.single("xml_submission_file", message, "too_deep")
        stack.extend((child, depth + 1) for child in el)
    return root


def _form_id_of(root: Element) -> str:
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise ValidationFailed.single(
            "xml_submission_file", "the submission names no form (no id attribute)", "no_form_id"
        )
    return form_id


def _read(root: Element, *, repeat: str | None) -> ParsedSubmission:
    form_id = _form_id_of(root)
    meta: dict[str, str] = {}
    for el in root.iter():
        name = _local(el.tag)
        if name in ("instanceID", "deprecatedID") and el.text:
            meta[name] = el.text.strip()
    if not meta.get("instanceID"):
        raise ValidationFailed.single(
            "xml_submission_file", "the submission has no meta/instanceID", "no_instance_id"
        )
    out = ParsedSubmission(
        form_id=form_id,
        version=root.get("version"),
        instance_id=meta["instanceID"][:100],
        deprecated_id=meta.get("deprecatedID", "")[:100] or None,
    )

    def walk(el: Element, target: dict[str, str]) -> None:
        for child in el:
            name = _local(child.tag)
            if name == "meta":
                continue
            if len(child):
                if repeat is not None and name == repeat:
                    member: dict[str, str] = {}
                    walk(child, member)
                    out.members.append(member)
                else:
                    walk(child, target)
            elif child.text is not None and child.text.strip():
                target[name] = child.text.strip()

    walk(root, out.household)
    return out


def parse_submission(xml: bytes, *, repeat: str | None = None) -> ParsedSubmission:
    """A submission's form id, instanceID and values (leaf element name → text), household-level and
    per repeat instance. Malformed or hostile XML (DTDs, entities) is a ValidationFailed."""
    return _read(_parse_xml(xml), repeat=repeat)


@dataclass(frozen=True)
class Received:
    status: str  # created | duplicate
    instance_id: str
    batch_id: uuid.UUID | None
    rows: int = 0
    errors: int = 0
    message: str = ""  # what to tell the enumerator, when not the staging of households


def _form_mapping(form: PublishedForm) -> Mapping:
    return Mapping(columns={k: v for k, v in (form.mapping.get("columns") or {}).items() if v in BY_NAME})


def _row_values(
    form: PublishedForm, values: dict[str, str], mapping: Mapping | None = None
) -> tuple[dict[str, Any], list[CellError], list[Any]]:
    mapping = mapping or _form_mapping(form)
    headers = [h for h in values if h in mapping.columns]
    plan = mapping.compile(headers)
    cells = [values[h] for h in headers]
    parsed, errors = mapping.apply(plan, cells)
    # refugio's form asks for a partial date of birth in two more questions
    for name, cut in (("dob_month", 7), ("dob_year", 4)):
        if values.get(name) and "date_of_birth" not in parsed:
            parsed["date_of_birth"] = values[name][:cut]
        parsed.pop(name, None)
    return parsed, errors, cells


def _open_batch(session: Session, actor: Principal, form: PublishedForm) -> ImportBatch:
    batch = session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.kind == "openrosa",
            ImportBatch.form_id == form.form_id,
            ImportBatch.status == "receiving",
        )
        .order_by(ImportBatch.created_at)
        .limit(1)
    )
    if batch is not None:
        return batch
    return service.start_batch(
        session,
        actor=actor,
        source=f"openrosa:{form.form_id}"[:80],
        kind="openrosa",
        site_id=form.site_id,
        operation_id=form.operation_id,
        form_id=form.form_id,
        mapping=Mapping(
            columns={k: v for k, v in (form.mapping.get("columns") or {}).items() if v in BY_NAME}
        ),
        status="receiving",
    )


def _replace_earlier(session: Session, actor: Principal, form: PublishedForm, parsed: Any) -> str:
    """An edited submission (`deprecatedID`) replaces the staged rows of the one it edits; returns the
    household key of the chain. The earlier submission must have come through the same form, and the
    sender must be allowed to import on the earlier submission's batch scope (its site, or the whole
    operation for a form without a site): an id alone never reaches another site's data."""
    previous = session.scalar(select(Submission).where(Submission.instance_id == parsed.deprecated_id))
    if previous is None:
        return str(parsed.deprecated_id)
    earlier = session.get(ImportBatch, previous.batch_id)
    if earlier is None or not actor.can(
        service.IMPORT_PERMISSION, operation_id=earlier.operation_id, site_id=earlier.site_id
    ):
        raise PermissionDenied(f"{actor.label} may not replace submission {parsed.deprecated_id}")
    if previous.form_id != form.form_id:
        raise ValidationFailed.single(
            "deprecatedID",
            f"the edited submission {parsed.deprecated_id} was sent with another form; "
            "an edit must use the same form",
            "other_form",
        )
    if earlier.status in ("receiving", "ready", "blocked"):
        session.execute(delete(StagedRow).where(StagedRow.submission_id == previous.id))
        previous.status = "replaced"
    return previous.household_key


def receive_submission(
    session: Session,
    *,
    actor: Principal,
    xml: bytes,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> Received:
    """Stage one submission (a household) into its form's open batch; an instanceID already received
    is a `duplicate` and changes nothing."""
    root = _parse_xml(xml)  # parsed once; read again below with the form's repeat group
    form = _active_form(session, root)
    handler = handler_of(form)
    if handler is not None:  # another domain's form (e.g. tracking's flow survey): handed over whole
        return _receive_for_domain(session, actor, form, root, xml, handler)
    parsed = _read(root, repeat=form.mapping.get("repeat"))
    if session.scalar(select(Submission.id).where(Submission.instance_id == parsed.instance_id)) is not None:
        return Received("duplicate", parsed.instance_id, None)
    _check_may_submit(actor, form, attachments)
    household_key = _replace_earlier(session, actor, form, parsed) if parsed.deprecated_id else None
    household_key = household_key or parsed.instance_id
    batch = _open_batch(session, actor, form)
    submission = Submission(
        instance_id=parsed.instance_id,
        deprecated_id=parsed.deprecated_id,
        household_key=household_key,
        form_id=form.form_id,
        form_version=(parsed.version or "")[:40] or None,
        batch_id=batch.id,
        submitted_by=actor.label,
        xml=xml.decode("utf-8", errors="replace"),
        status="staged",
    )
    session.add(submission)
    session.flush()
    staged, bad = _stage_household(
        session, actor, form=form, batch=batch, parsed=parsed, submission=submission
    )
    _add_attachments(session, submission.id, attachments)
    counts = dict(batch.counts or {})
    counts["submissions"] = counts.get("submissions", 0) + 1
    counts["rows"] = counts.get("rows", 0) + staged
    batch.counts = counts
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="intake.submission_receive",
        object_type="intake_batch",
        object_id=str(batch.id),
        details={"form_id": form.form_id, "instance_id": parsed.instance_id, "rows": staged},
    )
    return Received("created", parsed.instance_id, batch.id, staged, 1 if bad else 0)


def _receive_for_domain(
    session: Session, actor: Principal, form: PublishedForm, root: Element, xml: bytes, handler: FormHandler
) -> Received:
    """Hand a submission of another domain's form to that domain (checked by intake, recorded there)."""
    parsed = _read(root, repeat=None)
    status = receive_domain_submission(
        session, handler, actor=actor, operation_id=form.operation_id, form_id=form.form_id,
        instance_id=parsed.instance_id, deprecated_id=parsed.deprecated_id, values=parsed.household,
        xml=xml.decode("utf-8", errors="replace"),
    )  # fmt: skip
    return Received(status, parsed.instance_id, None, 1, 0, message=f"{form.title}: submission received")


def _active_form(session: Session, root: Element) -> PublishedForm:
    """The active published form a submission names (NotFound when there is none)."""
    form = session.scalar(
        select(PublishedForm)
        .where(PublishedForm.form_id == _form_id_of(root), PublishedForm.active.is_(True))
        .options(defer(PublishedForm.xform), defer(PublishedForm.xlsx))  # not needed to receive
    )
    if form is None:
        raise NotFound(f"unknown form id {_form_id_of(root)!r}: download the current form from this server")
    return form


def _check_may_submit(
    actor: Principal, form: PublishedForm, attachments: Sequence[tuple[str, str, bytes]]
) -> None:
    """The actor may import where the form collects, and no attachment is over the size limit."""
    if not actor.can(
        service.IMPORT_PERMISSION, operation_id=form.operation_id, site_id=form.site_id
    ) and not (form.site_id is None and actor.can_anywhere(service.IMPORT_PERMISSION)):
        raise PermissionDenied(f"{actor.label} may not submit registrations with form {form.form_id}")
    for name, _ctype, content in attachments:
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed.single(name, "an attachment is larger than 10 MB", "too_large")


def _stage_household(
    session: Session,
    actor: Principal,
    *,
    form: PublishedForm,
    batch: ImportBatch,
    parsed: ParsedSubmission,
    submission: Submission,
) -> tuple[int, bool]:
    """Stage the submission's members (one row each) and check their household against the rules and
    the registry; returns (rows staged, whether the household is held back). A household with an error
    is held back whole and its submission marked `invalid`."""
    people = parsed.members or [{}]
    inputs: list[service.RowInput] = []
    mapping = _form_mapping(form)
    for n, member in enumerate(people, start=1):
        values, errors, cells = _row_values(form, {**parsed.household, **member}, mapping)
        values["household_key"] = submission.household_key
        inputs.append(service.RowInput(n, values, errors, cells, None, submission.id))
    sites = service.sites_by_code(session, batch.operation_id)
    staged = service.stage(session, batch=batch, inputs=inputs, sites=sites)
    keys = sorted({row_keys(item.values)[0] for item in inputs})  # the household this submission is
    statuses = service.check_households(session, actor=actor, batch=batch, keys=keys, sites=sites)
    bad = statuses & service.BLOCKING  # a household with an error is held back whole
    if bad:
        submission.status = "invalid"
    return staged, bool(bad)


def _add_attachments(
    session: Session, submission_id: uuid.UUID, attachments: Sequence[tuple[str, str, bytes]]
) -> None:
    for name, ctype, content in attachments:
        session.add(
            Attachment(
                submission_id=submission_id,
                filename=name[-255:],
                content_type=(ctype or "application/octet-stream")[:100],
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
        )


def close_batch(
    session: Session, *, actor: Principal, batch_id: uuid.UUID, events: EventBus | None = None
) -> ImportBatch:
    """Stop collecting submissions into a batch and check it as a whole: it is then ready for review
    (new submissions open a new batch)."""
    batch = service.load_batch(session, actor=actor, batch_id=batch_id, lock=True)
    if batch.status != "receiving":
        raise Conflict(f"this batch is {batch.status}, not receiving submissions")
    batch.status = "validating"
    session.flush()
    after: str | None = None
    while True:
        last, _seen = service.validate_page(session, actor=actor, batch_id=batch_id, after=after)
        if last is None:
            break
        after = last
    return service.finish_validation(session, actor=actor, batch_id=batch_id, events=events)


def check_form_fields(info: FormInfo) -> list[FieldError]:
    """What an uploaded form lacks for registration (reported when it is published)."""
    mapping = _mapping_for(info, builtin=False)
    present = set(mapping["columns"].values())
    out = []
    for need in ("sex", "given_name"):
        if need not in present and not (need == "given_name" and "family_name" in present):
            out.append(FieldError("form", f"no question of the form maps to {need}", "unmapped_field"))
    return out


__all__ = [
    "MANIFEST_NS",
    "MAX_ATTACHMENT_BYTES",
    "OPENROSA_VERSION",
    "RESPONSE_NS",
    "XFORMS_LIST_NS",
    "ParsedSubmission",
    "Received",
    "check_form_fields",
    "close_batch",
    "form_list_xml",
    "get_form",
    "manifest_xml",
    "parse_submission",
    "publish_form",
    "receive_submission",
    "response_xml",
    "visible_forms",
]
