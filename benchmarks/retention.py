"""Retention benchmark (issue 14, C10): one run of the retention rules over a registry in which a fifth
of the people departed six years ago.

    .venv/bin/python benchmarks/retention.py                 # 100,000 people
    .venv/bin/python benchmarks/retention.py --quick         # 5,000 people: a smoke test
    .venv/bin/python benchmarks/retention.py --db postgresql://postgres@127.0.0.1:5432/bench_retention

What it does:

1. Registry: N synthetic people registered through `registration.service.register_households`; one in
   five marked departed six years ago (a set-based UPDATE of status and record date: set-up).
2. refugio: `dataprotection.service.run_retention`, one unit of work (the rules, the set-based
   anonymisation by the hundred, one mark and one audit entry per person): people anonymised per second.
3. Baseline, one person at a time as a loop over the registry would do it: load the person through the
   ORM, clear the names and phone, coarsen the date of birth, delete their documents and name-index
   rows, append one audit entry, flush (less than refugio does) — timed on 1,000 of the departed people
   and rolled back, extrapolated linearly to all of them (labelled so).
4. Check: the statistics snapshot refreshed after the run equals one rebuilt from the tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from sqlalchemy import delete, select, update  # noqa: E402

from refugio.config import Settings  # noqa: E402
from refugio.dataprotection import service  # noqa: E402
from refugio.dataprotection.schemas import RetentionPolicy  # noqa: E402
from refugio.main import Container, build  # noqa: E402
from refugio.registration import service as reg  # noqa: E402
from refugio.registration.models import IdentityDocument, Individual, NameSearch  # noqa: E402
from refugio.registration.synthetic import generate_households  # noqa: E402
from refugio.security import audit  # noqa: E402
from refugio.security.principals import SYSTEM  # noqa: E402
from refugio.stats import snapshot  # noqa: E402
from refugio.store import migrate  # noqa: E402
from refugio.store.uow import unit_of_work  # noqa: E402

BASELINE_SAMPLE = 1000


def registry(container: Container, people: int) -> list[uuid.UUID]:
    """Register `people` synthetic people; mark one in five departed six years ago; their ids."""
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan", country_iso3="JOR")
        site = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari", kind="camp")
        site_id = site.id
    households = generate_households(
        count=people, site_ids=[site_id], seed=14, start=dt.date(2018, 1, 1), end=dt.date(2020, 6, 1)
    )
    registered = 0
    while registered < people:
        batch = [
            h for _, h in zip(range(max(1, min(2000, (people - registered) // 4))), households, strict=False)
        ]
        if not batch:
            break
        with unit_of_work(container.sessions) as s:
            registered += sum(
                len(r.member_ids)
                for r in reg.register_households(s, actor=SYSTEM, items=batch, audit_each=False)
            )
    departed_on = dt.datetime.now(dt.UTC).replace(year=dt.datetime.now(dt.UTC).year - 6)
    with unit_of_work(container.sessions) as s:
        ids = list(s.scalars(select(Individual.id).order_by(Individual.ref)))[::5]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            s.execute(update(Individual).where(Individual.id.in_(chunk)).values(status="departed"))
            s.execute(update(Individual).where(Individual.id.in_(chunk)).values(updated_at=departed_on))
        snapshot.refresh(s)
    return ids


def one_at_a_time(container: Container, ids: list[uuid.UUID]) -> float:
    """Seconds for the baseline on these people."""
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        for person_id in ids:
            p = s.get(Individual, person_id)
            assert p is not None
            p.given_name, p.family_name, p.middle_name, p.phone = "", "(anonymised)", None, None
            p.given_name_original = p.family_name_original = p.middle_name_original = p.other_names = None
            p.given_norm = p.family_norm = ""
            p.date_of_birth = p.date_of_birth.replace(day=1)
            s.execute(delete(IdentityDocument).where(IdentityDocument.individual_id == person_id))
            s.execute(delete(NameSearch).where(NameSearch.individual_id == person_id))
            audit.record(
                s, actor=SYSTEM, action="bench.anonymised", object_type="individual", object_id=str(person_id)
            )
            s.flush()
        s.rollback()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 people")
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    people = 5000 if args.quick else args.people
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/retention.sqlite3"
        container = build(Settings(db_url=url, data_dir=Path(tmp)))
        migrate.upgrade(container.engine)
        t = time.perf_counter()
        ids = registry(container, people)
        took = time.perf_counter() - t
        print(f"registered about {people:,} people, {len(ids):,} departed, in {took:.0f} s (set-up)")
        sample = ids[:BASELINE_SAMPLE]
        base = one_at_a_time(container, sample) * len(ids) / len(sample)
        t = time.perf_counter()
        with unit_of_work(container.sessions) as s:
            report = service.run_retention(s, actor=SYSTEM, rules=RetentionPolicy())
        took = time.perf_counter() - t
        done = sum(r.processed for r in report.rules)
        print(f"refugio  run_retention: {done:,} records in {took:.1f} s ({done / took:,.0f} a second)")
        print(
            f"baseline one at a time: {base:.1f} s for {len(ids):,} people "
            f"(extrapolated from {len(sample):,}; {len(ids) / base:,.0f} a second)"
        )
        op_id = report_operation(container)
        assert op_id is not None
        with unit_of_work(container.sessions) as s:
            refreshed = snapshot.frame_rows(snapshot.load_frame(s, op_id))
            snapshot.rebuild(s)
            rebuilt = snapshot.frame_rows(snapshot.load_frame(s, op_id))
        print(f"statistics snapshot after the run equals a rebuilt one: {refreshed == rebuilt}")
        container.engine.dispose()


def report_operation(container: Container) -> uuid.UUID | None:
    from refugio.registration.models import Operation

    with unit_of_work(container.sessions) as s:
        return s.scalar(select(Operation.id))


if __name__ == "__main__":
    main()
