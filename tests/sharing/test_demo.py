"""The demo seeding of the sharing domain, with and without the reference files beside the project."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Seed

from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import demo, queries
from refugio.store.uow import unit_of_work

from .data import worldbank_dir


def test_demo_pledges_plan_and_what_it_left_out(container: Container, seeded: Seed, tmp_path: Path) -> None:
    said: list[str] = []
    with unit_of_work(container.sessions) as s:
        n = demo.seed_demo(
            s, operation_id=seeded.operation_id, actor=SYSTEM, echo=said.append, worldbank=tmp_path / "none"
        )
    assert n == 5 and "response plan JOR-3RP-2024" in said[0]
    assert "left out the World Bank indicators" in said[1]
    with unit_of_work(container.sessions) as s:
        pledges = queries.list_pledges(s, actor=SYSTEM)
        assert {p.status for p in pledges} == {"planning", "in_progress", "fulfilled"}
        (plan,) = queries.list_plans(s, actor=SYSTEM)
        assert queries.funding_summary(s, plan.id, actor=SYSTEM).gap > 0


def test_demo_imports_the_world_bank_files_when_present(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    said: list[str] = []
    with unit_of_work(container.sessions) as s:
        demo.seed_demo(
            s,
            operation_id=seeded.operation_id,
            actor=SYSTEM,
            echo=said.append,
            worldbank=worldbank_dir(tmp_path / "wb"),
        )
        assert queries.indicator_years(s, actor=SYSTEM)["population"] == [2013, 2014]
    assert "World Bank indicators imported" in said[1]
