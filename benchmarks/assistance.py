"""Assistance benchmarks (issue 15): refugio's figure beside a named baseline, measured in the same run.

(1) Build and freeze a cycle for N households (`refugio.assistance.service.lists.freeze`: the registry
    streamed as tuples from one ordered join, the declarative rules evaluated once per group of
    households alike — grouped by the inputs the rules read — with their reasons, each household's
    snapshot rendered as canonical JSON text from pieces shared per decision, written in batches with
    refugio.store.bulk; the share of the registry read alone printed beside it; with --previous, the
    previous path — objects, json.dumps per household, insert_rows — timed too, A/B; on PostgreSQL the
    freeze is set-based — `frozen_sql`: classes counted by the database, one household of each decided
    in Python, the rows rendered, hashed and written by one INSERT … SELECT — and the run also prints
    the registry join read server-side alone and the floor with the snapshot re-parsed from text) BESIDE the store's floor — the same frozen rows
    copied set-based (`INSERT … SELECT` into the same table, every index and constraint included, no
    Python per row) — and BESIDE a pandas computation of the same amounts from the same registry
    columns, checked row by row against the frozen list. Aim: <= 60 s at 500,000 households and
    >= 50 % of the floor's rate.
(3) Reconciliation of an N-row provider report (`refugio.assistance.service.reconcile.reconcile`:
    parse, check every line, re-chain the HMACs, write the payments set-based) BESIDE a raw load of the
    same file into a plain table of text columns (SQLite executemany; PostgreSQL COPY). The plan comes
    from a programme of its own whose rules make every household eligible, so N = the registry's
    households (500,000 at full scale; the row count is printed); the chain is verified after it. Aim:
    <= 60 s at 500,000 rows. `--reconcile-only` skips (1).
(2) 50 concurrent desks over loopback HTTP: benchmarks/assistance_desks.py.

The registry is written with bulk SQL (operation, 10 sites, N households of 1–7 people, a DS need on one
member of every 9th household), not through the registration service (benchmarked elsewhere).

    .venv/bin/python benchmarks/assistance.py --scale 0.02         # 10,000 households, a smoke test
    .venv/bin/python benchmarks/assistance.py                      # 500,000 households
    .venv/bin/python benchmarks/assistance.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/assistance.py --scale 0.2 --previous --freeze-only   # (1) only, A/B
    .venv/bin/python benchmarks/assistance.py --reconcile-only --skip-sqlite --postgres postgresql://…  # (3) only

This script imports refugio like any caller of its Python API; nothing in refugio imports it.
"""

# ruff: noqa: E501  (the row literals and the report lines read best unwrapped)
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from refugio.assistance import queries
from refugio.assistance.models import Cycle, Entitlement, Payment, Programme
from refugio.assistance.schemas import CycleCreate, PlanCreate, ProgrammeCreate
from refugio.assistance.service import lists, plans, programmes, reconcile
from refugio.core import ids
from refugio.registration.models import Household, Individual, Operation, Site, SpecificNeed
from refugio.registration.queries import assistance_roster
from refugio.security.permissions import Role
from refugio.security.principals import Grant, Principal
from refugio.store import migrate
from refugio.store.bulk import insert_rows
from refugio.store.engine import begin_raw, make_engine, normalise_url
from refugio.store.uow import session_factory, unit_of_work

PREPARER, APPROVER, RELEASER = (
    Principal(user_id=None, username=name, grants=(Grant(Role.ADMINISTRATOR),))
    for name in ("bench-preparer", "bench-approver", "bench-releaser")
)
START = dt.date(2026, 1, 1)
SITES = [f"S{i:02d}" for i in range(10)]
RULES = """
name: Benchmark cash
currency: JOD
eligibility:
  population_types: [refugee]
  household_size: {min: 1, max: 30}
amounts:
  per_household: 50
  per_member: 20
  max_counted_members: 6
  topups: [{need: DS, amount: 15, per: member}]
  rounding: {to: 5, mode: nearest}
  fee: {percent: 1}
"""


