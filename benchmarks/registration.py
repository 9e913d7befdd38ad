"""Registration benchmarks (issue 2): refugio's figure beside a named baseline, measured in the same run.

(1) Bulk registration: N households (≈ 4.5 N people) through `service.register_households`, one unit of
    work per batch, as an administrator; BESIDE the limit: the very rows the service wrote (households,
    individuals, documents, name tokens, specific needs, events, audit entries), read back and inserted
    with raw DBAPI `executemany` into a fresh database with the same schema, batch by batch, one
    transaction per batch. Aim: the service at >= 40 % of the raw rate.
(2) Name search on a registry of M individuals: 500 realistic queries (full Latin names, family names,
    names in Arabic script, reversed order, prefixes) timed through `queries.search` with its audit
    write, one unit of work per query as a request would; BESIDE the naive approach, a plain
    `LIKE '%word%'` scan of the individual table. Aim: p95 <= 50 ms.

Both run on SQLite (a file in a temporary directory) and, when `--postgres URL` or
REFUGIO_TEST_POSTGRES_URL is given, on PostgreSQL (throwaway databases, dropped afterwards). Schemas
are made by the migrations (`refugio.store.migrate.upgrade`).

    .venv/bin/python benchmarks/registration.py --quick            # smoke test, under a minute
    .venv/bin/python benchmarks/registration.py                     # 100,000 households; 1,000,000 people
    .venv/bin/python benchmarks/registration.py --postgres postgresql://postgres@127.0.0.1:5432/test

This script imports refugio like any caller of its Python API; nothing in refugio imports it.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import gc
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from refugio.main import metadata
from refugio.registration import names, queries, service
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.synthetic import generate_households
from refugio.security import audit
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Grant, Principal
from refugio.store import migrate
from refugio.store.engine import make_engine, normalise_url
from refugio.store.uow import session_factory, unit_of_work

ADMIN = Principal(user_id=None, username="bench-admin", grants=(Grant(Role.ADMINISTRATOR),))
# Tables written per household registration, in an order that satisfies the foreign keys.
WRITTEN = (
    "household",
    "individual",
    "identity_document",
    "name_token",
    "specific_need",
    "registration_event",
    "audit_log",
)
# Small tables the service keeps up to date besides (copied untimed so both databases end equal).
BOOKKEEPING = ("ref_sequence", "needs_ruleset", "audit_head")
START, END = dt.date(2024, 1, 1), dt.date(2026, 10, 31)


# ---------------------------------------------------------------------------------------------
# databases


@dataclass
class Backend:
    name: str  # sqlite | postgresql
    server_url: str | None = None  # PostgreSQL: any database on the server
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="refugio-bench-")))

    @contextlib.contextmanager
    def database(self, label: str) -> Iterator[Engine]:
        """A new database with the migrated schema; thrown away afterwards."""
        if self.name == "sqlite":
            path = self.workdir / f"{label}.sqlite3"
            engine = make_engine(f"sqlite:///{path}")
            try:
                migrate.upgrade(engine)
                yield engine
            finally:
                engine.dispose()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        assert self.server_url is not None
        base = make_url(normalise_url(self.server_url))
        db = f"refugio_bench_{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        engine = make_engine(base.set(database=db).render_as_string(hide_password=False))
        try:
            migrate.upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            admin.dispose()


# ---------------------------------------------------------------------------------------------
# proposed changes to refugio, prototyped here (`--proposed`) to measure their gain before the lead
# makes them in the models, migrations and services


FOCAL_POINT_INDEX = "CREATE INDEX IF NOT EXISTS ix_household_focal_point_id ON household (focal_point_id)"


def add_focal_point_index(engine: Engine) -> None:
    """Index household.focal_point_id. Without it SQLite, which checks the deferred foreign key
    household.focal_point_id -> individual.id when each individual row is inserted, scans the whole
    household table per person: bulk registration slows down linearly with the registry's size."""
    with engine.begin() as conn:
        conn.execute(text(FOCAL_POINT_INDEX))


