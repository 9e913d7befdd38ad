"""The home page's people figures read from the statistics snapshot (refugio.stats.home_figures) equal the
registry's direct count (registration.figures.active_people) for every user's scope, before and after
writes (registrations, a death, a person moved and changed, another operation), and the home page shows
them, a write seen by the next request. Both backends."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update
from tests.helpers import Seed, household_payload, principal
from tests.stats.test_registrations import _register
from tests.stats.test_web import _login

from refugio.main import Container
from refugio.registration import figures, service
from refugio.registration.models import Individual
from refugio.registration.schemas import DeathRecord, HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.stats import home_figures
from refugio.store.uow import unit_of_work

USERS = ("admin", "clerk", "protection", "imo", "viewer")


def _same_for_everyone(container: Container) -> dict[str, int]:
    """Compare the snapshot's counts with the registry's for every seeded user; their individuals."""
    seen = {}
    for username in USERS:
        actor = principal(container, username)
        with unit_of_work(container.sessions) as s:
            direct = figures.active_people(s, actor=actor)
            from_snapshot = home_figures.active_people(s, actor=actor)
            assert from_snapshot == direct, username
            assert figures.dashboard(s, actor=actor, people=from_snapshot) == figures.dashboard(
                s, actor=actor
            )
        seen[username] = sum(direct.counts.values())
    return seen


def _other_operation(container: Container) -> None:
    with unit_of_work(container.sessions) as s:
        op = service.create_operation(s, actor=SYSTEM, code="LBN", name="Lebanon", country_iso3="LBN")
        site = service.create_site(s, actor=SYSTEM, operation=op, code="BEK", name="Bekaa", kind="camp")
        payload = household_payload(site.id, family="Aoun", members=3, country_of_origin="IRQ")
        service.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))


def test_snapshot_counts_equal_the_registry_for_every_scope_after_writes(
    container: Container, seeded: Seed
) -> None:
    home_figures.clear_cache()
    assert _same_for_everyone(container)["admin"] == 0
    _register(container, seeded, 3)  # ZAA 5, AMM 10 (alternating, five people each)
    _other_operation(container)
    seen = _same_for_everyone(container)
    assert seen["admin"] == 18 and seen["clerk"] == 5 and seen["viewer"] == 10 and seen["protection"] == 15

    with unit_of_work(container.sessions) as s:  # a death, and one person moved, older, re-sexed
        first, second = s.scalars(select(Individual.id).order_by(Individual.ref).limit(2)).all()
        service.record_death(
            s,
            actor=SYSTEM,
            individual_id=first,
            data=DeathRecord.model_validate({"date_of_death": "2026-11-05"}),
        )
        s.execute(
            update(Individual)
            .where(Individual.id == second)
            .values(
                sex="X", date_of_birth=dt.date(1950, 1, 1), country_of_origin=None, site_id=seeded.camp_id
            )
        )
    after = _same_for_everyone(container)
    assert after["admin"] == 17
    actor = principal(container, "admin")
    with unit_of_work(container.sessions) as s:
        board = figures.dashboard(s, actor=actor, people=home_figures.active_people(s, actor=actor))
    assert board.by_sex_age["60+"]["X"] == 1 and board.individuals == 17
    assert ("BEK", "Bekaa", 3) in board.by_site


def _individuals(page: str) -> str:
    found = re.search(r"<dt>Individuals</dt><dd>([^<]*)</dd>", page)
    assert found, page[:500]
    return found.group(1)


def test_the_home_page_shows_the_counts_and_sees_a_write(container: Container, seeded: Seed) -> None:
    home_figures.clear_cache()
    _register(container, seeded, 2)
    admin, viewer = _login(container, "admin"), _login(container, "viewer")
    assert _individuals(admin.get("/").text) == "10"
    assert _individuals(viewer.get("/").text) == "5"  # AMM only
    assert _individuals(admin.get("/").text) == "10"  # cached
    _register(container, seeded, 1)  # five more at AMM
    assert _individuals(admin.get("/").text) == "15"
    page = viewer.get("/").text
    assert _individuals(page) == "10" and "ZAA" not in page
