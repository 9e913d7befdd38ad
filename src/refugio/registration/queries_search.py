"""Search of the registry: by name (either script), ID, document number or phone, within the
searcher's scope, narrowed by the browsing filters (site, sex, age range, status), one page at a time.

Spelling variants that the name index cannot find ("Mohamad Alahmad" for "Mohammed Al-Ahmad") are
found by the dedup name keys; registration does not import dedup, so the caller passes them in as
`variants` (see `refugio.dedup.queries.search_people_page`): they come after the name matches, so exact
and full matches still rank first. Re-exported by `refugio.registration.queries`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from refugio.core import ids
from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.registration import browse, name_index, names, views
from refugio.registration.models import Household, IdentityDocument, Individual
from refugio.registration.schemas import BrowseFilters, SearchHitRead, SearchPageRead
from refugio.registration.validation import normalise_document_number, normalise_phone
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.encrypted import blind_indexes

MAX_RESULTS = 50
_PHONEISH = re.compile(r"^\+?[0-9 ()-]{6,}$")
_CHUNK = 900  # ids per IN list (SQLite's bound-parameter limit is far above; PostgreSQL has none)


@dataclass(frozen=True)
class SearchHit:
    person: Individual
    household_ref: str
    matched_by: str  # name | variant | id | document | phone


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, how many people were found, and whether that count is capped ("more than")."""

    hits: list[SearchHit]
    total: int
    capped: bool = False
    offset: int = 0


def search(
    session: Session, *, actor: Principal, query: str, limit: int = MAX_RESULTS, include_inactive: bool = True
) -> list[SearchHit]:
    """`search_counted`, the page only."""
    found = search_counted(session, actor=actor, query=query, limit=limit, include_inactive=include_inactive)
    return found.hits


def _check(query: str, filters: BrowseFilters) -> str:
    q = (query or "").strip()
    if len(q) < 2:
        raise ValidationFailed.single("q", "type at least two characters", "too_short")
    if len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    browse.check(filters, people=True)
    return q


def search_counted(
    session: Session,
    *,
    actor: Principal,
    query: str,
    limit: int = MAX_RESULTS,
    offset: int = 0,
    include_inactive: bool = True,
    filters: BrowseFilters | None = None,
    variants: Sequence[uuid.UUID] = (),
) -> SearchResult:
    """Find people by name (either script, any order, word prefixes), ID, document number or phone.

    A phone is matched as stored and in E.164, read as dialled in the country of each operation the
    searcher sees (`0791234567` finds `+962791234567` in Jordan). A name search looks the words up in
    the name index (`name_index.find`): people named exactly so come first, then by how many words are
    whole name tokens, then the `variants` the caller found; each lookup counts at most
    `name_index.CANDIDATES` people (beyond that the result says "more than"), so the time a search takes
    does not grow with the registry. `filters` (site, sex, age, status) narrow the people found; the
    page is `offset`, `limit` of them."""
    if not actor.can_anywhere(Permission.SEARCH_RUN):
        raise PermissionDenied(f"{actor.label} lacks {Permission.SEARCH_RUN.value}")
    f = filters or BrowseFilters()
    q = _check(query, f)
    limit = max(1, min(limit, MAX_RESULTS))
    offset = max(offset, 0)
    from refugio.registration.queries import scope_clause, visible_operations

    scope = scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)
    where = [scope, *browse.person_clauses(f)]
    if not include_inactive:
        where.append(Individual.status == "active")
    base = (
        select(Individual, Household.ref)
        .join(Household, Household.id == Individual.household_id)
        .where(and_(*where))
    )
    hits: dict[uuid.UUID, SearchHit] = {}

    def take(stmt: Select[Individual, str], how: str) -> None:
        for person, hh_ref in session.execute(stmt.limit(MAX_RESULTS)).all():
            hits.setdefault(person.id, SearchHit(person, hh_ref, how))

    upper = q.upper()
    if ids.INDIVIDUAL_REF.match(upper):
        take(base.where(Individual.ref == upper), "id")
    elif ids.HOUSEHOLD_REF.match(upper):
        take(base.where(Household.ref == upper).order_by(Individual.ref), "id")
    number = normalise_document_number(q)
    if len(number) >= 4 and any(ch.isdigit() for ch in number):
        doc = IdentityDocument.individual_id == Individual.id
        take(base.join(IdentityDocument, doc).where(IdentityDocument.number_norm == number), "document")
    if _PHONEISH.match(q):
        digits = (normalise_phone(q) or "").lstrip("+")
        forms = {digits, "+" + digits}
        forms |= {
            normalise_phone(q, o.country_iso3) or digits for o in visible_operations(session, actor=actor)
        }
        take(
            base.where(Individual.phone_index.in_(blind_indexes(session, "individual", "phone", forms))),
            "phone",
        )
    if hits or not names.query_words(q):
        found = list(hits.values())
        result = SearchResult(found[offset : offset + limit], len(found), offset=offset)
    else:
        result = _by_name(session, actor, q, base, where, limit, offset, include_inactive, variants)
    _audit_search(session, actor, result.hits)
    return result


