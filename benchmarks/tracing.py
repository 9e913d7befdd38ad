"""Family tracing benchmark (SPEC C3): one tracing request matched against N registered individuals.

    .venv/bin/python benchmarks/tracing.py                    # 1,000,000 people (about an hour on 2 cores)
    .venv/bin/python benchmarks/tracing.py --people 200000
    .venv/bin/python benchmarks/tracing.py --quick            # 20,000 people, 40 requests: a smoke test
    .venv/bin/python benchmarks/tracing.py --db postgresql://postgres@127.0.0.1:5432/bench_tracing

What it does, in one run:

1. Registry: N synthetic people (`refugio.registration.synthetic`: ten origins, names in Latin and in
   Arabic, Perso-Arabic, Cyrillic or Ethiopic script, naming customs, dates of birth exact / to the
   month / year only / estimated) registered through `registration.service.register_households` in
   batches of 2,000 households, then indexed by `refugio.dedup.index.rebuild` (the batch job behind
   `refugio dedup index`), as `benchmarks/dedup.py --only desk` does. Both times are printed (set-up).
2. Requests: R registered people drawn at random become the sought people of R tracing requests, as a
   relative would describe them: names in the original script when the registry has it (else the Latin
   form, with a common spelling change now and then), an approximate age (half), the birth year only
   (a third) or the date, sex, country of origin (most), place of origin (half).
3. refugio: `service.match_request` for each request, one unit of work each as an API call would be
   (blocking on the dedup index, per-field scoring, the other requests, storing candidates, history and
   audit): p50 and p95, and how often the person drawn is the best candidate / among the candidates.
4. Baseline, naive full scan: the very same scoring (`scoring.score`) applied to every registered
   person — (a) reading their prepared rows from the store and scoring them, (b) scoring rows already
   held in memory. Timed on a subset of the registry for a few requests and extrapolated linearly to N
   (labelled so); with `--naive-full` on the whole registry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from sqlalchemy import func, select  # noqa: E402

from refugio.config import Settings  # noqa: E402
from refugio.dedup import index as dedup_index  # noqa: E402
from refugio.dedup.models import DedupPerson  # noqa: E402
from refugio.main import Container, build  # noqa: E402
from refugio.protection.tracing import scoring, service  # noqa: E402
from refugio.protection.tracing.schemas import RequestCreate  # noqa: E402
from refugio.registration import service as reg  # noqa: E402
from refugio.registration.models import Household, Individual  # noqa: E402
from refugio.registration.synthetic import generate_households  # noqa: E402
from refugio.security.principals import SYSTEM  # noqa: E402
from refugio.store import migrate  # noqa: E402
from refugio.store.uow import unit_of_work  # noqa: E402

BATCH = 2000
ENQUIRERS = ["Amina", "Yusuf", "Hawa", "Ahmad", "Maryam", "Ibrahim", "Olena", "Abdi", "Ruth", "Zahra"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --------------------------------------------------------------------------------------------- registry


def existing_registry(container: Container) -> list[uuid.UUID] | None:
    """The sites of a registry built by an earlier run on the same database (its tracing rows cleared)."""
    from sqlalchemy import delete

    from refugio.protection.tracing import models as tm
    from refugio.registration.models import Operation, Site

    with unit_of_work(container.sessions) as s:
        op = s.scalar(select(Operation).where(Operation.code == "BEN"))
        if op is None or not dedup_index.is_built(s):
            return None
        for model in (
            tm.TracingEvent,
            tm.TracingCandidate,
            tm.TracingKey,
            tm.SoughtPerson,
            tm.TracingRequest,
        ):
            s.execute(delete(model))
        return list(s.scalars(select(Site.id).where(Site.operation_id == op.id).order_by(Site.code)))


def build_registry(container: Container, people: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="BEN", name="Bench", country_iso3="JOR")
        sites = [
            reg.create_site(s, actor=SYSTEM, operation=op, code=f"S{i}", name=f"Site {i}", kind="camp")
            for i in range(4)
        ]
        op_id, site_ids = op.id, [x.id for x in sites]
    t = time.perf_counter()
    registered, next_report = 0, 100_000
    households = generate_households(
        count=people, site_ids=site_ids, seed=5, start=dt.date(2024, 1, 1), end=dt.date(2026, 6, 1)
    )
    while registered < people:
        size = max(1, min(BATCH, (people - registered) // 4))  # about four people a household
        batch = [h for _, h in zip(range(size), households, strict=False)]
        if not batch:
            break
        with unit_of_work(container.sessions) as s:
            done = reg.register_households(s, actor=SYSTEM, items=batch, audit_each=False)
            registered += sum(len(r.member_ids) for r in done)
        if registered >= next_report:
            print(f"  … {registered:,} registered ({time.perf_counter() - t:.0f} s)", flush=True)
            next_report += 100_000
    print(
        f"registered {registered:,} people in {time.perf_counter() - t:.0f} s (set-up, registration service)"
    )
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        indexed = dedup_index.rebuild(s)
    print(f"indexed {indexed:,} people in {time.perf_counter() - t:.0f} s (set-up, `refugio dedup index`)")
    return op_id, site_ids


# --------------------------------------------------------------------------------------------- requests


def _variant(name: str, rng: random.Random) -> str:
    """A common spelling change a relative might make (or none)."""
    for a, b in (("ou", "u"), ("ee", "i"), ("mm", "m"), ("ss", "s"), ("y", "i"), ("e", "a"), ("o", "u")):
        if a in name.lower() and rng.random() < 0.5:
            return name.replace(a, b, 1)
    return name


def sought_of(row: Any, place: str | None, rng: random.Random, today: dt.date) -> dict[str, Any]:
    sought: dict[str, Any] = {"sex": row.sex if row.sex in ("F", "M") else None}
    for part in ("given", "middle", "family"):
        latin, original = getattr(row, f"{part}_name"), getattr(row, f"{part}_name_original")
        if part == "middle" and rng.random() < 0.6:
            continue  # often not known to the enquirer
        if original and rng.random() < 0.7:
            sought[f"{part}_name_original"] = original
        elif latin:
            sought[f"{part}_name"] = _variant(latin, rng) if rng.random() < 0.3 else latin
    age = today.year - row.date_of_birth.year
    pick = rng.random()
    if pick < 0.5 or row.dob_precision == "estimated":
        sought["age"] = max(0, age + rng.choice((-1, 0, 0, 1)))
    elif pick < 0.83 or row.dob_precision != "exact":
        sought["date_of_birth"] = str(row.date_of_birth.year)
    else:
        sought["date_of_birth"] = row.date_of_birth.isoformat()
    if row.country_of_origin and rng.random() < 0.85:
        sought["country_of_origin"] = row.country_of_origin
    if place and rng.random() < 0.5:
        sought["place_of_origin"] = place
    sought["relationship"] = "child" if age < 18 else "sibling"
    return sought


def open_requests(
    container: Container, site_id: uuid.UUID, count: int, seed: int = 11
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`count` requests, each seeking a registered person drawn at random: (request id, person id)."""
    rng = random.Random(seed)
    today = dt.date.today()
    with unit_of_work(container.sessions) as s:
        total = int(s.scalar(select(func.count()).select_from(Individual)) or 0)
        picks = sorted(rng.sample(range(total), count))
        ids = list(s.scalars(select(Individual.id).order_by(Individual.id)))
        chosen = [ids[i] for i in picks]
        rows = s.execute(
            select(Individual, Household.place_of_origin)
            .join(Household, Household.id == Individual.household_id)
            .where(Individual.id.in_(chosen))
        ).all()
    out = []
    for row, place in rows:
        sought = sought_of(row, place, rng, today)
        year = row.date_of_birth.year + (-28 if sought["relationship"] == "child" else 2)
        payload = {
            "site_id": str(site_id),
            "enquirer": {
                "given_name": rng.choice(ENQUIRERS),
                "family_name": row.family_name,
                "date_of_birth": str(year),
                "phone": f"+962 79 {rng.randrange(10**6):06d}",
            },
            "consent": {"given": True, "given_by": "the enquirer"},
            "sought": [sought],
        }
        with unit_of_work(container.sessions) as s:
            request = service.open_request(s, actor=SYSTEM, data=RequestCreate.model_validate(payload))
            out.append((request.id, row.id))
    return out