@contextlib.contextmanager
def database(backend: str, server: str | None, workdir: Path, label: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{label}.sqlite3'}"
        return
    assert server is not None
    base = make_url(normalise_url(server))
    name = f"refugio_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_registry(engine: Engine, households: int) -> uuid.UUID:
    """Operation BEN, 10 sites, `households` households of 1–7 people (bulk SQL); returns the operation."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    op_id = uuid.uuid4()
    site_ids = [uuid.uuid4() for _ in SITES]
    with engine.begin() as conn:
        insert_rows(
            conn,
            Operation.__table__,
            [
                {
                    "id": op_id,
                    "code": "BEN",
                    "name": "Bench",
                    "country_iso3": "JOR",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )  # type: ignore[arg-type]
        insert_rows(
            conn,
            Site.__table__,
            [
                {
                    "id": s,
                    "operation_id": op_id,
                    "code": c,
                    "name": c,
                    "kind": "camp",
                    "created_at": now,
                    "updated_at": now,
                }
                for s, c in zip(site_ids, SITES, strict=True)
            ],
        )  # type: ignore[arg-type]
        for chunk in range(0, households, 20_000):
            hh_rows: list[dict[str, Any]] = []
            ind_rows: list[dict[str, Any]] = []
            need_rows: list[dict[str, Any]] = []
            for h in range(chunk, min(households, chunk + 20_000)):
                hid, size, site = uuid.uuid4(), 1 + h % 7, site_ids[h % len(site_ids)]
                members = [uuid.uuid4() for _ in range(size)]
                hh_rows.append({
                    "id": hid, "ref": f"BEN-26-{h:08d}", "operation_id": op_id, "site_id": site,
                    "focal_point_id": members[0], "registration_level": "basic", "registration_date": START,
                    "registration_method": "in_person", "arrival_date": START, "size": size, "status": "active",
                    "version": 1, "created_at": now, "updated_at": now,
                })  # fmt: skip
                for m, iid in enumerate(members):
                    ind_rows.append({
                        "id": iid, "ref": f"BEN-26-{h:08d}-{m + 1:02d}", "household_id": hid, "operation_id": op_id,
                        "site_id": site, "relationship_to_focal_point": "focal_point" if m == 0 else "son_daughter",
                        "given_name": "A", "family_name": "B", "given_norm": "a", "family_norm": "b",
                        "sex": "FM"[m % 2], "date_of_birth": dt.date(1980 + (h + m * 9) % 40, 1, 1), "dob_precision": "exact",
                        "languages": [], "population_type": "refugee" if h % 10 else "migrant", "status": "active",
                        "consent_given": True, "consent_purposes": [], "version": 1, "created_at": now, "updated_at": now,
                    })  # fmt: skip
                if h % 9 == 0 and size > 1:
                    need_rows.append({
                        "id": uuid.uuid4(), "individual_id": members[1], "code": "DS-DF", "category": "DS",
                        "source": "manual", "rule_id": None, "ruleset_version": None, "reason": "bench", "active": True,
                        "flagged_at": now, "flagged_by": "bench",
                    })  # fmt: skip
            insert_rows(conn, Household.__table__, hh_rows)  # type: ignore[arg-type]
            insert_rows(conn, Individual.__table__, ind_rows)  # type: ignore[arg-type]
            insert_rows(conn, SpecificNeed.__table__, need_rows)  # type: ignore[arg-type]
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return op_id


def pandas_amounts(engine: Engine, op_id: uuid.UUID) -> tuple[float, float, dict[str, Decimal]]:
    """(read seconds, compute seconds, {household_ref: amount}) — the same rules in pandas."""
    import numpy as np
    import pandas as pd

    t = time.perf_counter()
    with engine.connect() as conn:
        members = pd.read_sql(
            select(
                Individual.household_id,
                Individual.id,
                Individual.population_type,
                Individual.relationship_to_focal_point,
            ).where(Individual.operation_id == op_id, Individual.status == "active"),
            conn,
        )
        needs = pd.read_sql(
            select(SpecificNeed.individual_id, SpecificNeed.code).where(SpecificNeed.active.is_(True)), conn
        )
        households = pd.read_sql(
            select(Household.id, Household.ref).where(
                Household.operation_id == op_id, Household.status == "active"
            ),
            conn,
        )
    read = time.perf_counter() - t
    t = time.perf_counter()
    size = members.groupby("household_id").size().rename("size")
    focal = (
        members[members.relationship_to_focal_point == "focal_point"]
        .set_index("household_id")
        .population_type
    )
    ds = needs[needs.code.str.startswith("DS")].merge(
        members[["id", "household_id"]], left_on="individual_id", right_on="id"
    )
    ds_count = ds.groupby("household_id").size().rename("ds")
    frame = households.set_index("id").join(size).join(focal).join(ds_count).fillna({"ds": 0})
    frame = frame[(frame.population_type == "refugee") & (frame["size"] >= 1) & (frame["size"] <= 30)]
    raw = 50 + 20 * np.minimum(frame["size"], 6) + 15 * frame["ds"]
    amount = np.floor(raw / 5 + 0.5) * 5
    result = dict(zip(frame.ref, amount, strict=True))
    compute = time.perf_counter() - t
    return read, compute, {ref: Decimal(int(v)).quantize(Decimal("0.01")) for ref, v in result.items()}


def floor_copy(engine: Engine, source_cycle: uuid.UUID, target_cycle: uuid.UUID) -> float:
    """The same frozen rows copied set-based into the same table (new ids, another cycle)."""
    cols = "household_id, household_ref, site_id, rule_version, amount, fee, currency, basket, snapshot, snapshot_sha256"
    new_id = "gen_random_uuid()" if engine.dialect.name == "postgresql" else "lower(hex(randomblob(16)))"
    fmt = (lambda u: str(u)) if engine.dialect.name == "postgresql" else (lambda u: u.hex)
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO assistance_entitlement (id, cycle_id, {cols}) SELECT {new_id}, :target, {cols} FROM assistance_entitlement WHERE cycle_id = :source"
            ),
            {"target": fmt(target_cycle), "source": fmt(source_cycle)},
        )
    return time.perf_counter() - t


def previous_freeze(sessions: Any, cycle_id: uuid.UUID) -> tuple[float, dict[str, str]]:
    """The freeze as it was before the column-wise path (A/B in the same run): the registry read as
    objects (`households_for_assistance`), decisions per class, each snapshot a dict encoded with
    json.dumps, rows written with insert_rows; into another cycle. Returns (seconds, {ref: digest})."""
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None
        programme = s.get(Programme, cycle.programme_id)
        assert programme is not None
        row, rules = programmes.ruleset(s, programme.id, None)
        rows = []
        for ev in lists.evaluate_all(s, programme, rules, cycle.start_date):
            if not ev.decision.eligible:
                continue
            snap = lists.snapshot(ev.household, ev.decision, rules, row.version, programme.currency)
            body = json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            rows.append({
                "id": ids.new_id(), "cycle_id": cycle.id, "household_id": ev.household.id,
                "household_ref": ev.household.ref, "site_id": ev.household.site_id, "rule_version": row.version,
                "amount": ev.decision.amount, "fee": ev.decision.fee, "currency": programme.currency,
                "basket": ev.decision.basket, "snapshot": body, "snapshot_sha256": hashlib.sha256(body.encode()).hexdigest(),
            })  # fmt: skip
        insert_rows(s.connection(), Entitlement.__table__, rows, encoded=frozenset({"snapshot"}))  # type: ignore[arg-type]
        digests = {r["household_ref"]: r["snapshot_sha256"] for r in rows}
    return time.perf_counter() - t, digests


ROSTER_JOIN = """
SELECT h.id, h.ref, h.site_id, s.code, h.arrival_date, i.ref, i.given_name, i.family_name, i.sex, i.date_of_birth,
       i.population_type, i.relationship_to_focal_point, i.id = h.focal_point_id,
       (SELECT string_agg(n.code, ',') FROM specific_need n WHERE n.individual_id = i.id AND n.active),
       (SELECT d.number FROM identity_document d WHERE d.individual_id = h.focal_point_id ORDER BY d.created_at DESC LIMIT 1)
FROM household h JOIN site s ON s.id = h.site_id
LEFT JOIN individual i ON i.household_id = h.id AND i.status = 'active'
WHERE h.operation_id = '{op}' AND h.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.individual_id = h.focal_point_id AND w.purpose = 'assistance')
ORDER BY h.ref, i.ref"""


def server_side_read(engine: Engine, op_id: uuid.UUID) -> float:
    """PostgreSQL: the registry join the freeze reads (households, active members, needs, documents,
    withdrawn consent), ordered, read entirely server-side: `COPY (the join) TO STDOUT`, discarded."""
    t = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY ({ROSTER_JOIN.format(op=op_id)}) TO STDOUT") as copy:  # type: ignore[attr-defined]
            for _ in copy:
                pass
        raw.rollback()
    finally:
        raw.close()
    return time.perf_counter() - t


def floor_reparsed(engine: Engine, source_cycle: uuid.UUID, target_cycle: uuid.UUID) -> float:
    """PostgreSQL: the floor with the snapshot re-parsed from its text (`snapshot::text::json`), as a
    freeze that renders text must: what checking the text costs over the floor (the column is `json`
    since migration 0028; it was jsonb, whose parse cost about one floor)."""
    cols = "household_id, household_ref, site_id, rule_version, amount, fee, currency, basket"
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO assistance_entitlement (id, cycle_id, {cols}, snapshot, snapshot_sha256) SELECT gen_random_uuid(), :target, {cols}, snapshot::text::json, snapshot_sha256 FROM assistance_entitlement WHERE cycle_id = :source"
            ),
            {"target": str(target_cycle), "source": str(source_cycle)},
        )
    return time.perf_counter() - t


def read_alone(sessions: Any, op_id: uuid.UUID) -> float:
    """The registry read of the freeze alone (`assistance_roster`, every tuple made, nothing else)."""
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        for _ in assistance_roster(s, operation_id=op_id, withdrawn_from="assistance"):
            pass
    return time.perf_counter() - t


def raw_load(engine: Engine, path: Path) -> float:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE raw_report (payment_id TEXT, delivered_amount TEXT, delivery_date TEXT)"
        )
    t = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy("COPY raw_report FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:  # type: ignore[attr-defined]
                copy.write(path.read_bytes())
        else:
            begin_raw(raw)  # one transaction, as PostgreSQL's COPY
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                cur.executemany("INSERT INTO raw_report VALUES (?, ?, ?)", reader)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t


def registry_store(url: str, households: int, backend: str) -> tuple[Engine, uuid.UUID]:
    """A migrated store at `url` with the benchmark's registry of `households` (the setup, timed)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    t = time.perf_counter()
    op_id = build_registry(engine, households)
    print(
        f"\n[{backend}] registry of {households:,} households written in {time.perf_counter() - t:.1f} s (setup)"
    )
    return engine, op_id