def _by_name(
    session: Session,
    actor: Principal,
    q: str,
    base: Select[Individual, str],
    where: list[ColumnElement[bool]],
    limit: int,
    offset: int,
    include_inactive: bool,
    variants: Sequence[uuid.UUID],
) -> SearchResult:
    """The name index's people, ranked, then the variants; those passing the scope and filters
    (checked in SQL on the candidates' ids), paged."""
    view = actor.scope(Permission.INDIVIDUAL_VIEW)
    ops = None if view.everything else view.operation_ids
    ranked, _total, capped = name_index.find(
        session, q, operation_ids=ops, site_ids=view.site_ids, active_only=not include_inactive
    )
    named = set(ranked)
    candidates = ranked + [v for v in dict.fromkeys(variants) if v not in named]
    passing: set[uuid.UUID] = set()
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        passing |= set(
            session.scalars(
                select(Individual.id)
                .join(Household, Household.id == Individual.household_id)
                .where(and_(*where), Individual.id.in_(chunk))
            )
        )
    order = [i for i in candidates if i in passing]
    page = order[offset : offset + limit]  # the page's ids, then their rows: a plan right at any size
    found = {p.id: (p, ref) for p, ref in session.execute(base.where(Individual.id.in_(page))).all()}
    shown = [SearchHit(*found[i], "name" if i in named else "variant") for i in page if i in found]
    return SearchResult(shown, len(order), capped, offset)


def _audit_search(session: Session, actor: Principal, result: list[SearchHit]) -> None:
    """Who searched, and whom the search showed (not the query: it may be a name)."""
    audit.record(
        session,
        actor=actor,
        action="individual.search",
        object_type="individual",
        object_id=None,
        details={
            "results": [str(h.person.id) for h in result],
            "kinds": sorted({h.matched_by for h in result}),
        },
    )


def search_people(
    session: Session, *, actor: Principal, query: str, limit: int = MAX_RESULTS
) -> list[SearchHitRead]:
    """`search`, as read models."""
    return search_people_page(session, actor=actor, query=query, limit=limit).hits


def search_people_page(
    session: Session,
    *,
    actor: Principal,
    query: str,
    limit: int = MAX_RESULTS,
    offset: int = 0,
    filters: BrowseFilters | None = None,
    variants: Sequence[uuid.UUID] = (),
) -> SearchPageRead:
    """`search_counted`, as read models: the page, how many were found, whether that count is capped."""
    found = search_counted(
        session, actor=actor, query=query, limit=limit, offset=offset, filters=filters, variants=variants
    )
    return SearchPageRead(
        hits=[views.hit(h) for h in found.hits],
        total=found.total,
        capped=found.capped,
        offset=found.offset,
        limit=max(1, min(limit, MAX_RESULTS)),
    )
