"""A fast set-up of N registered and indexed people for the desk-check benchmark (`dedup.py --only desk`).

Registering a million people through `registration.service.register_households` and then rebuilding
the dedup index (`refugio dedup index --rebuild`) reads every person back from the database and
prepares them again; at a million people on a loaded machine that took about 45 minutes. This set-up
writes exactly the same rows in one pass, set-based:

* the households come from the registration domain's seeded generator, and about a fifth of them are
  registered again once or twice with the perturbations of `dedup.synthetic` (`registered_again`:
  other spellings, typos, partial or re-estimated dates, dropped names, another site), as a real
  registry holds them (a model trained on a registry without duplicates learns a prior of about
  1e-8 and rates the same person unlikely); the same items, order and batches for both paths;
* the registration rows (household, individual, identity document, name index, specific needs,
  registration event) and the batch's audit entry are built by the registration service's own row
  builders (`households._Rows`, `_References`: the same references, rules and normalisation) from
  items whose dates were parsed as `register_households(checked=True)` parses them — the item checks
  are skipped, the generator's households pass them — and inserted with `store.bulk.insert_rows`
  (COPY on PostgreSQL, one executemany on SQLite);
* the dedup index rows (`dedup_person` with the prepared record, `dedup_key` with every blocking key)
  are prepared from those same row values by the index's own code (`index._prepare_people`,
  `index._rows`) and inserted set-based; the index state is marked built at the audit head after each
  batch, as `index.rebuild` leaves it (a run cut short leaves a usable database);
* the rows of a batch are built in `workers` processes, inserted by this one in batch order (the
  references are reserved here, batch by batch, as the service reserves them).

`check` (`python benchmarks/desk_setup.py`, `python benchmarks/dedup.py --only desk --check`; and
tests/dedup/test_desk_setup.py on SQLite and PostgreSQL) registers the same 2,000 people both ways and
compares every row: registration rows, dedup person rows and dedup keys, with database ids replaced by
the references they stand for (timestamps left out).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from refugio.config import Settings
from refugio.core import clock
from refugio.dedup import index as dedup_index
from refugio.dedup import phones
from refugio.dedup.keys import phone_key
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.dedup.synthetic import registered_again
from refugio.main import Container, build
from refugio.registration import service as reg
from refugio.registration.models import (
    Household,
    IdentityDocument,
    Individual,
    NameSearch,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.service.common import active_ruleset
from refugio.registration.service.households import _References, _Rows
from refugio.registration.synthetic import generate_household_dicts
from refugio.registration.validation import check_household, parse_dobs
from refugio.security.principals import SYSTEM
from refugio.store import jsontext, migrate
from refugio.store.bulk import insert_rows
from refugio.store.uow import unit_of_work

BATCH = 2000  # households per batch (and per audit entry), as the service path registers them
START, END = dt.date(2024, 1, 1), dt.date(2026, 6, 1)


class _Person(NamedTuple):
    """An individual row's values as `index._prepare_people` reads them (the columns it selects)."""

    id: uuid.UUID
    household_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    status: str
    version: int
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    country_of_origin: str | None
    phone: str | None


_FIELDS = _Person._fields


@dataclass(frozen=True)
class Bench:
    """The operation and sites a set-up registered people at."""

    operation_id: uuid.UUID
    site_ids: list[uuid.UUID]


def create_operation(container: Container, code: str = "BEN", sites: int = 4) -> Bench:
    """The benchmark's operation and its sites, through the registration service."""
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code=code, name="Bench", country_iso3="JOR")
        made = [
            reg.create_site(s, actor=SYSTEM, operation=op, code=f"S{i}", name=f"Site {i}", kind="camp")
            for i in range(sites)
        ]
        return Bench(op.id, [x.id for x in made])


def households(
    bench: Bench, people: int, seed: int = 3, again: bool = True
) -> Iterator[list[HouseholdCreate]]:
    """Batches of generated households, stopping at the batch in which `people` is reached. With
    `again`, some households are registered again (`dedup.synthetic.registered_again`: 22 % once or
    twice, spellings and dates perturbed) right after the first registration, as a registry holds
    them; a copy the registration checks would refuse (a name left empty by a swap) is left out."""
    today = clock.today()
    total, batch = 0, []
    dicts = generate_household_dicts(
        count=people // 4 + 1, site_ids=bench.site_ids, seed=seed, start=START, end=END
    )
    for k, hh in enumerate(dicts):
        items = [HouseholdCreate.model_validate(hh)]
        for copy in registered_again(hh, seed=seed, k=k, site_ids=bench.site_ids) if again else []:
            try:
                item = HouseholdCreate.model_validate(copy)
            except PydanticValidationError:
                continue
            if not check_household(item, today, country_iso3="JOR")[0]:
                items.append(item)
        for item in items:
            batch.append(item)
            total += len(item.members)
            if len(batch) == BATCH or total >= people:
                yield batch
                batch = []
            if total >= people:
                return
    if batch:
        yield batch


