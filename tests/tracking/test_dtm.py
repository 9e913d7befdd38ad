"""DTM import and the IDPs exports: the HAPI export of the shared DTM extract reproduces the shared
HDX HAPI file; bad rows are refused with their line and reason; re-import changes nothing."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.helpers import principal
from tests.tracking.conftest import DTM, HAPI, LENGTHS, PCODES, World, ext, needs_external, write

from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import dtm, exports, idps, pcodes
from refugio.tracking.models import AdminArea, DtmFigure

HEADER = (
    "id,operation,admin0Name,admin0Pcode,admin1Name,admin1Pcode,admin2Name,admin2Pcode,adminLevel,"
    "numPresentIdpInd,reportingDate,yearReportingDate,monthReportingDate,roundNumber,displacementReason,"
    "numberMales,numberFemales,idpOriginAdmin1Name,idpOriginAdmin1Pcode,assessmentType,operationStatus"
)
AREAS = """Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date
#country+code,#geo+admin_level,#adm+code,#adm+name,#adm+code+parent,#date+start
TCD,1,TCD07,Lac,TCD,2012-09-04
TCD,2,TCD0701,Mamdi,TCD07,2012-09-04
TCD,2,TCD0703,Kaya,TCD07,2012-09-04
TCD,1,TCD08,Logone Occidental,TCD,2012-09-04
"""
LENGTH_RULES = "Location,Country Length,Admin 1 Length,Admin 2 Length\nTCD,3,2,2\n"


def _row(
    level: int,
    a1: str,
    a2: str,
    idps_: int,
    *,
    males: str = "",
    females: str = "",
    rnd: int = 1,
    day: str = "2024-01-31",
    kind: str = "BA",
    name1: str = "Lac",
    name2: str = "Mamdi",
) -> str:
    names = (
        name1 if level >= 1 else "",
        a1 if level >= 1 else "",
        name2 if level == 2 else "",
        a2 if level == 2 else "",
    )
    return (
        f",Lake Chad crisis,Chad,TCD,{names[0]},{names[1]},{names[2]},{names[3]},{level},{idps_},"
        f"{day}T00:00:00,{day[:4]},{int(day[5:7])},{rnd},Conflict; natural disaster,{males},{females},"
        f"Not available,Not available,{kind},Active"
    )


def _load_small_gazetteer(world: World, tmp_path: Path) -> None:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(
            s, actor=SYSTEM, areas_path=write(tmp_path / "areas.csv", AREAS),
            lengths_path=write(tmp_path / "len.csv", LENGTH_RULES),
        )  # fmt: skip


def _import(world: World, path: Path, **kw: object) -> dtm.DtmReport:
    with unit_of_work(world.container.sessions) as s:
        return dtm.import_dtm(s, actor=SYSTEM, path=path, **kw)  # type: ignore[arg-type]


def _read_hapi_file() -> list[dict[str, str]]:
    with gzip.open(ext(HAPI), "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@needs_external
def test_hapi_export_of_the_shared_extract_reproduces_the_shared_hapi_file(world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=ext(PCODES), lengths_path=ext(LENGTHS))
    report = _import(world, ext(DTM))
    assert report.rows_read == report.added == 13367 and not report.refused
    assert report.normalised == {
        "TD07": "TCD07",
        "TD0701": "TCD0701",
        "TD0703": "TCD0703",
        "TD0704": "TCD0704",
    }
    expected = _read_hapi_file()
    with unit_of_work(world.container.sessions) as s:
        rows = idps.hapi_rows(
            s, actor=SYSTEM, dataset_hdx_id=expected[0]["dataset_hdx_id"],
            resource_hdx_id=expected[0]["resource_hdx_id"],
        )  # fmt: skip
        text = exports.render(rows, idps.HAPI_COLUMNS, "csv")
    got = list(csv.DictReader(io.StringIO(text)))
    assert len(got) == len(expected) == 6854
    assert sum(int(r["population"]) for r in got) == sum(int(r["population"]) for r in expected)
    # refugio's name check finds the Badakhshan district; HDX also flags "Nord Ouest" (HT09), matched
    # through its French alternative names, which the OCHA file does not carry (decision 0007).
    hdx_only = "PCode mismatch HT09 != Nord Ouest"
    for mine, theirs in zip(got, expected, strict=True):
        if theirs["warning"] == hdx_only:
            assert mine["warning"] == "", mine
            theirs = {**theirs, "warning": ""}
        assert mine == theirs


def test_bad_rows_are_refused_with_line_and_reason_and_nothing_is_loaded(
    world: World, tmp_path: Path
) -> None:
    _load_small_gazetteer(world, tmp_path)
    lines = [
        HEADER,
        _row(1, "TD07", "", 100),
        _row(2, "TD07", "TD0701", 60, males="40", females="30"),  # 70 > 60
        _row(2, "TD07", "TD0701", -5),
        _row(2, "", "TD0701", 5),  # admin-2 without its admin-1 parent
        _row(1, "TD07", "", 5, kind="XX"),
    ]
    path = write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as err:
        _import(world, path)
    messages = [e.message for e in err.value.errors]
    assert messages == [
        "line 3: numberMales + numberFemales = 70 is more than numPresentIdpInd = 60",
        "line 4: numPresentIdpInd '-5' is negative",
        "line 5: an admin-2 row needs admin1Pcode (its admin-1 parent)",
        "line 6: assessmentType 'XX' is unknown (BA or SA)",
    ]
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(DtmFigure)) == 0
    report = _import(world, path, skip_invalid=True)  # the valid row goes in, the others are listed
    assert report.added == 1 and len(report.refused) == 4


def test_rules_duplicates_remainder_normalisation_and_reimport(world: World, tmp_path: Path) -> None:
    _load_small_gazetteer(world, tmp_path)
    lines = [
        HEADER,
        _row(0, "", "", 200),
        _row(1, "TD07", "", 150),
        _row(2, "TD07", "TD0701", 100, males="40", females="50"),  # 10 of unknown sex
        _row(2, "TD07", "TD0701", 100, males="40", females="50"),  # exact duplicate
        _row(2, "TD07", "TD0703", 40, name2="Kaya"),
        _row(2, "TD07", "TD0799", 10, name2="Nowhere"),  # unknown P-code
        _row(2, "TD07", "TD0703", 20, name2="Mamdi"),  # the name is another sibling's: logged, kept
        _row(0, "", "", 260, rnd=2, day="2024-04-30"),
    ]
    path = write(tmp_path / "dtm.csv.gz", "\n".join(lines) + "\n", gz=True)
    report = _import(world, path)
    assert (report.rows_read, report.added, report.duplicates) == (8, 8, 1)
    assert (report.sex_remainder_rows, report.sex_remainder_people) == (2, 20)
    assert report.normalised["TD0701"] == "TCD0701" and report.unknown_pcodes == ["TCD0799"]
    assert report.name_mismatches == ["PCode mismatch TCD0703 != Mamdi"]
    again = _import(world, path)
    assert (again.added, again.already_loaded) == (0, 8)
    with unit_of_work(world.container.sessions) as s:
        figures = list(s.scalars(select(DtmFigure).order_by(DtmFigure.line)))
        assert len(figures) == 8 and [f.duplicate for f in figures].count(True) == 1
        assert figures[2].warnings == ["PCode length TD0701->TCD0701", "PCode length TD07->TCD07"]
        assert figures[2].reasons == ["Conflict", "Natural disaster"]
        level0 = [r for r in idps.rounds(s, actor=SYSTEM, country="TCD", admin_level=0)]
        assert [(r.round_number, r.idps, r.change) for r in level0] == [(1, 200, None), (2, 260, 60)]
        admin2 = {r.pcode: r.idps for r in idps.rounds(s, actor=SYSTEM, admin_level=2)}
        assert admin2["TCD0701"] == 100  # the duplicate is not counted
        check = idps.additivity(s, actor=SYSTEM, country="TCD")
        assert check.checked == 2
        assert {(g.parent, g.parent_total, g.children_total) for g in check.gaps} == {
            ("TCD", 200, 150),
            ("TCD07", 150, 170),
        }


def test_wrong_encoding_and_permissions(world: World, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + _row(0, "", "", 5).replace("Chad", "Tchad é") + "\n").encode("latin-1"))
    with pytest.raises(ValidationFailed, match="line 2: not UTF-8"):
        _import(world, path)
    viewer = principal(world.container, "viewer")
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        dtm.import_dtm(s, actor=viewer, path=path)
    with unit_of_work(world.container.sessions) as s:
        assert idps.hapi_rows(s, actor=viewer) == []
        clerk = principal(world.container, "clerk")
        with pytest.raises(PermissionDenied):
            idps.hapi_rows(s, actor=clerk)


def test_pcode_file_validation(world: World, tmp_path: Path) -> None:
    bad = AREAS + "TCD,2,TCD0901,Orphan,TCD09,2012-09-04\nTCD,3,TCD070101,Too deep,TCD0701,\n"
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as err:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", bad))
    assert [e.message for e in err.value.errors] == [
        "line 7: admin-2 TCD0901 (Orphan): its parent admin-1 'TCD09' is unknown",
        "line 8: admin level '3' is not 1 or 2",
    ]
    odd = AREAS + "TCD,2,TCD07055,Long code,TCD07,\n"
    with unit_of_work(world.container.sessions) as s:
        report = pcodes.load_pcodes(
            s, actor=SYSTEM, areas_path=write(tmp_path / "b.csv", odd),
            lengths_path=write(tmp_path / "l.csv", LENGTH_RULES),
        )  # fmt: skip
        assert report.added == 6  # five areas and the country
        assert report.warnings == ["TCD07055: P-code length 8 does not follow the TCD rule ([7])"]
        assert s.get(AdminArea, "TCD07055").warnings  # type: ignore[union-attr]
    with unit_of_work(world.container.sessions) as s:
        again = pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "b.csv", odd))
        assert (again.added, again.updated) == (0, 0)


def test_duckdb_rollup_matches_a_plain_computation() -> None:
    import numpy as np

    from refugio.tracking.duckdb_rollup import rollup

    rng = np.random.default_rng(7)
    n = 5000
    admin2 = rng.integers(0, 60, n)
    rounds = rng.integers(1, 6, n)
    cols = {
        "country": np.array([f"C{a % 3}" for a in admin2]),
        "admin1": np.array([f"C{a % 3}-{a % 7}" for a in admin2]),
        "admin2": np.array([f"C{a % 3}-{a % 7}-{a}" for a in admin2]),
        "round": rounds,
        "idps": rng.integers(0, 1000, n),
    }
    out = rollup(cols)
    expected: dict[tuple[int, str, int], int] = {}
    for i in range(n):
        for level, key in enumerate(("country", "admin1", "admin2")):
            k = (level, str(cols[key][i]), int(rounds[i]))
            expected[k] = expected.get(k, 0) + int(cols["idps"][i])
    got = {
        (int(lv), str(p), int(r)): int(v)
        for lv, p, r, v in zip(out["level"], out["pcode"], out["round"], out["idps"], strict=True)
    }
    assert got == expected
    order = np.lexsort((out["round"], out["pcode"].astype(str), out["level"]))
    out = {k: np.asarray(v)[order] for k, v in out.items()}
    previous: dict[tuple[int, str], int] = {}
    for lv, p, r, v, prev, change in zip(
        *(out[c] for c in ("level", "pcode", "round", "idps", "previous", "change")), strict=True
    ):
        want = previous.get((int(lv), str(p)))
        assert (int(prev), int(change)) == ((-1, 0) if want is None else (want, int(v) - want)), (lv, p, r)
        previous[(int(lv), str(p))] = int(v)
