"""Assistance benchmark (2), issue 15: 50 concurrent desks record 20,000 collections over loopback HTTP,
5 % of them attempted at a second desk at the same moment (the two desks meet at a barrier, then post
together). Reported: collections per second, p50/p95 latency of `POST /api/v1/assistance/collections`
BESIDE a named baseline measured in the same run — the same desks sending an authenticated request
that only reads (`GET /api/v1/assistance/programmes`: the HTTP, authentication and database round
trip every request pays) — and the checks: every entitlement collected once, every second
attempt refused with 409, 0 double collections in the database. Aim: p95 <= 200 ms, 0 doubles, on
SQLite and PostgreSQL.

The server is `refugio serve` in its own process (one uvicorn worker), the desks are threads of this
process with one keep-alive HTTP connection each. The registry is written with bulk SQL
(benchmarks/assistance.py's `build_registry`), the cycle frozen and activated through the service.

    .venv/bin/python benchmarks/assistance_desks.py --scale 0.05        # 1,000 collections
    .venv/bin/python benchmarks/assistance_desks.py --postgres postgresql://postgres@127.0.0.1:5432/test

This script imports refugio like any caller of its Python API; nothing in refugio imports it.
"""

# ruff: noqa: E501  (the report lines read best unwrapped)
from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assistance import PREPARER, RULES, START, build_registry, database
from refugio.assistance.models import Collection, Entitlement
from refugio.assistance.schemas import CycleCreate, ProgrammeCreate
from refugio.assistance.service import lists, programmes
from refugio.config import Settings
from refugio.main import build
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.store import migrate
from refugio.store.uow import unit_of_work

PASSWORD = "bench-desk-password-2026"
DESKS = 50
CONTESTED_EVERY = 20  # 5 %


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str, data_dir: Path, households: int) -> list[uuid.UUID]:
    container = build(Settings(data_dir=data_dir, db_url=url))
    migrate.upgrade(container.engine)
    op_id = build_registry(container.engine, households)
    with unit_of_work(container.sessions) as s:
        p = programmes.create_programme(
            s,
            actor=PREPARER,
            data=ProgrammeCreate(
                operation_id=op_id, code="DESK", name="Desks", kind="in_kind", currency="JOD",
                usd_rate=Decimal("1.41"), start_date=START, min_interval_days=20,
            ),
        )  # type: ignore[arg-type]  # fmt: skip
        programmes.load_rules(s, actor=PREPARER, programme_id=p.id, text=RULES)
        cycle = programmes.create_cycle(
            s, actor=PREPARER, programme_id=p.id, data=CycleCreate(name="one", start_date=START)
        )
        user = sec.create_user(
            s, actor=PREPARER, username="deskbench", full_name="Desk bench", password=PASSWORD
        )
        sec.grant_role(s, actor=PREPARER, user=user, role=Role.DISTRIBUTION_CLERK, operation_id=op_id)
    with unit_of_work(container.sessions) as s:
        lists.freeze(s, actor=PREPARER, cycle_key=cycle.id)
        programmes.move_cycle(s, actor=PREPARER, cycle_key=cycle.id, to="active")
    with container.engine.connect() as conn:
        ids = list(
            conn.scalars(
                select(Entitlement.id)
                .where(Entitlement.cycle_id == cycle.id)
                .order_by(Entitlement.household_ref)
            )
        )
    container.engine.dispose()
    return ids


