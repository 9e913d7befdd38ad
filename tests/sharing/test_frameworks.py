"""Indicator frameworks as data: the GCR framework's values for a State and year from imported series
and refugio's tables, each with its source; small counts of people suppressed when published; a user
framework in YAML with its errors named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.core.errors import ValidationFailed
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import indicators, queries, service
from refugio.sharing.schemas import PledgeCreate
from refugio.stats.disclosure import DisclosureRule
from refugio.store.uow import unit_of_work

from .data import import_unhcr, worldbank_dir


def _data(container: Container, tmp_path: Path) -> None:
    with unit_of_work(container.sessions) as s:
        indicators.import_worldbank_dir(s, directory=worldbank_dir(tmp_path / "wb"), actor=SYSTEM)
    import_unhcr(container)
    with unit_of_work(container.sessions) as s:
        indicators.derive_from_unhcr(s, year=2014, window=2, actor=SYSTEM)
        service.record_pledge(
            s,
            data=PledgeCreate(
                pledger="France",
                country="FRA",
                pledge_type="places",
                title="Places",
                places=40,
                pledged_on=dt.date(2014, 3, 1),
            ),
            actor=SYSTEM,
        )


def test_gcr_values_with_their_sources(container: Container, tmp_path: Path) -> None:
    _data(container, tmp_path)
    gcr = queries.framework("gcr")
    with unit_of_work(container.sessions) as s:
        deu = {
            v.code: v
            for v in queries.framework_values(s, actor=SYSTEM, framework=gcr, country="deu", year=2014)
        }
        fra = queries.framework_values(s, actor=SYSTEM, framework=gcr, country="FRA", year=2014)
    assert deu["1.1.1"].value == pytest.approx(0.5) and "World Bank" in deu["1.1.1"].source
    assert deu["3.1.1"].value == 4000 and "UNHCR" in deu["3.1.1"].source
    assert deu["3.2.1"].value == 0
    assert deu["1.1.2"].value is not None
    table = queries.framework_table(fra, gcr, "FRA", 2014, DisclosureRule())
    resettled = next(r for r in table.rows if r[1] == "3.1.1")
    assert resettled[3] == "<5"  # 3 people resettled: not published
    pledged = next(r for r in table.rows if r[1] == "3.2.1")
    assert pledged[3] == 40


def test_a_user_framework_and_its_errors(container: Container, tmp_path: Path) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text(
        "name: mine\nobjectives:\n  - code: A\n    title: Hosting\n    indicators:\n"
        "      - {code: A1, name: Refugees per 1000, formula: 'series:refugees_per_1000'}\n"
    )
    assert queries.framework(str(good)).objectives[0].indicators[0].code == "A1"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ncolour: red\nobjectives:\n  - code: A\n    title: T\n    indicators:\n"
        "      - {code: A1, name: N, formula: 'builtin:happiness'}\n"
    )
    with pytest.raises(ValidationFailed) as err:
        queries.framework(str(bad))
    assert "unknown field" in str(err.value) and "unknown formula 'builtin:happiness'" in str(err.value)
    with pytest.raises(ValidationFailed, match="no framework"):
        queries.framework("sdg")


def test_the_framework_command(container: Container, tmp_path: Path) -> None:
    _data(container, tmp_path)
    url = container.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(
        cli,
        [
            "sharing",
            "framework",
            "--country",
            "FRA",
            "--year",
            "2014",
            "--db",
            url,
            "--data-dir",
            str(container.settings.data_dir),  # its secrets: the field master key
        ],
    )
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "objective,code,name,count,value,source"
    assert any(line.startswith("3,3.1.1,") and ",<5," in line for line in lines)
