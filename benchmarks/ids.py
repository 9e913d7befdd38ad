"""Time-ordered ids (decision record 0005): refugio's `ids.new_id` (UUID version 7) beside random
UUIDs (version 4, the baseline), measured in the same run.

N rows (an id, a household id shared by four rows, 40 characters of padding) are bulk-inserted into a
table with a primary key on the id and an index on the household id — SQLite (WAL, refugio's 64 MiB
page cache, executemany in batches of 10,000, one transaction) and, with --postgres, PostgreSQL
(COPY FROM STDIN, one transaction). With random ids every insert lands on a random page of both
indexes; time-ordered ids append to them. The gap grows once the indexes outgrow the page cache.

    .venv/bin/python benchmarks/ids.py                                   # 3,000,000 rows, SQLite
    .venv/bin/python benchmarks/ids.py --postgres postgresql://postgres@127.0.0.1:5432/test

This script imports refugio like any caller; nothing in refugio imports it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from refugio.core import ids


def make_rows(n: int, new: Callable[[], uuid.UUID]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    household = new()
    for i in range(n):
        if i % 4 == 0:
            household = new()
        rows.append((new().hex, household.hex, "x" * 40))
    return rows


def sqlite_seconds(path: Path, rows: list[tuple[str, str, str]]) -> float:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("CREATE TABLE t (id CHAR(32) PRIMARY KEY, household_id CHAR(32), pad TEXT)")
        conn.execute("CREATE INDEX ix_t_household ON t (household_id)")
        conn.commit()
        start = time.perf_counter()
        for i in range(0, len(rows), 10_000):
            conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows[i : i + 10_000])
        conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()


def postgres_seconds(url: str, rows: list[tuple[str, str, str]]) -> float:
    import psycopg

    table = f"bench_ids_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY, household_id uuid, pad text)")
        conn.execute(f"CREATE INDEX ix_{table} ON {table} (household_id)")
        conn.commit()
        try:
            start = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            return time.perf_counter() - start
        finally:
            conn.execute(f"DROP TABLE {table}")
            conn.commit()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=3_000_000)
    p.add_argument("--postgres", default=os.environ.get("REFUGIO_TEST_POSTGRES_URL"))
    args = p.parse_args()
    url = args.postgres.replace("postgresql+psycopg://", "postgresql://") if args.postgres else None
    print(f"refugio ids benchmark: {args.rows:,} rows, 2 indexes on ids; {os.cpu_count()} cores")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="refugio-ids-") as tmp:
        for label, new in (
            ("baseline: random UUID (v4)", uuid.uuid4),
            ("refugio ids.new_id (v7)", ids.new_id),
        ):
            rows = make_rows(args.rows, new)
            got = results[label] = {"sqlite": sqlite_seconds(Path(tmp) / f"{new.__name__}.sqlite3", rows)}
            if url:
                got["postgresql"] = postgres_seconds(url, rows)
            print(f"   {label:28s} " + "  ".join(f"{k} {s:6.1f} s" for k, s in got.items()), flush=True)
    base, ours = results.values()
    print("   time-ordered ids are " + ", ".join(f"{base[k] / ours[k]:.1f}x faster on {k}" for k in ours))


if __name__ == "__main__":
    main()
