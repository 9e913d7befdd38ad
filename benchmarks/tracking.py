"""Tracking benchmark (SPEC C5 / issue 16), refugio beside its baseline in one run.

    .venv/bin/python benchmarks/tracking.py                     # all three parts at full scale
    .venv/bin/python benchmarks/tracking.py --quick             # 100,000 roll-up rows, 2,000 map markers
    .venv/bin/python benchmarks/tracking.py --only import       # or: rollup, map
    .venv/bin/python benchmarks/tracking.py --only rollup --rows 1000000

1. Import: `refugio.tracking` loading the OCHA P-codes, the shared DTM extract (13,367 rows) and the
   whole Missing Migrants file (19,669 incidents) into a new SQLite database (validation, P-code
   normalisation, duplicate keys, bulk insert, audit), beside `pandas.read_csv` of the same files
   (parsing only: no validation, nothing stored). Needs ../shared/data/external.
2. Roll-up: N location-round rows (admin-2 areas × rounds, synthetic) rolled up to admin 0/1/2 with
   the round-on-round change by `refugio.tracking.duckdb_rollup.rollup` (DuckDB), beside a pandas
   groupby + shift computing the same; the two results are compared cell by cell. Aim: ≤ 2 s at 1M.
3. Map: the tracking map page with M incident markers (synthetic, imported through the MMP importer),
   served by `refugio serve`, opened in headless Chromium: time from navigation to the map being
   interactive (outlines drawn, markers clustered; `data-ready` set by the page's script), measured by
   the page (`performance.now()`) and from Python, beside the same page without incidents (year 1990:
   outlines, choropleth, sites and flow points only). Aim: ≤ 1.5 s at 20,000.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
EXTERNAL = Path(
    os.environ.get("REFUGIO_SHARED_DATA")
    or next(
        (p / "shared" / "data" / "external" for p in (ROOT.parent, ROOT.parent.parent)
         if (p / "shared" / "data" / "external").is_dir()),
        ROOT.parent / "shared" / "data" / "external",
    )
)  # fmt: skip
DTM = EXTERNAL / "iom_dtm" / "global-iom-dtm-from-api-admin-0-to-2.csv.gz"
MMP = EXTERNAL / "iom_missing_migrants" / "iom_mmp.csv.gz"
PCODES = EXTERNAL / "ocha_pcodes" / "global-pcodes-adm-1-2.csv.gz"
LENGTHS = EXTERNAL / "ocha_pcodes" / "global-pcode-lengths.csv"
PASSWORD = "map-timing-passphrase-long-enough-2026"


def _container(folder: Path) -> Any:
    from refugio.config import Settings
    from refugio.main import build
    from refugio.store import migrate

    container = build(Settings(data_dir=folder, db_url=f"sqlite:///{folder / 'refugio.sqlite3'}"))
    migrate.upgrade(container.engine)
    return container


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def part_import() -> None:
    import pandas as pd

    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service

    if not DTM.is_file():
        print(f"import: skipped, {EXTERNAL} not found")
        return
    with tempfile.TemporaryDirectory() as tmp:
        container = _container(Path(tmp))

        def run(fn: Any) -> Any:
            with unit_of_work(container.sessions) as s:
                return fn(s)

        t_p, _ = _timed(
            lambda: run(
                lambda s: service.load_pcodes(s, actor=SYSTEM, areas_path=PCODES, lengths_path=LENGTHS)
            )
        )
        t_d, d = _timed(lambda: run(lambda s: service.import_dtm(s, actor=SYSTEM, path=DTM)))
        t_m, m = _timed(lambda: run(lambda s: service.import_mmp(s, actor=SYSTEM, path=MMP)))
        t_d2, d2 = _timed(lambda: run(lambda s: service.import_dtm(s, actor=SYSTEM, path=DTM)))
        container.engine.dispose()
    read = {"keep_default_na": False, "na_values": [""]}
    t_pd_d, _ = _timed(lambda: pd.read_csv(DTM, skiprows=[1], **read))
    t_pd_m, _ = _timed(lambda: pd.read_csv(MMP, **read))
    t_pd_p, _ = _timed(lambda: pd.read_csv(PCODES, skiprows=[1], encoding="utf-8-sig", **read))
    print("\n1. Import (SQLite, one unit of work each)")
    print(f"   {'file':<34}{'rows':>8}{'refugio import':>16}{'pandas read_csv':>17}")
    print(f"   {'OCHA P-codes (admin 1-2)':<34}{33363:>8}{t_p:>15.2f}s{t_pd_p:>16.2f}s")
    print(f"   {'DTM extract':<34}{d.added:>8}{t_d:>15.2f}s{t_pd_d:>16.2f}s")
    print(f"   {'Missing Migrants (whole file)':<34}{m.added:>8}{t_m:>15.2f}s{t_pd_m:>16.2f}s")
    print(f"   {'DTM extract again (adds nothing)':<34}{d2.added:>8}{t_d2:>15.2f}s")


def _rollup_rows(n: int, seed: int = 11) -> dict[str, Any]:
    import numpy as np

    rounds = 50
    areas = max(1, n // rounds)
    rng = np.random.default_rng(seed)
    area = np.repeat(np.arange(areas), rounds)[:n]
    rnd = np.tile(np.arange(1, rounds + 1), areas)[:n]
    country = area % 40
    admin1 = area % 800
    return {
        "country": np.array([f"C{c:03d}" for c in country], dtype=object),
        "admin1": np.array(
            [f"C{c % 40:03d}{a:04d}" for c, a in zip(country, admin1, strict=True)], dtype=object
        ),
        "admin2": np.array([f"A{a:07d}" for a in area], dtype=object),
        "round": rnd.astype("int64"),
        "idps": rng.integers(0, 50_000, n).astype("int64"),
    }


def _pandas_rollup(cols: dict[str, Any]) -> Any:
    import pandas as pd

    df = pd.DataFrame(cols)
    parts = []
    for level, key in enumerate(("country", "admin1", "admin2")):
        g = df.groupby([key, "round"], sort=False)["idps"].sum().reset_index()
        g.columns = ["pcode", "round", "idps"]
        g.insert(0, "level", level)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True).sort_values(["level", "pcode", "round"], ignore_index=True)
    prev = out.groupby(["level", "pcode"], sort=False)["idps"].shift(1)
    out["previous"] = prev.fillna(-1).astype("int64")
    out["change"] = (out["idps"] - prev).fillna(0).astype("int64")
    return out


def part_rollup(n: int) -> None:
    import numpy as np

    from refugio.tracking.duckdb_rollup import rollup

    cols = _rollup_rows(n)
    rollup(cols)  # warm-up (DuckDB extension load)
    c0 = time.process_time()
    t_r, mine = _timed(lambda: rollup(cols))
    c_r, c0 = time.process_time() - c0, time.process_time()
    t_p, theirs = _timed(lambda: _pandas_rollup(cols))
    c_p = time.process_time() - c0
    order = np.lexsort((mine["round"], mine["pcode"].astype(str), mine["level"]))  # pandas' order
    mine = {k: np.asarray(v)[order] for k, v in mine.items()}
    same = len(mine["pcode"]) == len(theirs)
    cells = 0
    if same:
        for col in ("level", "pcode", "round", "idps", "previous", "change"):
            a, b = np.asarray(mine[col]), theirs[col].to_numpy()
            if col == "pcode":
                ok = bool((a.astype(str) == b.astype(str)).all())
            else:
                ok = bool((a.astype("int64") == b.astype("int64")).all())
            same = same and ok
            cells += len(a)
    print(f"\n2. Roll-up of {n:,} location-round rows to admin 0/1/2 with round-on-round change")
    print(f"   refugio (DuckDB) {t_r:8.2f}s wall, {c_r:.2f}s CPU   pandas groupby {t_p:8.2f}s wall, "
          f"{c_p:.2f}s CPU   output rows {len(theirs):,}")  # fmt: skip
    print(f"   cell by cell: {'identical' if same else 'DIFFERENT'} ({cells:,} cells compared); aim <= 2 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _synthetic_mmp(path: Path, m: int) -> None:
    rng = random.Random(5)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["t", "m", "type", "route", "geo", "dead", "cause", "surv", "nat", "location", "lon", "lat"]
        )
        for i in range(m):
            lat, lon = rng.uniform(-40, 60), rng.uniform(-120, 140)
            day = f"20{14 + i % 11:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            dead = rng.randint(1, 9)
            row = [day, day[:8] + "01", "Incident", "Undefined", "XXX", dead, "Drowning", "", "UNK"]
            w.writerow([*row, f"point {i}", f"{lon:.5f}", f"{lat:.5f}"])


def part_map(m: int) -> None:
    from playwright.sync_api import sync_playwright

    from refugio.security import service as sec
    from refugio.security.permissions import Role
    from refugio.security.principals import SYSTEM
    from refugio.store.uow import unit_of_work
    from refugio.tracking import service

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        container = _container(folder)
        _synthetic_mmp(folder / "mmp.csv", m)
        with unit_of_work(container.sessions) as s:
            service.import_mmp(s, actor=SYSTEM, path=folder / "mmp.csv")
            user = sec.create_user(s, actor=SYSTEM, username="bench", full_name="Bench", password=PASSWORD)
            sec.grant_role(s, actor=SYSTEM, user=user, role=Role.ADMINISTRATOR)
        container.engine.dispose()
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "REFUGIO_COOKIE_SECURE": "false"}
        server = subprocess.Popen(
            [sys.executable, "-m", "refugio", "serve", "--data-dir", str(folder), "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{base}/login")
                page.fill("input[name=username]", "bench")
                page.fill("input[name=password]", PASSWORD)
                page.click('form[action="/login"] button[type=submit]')
                page.wait_for_load_state()
                page.goto(
                    f"{base}/tracking/map"
                )  # warm-up: caches the libraries, as a returning user has them
                page.wait_for_selector("#tracking-map[data-ready]", state="attached", timeout=120_000)
                times, baseline = [], []
                for _ in range(3):
                    # the baseline: the same page and libraries without the incidents (year 1990 has none)
                    for url, into in (
                        (f"{base}/tracking/map", times),
                        (f"{base}/tracking/map?year=1990", baseline),
                    ):
                        start = time.perf_counter()
                        page.goto(url)
                        page.wait_for_selector("#tracking-map[data-ready]", state="attached", timeout=120_000)
                        wall = time.perf_counter() - start
                        in_page = int(page.get_attribute("#tracking-map", "data-ready-ms") or 0) / 1000
                        into.append((in_page, wall))
                page.goto(f"{base}/tracking/map")
                page.wait_for_selector("#tracking-map[data-ready]", state="attached", timeout=120_000)
                markers = page.get_attribute("#tracking-map", "data-ready")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    best = min(times)
    print(f"\n3. Map page with {markers} incident markers (clustered), headless Chromium, 3 loads")
    print(
        "   interactive after (page clock / wall clock): " + ", ".join(f"{a:.2f}s/{b:.2f}s" for a, b in times)
    )
    print(
        "   baseline, the same page without incidents: "
        + ", ".join(f"{a:.2f}s/{b:.2f}s" for a, b in baseline)
    )
    print(f"   best {best[0]:.2f}s beside {min(baseline)[0]:.2f}s without incidents; aim <= 1.5 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["import", "rollup", "map"])
    parser.add_argument("--rows", type=int, default=1_000_000, help="location-round rows of the roll-up")
    parser.add_argument("--markers", type=int, default=20_000, help="incident markers on the map")
    parser.add_argument("--quick", action="store_true", help="100,000 roll-up rows and 2,000 markers")
    args = parser.parse_args()
    rows, markers = (100_000, 2_000) if args.quick else (args.rows, args.markers)
    print(f"load average at start: {os.getloadavg()}")
    if args.only in (None, "import"):
        part_import()
    if args.only in (None, "rollup"):
        part_rollup(rows)
    if args.only in (None, "map"):
        part_map(markers)
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
