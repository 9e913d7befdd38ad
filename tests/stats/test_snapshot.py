"""The statistics snapshot (refugio.stats.snapshot) equals the full recomputation from the registry after
every unit of work of a random sequence of writes — registrations, births, deaths, status changes,
corrections, moves, a merge, an import, and a raw SQL change no service made — on both backends: the
same people with the same counted columns, in the same households."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from tests.dedup.conftest import again_payload
from tests.helpers import Seed, household_payload
from tests.intake.support import commit, run_import, write_csv

from refugio.core import clock
from refugio.core.events import bus
from refugio.dedup import queries as dedup_queries
from refugio.dedup import service as dedup
from refugio.main import Container
from refugio.registration import service
from refugio.registration.models import Household, Individual
from refugio.registration.schemas import (
    BirthCreate,
    DeathRecord,
    HouseholdCreate,
    HouseholdMove,
    IndividualUpdate,
    StatusChange,
)
from refugio.security.principals import SYSTEM
from refugio.stats import registrations as R
from refugio.stats import snapshot
from refugio.stats.duckdb_engine import households
from refugio.stats.models import StatsBlock, StatsPerson
from refugio.store.uow import unit_of_work

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _rows(c: Container, source: str) -> tuple[list[tuple[Any, ...]], list[list[tuple[Any, ...]]], int]:
    """The people, the people by household, and the households still there."""
    with unit_of_work(c.sessions) as s:
        pop = R.load_population(s, actor=SYSTEM, operation="JOR", source=source)  # type: ignore[arg-type]
        frame = pop.frame
        return snapshot.frame_rows(frame), snapshot.household_groups(frame), households(frame)


def _assert_in_step(c: Container, what: str) -> None:
    full = _rows(c, "store")
    assert _rows(c, "snapshot") == full, f"snapshot differs from the full recomputation after {what}"
    with unit_of_work(c.sessions) as s:  # and the snapshot's own row table agrees with its blocks
        assert not snapshot.pending(s)
        people = s.scalar(select(text("count(*)")).select_from(StatsPerson)) or 0
        packed = sum(s.scalars(select(StatsBlock.n)))
        assert people == packed == s.scalar(select(text("count(*)")).select_from(Individual))


def _people(c: Container, **where: Any) -> list[Individual]:
    with unit_of_work(c.sessions) as s:
        q = select(Individual).filter_by(**where).order_by(Individual.ref)
        return list(s.scalars(q))


def _register(c: Container, seeded: Seed, rng: random.Random) -> None:
    with unit_of_work(c.sessions) as s:
        items = []
        for k in range(rng.randint(1, 3)):
            payload = household_payload(
                rng.choice([seeded.camp_id, seeded.office_id]),
                family=f"Fam{rng.randint(0, 10**6)}",
                members=rng.randint(1, 5),
                population_type=rng.choice(["refugee", "asylum_seeker", "stateless"]),
                country_of_origin=rng.choice(["SYR", "IRQ", "SDN"]),
                arrival_date=(dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 40))).isoformat(),
            )
            for m in payload["members"]:
                m["given_name"] = f"{m['given_name']}{k}"
                m.pop("documents", None)
            items.append(HouseholdCreate.model_validate(payload))
        service.register_households(s, actor=SYSTEM, items=items)


def _birth(c: Container, rng: random.Random) -> None:
    focal = rng.choice(_people(c, status="active"))
    day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randint(0, 18))
    with unit_of_work(c.sessions) as s:
        service.record_birth(
            s,
            actor=SYSTEM,
            household_id=focal.household_id,
            data=BirthCreate.model_validate(
                {"given_name": "Baby", "family_name": "X", "sex": rng.choice("FM"), "date_of_birth": str(day)}
            ),
        )


def _death(c: Container, rng: random.Random) -> None:
    person = rng.choice(_people(c, status="active"))
    with unit_of_work(c.sessions) as s:
        service.record_death(
            s,
            actor=SYSTEM,
            individual_id=person.id,
            data=DeathRecord.model_validate({"date_of_death": "2026-11-12"}),
        )


def _status(c: Container, rng: random.Random) -> None:
    person = rng.choice(_people(c, status="active"))
    data: dict[str, Any] = {"reason": "verified at the desk", "effective_date": "2026-11-10"}
    data.update(rng.choice([{"status": "departed"}, {"status": "inactive"}, {"population_type": "returnee"}]))
    with unit_of_work(c.sessions) as s:
        service.change_status(
            s, actor=SYSTEM, individual_id=person.id, data=StatusChange.model_validate(data)
        )


def _correct(c: Container, rng: random.Random) -> None:
    person = rng.choice(_people(c, status="active"))
    data = {
        "reason": "document seen",
        "sex": "F" if person.sex == "M" else "M",
        "date_of_birth": "2001-03-04",
    }
    with unit_of_work(c.sessions) as s:
        service.update_individual(
            s, actor=SYSTEM, individual_id=person.id, data=IndividualUpdate.model_validate(data)
        )


def _move(c: Container, rng: random.Random) -> None:
    people = _people(c, status="active")
    person = rng.choice([p for p in people if p.relationship_to_focal_point != "focal_point"])
    others = [p.household_id for p in people if p.household_id != person.household_id]
    target = rng.choice([None, *others[:3]])
    data = {"reason": "family reunited", "to_household_id": str(target) if target else None}
    with unit_of_work(c.sessions) as s:
        service.move_individual(
            s, actor=SYSTEM, individual_id=person.id, data=HouseholdMove.model_validate(data)
        )


def _raw_household_dates(c: Container, rng: random.Random) -> None:
    """A change no service made: a household's registration date, straight in SQL (its members and the
    people first registered with it, since moved, change their entry date)."""
    with unit_of_work(c.sessions) as s:
        households = list(s.scalars(select(Household.id).order_by(Household.ref)))
        day = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 45))
        s.execute(
            text("UPDATE household SET registration_date = :d WHERE id = :id"),
            {
                "d": day,
                "id": rng.choice(households).hex
                if s.get_bind().dialect.name == "sqlite"
                else rng.choice(households),
            },
        )


def _merge(c: Container, seeded: Seed) -> None:
    with unit_of_work(c.sessions) as s:
        service.register_household(
            s,
            actor=SYSTEM,
            data=HouseholdCreate.model_validate(household_payload(seeded.camp_id, family="Haddad")),
        )
        service.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(again_payload(seeded.office_id))
        )
    _assert_in_step(c, "registering a family twice")
    with unit_of_work(c.sessions) as s:
        dedup.run_population(s, actor=SYSTEM, operation_id=seeded.operation_id)
    with unit_of_work(c.sessions) as s:
        pairs, _total = dedup_queries.review_queue(s, actor=SYSTEM)
    assert pairs, "the family registered twice comes up for review"
    with unit_of_work(c.sessions) as s:
        dedup.confirm_duplicate(s, actor=SYSTEM, pair_id=pairs[0].id, reason="same passport photo")


def _import(c: Container, seeded: Seed, tmp: Path) -> None:
    lines = [
        f"H{h},P{h}{m},{'head' if m == 0 else 'son'},Imp{h}{m},Importa,{'MF'[m % 2]},"
        f"0{m + 1}/02/19{80 + m},SYR,yes,,"
        for h in range(4)
        for m in range(3)
    ]
    path = write_csv(tmp, lines, f"in-{uuid.uuid4().hex[:6]}.csv")
    batch_id = run_import(c, SYSTEM, path, seeded.camp_id, events=bus)  # the bus main.py wires
    before = len(_people(c))
    with unit_of_work(c.sessions) as s:
        assert not snapshot.pending(s)
    result = commit(c, SYSTEM, batch_id, events=bus)
    assert len(_people(c)) == before + 12, result
    with unit_of_work(c.sessions) as s:  # taken into the snapshot once committed, before any read
        assert not snapshot.pending(s)


def test_snapshot_equals_full_recomputation_after_random_writes(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    rng = random.Random(19)
    with clock.frozen(NOW):
        _assert_in_step(container, "nothing")
        _register(container, seeded, rng)
        _assert_in_step(container, "the first registrations")
        assert _rows(container, "snapshot")[2] > 0, "households are counted from the snapshot"
        actions = {
            "registration": lambda: _register(container, seeded, rng),
            "birth": lambda: _birth(container, rng),
            "death": lambda: _death(container, rng),
            "status change": lambda: _status(container, rng),
            "correction": lambda: _correct(container, rng),
            "move": lambda: _move(container, rng),
            "raw SQL": lambda: _raw_household_dates(container, rng),
        }
        # every kind of write at least twice, in a random order, each unit of work checked
        sequence = sorted(actions) * 2
        rng.shuffle(sequence)
        for name in sequence:
            actions[name]()
            _assert_in_step(container, name)
        _merge(container, seeded)
        _assert_in_step(container, "a merge")
        _import(container, seeded, tmp_path)
        _assert_in_step(container, "an import")
        # a writer that reads first, beside the import's background linkage: the write lock at once (on
        # SQLite a deferred unit of work would be refused when the linkage commits after it read)
        with unit_of_work(container.sessions, immediate=True) as s:
            before = snapshot.generation(s)
            everyone = s.scalar(select(text("count(*)")).select_from(Individual))
            assert snapshot.rebuild(s) == everyone
        _assert_in_step(container, "a rebuild")
        with unit_of_work(container.sessions) as s:
            assert snapshot.generation(s) > before
