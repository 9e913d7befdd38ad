"""Writes and shares under data-sharing agreements. Keyword-only arguments; they flush, never commit.

- `record_agreement`, `change_status`: the data protection officer's register (AGREEMENT_MANAGE);
- `agreement_for_share`: the check every export to a partner goes through (in force, fields inside);
- `share_registry`: the operation's registry as a CSV for the partner, with its manifest (DATA_SHARE);
- `record_share`: what every share ends with (refugio.tracking's distress log too): the manifest, the
  people it held written as share items (set-based, in the share's transaction), one audit entry;
- `registry_search`: the partner's DCI-style question, answered within its agreement only.
Every share and every search is audited with the agreement's id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.agreements import manifest
from refugio.agreements.enums import (
    DATASET_PURPOSES,
    DISTRESS_LOG_FIELDS,
    LEGAL_BASES,
    AgreementStatus,
    ShareDataset,
)
from refugio.agreements.models import DataSharingAgreement, ShareItem
from refugio.agreements.queries import in_force
from refugio.agreements.schemas import (
    AgreementCreate,
    AgreementStatusChange,
    RegistrySearch,
    RegistrySearchAnswer,
    Share,
)
from refugio.core import clock
from refugio.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    RefugioError,
    TooManyAttempts,
    ValidationFailed,
)
from refugio.registration import queries as registry
from refugio.registration.enums import ConsentPurpose
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows

SEARCHES_PER_MINUTE = 60  # per agreement: a partner's system, not a person at a desk


def dataset_fields(dataset: str) -> dict[str, str]:
    """The fields an agreement for the data set may allow (name → what it is)."""
    return dict(DISTRESS_LOG_FIELDS) if dataset == ShareDataset.DISTRESS_LOG else registry.SHAREABLE_FIELDS


def _check_create(data: AgreementCreate) -> None:
    errors = []
    allowed = dataset_fields(data.dataset)
    for i, name in enumerate(data.fields):
        if name not in allowed:
            known = ", ".join(allowed)
            errors.append(
                FieldError(
                    f"fields.{i}",
                    f"unknown field {name!r} for the {data.dataset}; one of {known}",
                    "unknown_code",
                )
            )
    purposes = DATASET_PURPOSES[data.dataset]
    if data.purpose not in purposes:
        errors.append(
            FieldError(
                "purpose",
                f"the {data.dataset} may not be shared for {data.purpose}; "
                f"one of {', '.join(sorted(purposes))}",
                "unknown_code",
            )
        )
    if len(set(data.fields)) != len(data.fields):
        errors.append(FieldError("fields", "a field is named twice", "duplicate"))
    if data.legal_basis not in LEGAL_BASES:
        errors.append(
            FieldError("legal_basis", f"unknown legal basis; one of {', '.join(LEGAL_BASES)}", "unknown_code")
        )
    if data.valid_until < data.valid_from:
        errors.append(FieldError("valid_until", "the agreement ends before it starts", "bad_range"))
    if errors:
        raise ValidationFailed(errors)


def record_agreement(session: Session, *, actor: Principal, data: AgreementCreate) -> DataSharingAgreement:
    """Record an agreement (active from `valid_from`) for an operation (AGREEMENT_MANAGE there)."""
    actor.require(Permission.AGREEMENT_MANAGE, operation_id=data.operation_id)
    _check_create(data)
    row = DataSharingAgreement(
        **data.model_dump(exclude={"purpose", "dataset"}),
        dataset=data.dataset.value,
        purpose=data.purpose.value,
        status=AgreementStatus.ACTIVE.value,
        recorded_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="agreement.record",
        object_type="data_sharing_agreement",
        object_id=str(row.id),
        details={
            "partner": row.partner,
            "dataset": row.dataset,
            "purpose": row.purpose,
            "fields": row.fields,
            "until": str(row.valid_until),
        },
    )
    return row


def _load(session: Session, agreement_id: uuid.UUID) -> DataSharingAgreement:
    row = session.get(DataSharingAgreement, agreement_id)
    if row is None:
        raise NotFound("no such data-sharing agreement")
    return row


def change_status(
    session: Session, *, actor: Principal, agreement_id: uuid.UUID, data: AgreementStatusChange
) -> DataSharingAgreement:
    """Suspend, reactivate or terminate an agreement (a terminated one stays so)."""
    row = _load(session, agreement_id)
    if not actor.can(Permission.AGREEMENT_VIEW, operation_id=row.operation_id):
        raise NotFound("no such data-sharing agreement")
    actor.require(Permission.AGREEMENT_MANAGE, operation_id=row.operation_id)
    if row.status == AgreementStatus.TERMINATED.value:
        raise Conflict("this agreement was terminated; record a new one")
    if row.status == data.status.value:
        raise ValidationFailed.single("status", f"the agreement is already {row.status}")
    before, row.status = row.status, data.status.value
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="agreement.status",
        object_type="data_sharing_agreement",
        object_id=str(row.id),
        details={"status": [before, row.status], "reason": data.reason},
    )
    return row


def agreement_for_share(
    session: Session,
    *,
    agreement_id: uuid.UUID,
    fields: Iterable[str] | None,
    on: dt.date | None = None,
    dataset: ShareDataset = ShareDataset.REGISTRY,
) -> tuple[DataSharingAgreement, list[str]]:
    """The agreement and the fields to share, once it covers the data set, is in force and every field
    is inside it."""
    row = _load(session, agreement_id)
    day = on or clock.today()
    if row.dataset != dataset.value:
        raise Conflict(f"the agreement with {row.partner} covers the {row.dataset}, not the {dataset.value}")
    if row.status != AgreementStatus.ACTIVE.value:
        raise Conflict(f"the agreement with {row.partner} is {row.status}: nothing may be shared under it")
    if day < row.valid_from:
        raise Conflict(f"the agreement with {row.partner} starts on {row.valid_from}")
    if day > row.valid_until:
        raise Conflict(f"the agreement with {row.partner} expired on {row.valid_until}")
    chosen = list(fields) if fields else list(row.fields)
    outside = [f for f in chosen if f not in row.fields]
    if outside:
        raise ValidationFailed.single(
            "fields",
            f"not allowed by the agreement with {row.partner}: {', '.join(outside)} "
            f"(allowed: {', '.join(row.fields)})",
            "outside_agreement",
        )
    return row, chosen


def consenting(session: Session, agreement: DataSharingAgreement, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The people who may be shared under the agreement: not withdrawn from data sharing nor from its
    purpose; when the agreement rests on consent, having consented to both explicitly."""
    explicit = agreement.legal_basis == "consent"
    sharing = registry.consenting(
        session, purpose=ConsentPurpose.DATA_SHARING.value, individual_ids=ids, explicit=explicit
    )
    return registry.consenting(session, purpose=agreement.purpose, individual_ids=sharing, explicit=explicit)


