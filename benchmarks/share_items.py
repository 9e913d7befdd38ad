"""Share-items benchmark (issue 14): what recording who a share exposed costs a large registry share.

    .venv/bin/python benchmarks/share_items.py                 # 100,000 people
    .venv/bin/python benchmarks/share_items.py --quick         # 5,000 people: a smoke test
    .venv/bin/python benchmarks/share_items.py --db postgresql://postgres@127.0.0.1:5432/bench_shares

What it does:

1. Registry: N synthetic people registered through `registration.service.register_households` (set-up),
   and one agreement (public-interest basis: nobody withdrew, so everyone is shared).
2. refugio: `agreements.service.share_registry`, one unit of work: the CSV, the manifest, the share
   items (one set-based `store.bulk.insert_rows`) and the audit entry; then the items alone, written
   again for the same people under another share id with `insert_rows` and rolled back.
3. Baseline for the items, one ORM object per person (`session.add(ShareItem(...))`, one flush at the
   end, as a per-row write would do it) for the same people, rolled back.
4. Check: the share holds as many items as its CSV has rows.
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

from sqlalchemy import func, select  # noqa: E402

from refugio.agreements import service  # noqa: E402
from refugio.agreements.models import ShareItem  # noqa: E402
from refugio.agreements.schemas import AgreementCreate  # noqa: E402
from refugio.config import Settings  # noqa: E402
from refugio.main import Container, build  # noqa: E402
from refugio.registration import service as reg  # noqa: E402
from refugio.registration.models import Individual  # noqa: E402
from refugio.registration.synthetic import generate_households  # noqa: E402
from refugio.security.principals import SYSTEM  # noqa: E402
from refugio.store import migrate  # noqa: E402
from refugio.store.bulk import insert_rows  # noqa: E402
from refugio.store.uow import unit_of_work  # noqa: E402


def registry(container: Container, people: int) -> uuid.UUID:
    """Register about `people` synthetic people and an agreement covering them; the agreement's id."""
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan", country_iso3="JOR")
        site = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari", kind="camp")
        site_id, op_id = site.id, op.id
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
    today = dt.date.today()
    data = AgreementCreate.model_validate(
        {
            "operation_id": op_id,
            "partner": "World Food Programme",
            "purpose": "assistance",
            "fields": ["registration_number", "given_name", "family_name", "sex", "status"],
            "legal_basis": "public_interest",
            "retention_days": 90,
            "valid_from": today,
            "valid_until": today + dt.timedelta(days=30),
        }
    )
    with unit_of_work(container.sessions) as s:
        return service.record_agreement(s, actor=SYSTEM, data=data).id


def items_of(container: Container) -> list[dict[str, uuid.UUID]]:
    with unit_of_work(container.sessions) as s:
        return [
            {"individual_id": pid, "household_id": hid}
            for pid, hid in s.execute(select(Individual.id, Individual.household_id))
        ]


def set_based(container: Container, people: list[dict[str, uuid.UUID]]) -> float:
    share_id = uuid.uuid4()
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        rows = [{"share_id": share_id, **p} for p in people]
        insert_rows(s.connection(), ShareItem.__table__, rows)  # type: ignore[arg-type]
        took = time.perf_counter() - t
        s.rollback()
    return took


def one_object_a_row(container: Container, people: list[dict[str, uuid.UUID]]) -> float:
    share_id = uuid.uuid4()
    t = time.perf_counter()
    with unit_of_work(container.sessions) as s:
        for p in people:
            s.add(ShareItem(share_id=share_id, **p))
        s.flush()
        took = time.perf_counter() - t
        s.rollback()
    return took


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
        url = args.db or f"sqlite:///{tmp}/shares.sqlite3"
        container = build(Settings(db_url=url, data_dir=Path(tmp)))
        migrate.upgrade(container.engine)
        t = time.perf_counter()
        agreement_id = registry(container, people)
        print(f"registered {people:,} people in {time.perf_counter() - t:.0f} s (set-up)")
        t = time.perf_counter()
        with unit_of_work(container.sessions) as s:
            share = service.share_registry(s, actor=SYSTEM, agreement_id=agreement_id)
        took = time.perf_counter() - t
        rows = share.manifest["rows"]
        print(
            f"refugio  share_registry with its items: {rows:,} people in {took:.1f} s "
            f"({rows / took:,.0f} a second)"
        )
        everyone = items_of(container)
        fast = set_based(container, everyone)
        slow = one_object_a_row(container, everyone)
        n = len(everyone)
        print(
            f"refugio  share items, set-based insert_rows: {n:,} rows in {fast:.2f} s "
            f"({n / fast:,.0f} a second)"
        )
        print(
            f"baseline share items, one ORM object a row:  {n:,} rows in {slow:.2f} s "
            f"({n / slow:,.0f} a second)"
        )
        with unit_of_work(container.sessions) as s:
            share_id = uuid.UUID(share.manifest["share_id"])
            held = s.scalar(select(func.count()).select_from(ShareItem).where(ShareItem.share_id == share_id))
        print(f"the share's items are its {rows:,} people: {held == rows}")
        container.engine.dispose()


if __name__ == "__main__":
    main()