def serve(url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [
        sys.executable,
        "-m",
        "refugio",
        "serve",
        "--db",
        url,
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("refugio serve did not start")


def queues(ids: list[uuid.UUID]) -> tuple[list[list[tuple[uuid.UUID, threading.Barrier | None]]], int]:
    """Entitlement j goes to desk j % 50; every 20th is also posted by the next desk at the same place
    in its queue, the two meeting at a barrier first."""
    out: list[list[tuple[uuid.UUID, threading.Barrier | None]]] = [[] for _ in range(DESKS)]
    contested = 0
    for j, ent in enumerate(ids):
        if j % CONTESTED_EVERY == 0:
            meet = threading.Barrier(2)
            out[j % DESKS].append((ent, meet))
            out[(j + 1) % DESKS].append((ent, meet))
            contested += 1
        else:
            out[j % DESKS].append((ent, None))
    return out, contested


def wait_turn(start: float, pace: float, desk: int, k: int) -> None:
    """With a pace, desk `desk` starts its k-th request no earlier than its k-th slot (desks spread
    evenly over one pace); a desk that has fallen behind sends at once. Without a pace: no wait."""
    if pace > 0:
        delay = start + (k + desk / DESKS) * pace - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def run_desks(
    base: str, token: str, work: list[list[tuple[uuid.UUID, threading.Barrier | None]]], pace: float
) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.perf_counter()

    def desk(n: int) -> None:
        mine: list[float] = []
        codes: dict[int, int] = {}
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for k, (ent, meet) in enumerate(work[n]):
                wait_turn(start, pace, n, k)
                if meet is not None:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        meet.wait(timeout=60)
                t = time.perf_counter()
                try:
                    code = client.post(
                        "/api/v1/assistance/collections",
                        json={"entitlement_id": str(ent), "desk": f"D{n:02d}"},
                    ).status_code
                except httpx.HTTPError:
                    code = 0  # no answer within 60 s
                mine.append(time.perf_counter() - t)
                codes[code] = codes.get(code, 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    t = time.perf_counter()
    threads = [threading.Thread(target=desk, args=(n,)) for n in range(DESKS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, statuses, time.perf_counter() - t


def run_baseline(base: str, token: str, requests: int, pace: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def desk(n: int) -> None:
        mine = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for k in range(max(1, requests // DESKS)):
                wait_turn(start, pace, n, k)
                t = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    client.get("/api/v1/assistance/programmes")
                mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(DESKS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def run(backend: str, url: str, collections: int, workdir: Path, pace: float, baseline: int) -> None:
    data_dir = workdir / f"data-{backend}"
    t = time.perf_counter()
    ids = setup(url, data_dir, collections)
    print(
        f"\n[{backend}] {len(ids):,} entitlements frozen and active in {time.perf_counter() - t:.1f} s (setup)"
    )
    port = free_port()
    log = workdir / f"server-{backend}.log"
    proc = serve(url, data_dir, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        r = httpx.post(
            f"{base}/api/v1/tokens", json={"username": "deskbench", "password": PASSWORD}, timeout=60
        )
        r.raise_for_status()
        token = r.json()["token"]
        floor = run_baseline(base, token, min(len(ids), baseline), pace)
        work, contested = queues(ids)
        latencies, statuses, wall = run_desks(base, token, work, pace)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    engine = build(Settings(data_dir=data_dir, db_url=url)).engine
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(Collection)) or 0
        distinct = conn.scalar(select(func.count(func.distinct(Collection.entitlement_id)))) or 0
        per_household = conn.execute(
            select(Collection.household_id).group_by(Collection.household_id).having(func.count() > 1)
        ).all()
    engine.dispose()
    doubles = (rows - distinct) + len(per_household)
    offered = (
        f"each desk paced at one request every {pace:g} s (offered {DESKS / pace:.1f} requests/s)"
        if pace > 0
        else "each desk sending its next request as soon as the last is answered (closed loop: the server's saturation)"
    )
    print(
        f"(2) {DESKS} desks, {len(ids):,} collections, {contested:,} ({100 * contested / len(ids):.1f} %) attempted at a second desk at the same moment;"
        f" {offered}; {wall:.0f} s"
    )
    print(
        f"    refugio POST /collections   p50 {pct(latencies, 50):7.1f} ms  p95 {pct(latencies, 95):7.1f} ms  {len(latencies) / wall:8.1f} requests/s  (aim: p95 <= 200 ms)"
    )
    print(
        f"    baseline GET /programmes      p50 {pct(floor, 50):7.1f} ms  p95 {pct(floor, 95):7.1f} ms  ({len(floor):,} requests, same {DESKS} desks)"
    )
    print(
        f"    statuses {dict(sorted(statuses.items()))} (0 = no answer in 60 s): collected {statuses.get(201, 0):,} of {len(ids):,}, refused {statuses.get(409, 0):,} of {contested:,} second attempts"
    )
    errors = Counter(
        line.strip()[:160]
        for line in log.read_text(errors="replace").splitlines()
        if ("Error" in line or "error" in line) and not line.startswith(" ")
    )
    for line, count in errors.most_common(3):
        print(f"    server log: {count} x {line}")
    print(f"    database: {rows:,} collections of {distinct:,} entitlements → {doubles} double collection(s)")


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--collections", type=int, default=20_000)
    p.add_argument("--scale", type=float, default=1.0, help="multiply --collections (e.g. 0.05)")
    p.add_argument("--postgres", default=os.environ.get("REFUGIO_TEST_POSTGRES_URL"))
    p.add_argument("--skip-sqlite", action="store_true")
    p.add_argument("--desks", type=int, default=50, help="concurrent desks (50 for the aim)")
    p.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds between one desk's requests (0: closed loop, each desk sends as soon as answered)",
    )
    p.add_argument("--baseline", type=int, default=5_000, help="requests of the read-only baseline")
    args = p.parse_args()
    globals()["DESKS"] = args.desks
    n = max(args.desks * 2, int(args.collections * args.scale))
    backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    with tempfile.TemporaryDirectory(prefix="refugio-bench-desks-") as tmp:
        for backend in backends:
            with database(backend, args.postgres, Path(tmp), "desks") as url:
                run(backend, url, n, Path(tmp), args.pace, args.baseline)


if __name__ == "__main__":
    main()