def share_registry(
    session: Session, *, actor: Principal, agreement_id: uuid.UUID, fields: list[str] | None = None
) -> Share:
    """The operation's active people as a CSV of the agreement's fields (those named, all inside it),
    leaving out anyone without consent; with its manifest; audited (DATA_SHARE on the operation)."""
    row = _load(session, agreement_id)
    if not actor.can(Permission.AGREEMENT_VIEW, operation_id=row.operation_id) and not actor.can(
        Permission.DATA_SHARE, operation_id=row.operation_id
    ):
        raise NotFound("no such data-sharing agreement")
    actor.require(Permission.DATA_SHARE, operation_id=row.operation_id)
    agreement, chosen = agreement_for_share(session, agreement_id=agreement_id, fields=fields)
    rows = list(registry.shareable_rows(session, operation_id=agreement.operation_id, fields=chosen))
    allowed = consenting(session, agreement, [pid for pid, _, _ in rows])
    kept = [(pid, hid, values) for pid, hid, values in rows if pid in allowed]
    return record_share(
        session,
        actor=actor,
        agreement=agreement,
        kind=ShareDataset.REGISTRY.value,
        filename=f"registry-{manifest.slug(agreement.partner)}-{clock.today()}.csv",
        fields=chosen,
        content=manifest.csv_bytes(chosen, [values for _, _, values in kept]),
        rows=len(kept),
        excluded=len(rows) - len(kept),
        people=[{"individual_id": pid, "household_id": hid} for pid, hid, _ in kept],
    )


