"""Load on loopback: N concurrent clerks registering households and searching, against `refugio serve`.

    PYTHONPATH=src python benchmarks/load.py --backend sqlite --clerks 20 --seconds 60
    PYTHONPATH=src python benchmarks/load.py --backend postgresql --clerks 20 --seconds 60 \
        --postgres postgresql://postgres@127.0.0.1:5432/test

Defaults: 100 clerks for 10 minutes on PostgreSQL, 20 minutes on SQLite. The script makes a fresh
database (a SQLite file in a temporary directory, or a new PostgreSQL database dropped afterwards),
migrates and seeds it (one operation, one camp, one clerk account per simulated clerk), starts
`python -m refugio serve` on a free loopback port, and drives it with one asyncio task per clerk
(httpx): register a household (each with a unique address marker), then search a family name, again
until the time is up. It prints p50/p95/p99 per request type, then checks the database against what the
clients saw: 0 lost (a 201 whose household is not in the database) and 0 duplicated (two households
with the same marker) records, and runs `refugio audit verify`. The exit code is 1 when any of
these fails.

PostgreSQL restarted mid-load: `--pg-ctl DATADIR` restarts the cluster of that data folder with
`pg_ctl -m fast restart` (as the `postgres` user when run as root), `--restart-postgres CMD` runs any
command instead (e.g. `pg_ctlcluster 15 loadtest restart`); either at `--restart-postgres-at SECONDS`
after the clerks start (default: half-way). Use a private cluster, never the shared server while others
use it:

    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pg-load -A trust -U postgres
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pg-load -l /tmp/pg-load/log \
        -o "-p 55432 -k /tmp" start
    PYTHONPATH=src python benchmarks/load.py --backend postgresql --clerks 20 --seconds 120 \
        --postgres postgresql://postgres@127.0.0.1:55432/postgres \
        --pg-ctl /tmp/pg-load --restart-postgres-at 40

Requests refused during the restart (503, transport errors) are counted; the same checks then prove
that the service recovered by itself (requests succeed after it: printed) and that nothing half-written
was kept (0 lost, 0 duplicated, audit chain intact).

Why not locust: locust imports gevent, which monkey-patches the whole process, and brings some twenty
packages (flask, gevent, pyzmq…) into the shared environment; the asyncio driver measures the same
latencies and records every 201 for the lost/duplicated check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from refugio.config import Settings
from refugio.main import build
from refugio.registration import service as reg
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store import migrate
from refugio.store.engine import normalise_url
from refugio.store.uow import unit_of_work

PASSWORD = "load-test-Passw0rd!"
FAMILIES = ["Haddad", "Khalil", "Nasser", "Saleh", "Mansour", "Darwish", "Aziz", "Hamdan", "Yousef", "Qasim"]
GIVEN = ["Omar", "Lina", "Sara", "Yusuf", "Mariam", "Adam", "Huda", "Karim", "Rania", "Sami"]


@contextmanager
def database(backend: str, server: str | None, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'load.sqlite3'}"
        return
    if not server:
        sys.exit("--postgres URL (or REFUGIO_TEST_POSTGRES_URL) is needed for the postgresql backend")
    base = make_url(normalise_url(server))
    name = f"refugio_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, data_dir: Path, clerks: int) -> str:
    """Migrate, create operation LOD with camp CMP and `clerks` clerk accounts; the camp's id."""
    container = build(Settings(data_dir=data_dir, db_url=url))
    migrate.upgrade(container.engine)
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="LOD", name="Load operation", country_iso3="JOR")
        camp = reg.create_site(s, actor=SYSTEM, operation=op, code="CMP", name="Load camp", kind="camp")
        camp_id = str(camp.id)
        for i in range(clerks):
            user = sec.create_user(
                s, actor=SYSTEM, username=f"clerk{i:03d}", full_name=f"Clerk {i}", password=PASSWORD
            )
            sec.grant_role(
                s, actor=SYSTEM, user=user, role=Role.REGISTRATION_CLERK, operation_id=op.id, site_id=camp.id
            )
    container.engine.dispose()
    return camp_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def household(camp_id: str, clerk: int, n: int) -> dict[str, Any]:
    family = FAMILIES[(clerk + n) % len(FAMILIES)]
    members = [
        {
            "relationship": "focal_point",
            "given_name": GIVEN[n % 10],
            "family_name": family,
            "sex": "M",
            "date_of_birth": f"{1970 + (n % 30)}-0{1 + n % 9}-1{n % 10}",
            "nationality": "SYR",
        },
        {
            "relationship": "spouse",
            "given_name": GIVEN[(n + 3) % 10],
            "family_name": family,
            "sex": "F",
            "date_of_birth": f"{1972 + (n % 30)}-1{n % 3}-2{n % 8}",
            "nationality": "SYR",
        },
    ]
    return {
        "site_id": camp_id,
        "consent_given": True,
        "country_of_origin": "SYR",
        "address": f"load-{clerk}-{n}",  # the marker that finds this household in the database
        "members": members,
        "duplicate_checks": [{"member": i, "reason": "load test"} for i in range(len(members))],
    }


