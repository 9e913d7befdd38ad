"""Deduplication models of an operation: the index brought up to date, a model trained (a new active
version), its thresholds set; and the helpers the runs, the desk check and screening share (the active
model, its engine form and thresholds, the index rows of an operation as engine records).

Imports the dedup index, engine, models and policy, registration models, security and core; never a
web framework nor a channel.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.dedup import index, policy
from refugio.dedup.engine import LinkageModel, Records, get_engine
from refugio.dedup.models import DedupModel, DedupPerson
from refugio.registration.models import Operation
from refugio.security import audit
from refugio.security.principals import Principal

DEFAULT_REVIEW_WEIGHT = 0.0  # probability 0.5: from here on a person decides
DEFAULT_MATCH_WEIGHT = 8.0  # probability 0.996: shown as a likely match
TRAIN_SAMPLE = 300_000
MAX_PAIRS = 2_000_000


def _operation(session: Session, operation_id: uuid.UUID) -> Operation:
    op = session.get(Operation, operation_id)
    if op is None:
        raise NotFound("no such operation")
    return op


def active_model(session: Session, operation_id: uuid.UUID) -> DedupModel | None:
    return session.scalars(
        select(DedupModel)
        .where(DedupModel.operation_id == operation_id, DedupModel.active.is_(True))
        .order_by(DedupModel.version.desc())
        .limit(1)
    ).first()


def linkage_model(row: DedupModel | None) -> LinkageModel:
    """The engine's model for a stored row (None: the untrained prior)."""
    if row is None:
        return LinkageModel(spec={}, trained=False, notes=["no trained model: prior parameters"])
    return LinkageModel(
        spec={"parameters": row.parameters}, trained=row.trained, records_seen=row.records_seen
    )


def model_thresholds(row: DedupModel | None) -> tuple[float, float]:
    """The review and match weights of a stored model (None: the defaults)."""
    if row is None:
        return DEFAULT_REVIEW_WEIGHT, DEFAULT_MATCH_WEIGHT
    return row.review_weight, row.match_weight


def _records(people: Sequence[index.Indexed]) -> Records:
    out = Records()
    for p in people:
        row = dict(p.prepared)
        row["unique_id"] = str(p.individual_id)
        out.append(row)
    return out


def _operation_people(
    session: Session, operation_id: uuid.UUID, *, sample: int | None = None, seed: int = 42
) -> list[index.Indexed]:
    """The operation's active indexed people; with `sample`, at most that many of them, drawn at
    random (`seed`) from their ids, so that only the sample's prepared rows are read (a model of a
    million people is trained on a few hundred thousand without holding the million in memory)."""
    active = (DedupPerson.operation_id == operation_id, DedupPerson.status == "active")
    columns = index.INDEXED_COLUMNS
    if sample is not None:
        ids = list(
            session.scalars(
                select(DedupPerson.individual_id).where(*active).order_by(DedupPerson.individual_id)
            )
        )
        if len(ids) > sample:
            chosen = sorted(random.Random(seed).sample(ids, sample))  # noqa: S311 - sampling, not security
            people: list[index.Indexed] = []
            for start in range(0, len(chosen), index.CHUNK):
                chunk = chosen[start : start + index.CHUNK]
                people.extend(
                    index.Indexed(*row)
                    for row in session.execute(select(*columns).where(DedupPerson.individual_id.in_(chunk)))
                )
            return people
    stmt = select(*columns).where(*active).order_by(DedupPerson.individual_id)
    return [index.Indexed(*row) for row in session.execute(stmt.execution_options(yield_per=5000))]


def index_people(session: Session, *, actor: Principal, rebuild: bool = False) -> int:
    """Bring the index up to date with registration (or rebuild it); returns people (re)indexed."""
    policy.require_view(actor)
    count = index.rebuild(session) if rebuild else index.sync(session)
    audit.record(
        session,
        actor=actor,
        action="dedup.index",
        object_type="dedup_index",
        details={"rebuild": rebuild, "people": count},
    )
    return count


def train_model(
    session: Session,
    *,
    actor: Principal,
    operation_id: uuid.UUID,
    engine: str = "duckdb",
    sample: int = TRAIN_SAMPLE,
    max_pairs: int = MAX_PAIRS,
    seed: int = 42,
    review_weight: float | None = None,
    match_weight: float | None = None,
) -> DedupModel:
    """Train a new version of the operation's model on (a sample of) its registered people."""
    _operation(session, operation_id)
    policy.require_decide(actor, operation_id)
    index.sync(session)
    people = _operation_people(session, operation_id, sample=sample, seed=seed)
    model = get_engine(engine).train(_records(people), seed=seed, max_pairs=max_pairs)
    previous = active_model(session, operation_id)
    review, match = model_thresholds(previous)
    version = (
        session.scalar(select(func.max(DedupModel.version)).where(DedupModel.operation_id == operation_id))
        or 0
    ) + 1
    session.execute(update(DedupModel).where(DedupModel.operation_id == operation_id).values(active=False))
    row = DedupModel(
        operation_id=operation_id,
        version=version,
        engine=engine,
        layout=str(model.spec["parameters"]["layout"]),
        parameters=model.spec["parameters"],
        trained=model.trained,
        records_seen=model.records_seen,
        notes=model.notes[:50],
        review_weight=review if review_weight is None else review_weight,
        match_weight=match if match_weight is None else match_weight,
        active=True,
        created_by=actor.label,
    )
    _check_thresholds(row.review_weight, row.match_weight)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dedup.model_train",
        object_type="dedup_model",
        object_id=str(row.id),
        details={"version": version, "records": model.records_seen, "trained": model.trained},
    )
    return row


def _check_thresholds(review_weight: float, match_weight: float) -> None:
    if match_weight < review_weight:
        raise ValidationFailed(
            [FieldError("match_weight", "must be at least the review threshold", "below_review")]
        )


def set_thresholds(
    session: Session, *, actor: Principal, model_id: uuid.UUID, review_weight: float, match_weight: float
) -> DedupModel:
    """Set the thresholds (match weights) of a stored model."""
    row = session.get(DedupModel, model_id)
    if row is None:
        raise NotFound("no such model")
    policy.require_decide(actor, row.operation_id)
    _check_thresholds(review_weight, match_weight)
    before = {"review_weight": row.review_weight, "match_weight": row.match_weight}
    row.review_weight, row.match_weight = review_weight, match_weight
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dedup.thresholds",
        object_type="dedup_model",
        object_id=str(row.id),
        details={"before": before, "after": {"review_weight": review_weight, "match_weight": match_weight}},
    )
    return row
