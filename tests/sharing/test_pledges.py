"""Pledges and their dated updates, scoped by operation; the key-vs-pledge-vs-fulfilment ledger with
UNHCR resettlement counted as fulfilment and passed through disclosure control."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.helpers import Seed, principal

from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import indicators, keys, queries, service
from refugio.sharing.schemas import PledgeCreate, PledgeUpdateCreate
from refugio.stats.disclosure import DisclosureRule
from refugio.store.uow import unit_of_work

from .data import import_unhcr, worldbank_dir


def places(country: str, n: int, **kw: object) -> PledgeCreate:
    return PledgeCreate(
        pledger=f"Government of {country}",
        country=country,
        pledge_type="places",
        title=f"{n} resettlement places",
        places=n,
        pledged_on=dt.date(2019, 12, 17),
        **kw,  # type: ignore[arg-type]
    )


def test_a_pledge_its_updates_and_its_evidence(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        p = service.record_pledge(s, data=places("DEU", 500), actor=SYSTEM)
        service.update_pledge(
            s,
            pledge_id=p.id,
            data=PledgeUpdateCreate(on_date=dt.date(2020, 6, 1), status="in_progress", places_delivered=200),
            actor=SYSTEM,
        )
        with pytest.raises(ValidationFailed, match="needs its evidence"):
            service.update_pledge(
                s,
                pledge_id=p.id,
                data=PledgeUpdateCreate(on_date=dt.date(2021, 1, 1), status="fulfilled"),
                actor=SYSTEM,
            )
        with pytest.raises(ValidationFailed, match="cannot go back"):
            service.update_pledge(
                s,
                pledge_id=p.id,
                data=PledgeUpdateCreate(on_date=dt.date(2021, 1, 1), status="planning"),
                actor=SYSTEM,
            )
        service.update_pledge(
            s,
            pledge_id=p.id,
            data=PledgeUpdateCreate(
                on_date=dt.date(2021, 3, 1),
                status="fulfilled",
                places_delivered=500,
                evidence="BAMF report 2021",
            ),
            actor=SYSTEM,
        )
        pid = p.id
    with unit_of_work(container.sessions) as s:
        read = queries.get_pledge(s, pid, actor=SYSTEM)
    assert read.status == "fulfilled" and read.delivered_places == 500
    assert [u.status for u in read.updates] == ["in_progress", "fulfilled"]


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        ({"pledge_type": "financial", "amount": None}, "amount and a currency"),
        ({"pledge_type": "places", "places": None}, "number of places"),
        ({"country": None}, "ISO3"),
    ],
)
def test_a_pledge_must_say_what_is_pledged(data: dict[str, object], cause: str) -> None:
    base = places("DEU", 10).model_dump()
    base.update(data)
    with pytest.raises(ValueError, match=cause):
        PledgeCreate(**base)


def test_pledges_are_scoped_to_operations(container: Container, seeded: Seed) -> None:
    imo, viewer, clerk = (principal(container, u) for u in ("imo", "viewer", "clerk"))
    with unit_of_work(container.sessions) as s:
        service.record_pledge(s, data=places("DEU", 10, operation_id=seeded.operation_id), actor=imo)
        global_pledge = service.record_pledge(s, data=places("FRA", 20), actor=SYSTEM)
        with pytest.raises(PermissionDenied):
            service.record_pledge(s, data=places("POL", 5), actor=imo)  # a global pledge needs a global grant
    with unit_of_work(container.sessions) as s:
        assert [p.country for p in queries.list_pledges(s, actor=imo)] == ["DEU"]
        with pytest.raises(PermissionDenied):
            queries.list_pledges(s, actor=clerk)
        with pytest.raises(NotFound):
            queries.get_pledge(s, global_pledge.id, actor=imo)
        assert len(queries.list_pledges(s, actor=SYSTEM)) == 2
        with pytest.raises(NotFound):
            service.update_pledge(
                s,
                pledge_id=global_pledge.id,
                data=PledgeUpdateCreate(on_date=dt.date(2020, 1, 1), status="in_progress"),
                actor=imo,
            )
    assert viewer.can_anywhere(
        __import__("refugio.security.permissions").security.permissions.Permission.SHARING_VIEW
    )


def test_the_ledger_counts_resettlement_and_protects_small_counts(
    container: Container, tmp_path: Path
) -> None:
    with unit_of_work(container.sessions) as s:
        indicators.import_worldbank_dir(s, directory=worldbank_dir(tmp_path / "wb"), actor=SYSTEM)
    import_unhcr(container)
    with unit_of_work(container.sessions) as s:
        indicators.derive_from_unhcr(s, year=2014, window=2, actor=SYSTEM)
        p = service.record_pledge(s, data=places("DEU", 300), actor=SYSTEM)
        service.update_pledge(
            s,
            pledge_id=p.id,
            data=PledgeUpdateCreate(on_date=dt.date(2020, 1, 1), status="in_progress", places_delivered=120),
            actor=SYSTEM,
        )
    with unit_of_work(container.sessions) as s:
        table = queries.indicator_table(s, year=2014, participants=["DEU", "FRA"], actor=SYSTEM)
        result = keys.compute(table, keys.NAMED_KEYS["eu-2015-09"], 1000)
        rows = queries.ledger(s, actor=SYSTEM, result=result, resettlement_years=[2014])
    deu, fra = rows
    assert (deu.pledged, deu.delivered, deu.resettled) == (300, 120, 4000)
    assert fra.resettled == 3 and fra.pledged == 0
    assert deu.fair_share + fra.fair_share == 1000
    published = queries.ledger_table(rows, keys.NAMED_KEYS["eu-2015-09"], DisclosureRule())
    resettled = published.column("resettled")
    assert published.rows[0][resettled] == 4000
    assert published.rows[1][resettled] == "<5"  # a small count of people is not published
    assert published.rows[1][published.column("fair_share")] == fra.fair_share