def run(backend: str, url: str, households: int, workdir: Path, *, previous: bool, freeze_only: bool) -> None:
    engine, op_id = registry_store(url, households, backend)
    sessions = session_factory(engine)
    key = b"k" * 32
    with unit_of_work(sessions) as s:
        p = programmes.create_programme(
            s,
            actor=PREPARER,
            data=ProgrammeCreate(
                operation_id=op_id,
                code="BENCH",
                name="Bench",
                kind="cash",
                currency="JOD",
                usd_rate=Decimal("1.41"),
                start_date=START,
                approval_thresholds=[],
                approvals_above=1,
            ),
        )  # type: ignore[arg-type]
        programmes.load_rules(s, actor=PREPARER, programme_id=p.id, text=RULES)
        c1 = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="one", start_date=START)
        ).id
        c2 = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="two", start_date=START)
        ).id
        c3 = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="three", start_date=START)
        ).id
        c4 = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="four", start_date=START)
        ).id
    writes = [0.0]
    write = lists.insert_tuples

    def timed_write(*args: Any) -> int:  # the share of the batched writes, measured from outside
        t = time.perf_counter()
        try:
            return write(*args)
        finally:
            writes[0] += time.perf_counter() - t

    sql_writes = [0.0]
    sql_write = lists.frozen_sql.write

    def timed_sql_write(*args: Any, **kwargs: Any) -> Any:  # PostgreSQL: the INSERT … SELECT's share
        t = time.perf_counter()
        try:
            return sql_write(*args, **kwargs)
        finally:
            sql_writes[0] += time.perf_counter() - t

    lists.insert_tuples = timed_write  # type: ignore[assignment]
    lists.frozen_sql.write = timed_sql_write  # type: ignore[assignment]
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        frozen = lists.freeze(s, actor=PREPARER, cycle_key=c1).household_count
        write_time = writes[0]
        t_commit = time.perf_counter()
    build = time.perf_counter() - t
    commit = time.perf_counter() - t_commit
    lists.insert_tuples = write  # type: ignore[assignment]
    lists.frozen_sql.write = sql_write  # type: ignore[assignment]
    floor = floor_copy(engine, c1, c2)
    read, compute, expected = pandas_amounts(engine, op_id)
    with engine.connect() as conn:
        got = {
            ref: amount
            for ref, amount in conn.execute(
                select(Entitlement.household_ref, Entitlement.amount).where(Entitlement.cycle_id == c1)
            )
        }
    mismatches = sum(1 for ref in expected.keys() | got.keys() if expected.get(ref) != got.get(ref))
    print(f"(1) build and freeze a cycle: {frozen:,} of {households:,} households eligible")
    print(f"    refugio freeze          {build:8.2f} s  {frozen / build:>10,.0f} households/s")
    if engine.dialect.name == "postgresql":
        insert_time, before_insert = sql_writes[0], build - sql_writes[0] - commit
        print(
            f"      shares (set-based, frozen_sql): classes counted by the database + one household of each decided {before_insert:.2f} s ({100 * before_insert / build:.0f} %), the INSERT … SELECT (class COPY, rendering, SHA-256, json, indexes) {insert_time:.2f} s ({100 * insert_time / build:.0f} %), commit {commit:.2f} s ({100 * commit / build:.0f} %)"
        )
    else:
        read_only = read_alone(sessions, op_id)
        print(
            f"      shares: registry read (timed alone) {read_only:.2f} s ({100 * read_only / build:.0f} %), batched writes {write_time:.2f} s ({100 * write_time / build:.0f} %), commit {commit:.2f} s ({100 * commit / build:.0f} %), the rest (rules, rendering, hashing) {build - read_only - write_time - commit:.2f} s ({100 * (build - read_only - write_time - commit) / build:.0f} %)"
        )
    if previous:
        before, digests = previous_freeze(sessions, c3)
        with engine.connect() as conn:
            now_digests = dict(
                conn.execute(
                    select(Entitlement.household_ref, Entitlement.snapshot_sha256).where(
                        Entitlement.cycle_id == c1
                    )
                ).all()
            )
        differ = sum(1 for r in digests.keys() | now_digests.keys() if digests.get(r) != now_digests.get(r))
        print(
            f"    previous freeze (objects, json.dumps, insert_rows) {before:8.2f} s  {frozen / before:>10,.0f} households/s → at {100 * floor / before:.1f} % of the floor's rate; digests differing from refugio's: {differ}"
        )
    print(
        f"    store floor (INSERT…SELECT of the same rows) {floor:8.2f} s  {frozen / floor:>10,.0f} rows/s  → refugio at {100 * floor / build:.1f} % of the floor's rate"
    )
    if engine.dialect.name == "postgresql":
        server_read = server_side_read(engine, op_id)
        reparsed = floor_reparsed(engine, c1, c4)
        print(
            f"    registry join read server-side alone (COPY (join) TO STDOUT, discarded) {server_read:8.2f} s = {server_read / floor:.2f} × the floor"
        )
        print(
            f"    floor with the snapshot re-parsed from text (snapshot::text::json) {reparsed:8.2f} s = {reparsed / floor:.2f} × the floor"
        )
    print(
        f"    pandas, same amounts    {compute:8.2f} s compute (+ {read:.2f} s read)  row-by-row check: {mismatches} mismatch(es) of {len(expected):,}"
    )
    if freeze_only:
        engine.dispose()
        return
    reconciliation(engine, sessions, op_id, workdir, backend, key)
    engine.dispose()