# --------------------------------------------------------------------------------------------- timings


def time_refugio(container: Container, requests: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    from refugio.protection.tracing.models import TracingCandidate

    times: list[float] = []
    top1 = found = 0
    for request_id, person_id in requests:
        t = time.perf_counter()
        with unit_of_work(container.sessions) as s:
            service.match_request(s, actor=SYSTEM, request_id=request_id)
        times.append(time.perf_counter() - t)
        with unit_of_work(container.sessions) as s:
            ranked = list(
                s.scalars(
                    select(TracingCandidate.individual_id)
                    .where(TracingCandidate.request_id == request_id)
                    .order_by(TracingCandidate.weight.desc())
                )
            )
        top1 += bool(ranked) and ranked[0] == person_id
        found += person_id in ranked
    n = len(requests)
    print(
        f"refugio  match_request: p50 {ms(statistics.median(times))}, p95 {ms(p95(times))} (aim ≤ 1 s) "
        f"over {n} requests; the person sought is the best candidate in {top1}/{n}, "
        f"among the candidates in {found}/{n}"
    )


def time_naive(
    container: Container, requests: list[tuple[uuid.UUID, uuid.UUID]], people: int, subset: int, probes: int
) -> None:
    """The same scoring applied to every registered person (on `subset` people, extrapolated to `people`)."""
    from refugio.protection.tracing.models import TracingRequest

    profiles = []
    with unit_of_work(container.sessions) as s:
        for request_id, _person in requests[:probes]:
            r = s.get(TracingRequest, request_id)
            assert r is not None
            profiles.append((scoring.sought_profile(r.sought[0]), scoring.enquirer_profile(r)))
    scan, memory = [], []
    held: list[scoring.Profile] = []
    for k, (sought, enquirer) in enumerate(profiles):
        t = time.perf_counter()
        with unit_of_work(container.sessions) as s:
            stmt = (
                select(DedupPerson.prepared, Household.place_of_origin)
                .join(Household, Household.id == DedupPerson.household_id)
                .limit(subset)
            )
            best = -1e9
            for prepared, place in s.execute(stmt.execution_options(yield_per=5000)):
                candidate = scoring.registered_profile(prepared, place)
                if k == 0:
                    held.append(candidate)
                best = max(best, scoring.score(sought, candidate, enquirer=enquirer).weight)
        scan.append(time.perf_counter() - t)
        t = time.perf_counter()
        best = max(scoring.score(sought, c, enquirer=enquirer).weight for c in held)
        memory.append(time.perf_counter() - t)
    rows = len(held)
    factor = people / rows if rows else 0
    label = (
        f"{rows:,} people × {factor:.1f} (extrapolated to {people:,})"
        if factor > 1.001
        else f"{rows:,} people"
    )
    print(
        f"baseline naive full scan, same scoring, (a) read from the store and scored: p50 "
        f"{statistics.median(scan) * factor:.1f} s, max {max(scan) * factor:.1f} s over {len(scan)} requests "
        f"[{label}]"
    )
    print(
        f"baseline naive full scan, same scoring, (b) rows already in memory: p50 "
        f"{statistics.median(memory) * factor:.1f} s, max {max(memory) * factor:.1f} s [{label}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000, help="registered individuals")
    parser.add_argument("--requests", type=int, default=200, help="tracing requests matched")
    parser.add_argument("--quick", action="store_true", help="20,000 people and 40 requests")
    parser.add_argument(
        "--db",
        help="database URL (default: a new SQLite file in a temporary directory); "
        "a registry built there by an earlier run is reused",
    )
    parser.add_argument("--naive-subset", type=int, default=100_000, help="people scanned by the baseline")
    parser.add_argument("--naive-requests", type=int, default=5, help="requests timed for the baseline")
    parser.add_argument("--naive-full", action="store_true", help="baseline on the whole registry")
    args = parser.parse_args()
    if args.quick:
        args.people, args.requests = 20_000, 40
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='refugio-tracing-')}/tracing.sqlite3"
    print(f"refugio tracing benchmark — {os.cpu_count()} cores; {args.people:,} people; {url.split(':')[0]}")
    container = build(Settings(db_url=url, data_dir=Path(tempfile.mkdtemp())))
    migrate.upgrade(container.engine)
    site_ids = existing_registry(container) if args.db else None
    if site_ids:
        print("reusing the registry already in that database (tracing requests of earlier runs removed)")
    else:
        site_ids = build_registry(container, args.people)[1]
    t = time.perf_counter()
    requests = open_requests(container, site_ids[0], args.requests)
    print(f"opened {len(requests)} tracing requests in {time.perf_counter() - t:.1f} s")
    with unit_of_work(container.sessions) as s:
        people = int(s.scalar(select(func.count()).select_from(DedupPerson)) or 0)
    time_refugio(container, requests)
    subset = people if args.naive_full else min(args.naive_subset, people)
    time_naive(container, requests, people, subset, min(args.naive_requests, len(requests)))
    container.engine.dispose()


if __name__ == "__main__":
    main()
