"""Benchmark of SPEC C6: full disaggregation over 10,000,000 registered individuals in <= 2 s.

    .venv/bin/python benchmarks/stats.py                       # 10 M people, SQLite store in a temp dir
    .venv/bin/python benchmarks/stats.py --people 1000000      # smaller
    .venv/bin/python benchmarks/stats.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/stats.py --workdir /tmp/b                # keep the SQLite store there
    .venv/bin/python benchmarks/stats.py --store-url sqlite:////tmp/b/bench.sqlite3 --no-full
                                     # measure a store left by an earlier run (same --people and --seed)

What it does, in one run, on the same data:

1. Generates N people as columns with NumPy (seeded): sex, date of birth (realistic age pyramid),
   population type, country of origin (10), site (20), arrival date over 36 months; four people per
   household, who share site, origin, arrival and registration date.
2. Writes them into a fresh refugio store at migration head (operation, sites, N/4 households and N
   individuals in the real `household` / `individual` tables) with bulk SQL: executemany on SQLite,
   COPY on PostgreSQL. Not through the registration service (that path is benchmarked elsewhere).
3. Measures the full disaggregation — sex x age bracket (0-4, 5-11, 12-17, 18-59, 60+, exact age at the
   reference date) x population type x origin x site x month of arrival — of the stock on the reference
   date (people registered by then and not departed):
   * refugio engine on the columns in memory (`refugio.stats.duckdb_engine.count`, dense NumPy path;
     and forced through DuckDB's GROUP BY) — THE FIGURE THE BAR IS ABOUT;
   * baseline (a): pandas `groupby(...).size()` on a DataFrame of the same columns (age bracket and month
     computed in pandas, inside the timing);
   * baseline (b): one SQL `GROUP BY` on the store (the same filter, exact age and month in SQL), on
     SQLite and, when a URL is given, PostgreSQL;
   * refugio end to end from the store: `stats.registrations.load_population` (the SQL read into
     columns, timed apart) followed by the same disaggregation.
   Each result is checked cell by cell against the engine's; the peak resident memory of each step is
   read from /proc (VmHWM after resetting it through /proc/self/clear_refs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.stats_store import (  # noqa: E402
    OP_ID,
    ORIGINS,
    POP_TYPES,
    SEXES,
    SITES,
    load_postgres,
    load_sqlite,
)

from refugio.stats.brackets import DEFAULT, ymd  # noqa: E402
from refugio.stats.duckdb_engine import Frame, count, frame_from_arrays  # noqa: E402

REFERENCE = dt.date(2026, 11, 1)
DIMS = ["sex", "age", "population_type", "origin", "site", "period"]
POP_WEIGHTS = [0.55, 0.2, 0.08, 0.02, 0.08, 0.04, 0.03]
Row = tuple[str, float, float, int, str]


class Results(list[Row]):
    """The rows of the final table, each also printed as soon as it is measured (long runs)."""

    def append(self, row: Row) -> None:
        what, best, first, peak, note = row
        print(f"  ... {what:<58} {best:8.3f} {first:8.3f} {peak:7d} MiB  {note}", flush=True)
        super().append(row)

    def extend(self, rows: Any) -> None:
        for row in rows:
            self.append(row)


# ---------------------------------------------------------------------------------------------
# memory


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024  # MiB
    return 0


def reset_peak() -> None:
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, float, int, Any]:
    """(best seconds, first seconds, peak RSS MiB during the runs, last result)."""
    reset_peak()
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), times[0], _status("VmHWM"), result


# ---------------------------------------------------------------------------------------------
# data


def generate(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    households = (n + 3) // 4
    hh = np.arange(n) // 4
    first_day = np.datetime64("2023-11-01")
    hh_arrival = first_day + rng.integers(0, 1096, households).astype("timedelta64[D]")
    hh_arrival = np.minimum(hh_arrival, np.datetime64(REFERENCE) - np.timedelta64(1, "D"))
    hh_site = rng.integers(0, len(SITES), households, dtype=np.int32)
    hh_origin = rng.choice(
        len(ORIGINS), households, p=[0.3, 0.2, 0.1, 0.1, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02]
    )
    ages_days = (rng.gamma(2.0, 11.0, n) * 365.25).astype(np.int64) % (95 * 365)
    dob = np.datetime64(REFERENCE) - ages_days.astype("timedelta64[D]")
    sex = rng.choice(3, n, p=[0.51, 0.488, 0.002]).astype(np.int32)
    pop = rng.choice(len(POP_TYPES), n, p=POP_WEIGHTS).astype(np.int32)

    def ymd_of(days: np.ndarray) -> np.ndarray:
        s = days.astype("datetime64[D]")
        y = s.astype("datetime64[Y]").astype(np.int64) + 1970
        m = s.astype("datetime64[M]").astype(np.int64) % 12 + 1
        d = (s - s.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        return (y * 10000 + m * 100 + d).astype(np.int32)

    arrival = ymd_of(hh_arrival[hh])
    dob_ymd = ymd_of(dob)
    return {
        "sex": sex,
        "dob": dob_ymd,
        "population_type": pop,
        "origin": hh_origin[hh].astype(np.int32),
        "site": hh_site[hh],
        "arrival": arrival,
        "entry": np.maximum(arrival, dob_ymd),  # registered on arrival (or born later)
        "exit": np.zeros(n, dtype=np.int32),
        "household": hh.astype(np.int64),
    }


def frame_of(cols: dict[str, np.ndarray]) -> Frame:
    return frame_from_arrays(
        dict(cols),
        {"sex": SEXES, "population_type": POP_TYPES, "origin": ORIGINS, "site": SITES},
    )


# ---------------------------------------------------------------------------------------------
# contenders


def pandas_groupby(df: Any) -> Any:
    import pandas as pd

    ref = ymd(REFERENCE)
    stock = df[(df["entry"] <= ref) & ((df["exit"] == 0) | (df["exit"] > ref))]
    age = ((ref - stock["dob"]) // 10000).clip(0, 130)
    bracket = pd.cut(age, [-1, 4, 11, 17, 59, 1000], labels=False)
    month = stock["arrival"] // 100
    return (
        stock.assign(bracket=bracket, month=month)
        .groupby(["sex", "bracket", "population_type", "origin", "site", "month"], observed=True, sort=False)
        .size()
    )


def sql_groupby(url: str) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    from refugio.store.engine import make_engine

    engine = make_engine(url)
    ref = REFERENCE.isoformat()
    if engine.dialect.name == "sqlite":
        ymd_sql = "CAST(replace({0}, '-', '') AS INTEGER)"
        month = "substr(i.arrival_date, 1, 7)"
        entry = f"max({ymd_sql.format('h.registration_date')}, {ymd_sql.format('i.date_of_birth')})"
    else:
        ymd_sql = "CAST(to_char({0}, 'YYYYMMDD') AS INTEGER)"
        month = "to_char(i.arrival_date, 'YYYY-MM')"
        entry = f"greatest({ymd_sql.format('h.registration_date')}, {ymd_sql.format('i.date_of_birth')})"
    age = f"(({ymd_sql.format(repr(ref) if engine.dialect.name == 'sqlite' else 'DATE ' + repr(ref))}"
    age += f" - {ymd_sql.format('i.date_of_birth')}) / 10000)"
    bracket = (
        f"CASE WHEN {age} <= 4 THEN '0-4' WHEN {age} <= 11 THEN '5-11' WHEN {age} <= 17 THEN '12-17' "
        f"WHEN {age} <= 59 THEN '18-59' ELSE '60+' END"
    )
    query = f"""
        SELECT i.sex, {bracket} AS bracket, i.population_type, i.country_of_origin, s.code, {month} AS month,
               count(*)
        FROM individual i
        JOIN household h ON h.id = i.household_id
        JOIN site s ON s.id = i.site_id
        WHERE i.operation_id = :op AND {entry} <= {ymd(REFERENCE)}
          AND (i.status = 'active' OR i.date_of_death > :ref)
        GROUP BY i.sex, bracket, i.population_type, i.country_of_origin, s.code, month
    """
    op = OP_ID.hex if engine.dialect.name == "sqlite" else str(OP_ID)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(query), {"op": op, "ref": ref})]
    engine.dispose()
    return rows


def snapshot_path(
    name: str, url: str, reference: dict[tuple[str, ...], int], n: int, reuse: bool = False
) -> list[Row]:
    """The snapshot on one store: built once, read end to end, refreshed after write batches, read again.
    With `reuse`, a store whose snapshot already holds its `n` people is not built again (the writes
    below leave every count as it was, so a store can be measured many times)."""
    out: list[Row] = []
    reset_peak()
    held = snapshot_people(url) if reuse else 0
    if held == n:
        out.append((f"snapshot, {name}: built by an earlier run (reused)", 0.0, 0.0, 0, f"{held:,} people"))
    else:
        took, people = build_snapshot(url)
        label = f"snapshot, {name}: build from scratch (once)"
        out.append((label, took, took, _status("VmHWM"), f"{people:,} people"))
    for label in ("refugio end to end, {}: SNAPSHOT read + disaggregate", "  again (warm)"):
        reset_peak()
        read, agg, counts = from_store(url, "snapshot")
        ok = as_label_dict(counts) == reference
        note = f"read {read:.2f} + count {agg:.2f}; " + ("same cells" if ok else "DIFFERENT")
        out.append((label.format(name), read + agg, read + agg, _status("VmHWM"), note))
    for k in sorted({1, 1000, min(100_000, n // 10)}):
        reset_peak()
        wrote, refreshed = write_batch(url, k)
        note = f"the write itself {wrote:.2f} s"
        out.append(
            (
                f"snapshot, {name}: refresh after a unit of work of {k:,}",
                refreshed,
                refreshed,
                _status("VmHWM"),
                note,
            )
        )
    reset_peak()
    read, agg, counts = from_store(url, "snapshot")
    ok = as_label_dict(counts) == reference
    note = "same cells" if ok else "DIFFERENT"
    out.append(
        (
            f"refugio end to end, {name}: SNAPSHOT after the writes",
            read + agg,
            read + agg,
            _status("VmHWM"),
            note,
        )
    )
    return out


def _container(url: str) -> Any:
    from refugio.config import Settings
    from refugio.main import build

    return build(Settings(db_url=url, data_dir=Path(tempfile.gettempdir()) / "refugio-bench"))


def from_store(url: str, source: str = "store") -> tuple[float, float, Any]:
    """(seconds reading the population, seconds disaggregating, the counts): `source` "store" is the
    full recomputation from the registry, "snapshot" the columnar snapshot (brought up to date first)."""
    from refugio.security.principals import SYSTEM
    from refugio.stats import registrations
    from refugio.store.uow import unit_of_work

    container = _container(url)
    with unit_of_work(container.sessions) as s:
        t = time.perf_counter()
        population = registrations.load_population(s, actor=SYSTEM, operation="BEN", source=source)  # type: ignore[arg-type]
        read = time.perf_counter() - t
        t = time.perf_counter()
        counts = registrations.count(population, dims=DIMS, reference=REFERENCE)
        agg = time.perf_counter() - t
    container.engine.dispose()
    return read, agg, counts


def snapshot_people(url: str) -> int:
    """People the store's snapshot holds now (0 when it was never built)."""
    from sqlalchemy import text

    container = _container(url)
    with container.engine.connect() as conn:
        held = int(conn.scalar(text("SELECT count(*) FROM stats_person")) or 0)
    container.engine.dispose()
    return held