RULES_ALL = RULES.replace("population_types: [refugee]", "population_types: [refugee, migrant]")


def reconciliation(
    engine: Engine, sessions: Any, op_id: uuid.UUID, workdir: Path, backend: str, key: bytes
) -> None:
    """(3): a programme whose rules make every household of the registry eligible (refugees and
    migrants), so its plan has one payment per household and the report as many rows (500,000 at full
    scale); frozen, planned, approved and released (setup), then the report of every payment delivered
    in full reconciled (timed), the chain verified after it, and the raw load of the same file."""
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        p = programmes.create_programme(
            s,
            actor=PREPARER,
            data=ProgrammeCreate(
                operation_id=op_id, code="RECON", name="Reconciliation bench", kind="cash", currency="JOD",
                usd_rate=Decimal("1.41"), start_date=START, approval_thresholds=[], approvals_above=1,
            ),  # type: ignore[arg-type]
        )  # fmt: skip
        programmes.load_rules(s, actor=PREPARER, programme_id=p.id, text=RULES_ALL)
        cycle = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="recon", start_date=START)
        ).id
    with unit_of_work(sessions) as s:
        lists.freeze(s, actor=PREPARER, cycle_key=cycle)
    freeze = time.perf_counter() - t
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        plan = plans.create_plan(
            s, actor=PREPARER, cycle_key=cycle, data=PlanCreate(provider="bench"), key=key
        )
        code, plan_id = plan.code, plan.id
        plans.lock(s, actor=PREPARER, plan_key=code)
        plans.submit(s, actor=PREPARER, plan_key=code)
    prepare = time.perf_counter() - t
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        plans.approve(s, actor=APPROVER, plan_key=code, version=1, key=key)
        plans.release(s, actor=RELEASER, plan_key=code, key=key)
    approve = time.perf_counter() - t
    report = workdir / f"report-{backend}.csv"
    rows = 0
    with engine.connect() as conn, report.open("w", encoding="utf-8", newline="") as fh:
        fh.write("payment_id,delivered_amount,delivery_date\n")
        for ref, amount in conn.execute(
            select(Payment.payment_ref, Payment.amount)
            .where(Payment.plan_id == plan_id)
            .order_by(Payment.seq)
        ):
            fh.write(f"{ref},{Decimal(amount):.2f},2026-02-01\n")
            rows += 1
    data = report.read_bytes()
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        result = reconcile.reconcile(s, actor=PREPARER, plan_key=code, data=data, key=key)
    rec = time.perf_counter() - t
    t = time.perf_counter()
    with unit_of_work(sessions) as s:
        verified = queries.verify_plan(s, actor=PREPARER, plan_key=code, key=key)
    verify = time.perf_counter() - t
    raw = raw_load(engine, report)
    print(
        f"(plan of {rows:,} payments: every household eligible, frozen in {freeze:.2f} s; prepared and sealed in {prepare:.2f} s; approved and released, each verifying the chain, in {approve:.2f} s)"
    )
    print(
        f"(3) reconciliation of a {rows:,}-row provider report ({len(data) / 1e6:.1f} MB): {result.changed:,} changed, plan {result.status}"
    )
    print(f"    refugio reconcile       {rec:8.2f} s  {rows / rec:>10,.0f} rows/s")
    print(
        f"    raw load of the file    {raw:8.2f} s  {rows / raw:>10,.0f} rows/s  → refugio at {100 * raw / rec:.1f} % of the raw rate"
    )
    print(
        f"    verify after it ({verified.checked:,} records, every snapshot re-hashed) {verify:.2f} s: {'ok' if verified.ok else f'{len(verified.problems)} problem(s)'}"
    )


