"""Writes of data subject rights: record a request (its deadline from the settings), verify the
requester's identity, the DPO's decision on sensitive narratives, refuse with a reason, and carry the
request out — an access report (JSON or PDF, each download audited), a correction applied through the
registration service (history and events kept, each refused field named), an erasure (refused while
the law requires keeping the record, with the reason). Every step is kept on the request (who, when,
what) and audited. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import FieldError, ValidationFailed
from refugio.dataprotection.rights import collect, erasure, policy
from refugio.dataprotection.rights.enums import OPEN_STATUSES, Requester, RequestKind, RequestStatus
from refugio.dataprotection.rights.errors import RequestClosed
from refugio.dataprotection.rights.models import RightsRequest, Tombstone
from refugio.dataprotection.rights.queries import load, request_read
from refugio.dataprotection.rights.schemas import (
    IdentityVerification,
    Refusal,
    RightsRequestCreate,
    RightsRequestRead,
    SensitiveDecision,
)
from refugio.registration import service as registration
from refugio.registration.models import Individual
from refugio.registration.schemas import IndividualUpdate
from refugio.security import audit
from refugio.security.permissions import Role
from refugio.security.principals import Grant, Principal

DEFAULT_DEADLINE_DAYS = 30
_VERIFIED = (RequestStatus.IDENTITY_VERIFIED.value, RequestStatus.IN_PROGRESS.value)


def _step(row: RightsRequest, actor: Principal, action: str, note: str | None = None) -> None:
    row.steps = [
        *(row.steps or []),
        {"at": clock.now().isoformat(), "by": actor.label, "action": action, "note": note},
    ]
    row.version += 1


def _audit(session: Session, actor: Principal, row: RightsRequest, action: str, **details: Any) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"rights.{action}",
        object_type="individual",
        object_id=str(row.individual_id),
        details={"request": row.ref, "kind": row.kind, **details},
    )


def _open(row: RightsRequest) -> None:
    if row.status not in {s.value for s in OPEN_STATUSES}:
        raise RequestClosed(f"request {row.ref} is {row.status.replace('_', ' ')}: nothing more can be done")


def _verified(row: RightsRequest) -> None:
    _open(row)
    if row.status not in _VERIFIED:
        raise RequestClosed(f"request {row.ref}: verify the requester's identity first")


def _close(row: RightsRequest, actor: Principal, status: RequestStatus) -> None:
    row.status, row.closed_at, row.closed_by = status.value, clock.now(), actor.label


def create_request(
    session: Session,
    *,
    actor: Principal,
    data: RightsRequestCreate,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
) -> RightsRequestRead:
    """Record a request as received; its deadline is `deadline_days` after its receipt."""
    policy.require_manage(actor)
    errors: list[FieldError] = []
    received = data.received_on or clock.today()
    if received > clock.today():
        errors.append(FieldError("received_on", "a request cannot be received in the future"))
    person = session.scalar(select(Individual).where(Individual.ref == data.ref))
    erased = session.scalar(select(Tombstone.ref).where(Tombstone.ref == data.ref))
    if erased:
        errors.append(FieldError("ref", f"{data.ref} was erased: no record is held any more", "erased"))
    elif person is None:
        errors.append(FieldError("ref", f"no person with the reference {data.ref}", "not_found"))
    if data.kind == RequestKind.CORRECTION and not data.changes:
        errors.append(
            FieldError("changes", "a correction names at least one field and its new value", "required")
        )
    if data.kind != RequestKind.CORRECTION and data.changes:
        errors.append(FieldError("changes", "only a correction request names fields to change"))
    if data.requester == Requester.REPRESENTATIVE and not data.requester_name:
        errors.append(FieldError("requester_name", "name the representative", "required"))
    if errors:
        raise ValidationFailed.of(errors, unknown=("not_found",))
    assert person is not None
    new_id = ids.new_id()
    row = RightsRequest(
        id=new_id,
        ref=f"DSR-{received:%y}-{new_id.hex[-8:].upper()}",
        kind=data.kind.value,
        status=RequestStatus.RECEIVED.value,
        individual_id=person.id,
        individual_ref=person.ref,
        requester=data.requester.value,
        requester_name=data.requester_name if data.requester == Requester.REPRESENTATIVE else None,
        language=data.language,
        received_on=received,
        due_on=received + dt.timedelta(days=deadline_days),
        changes=dict(data.changes),
        include_sensitive=False,
        outcome={},
        steps=[],
        created_at=clock.now(),
        created_by=actor.label,
        version=0,
    )
    _step(
        row, actor, "received", f"{data.kind.value} request by the {data.requester.value.replace('_', ' ')}"
    )
    session.add(row)
    session.flush()
    _audit(session, actor, row, "request_received", due_on=row.due_on.isoformat())
    return request_read(row)


def verify_identity(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: IdentityVerification
) -> RightsRequestRead:
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    _open(row)
    if row.status != RequestStatus.RECEIVED.value:
        raise RequestClosed(f"request {row.ref}: the identity is verified already")
    row.status, row.identity_evidence = RequestStatus.IDENTITY_VERIFIED.value, data.evidence.strip()
    _step(row, actor, "identity_verified", row.identity_evidence)
    session.flush()
    _audit(session, actor, row, "identity_verified")
    return request_read(row)


def decide_sensitive(
    session: Session, *, actor: Principal, request_id: uuid.UUID, data: SensitiveDecision
) -> RightsRequestRead:
    """The DPO's decision whether sensitive narratives go into an access report: only for a request the
    person made themselves, with the legal ground."""
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    _open(row)
    if row.kind != RequestKind.ACCESS.value:
        raise ValidationFailed.single("include", "only an access request releases narratives")
    if data.include and row.requester != Requester.DATA_SUBJECT.value:
        raise ValidationFailed.single(
            "include",
            "sensitive narratives are released only to the person themselves, not to a representative",
        )
    row.include_sensitive, row.sensitive_note = data.include, data.note.strip()
    _step(row, actor, "sensitive_released" if data.include else "sensitive_withheld", row.sensitive_note)
    session.flush()
    _audit(session, actor, row, "sensitive_decision", include=data.include)
    return request_read(row)


def refuse(session: Session, *, actor: Principal, request_id: uuid.UUID, data: Refusal) -> RightsRequestRead:
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    _open(row)
    row.refusal_reason = data.reason.strip()
    _close(row, actor, RequestStatus.REFUSED)
    _step(row, actor, "refused", row.refusal_reason)
    session.flush()
    _audit(session, actor, row, "refused")
    return request_read(row)


def access_report(
    session: Session, *, actor: Principal, request_id: uuid.UUID, fmt: str = "json"
) -> tuple[str, bytes, str]:
    """The access report of an access request whose requester's identity is verified: (file name,
    content, media type), JSON or a PDF in the request's language. Each download is audited."""
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    if row.kind != RequestKind.ACCESS.value:
        raise ValidationFailed.single("format", f"{row.ref} is a {row.kind} request, not an access request")
    if row.status not in (*_VERIFIED, RequestStatus.COMPLETED.value):
        raise RequestClosed(f"request {row.ref}: verify the requester's identity first")
    if fmt not in ("json", "pdf"):
        raise ValidationFailed.single("format", "json or pdf")
    report = collect.access_report(session, row)
    if fmt == "pdf":
        from refugio.dataprotection.rights.pdf import render

        content, media = render(report, row.language), "application/pdf"
    else:
        content = json.dumps(report, ensure_ascii=False, indent=2).encode()
        media = "application/json"
    if row.status == RequestStatus.IDENTITY_VERIFIED.value:
        row.status = RequestStatus.IN_PROGRESS.value
    _step(row, actor, "access_downloaded", fmt)
    session.flush()
    _audit(session, actor, row, "access_downloaded", format=fmt, withheld=len(report.get("withheld", [])))
    return f"{row.ref}-{row.individual_ref}.{fmt}", content, media


