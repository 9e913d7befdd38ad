"""`refugio tracking …` on the test database: P-codes, DTM import with line-numbered errors, the
IDPs exports in every format, rounds, additivity, MMP import and summaries, sites."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.tracking.conftest import World, write
from tests.tracking.test_dtm import AREAS, HEADER, LENGTH_RULES, _row
from tests.tracking.test_mmp import FULL_HEADER, FULL_ROWS
from typer.testing import CliRunner

from refugio.cli.app import app

runner = CliRunner()


def invoke(world: World, *args: str) -> tuple[int, str]:
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = runner.invoke(app, [*args, *base])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_tracking_through_the_command_line(world: World, tmp_path: Path) -> None:
    areas, lengths = write(tmp_path / "areas.csv", AREAS), write(tmp_path / "len.csv", LENGTH_RULES)
    code, out = invoke(world, "tracking", "import", "pcodes", str(areas), "--lengths", str(lengths))
    assert code == 0 and "4 areas read in 1 countries: 5 added" in out, out

    bad = write(
        tmp_path / "bad.csv", "\n".join([HEADER, _row(1, "TD07", "", 10, males="8", females="8")]) + "\n"
    )
    code, out = invoke(world, "tracking", "import", "dtm", str(bad))
    assert code == 1 and "line 2: numberMales + numberFemales = 16 is more than numPresentIdpInd = 10" in out

    good = write(
        tmp_path / "dtm.csv",
        "\n".join([HEADER, _row(0, "", "", 150), _row(1, "TD07", "", 150), _row(2, "TD07", "TD0701", 150),
                   _row(0, "", "", 90, rnd=2, day="2024-05-31")]) + "\n",
    )  # fmt: skip
    code, out = invoke(world, "tracking", "import", "dtm", str(good))
    assert code == 0 and "4 added" in out and "normalised: TD07 -> TCD07" in out, out
    assert "additivity: 2 of 2" in out
    code, out = invoke(world, "tracking", "import", "dtm", str(good))
    assert code == 0 and "0 added, 4 already loaded" in out

    target = tmp_path / "hapi.csv"
    code, out = invoke(world, "tracking", "idps", "--format", "hapi", "--out", str(target))
    hapi = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert code == 0 and [(r["admin_level"], r["admin2_code"], r["population"]) for r in hapi] == [
        ("0", "", "150"), ("0", "", "90"), ("1", "", "150"), ("2", "TCD0701", "150")
    ]  # fmt: skip
    assert hapi[3]["admin2_name"] == "Mamdi" and hapi[3]["warning"].startswith("PCode length TD0701->TCD0701")
    code, out = invoke(world, "tracking", "idps", "--format", "hxl")
    assert code == 0 and out.splitlines()[1].startswith("#id+code,#operation+name")
    import hxl  # the HXL export is valid for libhxl: tags read, figures summed by admin level

    data = hxl.data(list(csv.reader(io.StringIO(out))))
    by_level = {r.get("#adm+level"): r.get("#affected+idps") for r in data if r.get("#adm+level") == "1"}
    assert by_level == {"1": "150"}
    code, out = invoke(world, "tracking", "idps", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 4
    code, out = invoke(world, "tracking", "rounds", "--country", "TCD")
    assert code == 0 and "-60" in out
    code, out = invoke(world, "tracking", "additivity")
    assert code == 0 and "2 of 2 parent totals" in out

    mmp_file = write(tmp_path / "mmp.csv", FULL_HEADER + "\n" + "\n".join(FULL_ROWS) + "\n")
    code, out = invoke(world, "tracking", "import", "mmp", str(mmp_file))
    assert code == 0 and "3 added" in out and "589 dead and missing" in out, out
    code, out = invoke(world, "tracking", "incidents", "summary", "--by", "route", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0] == {"route": "Central Mediterranean Route", "incidents": "2",
                                     "dead_and_missing": "586", "dead": "82", "missing": "504",
                                     "survivors": "116"}  # fmt: skip
    code, out = invoke(world, "tracking", "incidents", "summary", "--by", "country", "--format", "json")
    assert code == 0 and {r["country"] for r in json.loads(out)} == {
        "GRC",
        "USA",
        "LBY",
    }

    code, out = invoke(world, "tracking", "sites", "add", "ZAA", "--name", "Zaatari", "--kind", "camp",
                       "--pcode", "TCD0701", "--lat", "13.45", "--lon", "14.73", "--capacity", "80000",
                       "--operation", "JOR")  # fmt: skip
    assert code == 0, out
    code, out = invoke(
        world, "tracking", "sites", "add", "X", "--name", "Nowhere", "--kind", "camp", "--lat", "95"
    )
    assert code == 1 and "latitude" in out
    code, out = invoke(world, "tracking", "sites", "list", "--json")
    assert code == 0 and json.loads(out)[0]["admin_name"] == "Mamdi"