def reconcile_only(url: str, households: int, workdir: Path, backend: str) -> None:
    """(3) alone: the registry, then `reconciliation` (no benchmark (1))."""
    engine, op_id = registry_store(url, households, backend)
    reconciliation(engine, session_factory(engine), op_id, workdir, backend, b"k" * 32)
    engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--households", type=int, default=500_000)
    p.add_argument("--scale", type=float, default=1.0, help="multiply --households (e.g. 0.2)")
    p.add_argument("--postgres", default=os.environ.get("REFUGIO_TEST_POSTGRES_URL"))
    p.add_argument("--skip-sqlite", action="store_true")
    p.add_argument(
        "--previous", action="store_true", help="also time the previous freeze path (A/B, same run)"
    )
    p.add_argument("--freeze-only", action="store_true", help="benchmark (1) only, not (3)")
    p.add_argument("--reconcile-only", action="store_true", help="benchmark (3) only, not (1)")
    args = p.parse_args()
    n = max(10, int(args.households * args.scale))
    backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    with tempfile.TemporaryDirectory(prefix="refugio-bench-assistance-") as tmp:
        for backend in backends:
            with database(backend, args.postgres, Path(tmp), "assistance") as url:
                if args.reconcile_only:
                    reconcile_only(url, n, Path(tmp), backend)
                else:
                    run(backend, url, n, Path(tmp), previous=args.previous, freeze_only=args.freeze_only)


if __name__ == "__main__":
    main()