def complete_access(session: Session, *, actor: Principal, request_id: uuid.UUID) -> RightsRequestRead:
    """Close an access request once the report was handed over (downloaded at least once)."""
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    _verified(row)
    if row.kind != RequestKind.ACCESS.value:
        raise ValidationFailed.single("kind", f"{row.ref} is a {row.kind} request")
    if not any(s.get("action") == "access_downloaded" for s in row.steps or []):
        raise RequestClosed(f"request {row.ref}: download the report (JSON or PDF) before closing it")
    report = collect.access_report(session, row)
    row.outcome = {
        "sections": {k: len(v) for k, v in report.items() if isinstance(v, list)},
        "withheld": report.get("withheld", []),
    }
    _close(row, actor, RequestStatus.COMPLETED)
    _step(row, actor, "completed", "the report was handed over")
    session.flush()
    _audit(session, actor, row, "completed")
    return request_read(row)


def _acting(actor: Principal, person: Individual) -> Principal:
    """The actor, for this one person only, with the rights of a registration clerk at their site: a
    correction goes through the registration service like any other (decision 0017)."""
    return Principal(
        user_id=actor.user_id,
        username=actor.username,
        grants=(Grant(Role.REGISTRATION_CLERK, operation_id=person.operation_id, site_id=person.site_id),),
        purpose="data_subject_rights",
    )


