"""`refugio tracking surveys …` and `refugio tracking assessments …` on the test database: the flow
survey XLSForm written and published, surveys listed and broken down; assessments imported (errors
with their line, nothing half-loaded, again adds nothing), listed with the change and their needs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tracking.conftest import World, write
from tests.tracking.test_assessments import GOOD, HEADER
from tests.tracking.test_cli import invoke
from tests.tracking.test_dtm import AREAS, LENGTH_RULES

from refugio.intake.xlsform_pyxform import convert


def test_surveys_through_the_command_line(world: World, tmp_path: Path) -> None:
    code, out = invoke(world, "tracking", "surveys", "form", "--out", str(tmp_path / "f.xlsx"), "--as", "imo")
    assert code == 1 and "no flow monitoring point" in out, out
    code, out = invoke(world, "tracking", "flows", "add-point", "JAB", "--name", "Jaber", "--kind",
                       "border_crossing", "--lat", "32.54", "--lon", "36.21", "--as", "imo")  # fmt: skip
    assert code == 0, out
    code, out = invoke(world, "tracking", "flows", "add-point", "FAR", "--name", "Far away", "--kind",
                       "border_crossing", "--lat", "48.85", "--lon", "2.35", "--as", "imo")  # fmt: skip
    assert code == 1 and "outside JOR" in out, out
    code, out = invoke(world, "tracking", "surveys", "form", "--out", str(tmp_path / "f.xlsx"), "--as", "imo")
    assert code == 0 and "form refugio_flow_survey_jor" in out
    assert convert((tmp_path / "f.xlsx").read_bytes()).form_id == "refugio_flow_survey_jor"
    code, out = invoke(world, "tracking", "surveys", "publish", "--as", "viewer")
    assert code == 1
    code, out = invoke(world, "tracking", "surveys", "publish", "--as", "imo")
    assert code == 0 and "published on /openrosa/formList" in out
    code, out = invoke(world, "tracking", "surveys", "list", "JAB", "--by", "reasons", "--as", "imo")
    assert code == 0 and out == ""


def test_assessments_through_the_command_line(world: World, tmp_path: Path) -> None:
    areas, lengths = write(tmp_path / "areas.csv", AREAS), write(tmp_path / "len.csv", LENGTH_RULES)
    assert invoke(world, "tracking", "import", "pcodes", str(areas), "--lengths", str(lengths))[0] == 0
    bad = write(
        tmp_path / "bad.csv", "\n".join([HEADER, GOOD[0], GOOD[1].replace(",300,300,", ",300,400,")]) + "\n"
    )
    code, out = invoke(world, "tracking", "assessments", "import", str(bad))
    assert code == 1 and "line 3: idps + returnees + migrants = 400 is more than individuals = 300" in out, (
        out
    )
    good = write(tmp_path / "msla.csv", "\n".join([HEADER, *GOOD]) + "\n")
    code, out = invoke(world, "tracking", "assessments", "import", str(good))
    assert code == 0 and "4 added, 0 already loaded, 1 duplicate(s)" in out and "sex unknown: 20" in out, out
    assert "P-code TD07 normalised to TCD07" in out
    assert "0 added, 4 already loaded" in invoke(world, "tracking", "assessments", "import", str(good))[1]
    code, out = invoke(world, "tracking", "assessments", "list", "--country", "TCD", "--round", "2")
    assert code == 0 and "(+150)" in out and "duplicate" in out
    code, out = invoke(world, "tracking", "assessments", "list", "--format", "json")
    assert len(json.loads(out)) == 4
    code, out = invoke(world, "tracking", "assessments", "needs", "--country", "TCD", "--round", "1")
    assert code == 0 and out.splitlines()[1].startswith("shelter") and "host_family" in out
