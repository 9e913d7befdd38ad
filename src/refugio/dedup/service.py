"""Deduplication writes (and the desk check), named with domain verbs. Keyword-only arguments; they
flush, never commit: the caller's unit of work commits. Every write is audited.

    index_people        take in registration changes (or rebuild the index)
    train_model         a new version of the operation's model (EM on sampled pairs), made active
    set_thresholds      the review and match thresholds (match weights) of a model
    run_population      everyone registered in the operation against everyone
    run_batch           an import batch against itself and against everyone already registered
    desk_check          one person being registered against everyone registered (nothing written
                        but, when the index is behind, the index itself)
    confirm_duplicate   "same person": the pair's second record is merged into the first (both kept)
    reject_duplicate    "different people": remembered, the pair is never raised again
    unmerge             undo a merge: both records as they were

A merge keeps both histories: nothing is deleted and nothing is re-pointed. The merged person's
status becomes `inactive` (so lists, counts and assistance use the survivor), a `DedupMerge` row
points to the survivor and keeps the previous status, and each of the two people gets a history event
naming the other. Unmerging restores the previous status and adds the events that say so. Both keep
registration's name index in step with the status (`registration.service.refresh_name_index`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.dedup import index, names, policy
from refugio.dedup.engine import LinkageModel, Records, ScoredPair, get_engine, probability
from refugio.dedup.models import DedupMerge, DedupModel, DedupPair, DedupPerson, DedupRun
from refugio.dedup.schemas import Contribution, DeskCheck, DeskMatch, DeskPerson, DeskResult
from refugio.registration.enums import EventType, IndividualStatus
from refugio.registration.models import Household, Individual, Operation, RegistrationEvent, Site
from refugio.registration.service import refresh_name_index
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

DEFAULT_REVIEW_WEIGHT = 0.0  # probability 0.5: from here on a person decides
DEFAULT_MATCH_WEIGHT = 8.0  # probability 0.996: shown as a likely match
TRAIN_SAMPLE = 300_000
MAX_PAIRS = 2_000_000
DESK_SYNC_LAG = 500
DESK_MIN_WEIGHT = -8.0  # below this (p < 0.4 %) a candidate is not worth showing at the desk
# Candidates scored per desk check: the people sharing the most specific keys (`index.KEY_RANK`). On the
# benchmark's million people 200 find the person as often as 600 did and cost a third of the time.
DESK_CANDIDATES = 200


# ---------------------------------------------------------------------------------------------
# models


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


def _thresholds(row: DedupModel | None) -> tuple[float, float]:
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


def _operation_people(session: Session, operation_id: uuid.UUID) -> list[index.Indexed]:
    people = []
    stmt = select(DedupPerson).where(DedupPerson.operation_id == operation_id, DedupPerson.status == "active")
    for p in session.scalars(stmt.execution_options(yield_per=5000)):
        people.append(
            index.Indexed(
                p.individual_id, p.operation_id, p.household_id, p.site_id, p.status, p.version, p.prepared
            )
        )
    return people


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
    people = _operation_people(session, operation_id)
    if len(people) > sample:
        import random

        people = random.Random(seed).sample(people, sample)  # noqa: S311 - sampling, not security
    model = get_engine(engine).train(_records(people), seed=seed, max_pairs=max_pairs)
    previous = active_model(session, operation_id)
    review, match = _thresholds(previous)
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


# ---------------------------------------------------------------------------------------------
# runs


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
    if rows:
        session.connection().execute(DedupPair.__table__.insert(), rows)  # type: ignore[attr-defined]
    return len(rows)


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
    others: dict[uuid.UUID, index.Indexed] = {}
    for p in batch:
        for c in index.candidates(
            session, operation_id=operation_id, keys=index.probe_keys(p.prepared), exclude=batch_ids
        ):
            others[c.individual_id] = c
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


# ---------------------------------------------------------------------------------------------
# desk check


def _desk_input(
    person: DeskPerson, record_id: str, household: str | None, site: str | None
) -> dict[str, Any]:
    dob: names.PartialDate | None = None
    if person.date_of_birth:
        try:
            dob = names.parse_partial_date(person.date_of_birth)
        except ValueError as exc:
            raise ValidationFailed.single("person.date_of_birth", str(exc), "bad_date") from None
        if dob and person.estimated:
            dob = names.PartialDate(dob.year, None, None, "estimated")
    elif person.stated_age is not None:
        dob = names.PartialDate(clock.today().year - person.stated_age, None, None, "estimated")
    return names.prepare(
        names.PersonInput(
            record_id=record_id,
            given_name=person.given_name,
            middle_name=person.middle_name,
            family_name=person.family_name,
            given_name_original=person.given_name_original,
            middle_name_original=person.middle_name_original,
            family_name_original=person.family_name_original,
            sex=person.sex,
            date_of_birth=dob,
            country_of_origin=person.country_of_origin,
            phone=person.phone,
            document_numbers=tuple(d.number for d in person.documents if d.number),
            site=site,
            household=household,
        )
    )


def desk_check(session: Session, *, actor: Principal, query: DeskCheck, engine: str = "duckdb") -> DeskResult:
    """Likely existing registrations of one person being registered, best first, with probabilities."""
    site: Site | None = None
    if query.site_id is not None:
        site = session.get(Site, query.site_id)
        if site is None:
            raise ValidationFailed.single("site_id", "unknown site", "unknown_site")
    operation_id = site.operation_id if site else query.operation_id
    if operation_id is None:
        raise ValidationFailed.single(
            "site_id", "give the site (or the operation) of the registration", "required"
        )
    _operation(session, operation_id)
    policy.require_desk_check(actor, operation_id, site.id if site else None)
    p = query.person
    if not any(
        [p.given_name, p.family_name, p.given_name_original, p.family_name_original, p.documents, p.phone]
    ):
        raise ValidationFailed.single(
            "person.given_name", "type a name, a document number or a phone first", "required"
        )
    household_key = "desk-household" if query.household else None
    site_key = str(site.id) if site else None
    probe = _desk_input(p, "desk-probe", household_key, site_key)
    if query.household:
        others = [
            _desk_input(m, f"desk-member-{i}", household_key, site_key) for i, m in enumerate(query.household)
        ]
        names.attach_households([probe, *others])

    lag = index.lag(session)
    if not index.is_built(session) or lag > DESK_SYNC_LAG:
        index.sync(session)  # the index writes itself; nothing about the person is written
        lag = 0
    probe_keys = index.probe_keys(probe)
    found = {
        c.individual_id: c
        for c in index.candidates(session, operation_id=operation_id, keys=probe_keys, limit=DESK_CANDIDATES)
    }
    for c in index.pending(session) if lag else []:
        if c.operation_id == operation_id and c.status == "active" and index.keys_of(c.prepared) & probe_keys:
            found[c.individual_id] = c
    row = active_model(session, operation_id)
    _review, match = _thresholds(row)
    scored: list[ScoredPair] = []
    if found:
        scored = get_engine(engine).score(
            Records.from_rows([probe]), _records(list(found.values())), model=linkage_model(row)
        )
    scored = [s for s in scored if s.match_weight >= DESK_MIN_WEIGHT][: query.limit * 3]
    visible = _visible_people(session, actor, [uuid.UUID(s.right_id) for s in scored])
    matches: list[DeskMatch] = []
    for s in scored:
        person = visible.get(uuid.UUID(s.right_id))
        if person is None:
            continue
        ind, site_code, hh_ref = person
        matches.append(
            DeskMatch(
                individual_id=ind.id,
                ref=ind.ref,
                given_name=ind.given_name,
                family_name=ind.family_name,
                middle_name=ind.middle_name,
                sex=ind.sex,
                date_of_birth=names.PartialDate.from_stored(ind.date_of_birth, ind.dob_precision).iso,
                site_code=site_code,
                household_ref=hh_ref,
                match_weight=round(s.match_weight, 2),
                probability=round(s.probability, 4),
                likely=s.match_weight >= match,
                contributions=[
                    Contribution(comparison=c.comparison, level=c.level, weight=c.weight)
                    for c in s.contributions
                ],
            )
        )
        if len(matches) >= query.limit:
            break
    return DeskResult(
        matches=matches,
        candidates_scored=len(found),
        index_lag=lag,
        model_version=row.version if row else None,
    )


def _visible_people(
    session: Session, actor: Principal, individual_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Individual, str, str]]:
    from refugio.registration.queries import scope_clause

    if not individual_ids:
        return {}
    rows = session.execute(
        select(Individual, Site.code, Household.ref)
        .join(Site, Site.id == Individual.site_id)
        .join(Household, Household.id == Individual.household_id)
        .where(
            Individual.id.in_(list(individual_ids)),
            scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        )
    ).all()
    return {ind.id: (ind, code, ref) for ind, code, ref in rows}


# ---------------------------------------------------------------------------------------------
# decisions


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


def confirm_duplicate(
    session: Session,
    *,
    actor: Principal,
    pair_id: uuid.UUID,
    reason: str,
    survivor_id: uuid.UUID | None = None,
) -> DedupMerge:
    """Same person: merge one record into the other (default: the earlier registration survives)."""
    pair = _load_pair(session, actor, pair_id)
    if pair.status != "pending":
        raise Conflict(f"this pair was already decided ({pair.status})")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give the reason for the decision", "required")
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
    return merge


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


def unmerge(session: Session, *, actor: Principal, merge_id: uuid.UUID, reason: str) -> DedupMerge:
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
    return merge