def apply_correction(session: Session, *, actor: Principal, request_id: uuid.UUID) -> RightsRequestRead:
    """Apply the request's corrections through the registration service (the person's history keeps
    the old and new values, the reason names the request); each field that cannot be applied is named
    with why. Completed when at least one field was corrected, refused otherwise."""
    policy.require_manage(actor)
    row = load(session, request_id, lock=True)
    _verified(row)
    if row.kind != RequestKind.CORRECTION.value:
        raise ValidationFailed.single("kind", f"{row.ref} is a {row.kind} request, not a correction")
    person = session.get(Individual, row.individual_id)
    if person is None:
        raise RequestClosed(f"request {row.ref}: the person's record is gone")
    reason = f"Correction requested by the data subject (request {row.ref})"
    refused: dict[str, str] = {}
    accepted: dict[str, str] = {}
    for field, value in (row.changes or {}).items():
        current = getattr(person, field, None)
        if str(current or "") == value:
            refused[field] = "already has this value"
            continue
        try:
            IndividualUpdate.model_validate({"reason": reason, field: value})
        except ValidationError as exc:
            refused[field] = "; ".join(str(e["msg"]) for e in exc.errors())
            continue
        accepted[field] = value
    before = {f: collect.plain(getattr(person, f)) for f in accepted}
    acting = _acting(actor, person)
    while accepted:
        try:
            registration.update_individual(
                session,
                actor=acting,
                individual_id=person.id,
                data=IndividualUpdate(reason=reason, **accepted),
            )
            break
        except ValidationFailed as exc:
            wrong = {
                e.field.split(".")[0]: e.message for e in exc.errors if e.field.split(".")[0] in accepted
            }
            if not wrong:
                raise
            refused.update(wrong)
            accepted = {k: v for k, v in accepted.items() if k not in wrong}
    applied = {f: [before[f], collect.plain(getattr(person, f))] for f in accepted}
    row.outcome = {"applied": applied, "refused": refused}
    if applied:
        _close(row, actor, RequestStatus.COMPLETED)
        note = "corrected: " + ", ".join(applied) + ("; refused: " + ", ".join(refused) if refused else "")
        _step(row, actor, "corrected", note)
    else:
        row.refusal_reason = "; ".join(f"{k}: {v}" for k, v in refused.items())
        _close(row, actor, RequestStatus.REFUSED)
        _step(row, actor, "refused", row.refusal_reason)
    session.flush()
    _audit(session, actor, row, "corrected", applied=sorted(applied), refused=sorted(refused))
    return request_read(row)


def erase(session: Session, *, actor: Principal, request_id: uuid.UUID) -> RightsRequestRead:
    """Carry an erasure request out where the law allows it: refused (closed, with the reasons) while a
    legal hold, an open protection case or an open asylum claim requires keeping the record; otherwise
    the person is erased and a tombstone kept (refugio.dataprotection.rights.erasure)."""
    policy.require_erase(actor)
    row = load(session, request_id, lock=True)
    _verified(row)
    if row.kind != RequestKind.ERASURE.value:
        raise ValidationFailed.single("kind", f"{row.ref} is a {row.kind} request, not an erasure")
    person = session.get(Individual, row.individual_id, with_for_update=True)
    if person is None:
        raise RequestClosed(f"request {row.ref}: the person's record is gone")
    found = erasure.blockers(session, person)
    if found:
        row.refusal_reason = "the record must be kept: " + "; ".join(found)
        row.outcome = {"kept_because": found}
        _close(row, actor, RequestStatus.REFUSED)
        _step(row, actor, "refused", row.refusal_reason)
        session.flush()
        _audit(session, actor, row, "erasure_refused", kept_because=len(found))
        return request_read(row)
    row.outcome = erasure.erase(session, person=person, request=row, by=actor.label)
    _close(row, actor, RequestStatus.COMPLETED)
    _step(row, actor, "erased", f"tombstone kept for {row.individual_ref}")
    session.flush()
    _audit(session, actor, row, "erased", households=row.outcome["households_erased"])
    return request_read(row, erased=True)
