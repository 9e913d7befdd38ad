"""Tracing matches: candidates for a person sought among registered people and other requests, scored
by `scoring.score` (see there for the comparisons and the reasons in words).

Blocking (`registered_candidates`, `request_candidates`): one request against a million registered
people must take well under a second, so candidates come from indexed look-ups — the dedup index's
keys (given|family skeletons, with the birth year over the tolerance of the age, name-order swaps,
the father's name recorded as family name, exact dates, canonical names, phone) for registered people,
and this package's `TracingKey` for other requests. A phone key (`tel`) is the phone's match token
(`dedup.phones`, the same keyed hash as the dedup index's), never its digits. The scope is the
caller's: registered people in operations/sites where the worker holds INDIVIDUAL_VIEW, requests
where they hold TRACING_VIEW, and only requests with tracing consent, open, and not withdrawn; never
a registered person who withdrew consent for tracing (`registration.queries.consenting`). Reciprocal
requests (the other side is looking for our enquirer) are recognised here and add their weight.

Reads only; imports refugio.dedup (index and its models), registration models and scope helpers.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, select, union_all
from sqlalchemy.orm import Session

from refugio.dedup import index as dedup_index
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.protection.tracing.enums import (
    OPEN_STATUSES,
    RECIPROCAL_RELATIONSHIP,
    CandidateKind,
)
from refugio.protection.tracing.models import SoughtPerson, TracingKey, TracingRequest
from refugio.protection.tracing.scoring import (
    MIN_WEIGHT,
    Profile,
    Reason,
    Score,
    add_reciprocal,
    enquirer_profile,
    registered_profile,
    score,
    sought_profile,
    strength,
)
from refugio.registration.enums import ConsentPurpose
from refugio.registration.models import Household, Individual, Operation, Site
from refugio.registration.queries import consenting, scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

PER_PERSON = 20  # candidates kept per sought person and kind
BLOCK_PER_KIND = 2000  # rows read per key kind among the keys of other requests
BLOCK_PER_VALUE = 400  # dedup-index rows read per key value
YEARLESS_BELOW = 100  # name pairs without the year are looked up when the years found fewer people
SCORE_LIMIT = 800  # candidates scored per sought person (best blocking score first)
DETAIL_LIMIT = 60  # best candidates read in full (places, visibility) before the final ranking
INDEX_SYNC_LAG = 500  # audit entries behind: bring the dedup index up to date first
REGISTERED_STATUSES = ("active", "deceased", "departed")


# ---------------------------------------------------------------------------------------------
# blocking keys


def _years(profile: Profile) -> list[int]:
    if profile.born is None:
        return []
    spread = profile.tolerance + 1 if profile.born.precision == "estimated" else 1
    return list(range(profile.born.year - spread, profile.born.year + spread + 1))


def probe_keys(profile: Profile) -> dict[str, set[str]]:
    """Dedup-index keys (kind → values) to look up for a sought person."""
    row = profile.prepared
    g_skels = list(row.get("given_skels") or [])
    f_skels = list(row.get("family_skels") or [])
    m_skel = row.get("middle_skel")
    pairs: set[tuple[str, str]] = set()
    for g in g_skels:
        for f in f_skels:
            pairs |= {(g, f), (f, g)}  # and the name-order swap
        if m_skel:
            pairs.add((g, m_skel))  # the father's name recorded as family name
    keys: dict[str, set[str]] = defaultdict(set)
    for g, f in pairs:
        keys["gf"].add(f"{g}|{f}"[:120])
        for y in _years(profile):
            keys["gfy"].add(f"{g}|{f}|{y}"[:120])
    born = profile.born
    if born is not None and born.precision == "exact":
        for g in g_skels:
            keys["gd"].add(f"{g}|{born.iso}"[:120])
        for f in f_skels:
            keys["fd"].add(f"{f}|{born.iso}"[:120])
    if row.get("given_canon") and row.get("family_canon") and row.get("middle_canon"):
        keys["gmf"].add(f"{row['given_canon']}|{row['middle_canon']}|{row['family_canon']}"[:120])
    if row.get("phone"):
        keys["tel"].add(row["phone"])
    return keys


def request_keys(profile: Profile) -> set[tuple[str, str]]:
    """The stored keys of a person in a request: given|family skeletons (both orders), phone."""
    row = profile.prepared
    keys: set[tuple[str, str]] = set()
    for g in row.get("given_skels") or []:
        for f in row.get("family_skels") or []:
            keys.add(("gf", f"{g}|{f}"[:120]))
            keys.add(("gf", f"{f}|{g}"[:120]))
    if row.get("phone"):
        keys.add(("tel", row["phone"]))
    return keys


def _flat(keys: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(k, v) for k, values in keys.items() for v in values}


# ---------------------------------------------------------------------------------------------
# candidates among registered people


@dataclass(frozen=True)
class Found:
    """A scored candidate (not yet stored)."""

    kind: CandidateKind
    target: str
    operation_id: uuid.UUID
    weight: float
    reasons: tuple[Reason, ...]
    individual_id: uuid.UUID | None = None
    other_request_id: uuid.UUID | None = None
    other_person_id: uuid.UUID | None = None
    reciprocal: bool = False

    @property
    def strength(self) -> str:
        return strength(self.weight)


def _operations_in_scope(session: Session, actor: Principal, permission: Permission) -> list[uuid.UUID]:
    scope = actor.scope(permission)
    if scope.everything:
        return list(session.scalars(select(Operation.id)))
    ops = set(scope.operation_ids)
    if scope.site_ids:
        ops |= set(session.scalars(select(Site.operation_id).where(Site.id.in_(scope.site_ids))))
    return sorted(ops)


def _keyed_ids(
    session: Session, operations: Sequence[uuid.UUID], keys: dict[str, set[str]]
) -> dict[uuid.UUID, float]:
    """Registered people sharing keys with the probe, with a blocking score: the kinds of key shared,
    rare keys counting more than common ones. Each name key is looked up on its own (at most
    `BLOCK_PER_VALUE` rows), so that a common pair (Fatima|Mohammed) never crowds out a rare one
    (Fatima|Qadri). Name pairs without the year are looked up only when the years found too little."""
    hits: dict[uuid.UUID, float] = defaultdict(float)

    def take(kind: str, values: Sequence[str], weight: float, limit: int) -> int:
        """One statement: for each value, at most `limit` people (a UNION ALL of limited look-ups)."""
        if not values:
            return 0
        parts = [
            select(DedupKey.individual_id, DedupKey.value)
            .where(DedupKey.operation_id.in_(operations), DedupKey.kind == kind, DedupKey.value == value)
            .limit(limit)
            .subquery()
            for value in values
        ]
        selects = [select(p.c.individual_id, p.c.value) for p in parts]
        stmt = selects[0] if len(selects) == 1 else union_all(*selects)
        by_value: dict[str, list[uuid.UUID]] = defaultdict(list)
        for iid, value in session.connection().execute(stmt):
            by_value[value].append(iid)
        for ids in by_value.values():
            share = weight * (1.0 + 1.0 / math.log2(2 + len(ids)))
            for iid in ids:
                hits[iid] += share
        return sum(len(v) for v in by_value.values())

    with_year = take("gfy", sorted(keys.get("gfy") or ()), 2.0, BLOCK_PER_VALUE)
    for kind in ("gmf", "gd", "fd", "tel"):
        take(kind, sorted(keys.get(kind) or ()), 2.0, BLOCK_PER_VALUE)
    if with_year < YEARLESS_BELOW:
        take("gf", sorted(keys.get("gf") or ()), 1.0, BLOCK_PER_VALUE)
    return hits


def ensure_index(session: Session) -> int:
    """Bring the dedup index up to date when it is missing or far behind; returns the remaining lag."""
    lag = dedup_index.lag(session)
    if not dedup_index.is_built(session) or lag > INDEX_SYNC_LAG:
        dedup_index.sync(session)
        return 0
    return lag


@dataclass(frozen=True)
class Registered:
    """A registered person as the matching reads them (for scoring and for the enquirer check)."""

    individual_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    prepared: dict[str, Any]


def _index_rows(session: Session, ids: Sequence[uuid.UUID]) -> list[Registered]:
    out: list[Registered] = []
    conn = session.connection()  # plain rows: no ORM bookkeeping for hundreds of index rows
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for iid, op, site, prepared in conn.execute(
            select(
                DedupPerson.individual_id, DedupPerson.operation_id, DedupPerson.site_id, DedupPerson.prepared
            ).where(DedupPerson.individual_id.in_(chunk), DedupPerson.status.in_(REGISTERED_STATUSES))
        ):
            out.append(Registered(iid, op, site, prepared))
    return out


def registered_candidates(
    session: Session,
    *,
    actor: Principal,
    sought: Profile,
    enquirer: Profile | None,
    exclude: Iterable[uuid.UUID] = (),
    lag: int = 0,
) -> list[Found]:
    """Registered people who may be `sought`, best first, among those `actor` may see."""
    if not sought.has_name and not sought.prepared.get("phone"):
        return []
    operations = _operations_in_scope(session, actor, Permission.INDIVIDUAL_VIEW)
    if not operations:
        return []
    keys = probe_keys(sought)
    hits = _keyed_ids(session, operations, keys)
    for iid in exclude:
        hits.pop(iid, None)
    ranked = sorted(hits, key=lambda i: (-hits[i], str(i)))[:SCORE_LIMIT]
    rows = {r.individual_id: r for r in _index_rows(session, ranked)}
    if lag:
        flat, excluded, op_set = _flat(keys), set(exclude), set(operations)
        for p in dedup_index.pending(session):
            if (
                p.operation_id in op_set
                and p.status in REGISTERED_STATUSES
                and p.individual_id not in excluded
                and dedup_index.keys_of(p.prepared) & flat
            ):
                rows[p.individual_id] = Registered(p.individual_id, p.operation_id, p.site_id, p.prepared)
    first = sorted(
        ((score(sought, registered_profile(r.prepared), enquirer=enquirer).weight, r) for r in rows.values()),
        key=lambda x: (-x[0], str(x[1].individual_id)),
    )
    best = [r for w, r in first[:DETAIL_LIMIT] if w >= MIN_WEIGHT - 4.5]  # places can add up to 4.1
    # people who withdrew consent for tracing are never offered as a match (the one consent rule)
    traceable = consenting(
        session, purpose=ConsentPurpose.TRACING.value, individual_ids=[r.individual_id for r in best]
    )
    best = [r for r in best if r.individual_id in traceable]
    places = _visible_places(session, actor, [r.individual_id for r in best])
    found: list[Found] = []
    for r in best:
        if r.individual_id not in places:
            continue  # outside the worker's sites
        s = score(sought, registered_profile(r.prepared, places[r.individual_id]), enquirer=enquirer)
        if s.weight >= MIN_WEIGHT:
            found.append(
                Found(
                    CandidateKind.REGISTERED,
                    str(r.individual_id),
                    r.operation_id,
                    s.weight,
                    tuple(s.reasons),
                    individual_id=r.individual_id,
                )
            )
    found.sort(key=lambda f: (-f.weight, f.target))
    return found[:PER_PERSON]


def _visible_places(
    session: Session, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Place of origin (household) of the people `actor` may see among `ids`."""
    if not ids:
        return {}
    rows = session.execute(
        select(Individual.id, Household.place_of_origin)
        .join(Household, Household.id == Individual.household_id)
        .where(
            Individual.id.in_(list(ids)),
            scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id),
        )
    ).all()
    return {iid: place for iid, place in rows}


