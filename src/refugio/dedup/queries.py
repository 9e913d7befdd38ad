"""Deduplication reads: the review queue, a pair side by side, merges, models and runs.

Every read is limited to the operations where the caller holds `DEDUP_VIEW`. The reads the channels
render return the read models of refugio.dedup.schemas. Must not import any web framework.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from refugio.core.errors import NotFound
from refugio.dedup import index
from refugio.dedup.models import DedupKey, DedupMerge, DedupModel, DedupPair, DedupRun
from refugio.dedup.names import PartialDate, prepare_name
from refugio.dedup.schemas import Contribution, MergeRead, ModelRead, PairRead, PersonCard, RunRead
from refugio.registration import names as registration_names
from refugio.registration import queries as registration
from refugio.registration.models import Household, IdentityDocument, Individual, Operation, Site
from refugio.registration.schemas import BrowseFilters, SearchPageRead
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

STATUSES = ("pending", "same", "different")


def _scope(actor: Principal, operation_col: Any) -> Any:
    scope = actor.scope(Permission.DEDUP_VIEW)
    if scope.everything:
        return and_(True)
    return operation_col.in_(list(scope.operation_ids))


def _cards(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonCard]:
    if not ids:
        return {}
    docs: dict[uuid.UUID, list[str]] = {}
    for iid, doc_type, number in session.execute(
        select(IdentityDocument.individual_id, IdentityDocument.doc_type, IdentityDocument.number).where(
            IdentityDocument.individual_id.in_(ids)
        )
    ):
        docs.setdefault(iid, []).append(f"{doc_type} {number}")
    out = {}
    for ind, code, hh_ref in session.execute(
        select(Individual, Site.code, Household.ref)
        .join(Site, Site.id == Individual.site_id)
        .join(Household, Household.id == Individual.household_id)
        .where(Individual.id.in_(ids))
    ):
        original = " ".join(
            x for x in (ind.given_name_original, ind.middle_name_original, ind.family_name_original) if x
        )
        out[ind.id] = PersonCard(
            id=ind.id,
            ref=ind.ref,
            household_ref=hh_ref,
            site_code=code,
            given_name=ind.given_name,
            middle_name=ind.middle_name,
            family_name=ind.family_name,
            original=original,
            sex=ind.sex,
            date_of_birth=(
                f"{PartialDate.from_stored(ind.date_of_birth, ind.dob_precision).iso} ({ind.dob_precision})"
            ),
            country_of_origin=ind.country_of_origin,
            phone=ind.phone,
            documents=sorted(docs.get(ind.id, [])),
            status=ind.status,
            registered_on=ind.created_at.date().isoformat(),
        )
    return out


def _view(pair: DedupPair, cards: dict[uuid.UUID, PersonCard], merge_id: uuid.UUID | None) -> PairRead:
    return PairRead(
        id=pair.id,
        operation_id=pair.operation_id,
        match_weight=round(pair.match_weight, 2),
        probability=pair.probability,
        status=pair.status,
        contributions=[
            Contribution.model_validate(c)
            for c in sorted(pair.contributions or [], key=lambda c: -abs(float(c.get("weight", 0))))
        ],
        left=cards[pair.left_id],
        right=cards[pair.right_id],
        found_at=pair.found_at.isoformat(timespec="seconds"),
        decided_by=pair.decided_by,
        decision_reason=pair.decision_reason,
        model_version=pair.model_version,
        merge_id=merge_id,
    )


def review_queue(
    session: Session,
    *,
    actor: Principal,
    status: str = "pending",
    operation_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PairRead], int]:
    """Candidate pairs with `status`, strongest first, and how many there are in all."""
    if status not in STATUSES:
        status = "pending"
    where = [DedupPair.status == status, _scope(actor, DedupPair.operation_id)]
    if operation_id is not None:
        where.append(DedupPair.operation_id == operation_id)
    total = session.scalar(select(func.count()).select_from(DedupPair).where(*where)) or 0
    pairs = list(
        session.scalars(
            select(DedupPair)
            .where(*where)
            .order_by(DedupPair.match_weight.desc(), DedupPair.id)
            .limit(limit)
            .offset(offset)
        )
    )
    cards = _cards(session, [i for p in pairs for i in (p.left_id, p.right_id)])
    merges = _merges_of_pairs(session, [p.id for p in pairs])
    return [_view(p, cards, merges.get(p.id)) for p in pairs], int(total)


def _merges_of_pairs(session: Session, pair_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not pair_ids:
        return {}
    rows = session.execute(
        select(DedupMerge.pair_id, DedupMerge.id).where(
            DedupMerge.pair_id.in_(pair_ids), DedupMerge.active.is_(True)
        )
    )
    return {pid: mid for pid, mid in rows if pid is not None}


def pair(session: Session, *, actor: Principal, pair_id: uuid.UUID) -> PairRead:
    found = session.get(DedupPair, pair_id)
    if found is None or not actor.can(Permission.DEDUP_VIEW, operation_id=found.operation_id):
        raise NotFound("no such candidate pair")
    cards = _cards(session, [found.left_id, found.right_id])
    return _view(found, cards, _merges_of_pairs(session, [found.id]).get(found.id))


def merges(
    session: Session, *, actor: Principal, individual_id: uuid.UUID | None = None, limit: int = 100
) -> list[MergeRead]:
    """Merges (latest first), optionally those involving one person."""
    stmt = _merge_rows().where(_scope(actor, DedupMerge.operation_id))
    if individual_id is not None:
        stmt = stmt.where((DedupMerge.survivor_id == individual_id) | (DedupMerge.merged_id == individual_id))
    return [
        _merge_read(m, s_ref, m_ref)
        for m, s_ref, m_ref in session.execute(stmt.order_by(DedupMerge.merged_at.desc()).limit(limit))
    ]


def merge_read(session: Session, merge_id: uuid.UUID) -> MergeRead:
    """One merge as its read model (no access check: for the service that has just written it)."""
    m, s_ref, m_ref = session.execute(_merge_rows().where(DedupMerge.id == merge_id)).one()
    return _merge_read(m, s_ref, m_ref)


def _merge_rows() -> Select[DedupMerge, str, str]:
    survivor, merged = aliased(Individual), aliased(Individual)
    return (
        select(DedupMerge, survivor.ref, merged.ref)
        .join(survivor, survivor.id == DedupMerge.survivor_id)
        .join(merged, merged.id == DedupMerge.merged_id)
    )


def _merge_read(m: DedupMerge, survivor_ref: str, merged_ref: str) -> MergeRead:
    return MergeRead(
        id=m.id,
        survivor_ref=survivor_ref,
        merged_ref=merged_ref,
        survivor_id=m.survivor_id,
        merged_id=m.merged_id,
        reason=m.reason,
        previous_status=m.previous_status,
        merged_at=m.merged_at.isoformat(timespec="seconds"),
        merged_by=m.merged_by,
        active=m.active,
        unmerged_by=m.unmerged_by,
        unmerge_reason=m.unmerge_reason,
    )


def merged_into(session: Session, individual_id: uuid.UUID) -> uuid.UUID | None:
    """The survivor a person was merged into (None if not merged)."""
    return session.scalar(
        select(DedupMerge.survivor_id).where(
            DedupMerge.merged_id == individual_id, DedupMerge.active.is_(True)
        )
    )


def _model_read(row: DedupModel) -> ModelRead:
    return ModelRead(
        id=row.id,
        operation_id=row.operation_id,
        version=row.version,
        engine=row.engine,
        trained=row.trained,
        records_seen=row.records_seen,
        review_weight=row.review_weight,
        match_weight=row.match_weight,
        active=row.active,
        notes=list(row.notes or []),
        created_at=row.created_at.isoformat(timespec="seconds"),
        created_by=row.created_by,
    )


def models(session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None) -> list[ModelRead]:
    """Stored model versions per operation, newest version first."""
    stmt = (
        select(DedupModel)
        .where(_scope(actor, DedupModel.operation_id))
        .order_by(DedupModel.operation_id, DedupModel.version.desc())
    )
    if operation_id is not None:
        stmt = stmt.where(DedupModel.operation_id == operation_id)
    return [_model_read(row) for row in session.scalars(stmt)]


def model(session: Session, *, actor: Principal, model_id: uuid.UUID) -> ModelRead:
    """One model version (to those who may read or decide in its operation)."""
    row = session.get(DedupModel, model_id)
    if row is None or not (
        actor.can(Permission.DEDUP_VIEW, operation_id=row.operation_id)
        or actor.can(Permission.DEDUP_DECIDE, operation_id=row.operation_id)
    ):
        raise NotFound("no such model")
    return _model_read(row)


def runs(session: Session, *, actor: Principal, limit: int = 20) -> list[RunRead]:
    """The latest runs, newest first."""
    return [
        RunRead.model_validate(r)
        for r in session.scalars(
            select(DedupRun)
            .where(_scope(actor, DedupRun.operation_id))
            .order_by(DedupRun.started_at.desc())
            .limit(limit)
        )
    ]


def run(session: Session, *, actor: Principal, run_id: uuid.UUID) -> RunRead:
    """One run (to those who may read or decide in its operation)."""
    row = session.get(DedupRun, run_id)
    if row is None or not (
        actor.can(Permission.DEDUP_VIEW, operation_id=row.operation_id)
        or actor.can(Permission.DEDUP_DECIDE, operation_id=row.operation_id)
    ):
        raise NotFound("no such run")
    return RunRead.model_validate(row)


def counts(session: Session, *, actor: Principal) -> dict[str, int]:
    rows = session.execute(
        select(DedupPair.status, func.count())
        .where(_scope(actor, DedupPair.operation_id))
        .group_by(DedupPair.status)
    )
    out = dict.fromkeys(STATUSES, 0)
    for status, n in rows:
        out[str(status)] = int(n)
    return out


# ---------------------------------------------------------------------------------------------
# search by spelling variants (the registry's search, with the people the name keys find)

VARIANTS = 200  # at most this many people found by the name keys per search
PENDING_LOOKUP = 2000  # people changed since the index's watermark are read when the lag is below


def _name_forms(word: str) -> set[str]:
    return {word, registration_names.strip_article(word)} - {""}


def _skeletons(words: list[str]) -> set[str]:
    out: set[str] = set()
    for form in {w for word in words for w in _name_forms(word)}:
        out.update(prepare_name(form).skels)
    return out


def variant_keys(query: str) -> set[tuple[str, str]]:
    """The dedup `gf` keys (given|family name skeletons) of a name query, read as first word given and
    last word(s) family, in both orders; nothing for a single word."""
    words = [w for w in registration_names.normalise(query).split() if w not in registration_names.ARTICLES]
    if len(words) < 2 or len(words) > 6:
        return set()
    givens = _skeletons(words[:1])
    families = _skeletons(words[-1:]) | (_skeletons([" ".join(words[1:])]) if len(words) > 2 else set())
    keys = {f"{g}|{f}" for g in givens for f in families} | {f"{f}|{g}" for g in givens for f in families}
    return {("gf", k[:120]) for k in keys}


def name_variants(
    session: Session, *, actor: Principal, query: str, limit: int = VARIANTS
) -> list[uuid.UUID]:
    """People whose given and family names are spelling variants of the query's ("Mohamad Alahmad" for
    "Mohammed Al-Ahmad" or محمد الأحمد), by the dedup index's name keys, in the operations where the
    actor may see people (registration's search applies the full scope to them again). Read only: the
    people changed since the index last caught up are prepared on the fly when they are few; before the
    index is first built (`refugio dedup index`), none."""
    keys = variant_keys(query)
    if not keys or not index.is_built(session):
        return []
    scope = actor.scope(Permission.INDIVIDUAL_VIEW)
    if scope.everything:  # by operation all the same: the key index leads with it
        operations = select(Operation.id)
    else:
        site_ops = select(Site.operation_id).where(Site.id.in_(list(scope.site_ids)))
        operations = select(Operation.id).where(
            Operation.id.in_(list(scope.operation_ids)) | Operation.id.in_(site_ops)
        )
    stmt = select(DedupKey.individual_id).where(
        DedupKey.operation_id.in_(operations),
        DedupKey.kind == "gf",
        DedupKey.value.in_(sorted(v for _k, v in keys)),
    )
    found = list(dict.fromkeys(session.scalars(stmt.order_by(DedupKey.individual_id).limit(limit))))
    if 0 < index.lag(session) <= PENDING_LOOKUP:
        for person in index.pending(session):
            if person.individual_id not in found and index.keys_of(person.prepared) & keys:
                found.append(person.individual_id)
    return found[:limit]


def search_people_page(
    session: Session,
    *,
    actor: Principal,
    query: str,
    limit: int = registration.MAX_RESULTS,
    offset: int = 0,
    filters: BrowseFilters | None = None,
) -> SearchPageRead:
    """The registry's search (`registration.queries.search_people_page`: names, IDs, documents, phones,
    exact and full name matches first), with the spelling variants the name keys find after them."""
    variants = name_variants(session, actor=actor, query=query) if (query or "").strip() else []
    return registration.search_people_page(
        session, actor=actor, query=query, limit=limit, offset=offset, filters=filters, variants=variants
    )