def register_service(container: Container, bench: Bench, people: int, seed: int = 3) -> int:
    """The service path: `register_households` batch by batch, then `index.rebuild`. Returns people."""
    count = 0
    for batch in households(bench, people, seed):
        with unit_of_work(container.sessions) as s:
            count += sum(
                len(r.member_ids)
                for r in reg.register_households(s, actor=SYSTEM, items=batch, audit_each=False)
            )
    with unit_of_work(container.sessions) as s:
        dedup_index.rebuild(s)
    return count


def _prepare(persons: list[tuple[Any, ...]], docs: dict[uuid.UUID, list[str]]) -> tuple[list[Any], list[Any]]:
    """The dedup person and key rows of a batch's people (grouped by household, as `rebuild` does)."""
    by_household: dict[uuid.UUID, list[_Person]] = defaultdict(list)
    for values in persons:
        p = _Person(*values)
        by_household[p.household_id].append(p)
    people: list[dedup_index.Indexed] = []
    for members in by_household.values():
        people.extend(dedup_index._prepare_people(None, members, docs, _TOKEN))
    return dedup_index._rows(people)


_RULESET: Any = None  # the rule set in force, set before the workers are forked (it cannot be pickled)
_TOKEN: Any = None  # the database's phone match tokens (`dedup.phones.hasher`), set before the fork too


def _build(
    batch: Sequence[HouseholdCreate], refs: _References, sites: dict[uuid.UUID, Any]
) -> dict[str, list[Any]]:
    """The rows `register_households(checked=True, audit_each=False)` builds for this batch (its
    references reserved by the caller, in batch order), and the dedup index rows of its people (the
    prepared records as JSON text). Runs in a worker process."""
    today = clock.today()
    rows = _Rows(actor=SYSTEM, ruleset=_RULESET, now=clock.now())
    refs_made = []
    for item in batch:
        dobs = parse_dobs(item, today)
        if dobs is None:
            raise ValueError(f"a generated household's dates do not parse: {item.members}")
        site = sites[item.site_id]
        reg_date = item.registration_date or today
        result = rows.add(item, dobs, site, refs.household_ref(site.operation_id, reg_date.year), reg_date)
        refs_made.append(result.household_ref)
    rows.audit.append(("household.register_batch", "household", None, {"households": refs_made}))
    docs: dict[uuid.UUID, list[str]] = defaultdict(list)
    for d in rows.documents:
        docs[d["individual_id"]].append(d["number_norm"])
    person_rows, key_rows = _prepare([tuple(r[f] for f in _FIELDS) for r in rows.individuals], dict(docs))
    for r in person_rows:
        r["prepared"] = jsontext.dumps(r["prepared"])  # what insert_rows would write, encoded here
    return {
        "households": rows.households,
        "individuals": rows.individuals,
        "documents": rows.documents,
        "names": rows.names,
        "needs": rows.needs,
        "events": rows.events,
        "audit": rows.audit,
        "person_rows": person_rows,
        "key_rows": key_rows,
    }


def _write(container: Container, built: dict[str, list[Any]], ruleset: Any) -> int:
    """One batch's rows inserted set-based, in one transaction, the index marked current."""
    person_rows, key_rows = built.pop("person_rows"), built.pop("key_rows")
    with unit_of_work(container.sessions) as s:
        _Rows(actor=SYSTEM, ruleset=ruleset, now=clock.now(), **built).insert(s)
        conn = s.connection()
        insert_rows(conn, DedupPerson.__table__, person_rows, encoded=frozenset({"prepared"}))  # type: ignore[arg-type]
        insert_rows(conn, DedupKey.__table__, key_rows)  # type: ignore[arg-type]
        state = dedup_index._state(s, lock=True)  # current after every batch: a cut-short run is usable
        state.audit_seq = dedup_index._head_seq(s)
        state.built_at = state.updated_at = clock.now()
    return len(person_rows)


def register_fast(
    container: Container, bench: Bench, people: int, seed: int = 3, workers: int = 1, progress: int = 0
) -> int:
    """The set-based path: the same rows as `register_service`, in one pass; the rows built in
    `workers` processes (0: in this one), inserted here in batch order. Returns people."""
    with unit_of_work(container.sessions) as s:  # what the row builders read of a site, kept as values
        sites = {
            x.id: SimpleNamespace(
                id=x.id,
                code=x.code,
                operation_id=x.operation_id,
                operation=SimpleNamespace(country_iso3=x.operation.country_iso3),
            )
            for x in s.scalars(select(Site).where(Site.id.in_(bench.site_ids)))
        }
        codes = {oid: code for oid, code in s.execute(select(Operation.id, Operation.code))}
        ruleset = active_ruleset(s)
    global _RULESET, _TOKEN
    _RULESET = ruleset
    _TOKEN = phones.hasher(container.engine)
    _TOKEN("123456789")  # the key loaded now: a forked worker hashes with it, never reads the database
    today = clock.today()
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 0 else None
    pending: list[Any] = []
    count, shown, started = 0, 0, time.perf_counter()

    def drain(job: Any) -> None:
        nonlocal count, shown
        # a worker that never answers fails the set-up instead of hanging it
        count += _write(container, job.get(timeout=600) if pool is not None else job, ruleset)
        if progress and count - shown >= progress:
            shown = count
            print(f"  {count:,} people in {time.perf_counter() - started:.0f} s", flush=True)

    try:
        for batch in households(bench, people, seed):
            wanted: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
            for item in batch:
                wanted[(sites[item.site_id].operation_id, (item.registration_date or today).year)] += 1
            with unit_of_work(container.sessions) as s:
                refs = _References(s, codes, dict(wanted))
            if pool is None:
                drain(_build(batch, refs, sites))
                continue
            pending.append(pool.apply_async(_build, (batch, refs, sites)))
            while pending and (pending[0].ready() or len(pending) > 2 * workers):
                drain(pending.pop(0))
        for job in pending:
            drain(job)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return count