def build_snapshot(url: str) -> tuple[float, int]:
    """Build the snapshot from scratch, set-based (after a bulk load that no refresh has seen)."""
    from refugio.stats import snapshot
    from refugio.store.uow import unit_of_work

    container = _container(url)
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        people = snapshot.rebuild(s)
    took = time.perf_counter() - t
    container.engine.dispose()
    return took, people


def write_batch(url: str, people: int) -> tuple[float, float]:
    """A unit of work changing `people` people (sex swapped, then swapped back: the counts are unchanged
    but every one of them is marked changed), committed; then the refresh that takes it into the
    snapshot. (write seconds, refresh seconds)."""
    from sqlalchemy import text

    from refugio.stats import snapshot
    from refugio.store.uow import unit_of_work

    container = _container(url)
    swap = (
        "UPDATE individual SET sex = CASE sex WHEN 'F' THEN 'M' WHEN 'M' THEN 'F' ELSE sex END "
        "WHERE id IN (SELECT id FROM individual ORDER BY ref LIMIT :n)"
    )
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        s.execute(text(swap), {"n": people})
        s.execute(text(swap), {"n": people})
    wrote = time.perf_counter() - t
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        snapshot.refresh(s)
    refreshed = time.perf_counter() - t
    container.engine.dispose()
    return wrote, refreshed