def drop_focal_point_index(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_household_focal_point_id"))


def _existing_documents_inline(
    session: Session, keys: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """service._existing_documents with the numbers rendered inline (they are [0-9A-Z] only once
    normalised). psycopg prepares a statement run five times with the same text; PostgreSQL then
    reuses a generic plan made with the statistics of a nearly empty registry (a nested loop over
    every individual): 240 ms per 500 numbers at 45,000 people instead of 3 ms."""
    from sqlalchemy import bindparam, select

    from refugio.registration.models import IdentityDocument, Individual

    found: dict[tuple[str, str, str], str] = {}
    numbers = sorted({k[2] for k in keys})
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        rows = session.execute(
            select(
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
                Individual.ref,
            )
            .join(Individual, Individual.id == IdentityDocument.individual_id)
            .where(
                IdentityDocument.number_norm.in_(
                    bindparam("numbers", chunk, expanding=True, literal_execute=True)
                )
            )
        ).all()
        for doc_type, country, norm, ref in rows:
            if (doc_type, country, norm) in keys:
                found[(doc_type, country, norm)] = ref
    return found


ARTICLES = {"al", "el", "ul", "ال"}
CANDIDATE_CAP = 500


def build_name_index(engine: Engine) -> float:
    """The proposed full-text name index, built from name_token; returns the seconds it took.

    One narrow row per person in a new table name_doc: the person's normalised name tokens, the
    operation and site (to apply the actor's scope before the cap), and the sort key of the result
    list; indexed by the database's own inverted index: an FTS5 external-content table on SQLite, a
    GIN index on a tsvector of the exact tokens on PostgreSQL. Both intersect posting lists in C,
    with skipping, which the INTERSECT of two SELECTs over name_token cannot do.
    """
    sort_key = "i.family_norm || ' ' || i.given_norm || ' ' || i.ref"
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TABLE name_doc (id INTEGER PRIMARY KEY, individual_id CHAR(32) NOT NULL UNIQUE "
                    "REFERENCES individual (id), operation_id CHAR(32) NOT NULL, site_id CHAR(32) NOT NULL, "
                    "sort_key VARCHAR(240) NOT NULL, names TEXT NOT NULL)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO name_doc (individual_id, operation_id, site_id, sort_key, names) "
                    f"SELECT i.id, i.operation_id, i.site_id, {sort_key}, t.names FROM individual i JOIN "
                    "(SELECT individual_id, group_concat(token, ' ') AS names FROM name_token "
                    "GROUP BY individual_id) t ON t.individual_id = i.id"
                )
            )
            conn.execute(
                text(
                    "CREATE VIRTUAL TABLE name_fts USING fts5(names, content='name_doc', content_rowid='id', "
                    "detail='none', prefix='2 3', tokenize='unicode61 remove_diacritics 0')"
                )
            )
            conn.execute(text("INSERT INTO name_fts (name_fts) VALUES ('rebuild')"))
        else:
            conn.execute(
                text(
                    "CREATE TABLE name_doc (individual_id uuid PRIMARY KEY REFERENCES individual (id), "
                    "operation_id uuid NOT NULL, site_id uuid NOT NULL, sort_key varchar(240) NOT NULL, "
                    "names tsvector NOT NULL)"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO name_doc SELECT i.id, i.operation_id, i.site_id, {sort_key}, t.names "
                    "FROM individual i JOIN (SELECT individual_id, array_to_tsvector(array_agg(token)) "
                    "AS names FROM name_token GROUP BY individual_id) t ON t.individual_id = i.id"
                )
            )
            conn.execute(text("CREATE INDEX ix_name_doc_names ON name_doc USING gin (names)"))
    analyze(engine)
    return time.perf_counter() - t0


def _name_candidates_fts(
    session: Session, actor: Principal, words: list[str], prefix: bool, limit: int
) -> list[uuid.UUID]:
    """The first `limit` people by name among at most CANDIDATE_CAP having every word (or prefix)."""
    from sqlalchemy import Uuid, column, literal_column, table

    from refugio.security.permissions import Permission

    doc = table(
        "name_doc",
        column("id"),
        column("individual_id", Uuid()),
        column("operation_id", Uuid()),
        column("site_id", Uuid()),
        column("sort_key"),
    )
    scope = queries.scope_clause(actor, Permission.INDIVIDUAL_VIEW, doc.c.operation_id, doc.c.site_id)
    if session.get_bind().dialect.name == "sqlite":
        match = " AND ".join('"' + w.replace('"', '""') + '"' + ("*" if prefix else "") for w in words)
        matched = (
            select(doc.c.individual_id, doc.c.sort_key)
            .select_from(doc.join(table("name_fts"), literal_column("name_fts.rowid") == doc.c.id))
            .where(text("name_fts MATCH :match").bindparams(match=match))
        )
    else:
        query = " & ".join("'" + w.replace("'", "''") + "'" + (":*" if prefix else "") for w in words)
        matched = select(doc.c.individual_id, doc.c.sort_key).where(
            text("names @@ CAST(:tsq AS tsquery)").bindparams(tsq=query)
        )
    capped = matched.where(scope).limit(CANDIDATE_CAP).subquery()
    stmt = select(capped.c.individual_id).order_by(capped.c.sort_key).limit(limit)
    return list(session.scalars(stmt))


def search_proposed(
    session: Session,
    *,
    actor: Principal,
    query: str,
    limit: int = queries.MAX_RESULTS,
    include_inactive: bool = True,
) -> list[queries.SearchHit]:
    """queries.search with another name path (IDs, document numbers and phones as in refugio):

    1. a query word that is only a definite article (al, el, ul, ال) or a single letter is dropped
       when other words remain (as a prefix, "al" matches a third of the name tokens of an Arab
       caseload, "a" a tenth of all), and each word is looked up in the form without its article,
       under which names are indexed too;
    2. exact words first: people having every word as a name token, from the full-text index
       (build_name_index); only when that finds nobody, every word as a prefix (what a clerk types
       while unsure of the spelling, or before finishing the word);
    3. at most CANDIDATE_CAP candidates are read; the `limit` shown are the first by name among them,
       so the work per query no longer grows with the number of people who share a common name.
    The actor's scope applies inside the candidate query (name_doc carries operation and site), so a
    clerk of a small site still finds the people of that site who share a common name.
    """
    from refugio.core.errors import PermissionDenied, ValidationFailed
    from refugio.registration.models import Household
    from refugio.security.permissions import Permission

    q = (query or "").strip()
    if any(ch.isdigit() for ch in q):  # an ID, a document number or a phone: refugio's own paths
        return ORIGINAL_SEARCH(
            session, actor=actor, query=query, limit=limit, include_inactive=include_inactive
        )
    if not actor.can_anywhere(Permission.SEARCH_RUN):
        raise PermissionDenied(f"{actor.label} lacks {Permission.SEARCH_RUN.value}")
    if len(q) < 2:
        raise ValidationFailed.single("q", "type at least two characters", "too_short")
    if len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    limit = max(1, min(limit, queries.MAX_RESULTS))
    # query_tokens gives words (or, in newer versions, each word's forms, the last without its article)
    forms: list[Any] = list(names.query_tokens(q))
    words = [f[-1] if isinstance(f, list) else f for f in forms]
    words = sorted(
        {w for w in words if w not in ARTICLES and len(w) > 1} or set(words), key=len, reverse=True
    )
    result: list[queries.SearchHit] = []
    scope = queries.scope_clause(
        actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id
    )
    for prefix in (False, True):
        if not words:
            break
        ids = _name_candidates_fts(session, actor, words, prefix, limit)
        if not ids:
            continue
        stmt = (
            select(Individual, Household.ref)
            .join(Household, Household.id == Individual.household_id)
            .where(scope, Individual.id.in_(ids))
            .order_by(Individual.family_norm, Individual.given_norm, Individual.ref)
            .limit(limit)
        )
        if not include_inactive:
            stmt = stmt.where(Individual.status == "active")
        result = [queries.SearchHit(p, ref, "name") for p, ref in session.execute(stmt).all()]
        if result:  # exact matches found: prefixes would only add weaker ones
            break
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
    return result


ORIGINAL_SEARCH = queries.search


@contextlib.contextmanager
def proposed_search(enabled: bool) -> Iterator[None]:
    """Patch queries.search with search_proposed for the duration of the block."""
    if not enabled:
        yield
        return
    queries.search = search_proposed
    try:
        yield
    finally:
        queries.search = ORIGINAL_SEARCH


def _record_many_core(
    session: Session, *, actor: Principal, entries: list[tuple[str, str, str | None, dict[str, Any]]]
) -> list[Any]:
    """audit.record_many with the same chain (same helpers, same hashes) but one Core executemany
    instead of an ORM flush of one AuditEntry object per entry: the ORM path costs about 0.3 ms per
    entry (a third of a second per batch of 1,000 households on PostgreSQL), the Core path a tenth.
    Returns no objects (register_households ignores them; audit.record keeps the ORM path)."""
    from sqlalchemy import insert

    from refugio.core import clock
    from refugio.security.models import AuditEntry

    if len(entries) < 2:
        single: list[Any] = ORIGINAL_RECORD_MANY(session, actor=actor, entries=entries)
        return single
    head = audit._lock_head(session)
    at = clock.now()
    stamp = audit._timestamp(at)
    rows: list[dict[str, Any]] = []
    seq, prev = head.seq, head.hash
    for action, object_type, object_id, details in entries:
        seq += 1
        clean = audit._portable(json.loads(json.dumps(details, default=str)))
        digest = audit.entry_hash(
            prev,
            audit._canonical(seq, stamp, actor.label, action, object_type, object_id, actor.purpose, clean),
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor.label,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "purpose": actor.purpose,
                "details": clean,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.connection().execute(insert(AuditEntry), rows)
    head.seq, head.hash = seq, prev
    session.flush()
    return []


ORIGINAL_RECORD_MANY = audit.record_many
ORIGINAL_BULK_INSERT = service._bulk_insert
ORIGINAL_NORMALISE = names.normalise


def _bulk_insert_direct(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """service._bulk_insert without SQLAlchemy's per-row parameter handling: the INSERT is compiled
    once, each column's bind processor (UUID, dates, UTC datetimes, JSON) is looked up once and applied
    in a plain loop, and the rows go to the DBAPI's executemany as they are. Same SQL, same values."""
    if not rows:
        return
    table = model.__table__
    keys = list(rows[0])
    if set(keys) != {c.key for c in table.columns}:  # a column left to its default: the usual path
        ORIGINAL_BULK_INSERT(session, model, rows)
        return
    conn = session.connection()
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    processors = {k: table.c[k].type._cached_bind_processor(dialect) for k in keys}

    def value(key: str, row: dict[str, Any]) -> Any:
        v, process = row[key], processors[key]
        return v if process is None or v is None else process(v)

    if compiled.positional:
        order = [compiled.binds[name].key for name in compiled.positiontup or []]
        params: list[Any] = [tuple(value(k, r) for k in order) for r in rows]
    else:
        bind_keys = {name: bind.key for name, bind in compiled.binds.items()}
        params = [{n: value(k, r) for n, k in bind_keys.items()} for r in rows]
    conn.exec_driver_sql(compiled.string, params)


@contextlib.contextmanager
def proposed_service(enabled: bool) -> Iterator[None]:
    """Patch the service with the proposed changes for the duration of the block."""
    if not enabled:
        yield
        return

    original = service._existing_documents
    service._existing_documents = _existing_documents_inline
    audit.record_many = _record_many_core
    service._bulk_insert = _bulk_insert_direct
    names.normalise = functools.lru_cache(maxsize=200_000)(ORIGINAL_NORMALISE)  # names repeat a lot
    try:
        yield
    finally:
        service._existing_documents = original
        audit.record_many = ORIGINAL_RECORD_MANY
        service._bulk_insert = ORIGINAL_BULK_INSERT
        names.normalise = ORIGINAL_NORMALISE


def seed_sites(sessions: sessionmaker[Session]) -> list[uuid.UUID]:
    with unit_of_work(sessions) as s:
        op = service.create_operation(
            s, actor=SYSTEM, code="BEN", name="Benchmark operation", country_iso3="JOR"
        )
        sites = [
            service.create_site(s, actor=SYSTEM, operation=op, code=code, name=name, kind=kind)
            for code, name, kind in (
                ("ZAA", "Camp A", "camp"),
                ("AZR", "Camp B", "camp"),
                ("AMM", "City office", "urban_office"),
            )
        ]
        return [site.id for site in sites]


def analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def households(count: int, site_ids: Sequence[uuid.UUID], seed: int) -> list[HouseholdCreate]:
    return list(generate_households(count=count, site_ids=site_ids, seed=seed, start=START, end=END))


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


# ---------------------------------------------------------------------------------------------
# (1) bulk registration versus raw inserts of the same rows


@dataclass
class BulkResult:
    backend: str
    households: int
    individuals: int
    rows: dict[str, int]
    generate_s: float
    service_s: float
    raw_s: float
    identical: bool

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _columns(table: str) -> list[str]:
    return [c.name for c in metadata().tables[table].columns]


def _read_rows(engine: Engine, table: str, where: str = "") -> list[tuple[Any, ...]]:
    cols = _columns(table)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"SELECT {', '.join(cols)} FROM {table} {where}")
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        return rows
    finally:
        raw.close()


def _adapter(engine: Engine, table: str) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """PostgreSQL: JSONB values come back as dict/list and go in as Jsonb (psycopg's own wrapper)."""
    if engine.dialect.name != "postgresql":
        return lambda row: row
    from psycopg.types.json import Jsonb

    json_cols = [
        i for i, c in enumerate(metadata().tables[table].columns) if migrate.is_portable_json(c.type)
    ]
    if not json_cols:
        return lambda row: row

    def adapt(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
        for i in json_cols:
            if out[i] is not None:
                out[i] = Jsonb(out[i])
        return tuple(out)

    return adapt


def _insert_sql(engine: Engine, table: str) -> str:
    cols = _columns(table)
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"


def _copy_untimed(source: Engine, target: Engine, tables: Sequence[str], where: dict[str, str]) -> None:
    raw = target.raw_connection()
    try:
        cur = raw.cursor()
        for table in tables:
            if table in {"ref_sequence", "needs_ruleset", "audit_head"}:
                cur.execute(f"DELETE FROM {table}")
            adapt = _adapter(target, table)
            rows = [adapt(r) for r in _read_rows(source, table, where.get(table, ""))]
            if rows:
                cur.executemany(_insert_sql(target, table), rows)
        raw.commit()
    finally:
        raw.close()


def _row_counts(engine: Engine, tables: Sequence[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def bench_bulk(
    backend: Backend, count: int, batch: int, seed: int, profile: Path | None, proposed: bool
) -> BulkResult:
    with backend.database("bulk") as engine:
        if proposed:
            add_focal_point_index(engine)
        sessions = session_factory(engine)
        site_ids = seed_sites(sessions)
        with engine.connect() as conn:
            audit_before = int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM audit_log")).scalar_one())
        t0 = time.perf_counter()
        items = households(count, site_ids, seed)
        generate_s = time.perf_counter() - t0
        individuals = sum(len(i.members) for i in items)
        print(f"  generated {count:,} households ({individuals:,} people) in {generate_s:.1f} s", flush=True)

        batch_of: dict[str, int] = {}  # household id (as the database spells it) -> batch number
        profiler = cProfile.Profile() if profile else None
        gc.collect()
        service_s = 0.0
        for n, start in enumerate(range(0, len(items), batch)):
            chunk = items[start : start + batch]
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            with proposed_service(proposed), unit_of_work(sessions) as s:
                registered = service.register_households(s, actor=ADMIN, items=chunk)
            if profiler:
                profiler.disable()
            service_s += time.perf_counter() - t0
            for r in registered:
                batch_of[r.household_id.hex] = n
        del items
        if profiler and profile:
            profiler.dump_stats(profile)
            print(f"  cProfile of the service written to {profile}")
        rows = _row_counts(engine, WRITTEN)
        rows["audit_log"] -= audit_before
        with unit_of_work(sessions) as s:
            chain = audit.verify_chain(s)
        print(f"  audit chain of {chain.entries:,} entries: {'intact' if chain.ok else chain.problems[:3]}")
        print(f"  service: {service_s:.1f} s for {sum(rows.values()):,} rows", flush=True)

        # the same rows, grouped by the batch that wrote them
        batches = max(batch_of.values()) + 1 if batch_of else 0
        grouped: dict[str, list[list[tuple[Any, ...]]]] = {t: [[] for _ in range(batches)] for t in WRITTEN}

        def key(value: Any) -> str:  # UUIDs come back as uuid.UUID (psycopg) or 32 hex digits (SQLite)
            return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")

        person_batch: dict[str, int] = {}
        hh_id = _columns("household").index("id")
        for row in _read_rows(engine, "household"):
            grouped["household"][batch_of[key(row[hh_id])]].append(row)
        hh_col = _columns("individual").index("household_id")
        person_id = _columns("individual").index("id")
        for row in _read_rows(engine, "individual"):
            b = batch_of[key(row[hh_col])]
            person_batch[key(row[person_id])] = b
            grouped["individual"][b].append(row)
        for table in ("identity_document", "name_token", "specific_need"):
            col = _columns(table).index("individual_id")
            for row in _read_rows(engine, table):
                grouped[table][person_batch[key(row[col])]].append(row)
        col = _columns("registration_event").index("household_id")
        for row in _read_rows(engine, "registration_event"):
            grouped["registration_event"][batch_of[key(row[col])]].append(row)
        col = _columns("audit_log").index("object_id")
        for row in _read_rows(engine, "audit_log", f"WHERE seq > {audit_before} ORDER BY seq"):
            grouped["audit_log"][batch_of[key(row[col])]].append(row)
        del person_batch

        with backend.database("limit") as target:
            if proposed:
                add_focal_point_index(target)
            _copy_untimed(
                engine,
                target,
                ["operation", "site", "audit_log"],
                {"audit_log": f"WHERE seq <= {audit_before}"},
            )
            prepared = {t: [[_adapter(target, t)(r) for r in rows] for rows in grouped[t]] for t in WRITTEN}
            del grouped
            sql = {t: _insert_sql(target, t) for t in WRITTEN}
            raw = target.raw_connection()
            gc.collect()
            try:
                cur = raw.cursor()
                t0 = time.perf_counter()
                for b in range(batches):
                    for table in WRITTEN:
                        if prepared[table][b]:
                            cur.executemany(sql[table], prepared[table][b])
                    raw.commit()
                raw_s = time.perf_counter() - t0
                cur.close()
            finally:
                raw.close()
            del prepared
            _copy_untimed(engine, target, BOOKKEEPING, {})
            tables = (*WRITTEN, *BOOKKEEPING, "operation", "site")
            identical = _row_counts(engine, tables) == _row_counts(target, tables)
    return BulkResult(backend.name, count, individuals, rows, generate_s, service_s, raw_s, identical)


# ---------------------------------------------------------------------------------------------
# (2) name search on a large registry


@dataclass
class SearchResult:
    backend: str
    individuals: int
    households: int
    build_s: float
    service: list[float]
    baseline: list[float]
    hits_service: list[int]
    hits_baseline: list[int]
    kinds: list[str]


def _reservoir(rng: random.Random, sample: list[Any], seen: int, item: Any, size: int) -> None:
    if len(sample) < size:
        sample.append(item)
    else:
        j = rng.randrange(seen)
        if j < size:
            sample[j] = item


def make_queries(people: list[Any], n: int, seed: int) -> list[tuple[str, str]]:
    """Realistic name queries as a clerk types them: (kind, query)."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    kinds = ("full_latin", "family_only", "arabic", "reversed", "prefixes", "three_names")
    weights = (30, 15, 20, 15, 12, 8)
    arabic = [p for p in people if p.original_script == "Arab" and p.given_name_original]
    while len(out) < n:
        kind = rng.choices(kinds, weights)[0]
        p = rng.choice(arabic if kind == "arabic" else people)
        given, family = p.given_name, p.family_name or (p.middle_name or "")
        if kind == "full_latin":
            q = f"{given} {family}"
        elif kind == "family_only":
            q = family or given
        elif kind == "arabic":
            q = " ".join(
                x for x in (p.given_name_original, p.family_name_original or p.middle_name_original) if x
            )
        elif kind == "reversed":
            q = f"{family} {given}"
        elif kind == "prefixes":
            q = " ".join(w[: max(3, len(w) // 2)] for w in (given.split()[0], (family or given).split()[-1]))
        else:
            q = " ".join(x for x in (given, p.middle_name, p.family_name) if x)
        q = q.strip()
        if len(q) >= 2:
            out.append((kind, q))
    return out


def _like_baseline(engine: Engine, query: str) -> tuple[float, int]:
    """The naive approach: every word somewhere in a name column, a full scan, sorted, first 50."""
    words = [w for w in query.replace("-", " ").split() if w]
    cols = ("given_name", "middle_name", "family_name", "given_name_original", "family_name_original")
    op = "LIKE" if engine.dialect.name == "sqlite" else "ILIKE"
    clauses = [f"({' OR '.join(f'i.{c} {op} :w{k}' for c in cols)})" for k in range(len(words))]
    sql = text(
        "SELECT i.id, i.ref, i.given_name, i.family_name, h.ref FROM individual i "
        f"JOIN household h ON h.id = i.household_id WHERE {' AND '.join(clauses)} "
        "ORDER BY i.family_name, i.given_name, i.ref LIMIT 50"
    )
    params = {f"w{k}": f"%{w}%" for k, w in enumerate(words)}
    with engine.connect() as conn:
        t0 = time.perf_counter()
        n = len(conn.execute(sql, params).all())
        return time.perf_counter() - t0, n


def build_registry(
    engine: Engine, sessions: sessionmaker[Session], individuals: int, batch: int, seed: int, proposed: bool
) -> tuple[int, int, float, list[Any]]:
    """Register households until the registry holds `individuals` people; returns (people, households,
    seconds, a random sample of the people registered)."""
    site_ids = seed_sites(sessions)
    rng = random.Random(seed)
    sample: list[Any] = []
    people = hh = seen = 0
    # without this index SQLite's bulk inserts slow down with the registry's size (see
    # add_focal_point_index): a million people would take hours, so the registry is built with it
    # and, unless --proposed, the index is dropped again before searching
    add_focal_point_index(engine)
    t0 = time.perf_counter()
    stream = generate_households(
        count=int(individuals / 4.2) + 1000, site_ids=site_ids, seed=seed, start=START, end=END
    )
    while people < individuals:
        chunk: list[HouseholdCreate] = []
        for item in stream:
            chunk.append(item)
            people += len(item.members)
            if len(chunk) >= batch or people >= individuals:
                break
        if not chunk:
            break
        with proposed_service(proposed), unit_of_work(sessions) as s:
            service.register_households(s, actor=ADMIN, items=chunk)
        hh += len(chunk)
        for item in chunk:
            for m in item.members:
                seen += 1
                _reservoir(rng, sample, seen, m, 4000)
        if hh % (batch * 20) < batch:
            print(f"    … {people:,} people, {time.perf_counter() - t0:.0f} s", flush=True)
    build_s = time.perf_counter() - t0
    if not proposed:
        drop_focal_point_index(engine)
    analyze(engine)
    if proposed:
        seconds = build_name_index(engine)
        print(
            f"  proposed full-text name index built in {seconds:.0f} s "
            f"({seconds / max(people, 1) * 1e6:.0f} µs per person)",
            flush=True,
        )
    return people, hh, build_s, sample


def time_search(
    engine: Engine,
    sessions: sessionmaker[Session],
    query_list: list[tuple[str, str]],
    baseline_n: int,
    profile: Path | None,
    proposed: bool,
) -> tuple[list[float], list[int], list[float], list[int]]:
    with proposed_search(proposed):
        for _kind, q in query_list[:20]:  # warm-up
            with unit_of_work(sessions) as s:
                queries.search(s, actor=ADMIN, query=q)
        latencies, hits = [], []
        profiler = cProfile.Profile() if profile else None
        for _kind, q in query_list:
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            with unit_of_work(sessions) as s:
                found = queries.search(s, actor=ADMIN, query=q)
            if profiler:
                profiler.disable()
            latencies.append(time.perf_counter() - t0)
            hits.append(len(found))
        if profiler and profile:
            profiler.dump_stats(profile)
        _explain_slowest(engine, sessions, query_list, latencies)
    base_lat, base_hits = [], []
    for _kind, q in query_list[:baseline_n]:
        seconds, n = _like_baseline(engine, q)
        base_lat.append(seconds)
        base_hits.append(n)
    return latencies, hits, base_lat, base_hits


def bench_search(
    backend: Backend,
    individuals: int,
    queries_n: int,
    baseline_n: int,
    batch: int,
    seed: int,
    profile: Path | None,
    proposed: bool,
) -> SearchResult:
    with backend.database("search") as engine:
        sessions = session_factory(engine)
        people, hh, build_s, sample = build_registry(engine, sessions, individuals, batch, seed, proposed)
        print(f"  built a registry of {people:,} people in {hh:,} households in {build_s:.0f} s", flush=True)
        query_list = make_queries(sample, queries_n, seed + 1)
        latencies, hits, base_lat, base_hits = time_search(
            engine, sessions, query_list, baseline_n, profile, proposed
        )
        return SearchResult(
            backend.name,
            people,
            hh,
            build_s,
            latencies,
            base_lat,
            hits,
            base_hits,
            [k for k, _ in query_list],
        )


def _explain_slowest(
    engine: Engine,
    sessions: sessionmaker[Session],
    query_list: list[tuple[str, str]],
    latencies: list[float],
    show: int = 5,
    plans: int = 2,
) -> None:
    """Name the slowest queries and show the plans of the statements the service ran for them."""
    from sqlalchemy import event

    worst = sorted(range(len(latencies)), key=lambda i: -latencies[i])[:show]
    for i in worst:
        print(f"    slow: {ms(latencies[i])}  {query_list[i][0]:12s} {query_list[i][1]!r}")
    for i in worst[:plans]:
        captured: list[tuple[str, Any]] = []

        def capture(
            _conn: Any,
            _cursor: Any,
            statement: str,
            parameters: Any,
            _ctx: Any,
            _many: bool,
            into: list[tuple[str, Any]] = captured,
        ) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "individual" in statement:
                into.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            with unit_of_work(sessions) as s:
                queries.search(s, actor=ADMIN, query=query_list[i][1])
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, parameters in captured:
                cur.execute(prefix + statement, parameters)
                lines = [" | ".join(str(x) for x in row) for row in cur.fetchall()]
                print(f"    plan for {query_list[i][1]!r}:\n      " + "\n      ".join(lines))
            raw.rollback()
        finally:
            raw.close()


# ---------------------------------------------------------------------------------------------
# report


def report_bulk(r: BulkResult) -> None:
    svc_rate, raw_rate = r.total_rows / r.service_s, r.total_rows / r.raw_s
    print(f"\n[{r.backend}] bulk registration of {r.households:,} households ({r.individuals:,} people)")
    print("  rows written: " + ", ".join(f"{t} {n:,}" for t, n in r.rows.items()) + f"  = {r.total_rows:,}")
    print(
        f"  refugio service.register_households : {r.service_s:8.1f} s  {svc_rate:>10,.0f} rows/s  "
        f"{r.households / r.service_s:>8,.0f} households/s"
    )
    print(
        f"  baseline raw DBAPI executemany      : {r.raw_s:8.1f} s  {raw_rate:>10,.0f} rows/s  "
        f"{r.households / r.raw_s:>8,.0f} households/s"
    )
    verdict = "meets" if svc_rate / raw_rate >= 0.40 else "MISSES"
    print(
        f"  ratio service/raw = {svc_rate / raw_rate:.1%}  ({verdict} the aim of >= 40 %); "
        f"same final rows in both databases: {'yes' if r.identical else 'NO'}"
    )


def report_search(r: SearchResult) -> None:
    print(
        f"\n[{r.backend}] name search on {r.individuals:,} people ({r.households:,} households), "
        f"built in {r.build_s:.0f} s ({r.individuals / r.build_s:,.0f} people/s through the service)"
    )
    for label, lat, hits in (
        ("refugio queries.search (+audit, 1 UoW)", r.service, r.hits_service),
        ("baseline LIKE '%word%' scan", r.baseline, r.hits_baseline),
    ):
        if not lat:
            continue
        print(
            f"  {label:40s} n={len(lat):4d}  p50 {ms(percentile(lat, 0.5))}  "
            f"p95 {ms(percentile(lat, 0.95))}  max {ms(max(lat))}  mean hits {statistics.fmean(hits):5.1f}"
        )
    by_kind: dict[str, list[float]] = {}
    for kind, seconds in zip(r.kinds, r.service, strict=True):
        by_kind.setdefault(kind, []).append(seconds)
    print(
        "  refugio p95 by query kind: "
        + ", ".join(f"{k} {percentile(v, 0.95) * 1000:.0f} ms" for k, v in sorted(by_kind.items()))
    )
    p95, base95 = percentile(r.service, 0.95), percentile(r.baseline, 0.95) if r.baseline else math.nan
    verdict = "meets" if p95 <= 0.050 else "MISSES"
    print(
        f"  p95 {p95 * 1000:.1f} ms ({verdict} the aim of <= 50 ms); baseline p95 / refugio p95 = "
        f"{base95 / p95:.1f}x"
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--households", type=int, default=100_000, help="households for the bulk benchmark")
    p.add_argument("--individuals-search", type=int, default=1_000_000, help="registry size for search")
    p.add_argument(
        "--postgres",
        default=os.environ.get("REFUGIO_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (default: $REFUGIO_TEST_POSTGRES_URL)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="1,500 households, 15,000 people, 200 queries: a smoke test of about a minute",
    )
    p.add_argument("--batch", type=int, default=1000, help="households per register_households call (bulk)")
    p.add_argument(
        "--build-batch", type=int, default=5000, help="households per call when building the registry"
    )
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--baseline-queries", type=int, default=None, help="LIKE-scan queries (default: all)")
    p.add_argument("--only", choices=("bulk", "search"), help="run one of the two benchmarks")
    p.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        action="append",
        help="limit to these backends (repeatable)",
    )
    p.add_argument(
        "--proposed",
        action="store_true",
        help="prototype the changes this benchmark proposes to refugio (see the functions above)",
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--profile", type=Path, help="write cProfile stats of the service calls to PREFIX-*.prof")
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = p.parse_args(argv)
    if args.quick:
        args.households, args.individuals_search, args.queries = 1_500, 15_000, 200
        args.build_batch = 1_500
        if args.baseline_queries is None:
            args.baseline_queries = 50
    backends = [Backend("sqlite")]
    if args.postgres:
        backends.append(Backend("postgresql", args.postgres))
    if args.backend:
        backends = [b for b in backends if b.name in args.backend]
    print(
        f"refugio registration benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); "
        f"backends: {', '.join(b.name for b in backends)}; "
        f"{'WITH the proposed changes' if args.proposed else 'refugio as it is'}",
        flush=True,
    )
    figures: dict[str, Any] = {"proposed": args.proposed}
    for backend in backends:
        if args.only in (None, "bulk"):
            print(f"\n== bulk registration on {backend.name}", flush=True)
            prof = Path(f"{args.profile}-bulk-{backend.name}.prof") if args.profile else None
            bulk = bench_bulk(backend, args.households, args.batch, args.seed, prof, args.proposed)
            report_bulk(bulk)
            figures[f"bulk_{backend.name}"] = {
                "households": bulk.households,
                "individuals": bulk.individuals,
                "rows": bulk.rows,
                "service_s": bulk.service_s,
                "raw_s": bulk.raw_s,
                "ratio": bulk.raw_s / bulk.service_s,
                "identical": bulk.identical,
            }
        if args.only in (None, "search"):
            print(f"\n== name search on {backend.name}", flush=True)
            prof = Path(f"{args.profile}-search-{backend.name}.prof") if args.profile else None
            baseline_n = args.queries if args.baseline_queries is None else args.baseline_queries
            found = bench_search(
                backend,
                args.individuals_search,
                args.queries,
                baseline_n,
                args.build_batch,
                args.seed,
                prof,
                args.proposed,
            )
            report_search(found)
            figures[f"search_{backend.name}"] = {
                "individuals": found.individuals,
                "build_s": found.build_s,
                "p50_ms": percentile(found.service, 0.5) * 1000,
                "p95_ms": percentile(found.service, 0.95) * 1000,
                "max_ms": max(found.service) * 1000,
                "baseline_p50_ms": percentile(found.baseline, 0.5) * 1000 if found.baseline else None,
                "baseline_p95_ms": percentile(found.baseline, 0.95) * 1000 if found.baseline else None,
            }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