# --- comparing the two paths -------------------------------------------------------------------------

_SKIP = {"id", "created_at", "updated_at", "indexed_at", "flagged_at", "recorded_at", "phone_index"}


_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def _text(value: Any, names: dict[str, str]) -> str:
    """`value` as JSON text, each id in it (text, upper-case text or hex) replaced by its name."""
    text = json.dumps(value, sort_keys=True, default=str)
    return _UUID.sub(lambda m: names.get(m.group(0).replace("-", "").lower(), m.group(0)), text)


def snapshot(container: Container) -> dict[str, list[str]]:
    """Every row a set-up wrote that the desk check and the name search read, as comparable text: ids
    replaced by references (people, households), codes (sites, operations), phone match tokens by their
    digits; timestamps left out."""
    out: dict[str, list[str]] = {}
    with unit_of_work(container.sessions) as s:
        ids: dict[uuid.UUID, str] = {}
        for iid, ref in s.execute(select(Individual.id, Individual.ref)):
            ids[iid] = ref
        for hid, ref in s.execute(select(Household.id, Household.ref)):
            ids[hid] = ref
        for sid, code in s.execute(select(Site.id, Site.code)):
            ids[sid] = f"site:{code}"
        for oid, code in s.execute(select(Operation.id, Operation.code)):
            ids[oid] = f"op:{code}"
        names = {k.hex: v for k, v in ids.items()}
        # the phone match tokens (32 hex digits, keyed per database): named by the digits they stand for
        token = phones.hasher(s)
        for (phone,) in s.execute(select(Individual.phone).where(Individual.phone.isnot(None))):
            key = phone_key(phone)
            if key:
                names[str(token(key))] = f"tel:{key}"
        for model in (
            Household,
            Individual,
            IdentityDocument,
            NameSearch,
            SpecificNeed,
            RegistrationEvent,
            DedupPerson,
            DedupKey,
        ):
            table = model.__table__
            cols = [c for c in table.columns if c.key not in _SKIP]  # type: ignore[attr-defined]
            rows = s.execute(select(*cols)).all()
            out[table.name] = sorted(  # type: ignore[attr-defined]
                _text({c.key: _portable(v) for c, v in zip(cols, r, strict=True)}, names) for r in rows
            )
    return out


def _portable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def compare(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    """The differences between two snapshots (empty when identical), a few per table."""
    problems = []
    for table in sorted(set(a) | set(b)):
        left, right = a.get(table, []), b.get(table, [])
        if left == right:
            continue
        only_a = sorted(set(left) - set(right))[:2]
        only_b = sorted(set(right) - set(left))[:2]
        problems.append(
            f"{table}: {len(left)} rows against {len(right)}; "
            f"only in the first {only_a}; only in the second {only_b}"
        )
    return problems


def check(people: int = 2_000) -> bool:
    """The set-based set-up and the service path on the same households (two new SQLite databases):
    identical registration rows, dedup person rows and keys?"""
    print(f"\n== Desk set-up check: {people:,} people, set-based against the service path ==")
    snapshots = []
    for path in ("service", "fast"):
        folder = Path(tempfile.mkdtemp(prefix=f"refugio-desk-{path}-"))
        container = build(Settings(db_url=f"sqlite:///{folder}/desk.sqlite3", data_dir=folder))
        migrate.upgrade(container.engine)
        bench = create_operation(container)
        t = time.perf_counter()
        register = register_service if path == "service" else register_fast
        count = register(container, bench, people)
        print(f"{path}: {count:,} people registered and indexed in {time.perf_counter() - t:.1f} s")
        snapshots.append(snapshot(container))
        container.close()
        shutil.rmtree(folder, ignore_errors=True)
    problems = compare(*snapshots)
    tables = ", ".join(f"{k} {len(v):,}" for k, v in snapshots[0].items())
    print("identical rows: " + tables if not problems else "DIFFERENT:\n" + "\n".join(problems))
    return not problems


if __name__ == "__main__":
    sys.exit(0 if check() else 1)
