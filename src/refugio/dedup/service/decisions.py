"""Deduplication decisions on candidate pairs: `confirm_duplicate` (same person: the pair's second
record is merged into the first, both kept), `reject_duplicate` (different people: remembered, the pair
is never raised again) and `unmerge` (undo a merge: both records as they were).

A merge keeps both histories: nothing is deleted and nothing is re-pointed. The merged person's
status becomes `inactive`, a `DedupMerge` row points to the survivor and keeps the previous status, and
each of the two people gets a history event naming the other; unmerging restores the previous status
and adds the events that say so. Both keep registration's name index in step with the status.

Imports the dedup index, models and policy, registration (enums, models, service), security and core;
never a web framework nor a channel.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, ValidationFailed
from refugio.dedup import index, policy, queries
from refugio.dedup.models import DedupMerge, DedupPair
from refugio.dedup.schemas import MergeRead
from refugio.registration.enums import EventType, IndividualStatus
from refugio.registration.models import Household, Individual, RegistrationEvent
from refugio.registration.service import refresh_name_index
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def _load_pair(session: Session, actor: Principal, pair_id: uuid.UUID) -> DedupPair:
    pair = session.get(DedupPair, pair_id)
    if pair is None or not actor.can(Permission.DEDUP_VIEW, operation_id=pair.operation_id):
        raise NotFound("no such candidate pair")
    policy.require_decide(actor, pair.operation_id)
    return pair


def _event(
    session: Session,
    *,
    person: Individual,
    actor: Principal,
    event_type: EventType,
    summary: str,
    details: dict[str, Any],
) -> None:
    session.add(
        RegistrationEvent(
            operation_id=person.operation_id,
            household_id=person.household_id,
            individual_id=person.id,
            event_type=event_type.value,
            occurred_on=clock.today(),
            recorded_at=clock.now(),
            recorded_by=actor.label,
            summary=summary,
            details=details,
        )
    )


def _refresh_household_size(session: Session, household_id: uuid.UUID) -> None:
    household = session.get(Household, household_id)
    if household is None:
        return
    household.size = int(
        session.scalar(
            select(func.count()).where(
                Individual.household_id == household_id, Individual.status == IndividualStatus.ACTIVE.value
            )
        )
        or 0
    )


def _active_merge_of(session: Session, individual_id: uuid.UUID) -> DedupMerge | None:
    return session.scalars(
        select(DedupMerge).where(DedupMerge.merged_id == individual_id, DedupMerge.active.is_(True))
    ).first()


def _survivor_and_merged(
    session: Session, pair: DedupPair, survivor_id: uuid.UUID | None
) -> tuple[Individual, Individual]:
    """The two people of a pair as (survivor, merged): the chosen survivor, or the earlier registration.
    Neither may be merged already, and a deceased person's record is the one that survives."""
    left, right = session.get(Individual, pair.left_id), session.get(Individual, pair.right_id)
    assert left is not None and right is not None
    if survivor_id is None:
        survivor, merged = sorted([left, right], key=lambda p: (p.created_at, p.ref))
    elif survivor_id in (left.id, right.id):
        survivor, merged = (left, right) if survivor_id == left.id else (right, left)
    else:
        raise ValidationFailed.single("survivor_id", "must be one of the two people of the pair")
    for person in (survivor, merged):
        if _active_merge_of(session, person.id) is not None:
            raise Conflict(f"{person.ref} is already merged into another record; unmerge it first")
    if (
        merged.status == IndividualStatus.DECEASED.value
        and survivor.status != IndividualStatus.DECEASED.value
    ):
        raise Conflict(f"{merged.ref} is recorded as deceased: keep that record as the survivor")
    return survivor, merged


