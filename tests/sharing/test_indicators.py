"""Indicators from data: the World Bank files with provenance and the codes that are not countries,
the UNHCR-derived indicators (asylum per million over a window, refugees per 1,000 and per GDP) with
what did not match, the key built from imported data, and the `refugio sharing key` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.helpers import principal
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import indicators, keys, queries
from refugio.sharing.models import SharingIndicatorValue
from refugio.store.uow import unit_of_work

from .data import import_unhcr, worldbank_dir

runner = CliRunner()


def _load(container: Container, tmp_path: Path) -> list[indicators.ImportReport]:
    with unit_of_work(container.sessions) as s:
        reports = indicators.import_worldbank_dir(s, directory=worldbank_dir(tmp_path / "wb"), actor=SYSTEM)
    import_unhcr(container)
    with unit_of_work(container.sessions) as s:
        reports.append(indicators.derive_from_unhcr(s, year=2014, window=2, actor=SYSTEM))
    return reports


def test_world_bank_and_unhcr_indicators_with_provenance_and_reports(
    container: Container, tmp_path: Path
) -> None:
    gdp, population, unemployment, derived = _load(container, tmp_path)
    assert population.skipped_codes == {"WLD": "World"} and gdp.skipped_codes == {"WLD": "World"}
    assert unemployment.skipped_codes == {"CHI": "CHI"}  # Channel Islands: no ISO 3166-1 code
    assert population.missing == ["MLT 2014: no value"]  # reported, never stored as zero
    assert "UKN" in derived.unmatched
    assert any("MLT 2014: applications reported in cases only" in m for m in derived.missing)
    with unit_of_work(container.sessions) as s:
        values = {(v.indicator, v.country): v for v in queries.indicator_values(s, actor=SYSTEM, year=2014)}
    # Germany: 80,000 / 80 M and 162,000 / 81 M per million, averaged over 2013-2014
    assert values[("asylum_per_million", "DEU")].value == pytest.approx((1000 + 2000) / 2)
    assert values[("refugees_per_1000", "DEU")].value == pytest.approx(0.5)
    assert values[("population", "DEU")].source.startswith("World Bank WDI SP.POP.TOTL")
    assert "sha256" in values[("population", "DEU")].retrieved
    assert ("population", "MLT") not in values


def test_reimport_replaces_and_only_a_global_manager_imports(
    container: Container, tmp_path: Path, seeded: object
) -> None:
    _load(container, tmp_path)
    _load(container, tmp_path)
    with unit_of_work(container.sessions) as s:
        n = s.scalar(
            select(func.count())
            .select_from(SharingIndicatorValue)
            .where(SharingIndicatorValue.indicator == "population")
        )
        assert n == 5  # DEU, FRA in 2013 and 2014, MLT in 2013 (2014 missing), once
    imo = principal(container, "imo")  # SHARING_MANAGE for JOR only, not global data
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        indicators.import_worldbank_dir(s, directory=tmp_path / "wb", actor=imo)


def test_a_key_on_imported_data_and_a_participant_without_data(container: Container, tmp_path: Path) -> None:
    _load(container, tmp_path)
    with unit_of_work(container.sessions) as s:
        table = queries.indicator_table(s, year=2014, participants=["DEU", "FRA"], actor=SYSTEM)
        with pytest.raises(ValidationFailed, match="ITA: no imported data for 2014"):
            queries.indicator_table(s, year=2014, participants=["DEU", "ITA"], actor=SYSTEM)
        with_malta = queries.indicator_table(s, year=2014, participants=["DEU", "MLT"], actor=SYSTEM)
    result = keys.compute(table, keys.NAMED_KEYS["eu-2015-09"], 100)
    assert sum(result.allocations) == 100 and result.countries == ["DEU", "FRA"]
    assert table.provenance[("DEU", "gdp")].year == 2014
    with pytest.raises(ValidationFailed, match="MLT: population is missing"):
        keys.compute(with_malta, keys.NAMED_KEYS["eu-2015-05"], 100)


def _cli(container: Container, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    url = container.engine.url.render_as_string(hide_password=False)
    return runner.invoke(cli, [*args, "--db", url, "--data-dir", str(tmp_path / "data")])


def test_the_key_command_on_a_csv_and_on_imported_data(
    container: Container, tmp_path: Path, indicators_csv: Path
) -> None:
    out = runner.invoke(
        cli,
        [
            "sharing",
            "key",
            "--key",
            "eu-2015-05",
            "--total",
            "1000",
            "--indicators",
            str(indicators_csv),
            "--format",
            "csv",
        ],
    )
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "country,share,allocation"
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == 1000
    _load(container, tmp_path)
    out = _cli(
        container,
        tmp_path,
        "sharing",
        "key",
        "--key",
        "eu-2015-09",
        "--total",
        "7",
        "--year",
        "2014",
        "--participants",
        "DEU,FRA",
        "--format",
        "json",
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert [r["country"] for r in doc["rows"]] == ["DEU", "FRA"]
    assert sum(r["allocation"] for r in doc["rows"]) == 7
    assert {p["indicator"] for p in doc["provenance"]} >= {"population", "gdp", "asylum_per_million"}
    out = _cli(
        container,
        tmp_path,
        "sharing",
        "key",
        "--key",
        "eu-2015-09",
        "--total",
        "7",
        "--year",
        "2014",
        "--participants",
        "DEU,FRA",
        "--cap",
        "0.3",
        "--format",
        "csv",
    )
    assert out.exit_code == 0 and "# provenance" in out.stderr


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["--key", "eu-2015-09", "--cap", "0.05"], "caps cannot be met"),
        (["--key", "eu-2016"], "unknown key"),
        (["--key", "BADFILE"], "unknown_field"),
        (["--key", "BADWEIGHTS"], "not to one"),
        (["--key", "eu-2015-05", "--participants", "DEU,ITA"], "ITA: no data"),
    ],
)
def test_bad_input_to_the_key_command_exits_with_the_cause(
    tmp_path: Path, indicators_csv: Path, args: list[str], cause: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: k\nweigths: 1\ncriteria:\n  - {indicator: population, weight: 1}\n")
    weights = tmp_path / "w.yaml"
    weights.write_text(
        "name: k\ncriteria:\n  - {indicator: population, weight: 0.6}\n  - {indicator: gdp, weight: 0.6}\n"
    )
    args = [str(bad) if a == "BADFILE" else str(weights) if a == "BADWEIGHTS" else a for a in args]
    out = runner.invoke(
        cli,
        ["sharing", "key", *args, "--total", "10", "--indicators", str(indicators_csv), "--format", "csv"],
    )
    assert out.exit_code != 0
    assert (cause in out.stderr) or (cause == "unknown_field" and "unknown field" in out.stderr), out.stderr
    assert out.stdout == ""


def test_missing_and_negative_indicators_in_the_csv(tmp_path: Path, indicators_csv: Path) -> None:
    text = indicators_csv.read_text().replace("EST,1300000,2e10,7.4,50", "EST,-1,2e10,,50")
    indicators_csv.write_text(text)
    out = runner.invoke(
        cli,
        [
            "sharing",
            "key",
            "--key",
            "eu-2015-05",
            "--total",
            "10",
            "--indicators",
            str(indicators_csv),
            "--format",
            "csv",
        ],
    )
    assert out.exit_code == 1
    assert "EST: population is negative" in out.stderr and "EST: unemployment_rate is missing" in out.stderr


def test_a_bad_file_in_a_folder_saves_nothing(container: Container, tmp_path: Path) -> None:
    folder = worldbank_dir(tmp_path / "wb")
    (folder / "population.csv").write_text(
        "Country Name,Country Code,Year,Value\nGermany,DEU,2014,81000000\nFrance,FRA,2014,-3\n"
    )
    with (
        pytest.raises(ValidationFailed, match="line 3: negative value"),
        unit_of_work(container.sessions) as s,
    ):
        indicators.import_worldbank_dir(s, directory=folder, actor=SYSTEM)
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(SharingIndicatorValue)) == 0  # gdp.csv came first
