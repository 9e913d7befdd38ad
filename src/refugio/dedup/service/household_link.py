"""A household just registered, against everyone registered before it: the pairs its members form with
the registry at or above the operation's review threshold go to the review queue at once, in the
registration's own transaction (no `refugio dedup run` needed). Members of the same registration are
never paired with each other (they are, by construction, different people).

Also the desk's own judgement on a saved person (`record_desk_decisions`): the clerk's "same person" /
"not the same" choices and their reason, kept on the pairs as a note for the reviewer and audited. A clerk
does not decide a pair (that needs DEDUP_DECIDE): "same person" puts the pair in the queue, marked.

Imports the dedup index, engine and models, the training and runs modules of this package, security and
core; never a web framework nor a channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.dedup import index
from refugio.dedup.engine import ScoredPair, get_engine, probability
from refugio.dedup.models import DedupPair
from refugio.dedup.schemas import DeskConfirmation, DeskResult
from refugio.dedup.service.training import _records, active_model, linkage_model, model_thresholds
from refugio.security import audit
from refugio.security.principals import SYSTEM, Principal
from refugio.store.upsert import insert_ignore

LINK_CANDIDATES = 200  # registered people scored per new member (those sharing the most specific keys)


def _ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def _pair_row(
    operation_id: uuid.UUID, key: tuple[uuid.UUID, uuid.UUID], p: ScoredPair, version: int
) -> dict[str, Any]:
    return {
        "id": ids.new_id(),
        "operation_id": operation_id,
        "left_id": key[0],
        "right_id": key[1],
        "match_weight": p.match_weight,
        "probability": probability(p.match_weight),
        "contributions": [
            {"comparison": c.comparison, "level": c.level, "weight": c.weight} for c in p.contributions
        ],
        "run_id": None,
        "model_version": version,
        "status": "pending",
        "found_at": clock.now(),
        "decided_at": None,
        "decided_by": None,
        "decision_reason": None,
    }


def link_household(session: Session, *, operation_id: uuid.UUID, household_id: uuid.UUID) -> int:
    """Score every active member of a new household against the registered people sharing keys with
    them; pairs at or above the review threshold not yet known go to the review queue. Returns how many."""
    members = [p for p in index.load_households(session, [household_id]) if p.status == "active"]
    if not members:
        return 0
    own = {p.individual_id for p in members}
    row = active_model(session, operation_id)
    review, _match = model_thresholds(row)
    model = linkage_model(row)
    engine = get_engine("duckdb")
    wanted: dict[tuple[uuid.UUID, uuid.UUID], ScoredPair] = {}
    lagging = index.pending(session) if index.lag(session) else []
    for person in members:
        keys = index.probe_keys(person.prepared)
        found = {
            c.individual_id: c
            for c in index.candidates(
                session, operation_id=operation_id, keys=keys, limit=LINK_CANDIDATES, exclude=own
            )
        }
        for c in lagging:
            if (
                c.individual_id not in own
                and c.operation_id == operation_id
                and c.status == "active"
                and index.keys_of(c.prepared) & keys
            ):
                found[c.individual_id] = c
        if not found:
            continue
        for s in engine.score(_records([person]), _records(list(found.values())), model=model):
            if s.match_weight >= review:
                key = _ordered(person.individual_id, uuid.UUID(s.right_id))
                if key not in wanted or wanted[key].match_weight < s.match_weight:
                    wanted[key] = s
    if not wanted:
        return 0
    known = {
        (left, right)
        for left, right in session.execute(
            select(DedupPair.left_id, DedupPair.right_id).where(
                DedupPair.left_id.in_(sorted({k[0] for k in wanted}))
            )
        )
    }
    version = row.version if row else 0
    rows = [_pair_row(operation_id, k, p, version) for k, p in wanted.items() if k not in known]
    # an import's background linkage may queue the same pair at once: kept once, no error
    new = insert_ignore(session, DedupPair.__table__, rows, keys=["left_id", "right_id"], returning="id")  # type: ignore[arg-type]
    if new:
        audit.record(
            session,
            actor=SYSTEM,
            action="dedup.link_household",
            object_type="household",
            object_id=str(household_id),
            details={"pairs_new": len(new)},
        )
    return len(new)


def record_desk_decisions(
    session: Session,
    *,
    actor: Principal,
    member_ids: Sequence[uuid.UUID],
    results: Mapping[int, DeskResult],
    confirmations: Mapping[int, DeskConfirmation],
) -> None:
    """The clerk's choices on the matches shown beside each saved member, and the reason given to save a
    person despite a likely match: a note on each pair (created when the linkage did not raise it) and
    one audit entry per member."""
    for i, result in results.items():
        conf = confirmations.get(i) or DeskConfirmation()
        if i >= len(member_ids) or not (result.matches and (conf.reason or conf.same_as or conf.not_same)):
            continue
        new_id = member_ids[i]
        operation_id = result.operation_id
        if operation_id is None:
            continue
        by_id = {m.individual_id: m for m in result.matches}
        for other, verdict in [(o, "same person") for o in conf.same_as] + [
            (o, "not the same") for o in conf.not_same
        ]:
            if other not in by_id:
                continue
            key = _ordered(new_id, other)
            found = select(DedupPair).where(DedupPair.left_id == key[0], DedupPair.right_id == key[1])
            pair = session.scalars(found).first()
            if pair is None:  # created unless another writer (a background linkage) has just done so
                m = by_id[other]
                insert_ignore(
                    session,
                    DedupPair.__table__,  # type: ignore[arg-type]
                    [
                        {
                            "id": ids.new_id(),
                            "operation_id": operation_id,
                            "left_id": key[0],
                            "right_id": key[1],
                            "match_weight": m.match_weight,
                            "probability": m.probability,
                            "contributions": [c.model_dump() for c in m.contributions],
                            "run_id": None,
                            "model_version": result.model_version or 0,
                            "status": "pending",
                            "found_at": clock.now(),
                            "decided_at": None,
                            "decided_by": None,
                            "decision_reason": None,
                        }
                    ],
                    keys=["left_id", "right_id"],
                )
                pair = session.scalars(found).one()
            if pair.status == "pending":
                note = f"At the desk, {actor.label} said: {verdict}"
                pair.decision_reason = f"{note} — {conf.reason}" if conf.reason else note
        session.flush()
        best = next((m for m in result.matches if m.likely), result.matches[0])
        if not (best.likely or conf.same_as or conf.not_same):
            continue  # nothing likely, nothing chosen: nothing to keep
        audit.record(
            session,
            actor=actor,
            action="dedup.desk_confirmed" if best.likely else "dedup.desk_choice",
            object_type="individual",
            object_id=str(new_id),
            details={
                "reason": conf.reason,
                "best_match": best.ref,
                "probability": best.probability,
                "same_as": [by_id[o].ref for o in conf.same_as if o in by_id],
                "not_same": [by_id[o].ref for o in conf.not_same if o in by_id],
            },
        )