# ---------------------------------------------------------------------------------------------
# checks


def as_label_dict(counts: Any) -> dict[tuple[str, ...], int]:
    return {(k[0], k[1], k[2], k[3], k[4], k[5].replace("-", "")[:6]): v for k, v in counts.as_dict().items()}


def pandas_dict(series: Any) -> dict[tuple[str, ...], int]:
    labels = DEFAULT.labels
    return {
        (SEXES[s], labels[int(b)], POP_TYPES[p], ORIGINS[o], SITES[si], str(m)): int(n)
        for (s, b, p, o, si, m), n in series.items()
    }


def sql_dict(rows: list[tuple[Any, ...]]) -> dict[tuple[str, ...], int]:
    return {(s, b, p, o, si, str(m).replace("-", "")): int(n) for s, b, p, o, si, m, n in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the SQLite store goes (default: temp)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("REFUGIO_BENCH_POSTGRES_URL"),
        help="PostgreSQL server URL: a database refugio_bench_<random> is made and dropped",
    )
    parser.add_argument("--no-store", action="store_true", help="skip the store (SQL baseline, end to end)")
    parser.add_argument(
        "--store-url",
        help="an existing store left by an earlier run with the same --people and --seed (migrated to "
        "head first): measured instead of writing a new one",
    )
    parser.add_argument(
        "--no-full", action="store_true", help="skip the full recomputation from the store (long runs)"
    )
    parser.add_argument(
        "--no-sql-baseline", action="store_true", help="skip baseline (b), the SQL GROUP BY (long runs)"
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="with --postgres: the PostgreSQL store only (run apart)"
    )
    parser.add_argument(
        "--reuse-snapshot",
        action="store_true",
        help="with --store-url: keep the snapshot an earlier run built when it holds --people people",
    )
    args = parser.parse_args()
    n = args.people
    print(f"refugio stats benchmark: {n:,} people, reference date {REFERENCE}, dims {' x '.join(DIMS)}")
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}")

    t = time.perf_counter()
    cols = generate(n, args.seed)
    print(f"generate columns (NumPy)                 {time.perf_counter() - t:8.2f} s")
    frame = frame_of(cols)

    results = Results()

    best, first, peak, dense = measure(
        lambda: count(frame, dims=DIMS, reference=REFERENCE, engine="dense"), 3
    )
    results.append(
        ("refugio engine, dense NumPy (in memory)", best, first, peak, f"{len(dense.values):,} cells")
    )
    reference = as_label_dict(dense)
    assert sum(reference.values()) == n, "everyone is in the stock on the reference date"

    best, first, peak, duck = measure(
        lambda: count(frame, dims=DIMS, reference=REFERENCE, engine="duckdb"), 3
    )
    ok = as_label_dict(duck) == reference
    results.append(
        (
            "refugio engine, DuckDB GROUP BY (in memory)",
            best,
            first,
            peak,
            "same cells" if ok else "DIFFERENT",
        )
    )

    import pandas as pd

    df = pd.DataFrame({k: v for k, v in cols.items() if k != "household"})
    best, first, peak, series = measure(lambda table=df: pandas_groupby(table), 2)
    ok = pandas_dict(series) == {(k[0], k[1], k[2], k[3], k[4], k[5]): v for k, v in reference.items()}
    results.append(
        ("baseline (a) pandas groupby (in memory)", best, first, peak, "same cells" if ok else "DIFFERENT")
    )
    del df, series

    stores: list[tuple[str, str, Callable[[], Any] | None]] = []
    tmp = tempfile.TemporaryDirectory(prefix="refugio-bench-")
    if args.store_url:
        from refugio.store import migrate
        from refugio.store.engine import make_engine

        engine = make_engine(args.store_url)
        migrate.upgrade(engine)
        engine.dispose()
        name = "PostgreSQL" if args.store_url.startswith("postgres") else "SQLite"
        stores.append((name, args.store_url, None))
    elif not args.no_store:
        workdir = args.workdir or Path(tmp.name)
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "bench.sqlite3"
        if not args.no_sqlite:
            path.unlink(missing_ok=True)
            took = load_sqlite(path, cols)
            print(f"write store, SQLite executemany          {took:8.2f} s  ({path})", flush=True)
            stores.append(("SQLite", f"sqlite:///{path}", None))
        if args.postgres:
            from tests.conftest import fresh_postgres_database

            ctx = fresh_postgres_database(args.postgres)
            pg_url = ctx.__enter__()
            took = load_postgres(pg_url, cols)
            print(f"write store, PostgreSQL COPY             {took:8.2f} s", flush=True)
            stores.append(("PostgreSQL", pg_url, ctx.__exit__))  # type: ignore[arg-type]
    del cols
    for name, url, _close in stores:
        if not args.no_sql_baseline:
            best, first, peak, rows = measure(lambda url=url: sql_groupby(url), 1)
            ok = sql_dict(rows) == reference
            results.append(
                (
                    f"baseline (b) SQL GROUP BY on the store, {name}",
                    best,
                    first,
                    peak,
                    "same cells" if ok else "DIFFERENT",
                )
            )
        if not args.no_full:
            reset_peak()
            read, agg, counts = from_store(url)
            ok = as_label_dict(counts) == reference
            results.append((f"refugio end to end, {name}: read store", read, read, _status("VmHWM"), ""))
            results.append(
                (
                    f"refugio end to end, {name}: disaggregate",
                    agg,
                    agg,
                    _status("VmHWM"),
                    "same cells" if ok else "DIFFERENT",
                )
            )
        results.extend(snapshot_path(name, url, reference, n, args.reuse_snapshot))
    for _name, _url, close in stores:
        if close is not None:
            close(None, None, None)
    tmp.cleanup()

    print()
    print(f"{'what':<58} {'best s':>8} {'first s':>8} {'peak RSS':>9}  check")
    for what, best, first, peak, note in results:
        print(f"{what:<58} {best:8.3f} {first:8.3f} {peak:7d} MiB  {note}")
    bar = results[0][1]
    print()
    print(
        f"bar: full disaggregation of {n:,} people in <= 2 s: "
        f"{'MET' if bar <= 2 else 'NOT MET'} ({bar:.3f} s)"
    )
    for what, best, _first, _peak, _note in results:
        if "SNAPSHOT read" in what:
            store = what.split(",")[1].split(":")[0].strip()
            full = sum(
                r[1]
                for r in results
                if r[0].startswith(f"refugio end to end, {store}: ") and "SNAPSHOT" not in r[0]
            )
            print(
                f"bar (issue 19): statistics end to end from the {store} store at {n:,} people <= 5 s: "
                f"{'MET' if best <= 5 else 'NOT MET'} ({best:.2f} s through the snapshot; "
                + (f"full recomputation {full:.2f} s)" if full else "full recomputation not run: --no-full)")
            )
    return 0 if all("DIFFERENT" not in r[4] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
