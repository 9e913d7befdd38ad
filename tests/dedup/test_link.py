"""`refugio dedup link INPUT.csv --out OUTPUT.csv`: the contract used by external checks."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from refugio.cli.app import app

HEADER = ",".join(
    [
        "record_id",
        "given_name",
        "middle_name",
        "family_name",
        "sex",
        "date_of_birth",
        "country_of_origin",
        "phone",
        "document_number",
        "site",
    ]
)
ROWS = [
    "1,Mohammed,Ahmad,Al-Hassan,M,1985-03-12,SYR,+962 79 111 2222,N123456789,ZAA",
    "2,Muhammad,Ahmed,Hassan,M,1985,SYR,,N123456789,AMM",
    "3,محمد,أحمد,الحسن,M,1985-03-12,SYR,0791112222,,AMM",
    "4,Fatima,,Khalil,F,1990-07-01,SYR,,,ZAA",
    "5,Omar,,Nasser,M,2001,IRQ,,P555,ZAA",
    "6,Amina,Yusuf,Warsame,F,1979,SOM,,,AMM",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_link_writes_every_record_once_and_links_across_spellings_and_scripts(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    model = tmp_path / "model.json"
    result = CliRunner().invoke(
        app, ["dedup", "link", str(src), "--out", str(out), "--save-model", str(model)]
    )
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert list(rows[0]) == ["record_id", "cluster_id"]
    assert [r["record_id"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    cluster = {r["record_id"]: r["cluster_id"] for r in rows}
    assert cluster["1"] == cluster["2"] == cluster["3"]
    assert len({cluster["1"], cluster["4"], cluster["5"], cluster["6"]}) == 4
    # the saved model links the same way when given back
    out2 = tmp_path / "out2.csv"
    again = CliRunner().invoke(
        app, ["dedup", "link", str(src), "--out", str(out2), "--model", str(model), "--quiet"]
    )
    assert again.exit_code == 0, again.output
    assert _read(out2) == rows


def test_columns_in_any_order_and_empty_fields(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.csv", ["family_name,record_id,given_name", "Haddad,a,Khaled", ",b,", "Haddad,c,Khalid"]
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["dedup", "link", str(src), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert sorted(r["record_id"] for r in _read(out)) == ["a", "b", "c"]


def _fails(tmp_path: Path, lines: list[str], expected: str) -> None:
    src = _write(tmp_path / "bad.csv", lines)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["dedup", "link", str(src), "--out", str(out)])
    assert result.exit_code == 1
    assert expected in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]


def test_missing_record_id_column(tmp_path: Path) -> None:
    _fails(tmp_path, ["id,given_name", "1,Ali"], "line 1: no record_id column")


def test_duplicate_record_id_names_both_lines(tmp_path: Path) -> None:
    _fails(
        tmp_path,
        [HEADER, ROWS[0], ROWS[3], ROWS[1].replace("2,", "1,", 1)],
        "line 4: record_id '1' repeats line 2",
    )


def test_the_line_is_named_once(tmp_path: Path) -> None:
    _fails(tmp_path, [HEADER, ROWS[0], "9,Ali,,Omar,M,1985-02-30,SYR,,,ZAA"], "error: line 3: date of birth")


def test_unparseable_date_names_the_line(tmp_path: Path) -> None:
    _fails(
        tmp_path,
        [HEADER, ROWS[0], "9,Ali,,Omar,M,12/03/1985,SYR,,,ZAA"],
        "line 3: date of birth '12/03/1985'",
    )


def test_unknown_sex_and_empty_record_id(tmp_path: Path) -> None:
    _fails(tmp_path, [HEADER, "7,Ali,,Omar,Q,1985,SYR,,,ZAA"], "line 2: sex 'Q'")
    _fails(tmp_path, [HEADER, ",Ali,,Omar,M,1985,SYR,,,ZAA"], "line 2: record_id is empty")


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", [HEADER, *ROWS])
    result = CliRunner().invoke(
        app, ["dedup", "link", str(src), "--out", str(tmp_path / "o.csv"), "--engine", "x"]
    )
    assert result.exit_code == 1
    assert "--engine must be one of duckdb, spark" in result.output