def record_share(
    session: Session,
    *,
    actor: Principal,
    agreement: DataSharingAgreement,
    kind: str,
    filename: str,
    fields: list[str],
    content: bytes,
    rows: int,
    excluded: int = 0,
    people: list[dict[str, uuid.UUID]] | None = None,
    details: dict[str, object] | None = None,
) -> Share:
    """A file handed to the partner of `agreement` (the caller checked it with `agreement_for_share`):
    its manifest, with a new share id; the people it held (`individual_id`, `household_id`) as share
    items, one set-based insert in the caller's transaction; one `agreement.share` audit entry with the
    share id, the counts and the hash (and `details`), never the people themselves."""
    share_id = uuid.uuid4()
    made = manifest.build(
        agreement=agreement,
        kind=kind,
        filename=filename,
        fields=fields,
        rows=rows,
        content=content,
        actor=actor,
        excluded=excluded,
    )
    made["share_id"] = str(share_id)
    held = [{"share_id": share_id, **p} for p in people or []]
    insert_rows(session.connection(), ShareItem.__table__, held)  # type: ignore[arg-type]
    keys = ("kind", "fields", "rows", "excluded_without_consent", "sha256", "share_id")
    audit.record(
        session,
        actor=actor,
        action="agreement.share",
        object_type="data_sharing_agreement",
        object_id=str(agreement.id),
        details={**{k: made[k] for k in keys}, "people": len(held), **(details or {})},
    )
    return Share(filename=filename, content=content, manifest=made)


def _throttle(session: Session, agreement: DataSharingAgreement) -> None:
    since = clock.now() - dt.timedelta(minutes=1)
    recent = session.scalar(
        select(func.count()).where(
            AuditEntry.object_id == str(agreement.id),
            AuditEntry.action == "partner.registry_search",
            AuditEntry.at >= since,
        )
    )
    if (recent or 0) >= SEARCHES_PER_MINUTE:
        raise TooManyAttempts(f"at most {SEARCHES_PER_MINUTE} searches a minute under one agreement", 60)


def _searchable(session: Session, actor: Principal, query: RegistrySearch) -> DataSharingAgreement:
    """The agreement a partner searches under, or the refusal (recorded in the audit log, which outlives
    the refusal's rollback)."""
    agreement = session.get(DataSharingAgreement, query.agreement_id)
    refusal: RefugioError | None = None
    search = Permission.PARTNER_REGISTRY_SEARCH
    if not actor.can_anywhere(search):
        refusal = PermissionDenied(f"{actor.label} lacks {search.value}")
    elif (
        agreement is None
        or agreement.partner_username != actor.username
        or agreement.dataset != ShareDataset.REGISTRY.value
    ):
        refusal = PermissionDenied("no data-sharing agreement names this account for that agreement id")
    elif not actor.can(search, operation_id=agreement.operation_id):
        refusal = PermissionDenied(f"{actor.label} lacks {search.value} for this operation")
    elif not in_force(agreement):
        refusal = Conflict(
            f"the agreement {agreement.id} is not in force: the registry cannot be searched under it"
        )
    if refusal is not None:
        audit.record_refusal(
            session,
            actor=actor,
            action="partner.registry_search_refused",
            object_type="data_sharing_agreement",
            object_id=str(query.agreement_id),
            details={"why": refusal.message},
        )
        raise refusal
    assert agreement is not None
    return agreement


def registry_search(session: Session, *, actor: Principal, query: RegistrySearch) -> RegistrySearchAnswer:
    """Is the person registered, and with what status? Only for the partner account the agreement names
    (PARTNER_REGISTRY_SEARCH), while it is in force; the registration number only if the agreement
    allows it; nothing about a person who may not be shared under it. Every query is audited."""
    agreement = _searchable(session, actor, query)
    _throttle(session, agreement)
    found = registry.find_registered(
        session,
        operation_id=agreement.operation_id,
        id_type=query.id_type.value,
        id_value=query.id_value,
        date_of_birth=query.date_of_birth,
    )
    if found is not None and found.individual_id not in consenting(session, agreement, [found.individual_id]):
        found = None
    answer = RegistrySearchAnswer(agreement_id=agreement.id, registered=found is not None)
    if found is not None:
        answer.status = found.status
        if "registration_number" in agreement.fields:
            answer.registration_number = found.registration_number
    audit.record(
        session,
        actor=actor,
        action="partner.registry_search",
        object_type="data_sharing_agreement",
        object_id=str(agreement.id),
        details={
            "id_type": query.id_type.value,
            "registered": answer.registered,
            "individual_id": str(found.individual_id) if found else None,
        },
    )
    return answer


__all__ = [
    "agreement_for_share",
    "change_status",
    "consenting",
    "dataset_fields",
    "record_agreement",
    "record_share",
    "registry_search",
    "share_registry",
]
