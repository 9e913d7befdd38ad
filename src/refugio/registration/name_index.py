"""The name index behind search: one `name_search` row per person, matched by the database's own
full-text index (see docs/decisions/0002-name-search-index.md).

A row's `names` is a document of space-separated tokens: the person's normalised name tokens
(`names.tokens`: both scripts, each word with and without its definite article), then reserved tokens
that begin with "_" (a normalised name never contains one) naming what search filters on before it
caps the candidates:

    _o<operation id, 32 hex digits>   _s<site id, 32 hex digits>   _status_<status>

SQLite matches it with the FTS5 table `name_fts` (external content on `name_search`, kept in step by
triggers on `name_search`); PostgreSQL stores `names` as a tsvector and matches it with a GIN index.
Both are created by migration 0007; the dialect's query is written by `refugio.store.fulltext`.

Every write that changes a person's names, site, operation or status must rewrite the person's row:
`service.refresh_name_index` does, and the registration paths insert the rows they create. A row that
is out of step can hide a person from search, never show one outside the searcher's scope: `search`
applies the scope and status to the individual rows as well.

Imports SQLAlchemy, refugio.store.fulltext and refugio.registration (models, names) only.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from refugio.registration import names
from refugio.registration.models import NameSearch
from refugio.store import fulltext

# At most this many people are read from the index per lookup; the page shown is the first by name
# among them. Beyond it, the work per search would grow with the number of people sharing a name.
CANDIDATES = 500

OPERATION, SITE, STATUS = "_o", "_s", "_status_"
_INDEX = fulltext.FullTextIndex("name_fts", NameSearch.__table__.c.id, NameSearch.__table__.c.names)


def document(
    name_values: Iterable[str | None], operation_id: uuid.UUID, site_id: uuid.UUID, status: str
) -> str:
    """The indexed document of one person."""
    words = sorted(names.tokens(*name_values))
    words.append(_reserved(operation_id, site_id, status))
    return " ".join(words)


@functools.lru_cache(maxsize=4096)
def _reserved(operation_id: uuid.UUID, site_id: uuid.UUID, status: str) -> str:
    return f"{OPERATION}{operation_id.hex} {SITE}{site_id.hex} {STATUS}{status}"


def stored_tokens(doc: str) -> set[str]:
    """The tokens of a stored document, as either database returns it (PostgreSQL quotes each lexeme
    of a tsvector)."""
    return {w for w in (t.strip("'") for t in doc.split(" ")) if w}


def name_tokens(doc: str) -> set[str]:
    """The name tokens of a stored document, without the reserved ones."""
    return {t for t in stored_tokens(doc) if not t.startswith("_")}


SORTED_BY = ("family_norm", "given_norm", "ref")  # the order of search results, copied from individual


def row(individual_id: uuid.UUID, doc: str, family_norm: str, given_norm: str, ref: str) -> dict[str, Any]:
    """A `name_search` row."""
    return {
        "individual_id": individual_id,
        "names": doc,
        "family_norm": family_norm,
        "given_norm": given_norm,
        "ref": ref,
    }


def _scope_tokens(
    operation_ids: Iterable[uuid.UUID] | None, site_ids: Iterable[uuid.UUID]
) -> tuple[list[str], bool]:
    """Scope tokens (any of), and whether the scope is empty (nothing may be found)."""
    if operation_ids is None:  # every operation
        return [], False
    scope = [f"{OPERATION}{o.hex}" for o in sorted(operation_ids)]
    scope += [f"{SITE}{s.hex}" for s in sorted(site_ids)]
    return scope, not scope


def matching(
    dialect: str,
    words: Sequence[str],
    *,
    prefix: bool,
    operation_ids: Iterable[uuid.UUID] | None,
    site_ids: Iterable[uuid.UUID] = (),
    active_only: bool = False,
) -> Select[uuid.UUID, str, str, str, str]:
    """Up to CANDIDATES + 1 people (id, document, family_norm, given_norm, ref) having every word as a
    name token (or a token starting with it) in the given scope: one more than CANDIDATES tells that
    the count was capped. Reads `name_search` only; `rank` orders them."""
    scope, empty = _scope_tokens(operation_ids, site_ids)
    columns = (NameSearch.individual_id, NameSearch.names, *(getattr(NameSearch, c) for c in SORTED_BY))
    if empty or not words:
        return select(*columns).where(false())
    status = [f"{STATUS}active"] if active_only else []
    stmt = fulltext.where_matches(
        select(*columns), dialect, index=_INDEX, words=words, prefix=prefix, exact=status, any_of=scope
    )
    return stmt.limit(CANDIDATES + 1)


def rank(query: str, rows: Iterable[Sequence[Any]]) -> list[uuid.UUID]:
    """The ids of `matching` rows, best first: people whose name (in the query's script) is exactly the
    query's words, then by how many query words are whole name tokens, then by fewest other name
    words, then by name."""
    wanted = names.tokens(query)
    ascii_query = query.isascii()
    forms = names.query_tokens(query)

    def key(row: Sequence[Any]) -> tuple[bool, int, int, str, str, str]:
        have = name_tokens(row[1])
        same_script = {t for t in have if t.isascii() == ascii_query}
        whole = sum(1 for f in forms if any(w in have for w in f))
        return (same_script != wanted, -whole, len(same_script - wanted), row[2], row[3], row[4])

    return [row[0] for row in sorted(rows, key=key)]


def find(
    session: Session,
    query: str,
    *,
    operation_ids: Iterable[uuid.UUID] | None,
    site_ids: Iterable[uuid.UUID] = (),
    active_only: bool = False,
) -> tuple[list[uuid.UUID], int, bool]:
    """The people whose names match `query` (every word a whole name token, or a token starting with
    it), ranked by `rank`; how many they are, and whether that count was capped at CANDIDATES per
    lookup (the page then says "more than")."""
    words = names.query_words(query)
    dialect = session.get_bind().dialect.name
    rows: dict[uuid.UUID, Sequence[Any]] = {}
    capped = False
    for prefix in (False, True):  # whole tokens first, so a capped prefix lookup cannot hide them
        found = session.execute(
            matching(
                dialect,
                words,
                prefix=prefix,
                operation_ids=operation_ids,
                site_ids=site_ids,
                active_only=active_only,
            )
        ).all()
        capped = capped or len(found) > CANDIDATES
        for row in found[:CANDIDATES]:
            rows.setdefault(row[0], row)
    return rank(query, rows.values()), len(rows), capped
