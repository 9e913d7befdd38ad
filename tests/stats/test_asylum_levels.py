"""The global table `asylum-decisions-by-asylum`: decisions by country of asylum and decision level with
UNHCR's two rates (otherwise closed left out), persons and cases on separate rows, `NA` kept as a level
code; and the exact command `refugio stats global … --table asylum-decisions-by-asylum --format json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.stats import aggregates, global_tables
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.store.uow import unit_of_work

COUNTRIES = """iso_code,unhcr_code,name,unhcr_region,unsd_region,unsd_subregion,unsd_imregion
SYR,SYR,Syrian Arab Rep.,Middle East and North Africa,Asia,Western Asia,
DEU,GFR,Germany,Europe,Europe,Western Europe,
"""
HEADER = (
    "year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,procedure_type,dec_level,dec_pc,"
    "dec_recognized,dec_other,dec_rejected,dec_closed,dec_total\n"
)
DECISIONS = HEADER + (
    "2024,Syria,SYR,SYR,Germany,GFR,DEU,G,FI,P,300,500,200,1000,2000\n"
    "2024,Syria,SYR,SYR,Germany,GFR,DEU,G,JR,P,50,0,150,20,220\n"
    "2024,Syria,SYR,SYR,Germany,GFR,DEU,G,FI,C,40,10,50,0,100\n"
    "2024,Syria,SYR,SYR,Germany,GFR,DEU,G,NA,P,10,10,20,0,40\n"
)
POPULATION = (
    "year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,refugees,asylum_seekers,returned_refugees,idps,"
    "returned_idps,stateless,ooc,oip,hst\n2024,Syria,SYR,SYR,Germany,GFR,DEU,700000,30000,0,0,0,0,0,12,0\n"
)


def load(c: Container) -> None:
    for text, name in (
        (COUNTRIES, "countries.csv"),
        (POPULATION, "population.csv"),
        (DECISIONS, "asylum_decisions.csv"),
    ):
        with unit_of_work(c.sessions) as s:
            aggregates.import_file(s, actor=SYSTEM, data=text.encode(), file_name=name)


def test_rates_by_country_of_asylum_and_level(container: Container) -> None:
    load(container)
    with unit_of_work(container.sessions) as s:
        (table,) = global_tables.global_tables(
            s, actor=SYSTEM, year=2024, rule=DEFAULT_RULE, only=["asylum-decisions-by-asylum"]
        )
    keys = [c.key for c in table.columns]
    rows = {
        (r[keys.index("level")], r[keys.index("unit")]): dict(zip(keys, r, strict=True)) for r in table.rows
    }
    first = rows[("FI", "P")]
    assert first["iso3"] == "DEU" and first["instance"] == "first instance"
    assert first["rrr"] == pytest.approx(30.0) and first["tpr"] == pytest.approx(80.0)  # 1000 closed left out
    appeal = rows[("JR", "P")]
    assert appeal["instance"] == "appeal or review" and appeal["rrr"] == pytest.approx(25.0)
    assert rows[("FI", "C")]["rrr"] == pytest.approx(40.0)  # cases on their own row, never added to persons
    assert ("NA", "P") in rows  # a level code, not a missing value


def test_the_exact_command(container: Container, tmp_path: Path) -> None:
    load(container)
    url = str(container.engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(
        app,
        [
            "stats",
            "global",
            "--year",
            "2024",
            "--table",
            "asylum-decisions-by-asylum",
            "--format",
            "json",
            "--db",
            url,
            "--data-dir",
            str(container.settings.data_dir),  # its secrets: the field master key
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    table = data[0] if isinstance(data, list) else data
    keys = [c["key"] for c in table["columns"]]
    assert {"iso3", "level", "rrr", "tpr"} <= set(keys)
    assert any(r[keys.index("level")] == "FI" and r[keys.index("rrr")] == 30.0 for r in table["rows"])