# ---------------------------------------------------------------------------------------------
# candidates among other requests


def open_request_clause(actor: Principal) -> Any:
    """Requests that take part in matching and that `actor` may see."""
    return and_(
        TracingRequest.consent_given.is_(True),
        TracingRequest.consent_withdrawn_at.is_(None),
        TracingRequest.status.in_([s.value for s in OPEN_STATUSES]),
        scope_clause(actor, Permission.TRACING_VIEW, TracingRequest.operation_id, TracingRequest.site_id),
    )


@dataclass
class RequestPeople:
    """Another request, its enquirer's and sought people's profiles."""

    request: TracingRequest
    enquirer: Profile
    sought: list[tuple[SoughtPerson, Profile]]


def load_request_people(
    session: Session, requests: Sequence[TracingRequest]
) -> dict[uuid.UUID, RequestPeople]:
    enquirer_ids = [r.enquirer_individual_id for r in requests if r.enquirer_individual_id]
    registered: dict[uuid.UUID, tuple[Individual, str | None]] = {}
    if enquirer_ids:
        for ind, place in session.execute(
            select(Individual, Household.place_of_origin)
            .join(Household, Household.id == Individual.household_id)
            .where(Individual.id.in_(enquirer_ids))
        ).all():
            registered[ind.id] = (ind, place)
    out: dict[uuid.UUID, RequestPeople] = {}
    for r in requests:
        reg = registered.get(r.enquirer_individual_id) if r.enquirer_individual_id else None
        enquirer = enquirer_profile(r, reg[0], reg[1]) if reg else enquirer_profile(r)
        out[r.id] = RequestPeople(r, enquirer, [(p, sought_profile(p)) for p in r.sought])
    return out


