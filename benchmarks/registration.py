"""Registration benchmarks (issue 2): refugio's figure beside a named baseline, measured in the same run.

(1) Bulk registration: N households (≈ 4.5 N people) through `service.register_households`, one unit of
    work per batch, as an administrator; BESIDE the limit: the very rows the service wrote (households,
    individuals, documents, name-index rows, specific needs, events, audit entries), read back and
    inserted with raw DBAPI `executemany` into a fresh database with the same schema (so with the same
    indexes and the same full-text index triggers), batch by batch, one transaction per batch.
    Aim: the service at >= 40 % of the raw rate.
(2) Name search on a registry of M individuals: 500 realistic queries (full Latin names, family names,
    names in Arabic script, reversed order, prefixes) timed through `queries.search` with its audit
    write, one unit of work per query as a request would, as an administrator (the bar) and, for
    information, the first 100 again as a clerk of one site; BESIDE the naive approach, a plain
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
from refugio.registration import queries, service
from refugio.registration.models import Site
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.synthetic import generate_households
from refugio.security import audit
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Grant, Principal
from refugio.store import migrate
from refugio.store.engine import begin_raw, make_engine, normalise_url
from refugio.store.uow import session_factory, unit_of_work

ADMIN = Principal(user_id=None, username="bench-admin", grants=(Grant(Role.ADMINISTRATOR),))
# Tables written per household registration, in an order that satisfies the foreign keys.
WRITTEN = (
    "household",
    "individual",
    "identity_document",
    "name_search",
    "specific_need",
    "registration_event",
    "audit_log",
)
# Small tables the service keeps up to date besides (copied untimed so both databases end equal).
BOOKKEEPING = ("ref_sequence", "needs_ruleset", "audit_head")
START, END = dt.date(2024, 1, 1), dt.date(2026, 10, 31)
CLERK_QUERIES = 100  # the first queries, again as a registration clerk of one of the three sites


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
# helpers


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


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): the figures are shared with whatever else runs."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


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
        begin_raw(raw)
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


def bench_bulk(backend: Backend, count: int, batch: int, seed: int, profile: Path | None) -> BulkResult:
    with backend.database("bulk") as engine:
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
            with unit_of_work(sessions) as s:
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
        for table in ("identity_document", "name_search", "specific_need"):
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
                    begin_raw(raw)  # each batch one transaction, as the service's
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
    clerk: list[float]
    hits_clerk: list[int]


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
    engine: Engine, sessions: sessionmaker[Session], individuals: int, batch: int, seed: int
) -> tuple[int, int, float, list[Any]]:
    """Register households until the registry holds `individuals` people; returns (people, households,
    seconds, a random sample of the people registered)."""
    site_ids = seed_sites(sessions)
    rng = random.Random(seed)
    sample: list[Any] = []
    people = hh = seen = 0
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
        with unit_of_work(sessions) as s:
            service.register_households(s, actor=ADMIN, items=chunk)
        hh += len(chunk)
        for item in chunk:
            for m in item.members:
                seen += 1
                _reservoir(rng, sample, seen, m, 4000)
        if hh % (batch * 20) < batch:
            print(f"    … {people:,} people, {time.perf_counter() - t0:.0f} s", flush=True)
    build_s = time.perf_counter() - t0
    analyze(engine)
    return people, hh, build_s, sample


def _time_queries(
    sessions: sessionmaker[Session],
    actor: Principal,
    query_list: list[tuple[str, str]],
    profiler: cProfile.Profile | None = None,
) -> tuple[list[float], list[int]]:
    latencies, hits = [], []
    for _kind, q in query_list:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        with unit_of_work(sessions) as s:
            found = queries.search(s, actor=actor, query=q)
        if profiler:
            profiler.disable()
        latencies.append(time.perf_counter() - t0)
        hits.append(len(found))
    return latencies, hits


def time_search(
    engine: Engine,
    sessions: sessionmaker[Session],
    clerk: Principal,
    query_list: list[tuple[str, str]],
    baseline_n: int,
    profile: Path | None,
) -> dict[str, tuple[list[float], list[int]]]:
    _time_queries(sessions, ADMIN, query_list[:20])  # warm-up
    profiler = cProfile.Profile() if profile else None
    timed = {"admin": _time_queries(sessions, ADMIN, query_list, profiler)}
    if profiler and profile:
        profiler.dump_stats(profile)
    _explain_slowest(engine, sessions, query_list, timed["admin"][0])
    timed["clerk"] = _time_queries(sessions, clerk, query_list[:CLERK_QUERIES])
    base_lat, base_hits = [], []
    for _kind, q in query_list[:baseline_n]:
        seconds, n = _like_baseline(engine, q)
        base_lat.append(seconds)
        base_hits.append(n)
    timed["baseline"] = (base_lat, base_hits)
    return timed


def bench_search(
    backend: Backend,
    individuals: int,
    queries_n: int,
    baseline_n: int,
    batch: int,
    seed: int,
    profile: Path | None,
) -> SearchResult:
    with backend.database("search") as engine:
        sessions = session_factory(engine)
        people, hh, build_s, sample = build_registry(engine, sessions, individuals, batch, seed)
        print(f"  built a registry of {people:,} people in {hh:,} households in {build_s:.0f} s", flush=True)
        with unit_of_work(sessions) as s:
            site = s.scalars(select(Site).where(Site.code == "ZAA")).one()
            clerk = Principal(
                user_id=None,
                username="bench-clerk",
                grants=(Grant(Role.REGISTRATION_CLERK, site.operation_id, site.id),),
            )
        query_list = make_queries(sample, queries_n, seed + 1)
        timed = time_search(engine, sessions, clerk, query_list, baseline_n, profile)
        return SearchResult(
            backend.name,
            people,
            hh,
            build_s,
            timed["admin"][0],
            timed["baseline"][0],
            timed["admin"][1],
            timed["baseline"][1],
            [k for k, _ in query_list],
            timed["clerk"][0],
            timed["clerk"][1],
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
        ("  the same, as a clerk of one site", r.clerk, r.hits_clerk),
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
        f"backends: {', '.join(b.name for b in backends)}; load average {_load()}",
        flush=True,
    )
    figures: dict[str, Any] = {}
    for backend in backends:
        if args.only in (None, "bulk"):
            print(f"\n== bulk registration on {backend.name}", flush=True)
            prof = Path(f"{args.profile}-bulk-{backend.name}.prof") if args.profile else None
            bulk = bench_bulk(backend, args.households, args.batch, args.seed, prof)
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
                "clerk_p95_ms": percentile(found.clerk, 0.95) * 1000 if found.clerk else None,
            }
    print(f"\nload average at the end: {_load()}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