def confirm_duplicate(
    session: Session,
    *,
    actor: Principal,
    pair_id: uuid.UUID,
    reason: str,
    survivor_id: uuid.UUID | None = None,
) -> MergeRead:
    """Same person: merge one record into the other (default: the earlier registration survives)."""
    pair = _load_pair(session, actor, pair_id)
    if pair.status != "pending":
        raise Conflict(f"this pair was already decided ({pair.status})")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason for the decision", "required")
    survivor, merged = _survivor_and_merged(session, pair, survivor_id)
    merge = DedupMerge(
        operation_id=pair.operation_id,
        survivor_id=survivor.id,
        merged_id=merged.id,
        pair_id=pair.id,
        previous_status=merged.status,
        reason=reason.strip(),
        merged_by=actor.label,
    )
    session.add(merge)
    merged.status = IndividualStatus.INACTIVE.value
    merged.version += 1
    survivor.version += 1
    pair.status, pair.decided_at, pair.decided_by, pair.decision_reason = (
        "same",
        clock.now(),
        actor.label,
        reason,
    )
    _event(
        session,
        person=merged,
        actor=actor,
        event_type=EventType.STATUS_CHANGE,
        summary=f"Merged into {survivor.ref} (same person): {reason.strip()}",
        details={"status": [merge.previous_status, merged.status], "merged_into": survivor.ref},
    )
    _event(
        session,
        person=survivor,
        actor=actor,
        event_type=EventType.DETAILS_UPDATED,
        summary=f"{merged.ref} merged into this record (same person): {reason.strip()}",
        details={"merged": merged.ref},
    )
    session.flush()
    _refresh_household_size(session, merged.household_id)
    refresh_name_index(session, individual_ids=[merged.id])  # search filters by status
    index.reindex(session, [survivor.id, merged.id])
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dedup.merge",
        object_type="individual",
        object_id=str(merged.id),
        details={"survivor": survivor.ref, "merged": merged.ref, "pair": str(pair.id)},
    )
    return queries.merge_read(session, merge.id)


def reject_duplicate(session: Session, *, actor: Principal, pair_id: uuid.UUID, reason: str) -> DedupPair:
    """Different people: the decision is kept, so the pair is not raised again."""
    pair = _load_pair(session, actor, pair_id)
    if pair.status != "pending":
        raise Conflict(f"this pair was already decided ({pair.status})")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason for the decision", "required")
    pair.status, pair.decided_at, pair.decided_by, pair.decision_reason = (
        "different",
        clock.now(),
        actor.label,
        reason.strip(),
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dedup.not_same",
        object_type="dedup_pair",
        object_id=str(pair.id),
        details={"left": str(pair.left_id), "right": str(pair.right_id)},
    )
    return pair


def unmerge(session: Session, *, actor: Principal, merge_id: uuid.UUID, reason: str) -> MergeRead:
    """Undo a merge: the merged person gets back the status they had; the pair returns to the queue."""
    merge = session.get(DedupMerge, merge_id)
    if merge is None or not actor.can(Permission.DEDUP_VIEW, operation_id=merge.operation_id):
        raise NotFound("no such merge")
    policy.require_decide(actor, merge.operation_id)
    if not merge.active:
        raise Conflict("this merge was already undone")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason for undoing the merge", "required")
    merged, survivor = session.get(Individual, merge.merged_id), session.get(Individual, merge.survivor_id)
    assert merged is not None and survivor is not None
    if merged.status != IndividualStatus.INACTIVE.value:
        raise Conflict(f"{merged.ref} changed status since the merge ({merged.status}); correct it by hand")
    merged.status = merge.previous_status
    merged.version += 1
    survivor.version += 1
    merge.active = False
    merge.unmerged_at, merge.unmerged_by, merge.unmerge_reason = clock.now(), actor.label, reason.strip()
    if merge.pair_id is not None:
        pair = session.get(DedupPair, merge.pair_id)
        if pair is not None:
            pair.status, pair.decided_at, pair.decided_by = "pending", None, None
            pair.decision_reason = f"merge undone: {reason.strip()}"
    _event(
        session,
        person=merged,
        actor=actor,
        event_type=EventType.STATUS_CHANGE,
        summary=f"Merge into {survivor.ref} undone: {reason.strip()}",
        details={"status": [IndividualStatus.INACTIVE.value, merged.status], "unmerged_from": survivor.ref},
    )
    _event(
        session,
        person=survivor,
        actor=actor,
        event_type=EventType.DETAILS_UPDATED,
        summary=f"Merge of {merged.ref} into this record undone: {reason.strip()}",
        details={"unmerged": merged.ref},
    )
    session.flush()
    _refresh_household_size(session, merged.household_id)
    refresh_name_index(session, individual_ids=[merged.id])  # search filters by status
    index.reindex(session, [survivor.id, merged.id])
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dedup.unmerge",
        object_type="individual",
        object_id=str(merged.id),
        details={"survivor": survivor.ref, "merged": merged.ref, "merge": str(merge.id)},
    )
    return queries.merge_read(session, merge.id)