def _reciprocal(
    other: RequestPeople, enquirer: Profile | None, relationship: str | None
) -> tuple[bool, bool]:
    """Whether `other` looks for `enquirer` (a sought person of it fits), and whether the relationships
    agree (what we seek is to them what they seek is to us, reversed)."""
    if enquirer is None or not enquirer.has_name:
        return False, False
    best: tuple[float, str | None] = (-1e9, None)
    for person, profile in other.sought:
        s = score(profile, enquirer, enquirer=other.enquirer)
        if s.weight > best[0]:
            best = (s.weight, person.relationship)
    if best[0] < MIN_WEIGHT:
        return False, False
    agree = bool(relationship) and RECIPROCAL_RELATIONSHIP.get(relationship or "") == best[1]
    return True, agree


def request_candidates(
    session: Session,
    *,
    actor: Principal,
    request: TracingRequest,
    sought: Profile,
    enquirer: Profile | None,
) -> list[Found]:
    """Other open, consented requests whose enquirer or sought people may be `sought`, best first."""
    if not sought.has_name and not sought.prepared.get("phone"):
        return []
    operations = _operations_in_scope(session, actor, Permission.TRACING_VIEW)
    keys = request_keys(sought)
    if not operations or not keys:
        return []
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    hits: set[uuid.UUID] = set()
    for kind, values in by_kind.items():
        hits.update(
            session.scalars(
                select(TracingKey.request_id)
                .where(
                    TracingKey.operation_id.in_(operations),
                    TracingKey.kind == kind,
                    TracingKey.value.in_(values),
                    TracingKey.request_id != request.id,
                )
                .limit(BLOCK_PER_KIND)
            )
        )
    if not hits:
        return []
    others = list(
        session.scalars(
            select(TracingRequest).where(TracingRequest.id.in_(sorted(hits)), open_request_clause(actor))
        )
    )
    people = load_request_people(session, others)
    found: list[Found] = []
    for other in people.values():
        s = score(sought, other.enquirer, enquirer=enquirer)
        is_reciprocal, agree = _reciprocal(other, enquirer, sought.relationship)
        if is_reciprocal:
            add_reciprocal(s, relationships_agree=agree)
        if s.weight >= MIN_WEIGHT:
            found.append(
                Found(
                    CandidateKind.ENQUIRER,
                    f"{other.request.id}",
                    other.request.operation_id,
                    s.weight,
                    tuple(s.reasons),
                    other_request_id=other.request.id,
                    reciprocal=is_reciprocal,
                )
            )
        for person, profile in other.sought:
            s = score(sought, profile, enquirer=enquirer)
            if s.weight >= MIN_WEIGHT:
                found.append(
                    Found(
                        CandidateKind.SOUGHT,
                        f"{other.request.id}:{person.id}",
                        other.request.operation_id,
                        s.weight,
                        tuple(s.reasons),
                        other_request_id=other.request.id,
                        other_person_id=person.id,
                    )
                )
    found.sort(key=lambda f: (-f.weight, f.target))
    return found[:PER_PERSON]


