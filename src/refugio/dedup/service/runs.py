"""Deduplication runs: everyone registered in an operation against everyone (`run_population`), or an
import batch against itself and the registry (`run_batch`); the new candidate pairs go to the review
queue, pairs already known (pending or decided) are left as they are.

Imports the dedup index, engine, models and policy, the training module of this package, security and
core; never a web framework nor a channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.dedup import index, policy
from refugio.dedup.engine import ScoredPair, get_engine, probability
from refugio.dedup.models import DedupModel, DedupPair, DedupRun
from refugio.dedup.service.training import (
    _operation,
    _operation_people,
    _records,
    active_model,
    linkage_model,
    train_model,
)
from refugio.security import audit
from refugio.security.principals import Principal
from refugio.store.upsert import insert_ignore


def _ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def _store_pairs(session: Session, *, run: DedupRun, pairs: Sequence[ScoredPair], model_version: int) -> int:
    """Add new candidate pairs; pairs already known (pending or decided) are left as they are."""
    wanted: dict[tuple[uuid.UUID, uuid.UUID], ScoredPair] = {}
    for p in pairs:
        key = _ordered(uuid.UUID(p.left_id), uuid.UUID(p.right_id))
        if key not in wanted or wanted[key].match_weight < p.match_weight:
            wanted[key] = p
    known: set[tuple[uuid.UUID, uuid.UUID]] = set()
    lefts = sorted({k[0] for k in wanted})
    for start in range(0, len(lefts), 500):
        for left, right in session.execute(
            select(DedupPair.left_id, DedupPair.right_id).where(
                DedupPair.left_id.in_(lefts[start : start + 500])
            )
        ):
            known.add((left, right))
    rows = []
    now = clock.now()
    for (left, right), p in wanted.items():
        if (left, right) in known:
            continue
        rows.append(
            {
                "id": ids.new_id(),
                "operation_id": run.operation_id,
                "left_id": left,
                "right_id": right,
                "match_weight": p.match_weight,
                "probability": probability(p.match_weight),
                "contributions": [
                    {"comparison": c.comparison, "level": c.level, "weight": c.weight}
                    for c in p.contributions
                ],
                "run_id": run.id,
                "model_version": model_version,
                "status": "pending",
                "found_at": now,
                "decided_at": None,
                "decided_by": None,
                "decision_reason": None,
            }
        )
    # another writer (the linkage of another import, a desk registration) may add the same pair at once:
    # it is kept once, counted by whoever inserted it
    inserted = insert_ignore(session, DedupPair.__table__, rows, keys=["left_id", "right_id"], returning="id")  # type: ignore[arg-type]
    return len(inserted)


def _start_run(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, scope: str, engine: str
) -> tuple[DedupRun, DedupModel]:
    _operation(session, operation_id)
    policy.require_decide(actor, operation_id)
    index.sync(session)
    model = active_model(session, operation_id)
    if model is None:
        model = train_model(session, actor=actor, operation_id=operation_id, engine=engine)
    run = DedupRun(
        operation_id=operation_id, scope=scope, model_id=model.id, engine=engine, started_by=actor.label
    )
    session.add(run)
    session.flush()
    return run, model


def _finish_run(
    session: Session, *, actor: Principal, run: DedupRun, records: int, found: int, new: int
) -> None:
    run.records, run.pairs_found, run.pairs_new = records, found, new
    run.finished_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"dedup.run_{run.scope}",
        object_type="dedup_run",
        object_id=str(run.id),
        details={"records": records, "pairs_found": found, "pairs_new": new, "engine": run.engine},
    )


def run_population(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, engine: str = "duckdb"
) -> DedupRun:
    """Everyone registered in the operation against everyone: new pairs go to the review queue."""
    run, model = _start_run(
        session, actor=actor, operation_id=operation_id, scope="population", engine=engine
    )
    people = _operation_people(session, operation_id)
    pairs = get_engine(engine).predict(
        _records(people), model=linkage_model(model), threshold_weight=model.review_weight
    )
    new = _store_pairs(session, run=run, pairs=pairs, model_version=model.version)
    _finish_run(session, actor=actor, run=run, records=len(people), found=len(pairs), new=new)
    return run


def run_batch(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    household_ids: Sequence[uuid.UUID],
    engine: str = "duckdb",
) -> DedupRun:
    """An import batch (these households) against itself and against everyone already registered."""
    run, model = _start_run(session, actor=actor, operation_id=operation_id, scope="batch", engine=engine)
    batch = [p for p in index.load_households(session, household_ids) if p.status == "active"]
    batch_ids = {p.individual_id for p in batch}
    others = {
        c.individual_id: c
        for c in index.candidates_of_many(
            session,
            operation_id=operation_id,
            probes={p.individual_id: index.probe_keys(p.prepared) for p in batch},
            exclude=batch_ids,
        )
    }
    records = _records([*batch, *others.values()])
    pairs = get_engine(engine).predict(
        records,
        model=linkage_model(model),
        threshold_weight=model.review_weight,
        restrict_to={str(i) for i in batch_ids},
    )
    new = _store_pairs(session, run=run, pairs=pairs, model_version=model.version)
    _finish_run(session, actor=actor, run=run, records=len(batch), found=len(pairs), new=new)
    run.summary = {"batch": len(batch), "registered_candidates": len(others)}
    session.flush()
    return run
