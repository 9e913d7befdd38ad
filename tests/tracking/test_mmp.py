"""Missing Migrants incidents: the whole shared extract imports with no row dropped, split or double
counted; the full MMP download shape imports too; summaries add up; bad rows are refused by line."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.tracking.conftest import MMP, World, ext, needs_external, write

from refugio.core.errors import ValidationFailed
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import incidents, mmp
from refugio.tracking.enums import SummaryBy
from refugio.tracking.models import Incident

HARSH = "Harsh environmental conditions / lack of adequate shelter, food, water"
FULL_HEADER = (
    "Main ID,Incident ID,Incident Type,Region of Incident,Incident Date,Incident Year,Month,Number of Dead,"
    "Minimum Estimated Number of Missing,Total Number of Dead and Missing,Number of Survivors,"
    "Number of Females,Number of Males,Number of Children,Country of Origin,Region of Origin,"
    "Cause of Death,Country of Incident,"
    "Migration Route,Location of Incident,Coordinates,UNSD Geographical Grouping,Information Source,URL,"
    "Source Quality"
)
FULL_ROWS = [
    "2023.MMP0001,2023.MMP0001,Incident,Mediterranean,2023-06-14,2023,Jun,82,500,582,104,,,,"
    '"Pakistan,Syrian Arab Republic,Egypt",Southern Asia,Drowning,Greece,Central Mediterranean Route,'
    '"Off Pylos, Greece","36.6, 21.0",Southern Europe,"Hellenic Coast Guard, survivors",https://example.org/a,5',
    "2023.MMP0002,2023.MMP0002,Cumulative Incident,North America,2023-07-01,2023,Jul,3,,3,,1,2,1,Mexico,"
    'Central America,"Drowning,' + HARSH + '",United States of America,Central American Route,'
    '"Rio Grande, Texas","26.1, -97.6",Northern America,Medical examiner,,3',
    "2023.MMP0003,2023.MMP0003,Split Incident,Northern Africa,2023-07-01,2023,Jul,0,4,4,12,,,,Unknown,"
    'Unknown,Mixed or unknown,Libya,Central Mediterranean Route,Off Tobruk,"32.1, 23.9",Northern Africa,'
    "Media,,2",
]


def test_causes_are_split_on_the_mmp_vocabulary() -> None:
    assert mmp.split_causes(f"Drowning,{HARSH}") == ["Drowning", HARSH]
    assert mmp.split_causes(f"{HARSH},Sickness / lack of access to adequate healthcare") == [
        HARSH, "Sickness / lack of access to adequate healthcare"
    ]  # fmt: skip
    assert mmp.split_causes("Violence, Something new") == ["Violence", "Something new"]


@needs_external
def test_whole_shared_extract_no_row_dropped_split_or_double_counted(world: World) -> None:
    with gzip.open(ext(MMP), "rt", encoding="utf-8", newline="") as fh:
        source = list(csv.DictReader(fh))
    with unit_of_work(world.container.sessions) as s:
        report = mmp.import_mmp(s, actor=SYSTEM, path=ext(MMP))
    assert report.rows_read == report.added == len(source) == 19669
    total = sum(int(r["dead"]) for r in source)
    assert report.dead_and_missing == total
    assert report.by_type == {"Incident": 19158, "Split Incident": 410, "Cumulative Incident": 93,
                              "Incident,Split Incident": 8}  # fmt: skip
    assert len(report.notes) == 5  # negative survivors read as not reported, the incidents kept
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 19669
        assert s.scalar(select(func.sum(Incident.dead_and_missing))) == total
        several = s.scalar(select(func.count()).select_from(Incident).where(Incident.line == 2))
        assert several == 1
        for by in SummaryBy:
            rows = incidents.summary(s, actor=SYSTEM, by=by)
            assert sum(r["dead_and_missing"] for r in rows) == total, by
            assert sum(r["incidents"] for r in rows) == 19669, by
        years = {r["year"]: r for r in incidents.summary(s, actor=SYSTEM, by=SummaryBy.YEAR)}
        assert years["2014"]["dead_and_missing"] == sum(
            int(r["dead"]) for r in source if r["t"].startswith("2014")
        )
    with unit_of_work(world.container.sessions) as s:
        again = mmp.import_mmp(s, actor=SYSTEM, path=ext(MMP))
    assert (again.added, again.already_loaded) == (0, 19669)


def test_full_download_shape(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "mmp_full.csv", FULL_HEADER + "\n" + "\n".join(FULL_ROWS) + "\n")
    with unit_of_work(world.container.sessions) as s:
        report = mmp.import_mmp(s, actor=SYSTEM, path=path)
        assert (report.shape, report.added, report.dead_and_missing) == ("full", 3, 589)
        pylos = s.scalar(select(Incident).where(Incident.source_id == "2023.MMP0001"))
        assert pylos is not None
        assert (pylos.dead, pylos.missing, pylos.survivors, pylos.region) == (82, 500, 104, "Mediterranean")
        assert pylos.nationalities == ["Pakistan", "Syrian Arab Republic", "Egypt"]
        assert (pylos.latitude, pylos.longitude, pylos.reliability) == (36.6, 21.0, "5")
        texas = s.scalar(select(Incident).where(Incident.source_id == "2023.MMP0002"))
        assert texas is not None and texas.causes == ["Drowning", HARSH]
        assert (texas.females, texas.males, texas.children) == (1, 2, 1)
        by_region = incidents.summary(s, actor=SYSTEM, by=SummaryBy.REGION)
        assert by_region[0] == {
            "region": "Mediterranean", "incidents": 1, "dead_and_missing": 582, "dead": 82, "missing": 500,
            "survivors": 104,
        }  # fmt: skip
        by_cause = {
            r["cause"]: r["incidents"] for r in incidents.summary(s, actor=SYSTEM, by=SummaryBy.CAUSE)
        }
        assert by_cause == {"Drowning": 1, f"Drowning; {HARSH}": 1, "Mixed or unknown": 1}


def test_bad_rows_refused_by_line(world: World, tmp_path: Path) -> None:
    bad = [
        FULL_ROWS[0].replace(",82,500,582,", ",82,500,600,"),
        FULL_ROWS[1].replace("2023-07-01", "someday"),
        FULL_ROWS[2].replace('"32.1, 23.9"', '"132.1, 23.9"'),
    ]
    path = write(tmp_path / "bad.csv", FULL_HEADER + "\n" + "\n".join(bad) + "\n")
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as err:
        mmp.import_mmp(s, actor=SYSTEM, path=path)
    assert [e.message for e in err.value.errors] == [
        "line 2: Total Number of Dead and Missing = 600 is not dead (82) + missing (500)",
        "line 3: Incident Date 'someday' is not a date",
        "line 4: latitude 132.1 is outside -90…90",
    ]
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0
    wrong = write(tmp_path / "other.csv", "a,b\n1,2\n")
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(ValidationFailed, match="neither the cleaned"),
    ):
        mmp.import_mmp(s, actor=SYSTEM, path=wrong)