def enquirers_among(
    session: Session, *, actor: Principal, individual_ids: Sequence[uuid.UUID], exclude_request: uuid.UUID
) -> dict[uuid.UUID, RequestPeople]:
    """Open consented requests (in scope) whose enquirer is one of these registered people."""
    if not individual_ids:
        return {}
    requests = list(
        session.scalars(
            select(TracingRequest).where(
                TracingRequest.enquirer_individual_id.in_(list(individual_ids)),
                TracingRequest.id != exclude_request,
                open_request_clause(actor),
            )
        )
    )
    people = load_request_people(session, requests)
    out: dict[uuid.UUID, RequestPeople] = {}
    for p in people.values():
        assert p.request.enquirer_individual_id is not None
        out.setdefault(p.request.enquirer_individual_id, p)
    return out


def reciprocal_boost(
    found: Found, other: RequestPeople, enquirer: Profile | None, relationship: str | None
) -> Found:
    """A registered candidate who is the enquirer of a request looking for our enquirer: stronger."""
    is_reciprocal, agree = _reciprocal(other, enquirer, relationship)
    if not is_reciprocal:
        return found
    s = Score(found.weight, list(found.reasons))
    add_reciprocal(s, relationships_agree=agree)
    return replace(
        found, weight=s.weight, reasons=tuple(s.reasons), reciprocal=True, other_request_id=other.request.id
    )