class Tally:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.created: dict[str, str] = {}  # marker → household id, for every 201
        self.failed = 0  # transport errors (connection refused/reset, timeouts)
        self.restarted: float | None = None  # monotonic time the PostgreSQL restart ended
        self.after_restart: dict[int, int] = defaultdict(int)  # statuses of requests sent after it


async def clerk(base: str, index: int, camp_id: str, until: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for _attempt in range(10):  # sign-in is part of the load: its statuses are counted too
            started = time.perf_counter()
            try:
                r = await client.post(
                    "/api/v1/tokens", json={"username": f"clerk{index:03d}", "password": PASSWORD}
                )
            except httpx.TransportError:  # a hundred password hashes at once on a small machine
                tally.failed += 1
                await asyncio.sleep(1)
                continue
            tally.latency["sign-in"].append(time.perf_counter() - started)
            tally.status["sign-in"][r.status_code] += 1
            if r.status_code == 201:
                break
            await asyncio.sleep(1)
        else:
            return
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        n = 0
        while time.monotonic() < until:
            body = household(camp_id, index, n)
            requests = (
                ("register", "/api/v1/households", body),
                ("search", "/api/v1/search", {"q": FAMILIES[n % 10], "limit": 20}),
            )
            for kind, path, payload in requests:
                started, sent = time.perf_counter(), time.monotonic()
                try:
                    r = await client.post(path, json=payload)
                except httpx.TransportError:
                    tally.failed += 1
                    await asyncio.sleep(0.5)
                    continue
                tally.latency[kind].append(time.perf_counter() - started)
                tally.status[kind][r.status_code] += 1
                if tally.restarted is not None and sent > tally.restarted:
                    tally.after_restart[r.status_code] += 1
                if kind == "register" and r.status_code == 201:
                    tally.created[body["address"]] = str(r.json()["id"])
            n += 1


def restart_command(args: argparse.Namespace) -> list[str] | None:
    """The command that restarts PostgreSQL mid-load, or None."""
    if args.restart_postgres:
        return ["sh", "-c", args.restart_postgres]
    if not args.pg_ctl:
        return None
    data = Path(args.pg_ctl)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    pg_ctl = str(found[-1]) if found else "pg_ctl"
    runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # -l: the restarted server must not inherit our output (a pipe it would hold open)
    return [*runas, pg_ctl, "-D", str(data), "-w", "-m", "fast", "-l", str(data / "restart.log"), "restart"]


async def drive(
    base: str, clerks: int, camp_id: str, seconds: float, restart: list[str] | None, at: float
) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    tasks = [asyncio.create_task(clerk(base, i, camp_id, until, tally)) for i in range(clerks)]
    if restart:
        await asyncio.sleep(at)
        print(f"restarting PostgreSQL at {at:.0f} s: {' '.join(restart)}", flush=True)
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(*restart, stdout=asyncio.subprocess.DEVNULL)
        code = await proc.wait()
        tally.restarted = time.monotonic()
        print(f"PostgreSQL restarted (exit {code}) in {tally.restarted - started:.1f} s", flush=True)
    await asyncio.gather(*tasks)
    return tally


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def check_database(url: str, tally: Tally) -> tuple[int, int]:
    """(lost, duplicated): 201s missing from the database, and markers stored more than once."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, address FROM household WHERE address LIKE 'load-%'")).all()
    engine.dispose()
    stored: dict[str, list[str]] = defaultdict(list)
    for hid, address in rows:
        stored[address].append(str(hid).replace("-", ""))
    lost = sum(
        1 for marker, hid in tally.created.items() if hid.replace("-", "") not in stored.get(marker, [])
    )
    duplicated = sum(len(ids) - 1 for ids in stored.values() if len(ids) > 1)
    return lost, duplicated


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--postgres", default=os.environ.get("REFUGIO_TEST_POSTGRES_URL"))
    p.add_argument("--clerks", type=int, default=100)
    p.add_argument("--seconds", type=float, help="default: 600 on PostgreSQL, 1200 on SQLite")
    p.add_argument(
        "--restart-postgres",
        metavar="CMD",
        help="shell command that restarts PostgreSQL (a private cluster!)",
    )
    p.add_argument(
        "--pg-ctl", metavar="DATADIR", help="restart the private cluster of this data folder with pg_ctl"
    )
    p.add_argument(
        "--restart-postgres-at", metavar="SECONDS", type=float, help="when to restart (default: half-way)"
    )
    args = p.parse_args()
    seconds = args.seconds or (600.0 if args.backend == "postgresql" else 1200.0)
    restart = restart_command(args)
    if restart and args.backend != "postgresql":
        sys.exit("--pg-ctl/--restart-postgres need --backend postgresql")
    at = args.restart_postgres_at if args.restart_postgres_at is not None else seconds / 2
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, args.postgres, Path(tmp)) as url:
        data_dir = Path(tmp) / "data"
        camp_id = seed(url, data_dir, args.clerks)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
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
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/api/v1/openapi.json", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            else:
                sys.exit("refugio serve did not start")
            print(f"{args.backend}: {args.clerks} clerks for {seconds:.0f} s against {base}", flush=True)
            tally = asyncio.run(drive(base, args.clerks, camp_id, seconds, restart, at))
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
            tail = (Path(tmp) / "serve.log").read_text(errors="replace").splitlines()[-5:]
            print("server log (last lines):", *tail, sep="\n  ")
            lines = (Path(tmp) / "serve.log").read_text(errors="replace").splitlines()
            errors = [line for line in lines if any(w in line for w in ("Error", "unexpected", "refused by"))]
            print("server errors:", len(errors), *errors[:8], sep="\n  ")
        ok = report(tally, seconds)
        lost, duplicated = check_database(url, tally)
        audit = subprocess.run(
            [sys.executable, "-m", "refugio", "audit", "verify", "--db", url, "--data-dir", str(data_dir)],
            env=env,
            capture_output=True,
            text=True,
        )
        print(f"records: {len(tally.created)} created (201), lost {lost}, duplicated {duplicated}")
        print(
            f"audit chain: {'intact' if audit.returncode == 0 else 'BROKEN'} ({audit.stdout.strip()[-200:]})"
        )
        if not ok or lost or duplicated or audit.returncode != 0:
            sys.exit(1)


def report(tally: Tally, seconds: float) -> bool:
    ok = True
    for kind in ("sign-in", "register", "search"):
        values = tally.latency[kind]
        if not values:
            print(f"{kind}: no responses")
            ok = False
            continue
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(tally.status[kind].items()))
        p50, p95, p99 = (quantile(values, q) * 1000 for q in (50, 95, 99))
        rate = len(values) / seconds
        figures = f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms"
        print(f"{kind:9s} n={len(values):6d} {rate:6.1f}/s  {figures}  ({codes})")
        if any(code >= 500 and code != 503 for code in tally.status[kind]):  # 503: busy, retry
            ok = False
    print(f"transport errors: {tally.failed}")
    if tally.restarted is not None:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(tally.after_restart.items()))
        recovered = any(200 <= code < 300 for code in tally.after_restart)
        verdict = "recovered" if recovered else "NOT recovered"
        print(f"after the PostgreSQL restart: {codes or 'no requests'} ({verdict})")
        ok = ok and recovered
    return ok


if __name__ == "__main__":
    main()
