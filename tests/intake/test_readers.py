"""Reading files: encodings found or refused clearly, CSV quirks, XLSX merged cells, formulas, dates
and empty rows, Kobo repeat sheets, and the guards (size, zip bombs, rows, columns)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from refugio.core.errors import ValidationFailed
from refugio.intake import readers
from refugio.intake.readers import Limits, open_table

TEXT = "HH ID,First name,DOB\n1,José,12/03/1990\n1,Zoë,1991\n"


def _rows(path: Path, **kw: object) -> tuple[readers.Table, list[readers.SourceRow]]:
    with open_table(path, **kw) as table:  # type: ignore[arg-type]
        return table, list(table.rows)


@pytest.mark.parametrize(
    ("encoding", "found"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("cp1252", "cp1252"),
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, found: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(TEXT.encode(encoding))
    table, rows = _rows(path)
    assert table.encoding == found
    assert table.headers == ["HH ID", "First name", "DOB"]
    assert [r.cells[1] for r in rows] == ["José", "Zoë"]
    assert bool(table.warnings) == (found == "cp1252")  # a guess is said out loud


def test_unreadable_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n\x81\x8d\x8f,\x90\x9d\n")  # neither UTF-8 nor Windows-1252
    with pytest.raises(ValidationFailed) as err:
        _rows(path)
    assert err.value.errors[0].code == "bad_encoding" and "UTF-8" in err.value.message


def test_binary_and_old_excel_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n\x00\x01\x02\x03binary\x00\x00\x07")
    with pytest.raises(ValidationFailed) as err:
        _rows(path)
    assert err.value.errors[0].code == "binary_file"
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ValidationFailed) as err:
        _rows(old)
    assert err.value.errors[0].code == "xls_format" and ".xlsx" in err.value.message


def test_csv_semicolons_hxl_row_empty_rows_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "HH;Name\n#household+id;#beneficiary+name+given\n1;Ana\n;\n\n2;Bo;extra\n3\n", encoding="utf-8"
    )
    table, rows = _rows(path)
    assert table.hxl == ["#household+id", "#beneficiary+name+given"]
    assert [(r.number, r.cells) for r in rows] == [(3, ["1", "Ana"]), (6, ["2", "Bo"]), (7, ["3", ""])]
    assert table.stats["empty_rows"] == 2
    assert rows[1].problems and rows[1].problems[0][2] == "extra_cells"


def test_duplicate_headers_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Name,Name\na,b\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        _rows(path)
    assert err.value.errors[0].code == "duplicate_header"


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Household list, November"])  # a title row above the headers
    ws.append(["HH ID", "Name", "DOB", "Age", "Double"])
    ws.append(["H1", "Ana", dt.date(1990, 3, 12), 34, "=D3*2"])  # a formula never calculated
    ws.append([None, "Bob", 32000, None, None])  # merged household id; an Excel serial date
    ws.append([])
    ws.append(["H2", "Cy", "1990-01-01", 5, None])
    ws.merge_cells("A3:A4")
    wb.save(path)


def test_xlsx_merged_cells_formulas_dates_and_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    _workbook(path)
    table, rows = _rows(path)
    assert table.headers == ["HH ID", "Name", "DOB", "Age", "Double"]
    assert [r.number for r in rows] == [3, 4, 6]
    assert rows[1].cells[0] == "H1"  # filled from the merged range
    assert rows[0].cells[2] == dt.datetime(1990, 3, 12)
    assert rows[1].cells[2] == 32000  # left as a number: the mapping reads it as a serial date
    assert [(c, code) for c, _m, code in rows[0].problems] == [(4, "formula_without_value")]
    assert "E3" in rows[0].problems[0][1]
    assert any("merged" in w for w in table.warnings) and any("title" in w for w in table.warnings)


def test_kobo_export_with_a_repeat_sheet_gives_one_row_per_member(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    main = wb.active
    assert main is not None
    main.title = "registration"
    main.append(["household/address", "_uuid", "_index"])
    main.append(["Block 1", "u-1", 1])
    main.append(["Block 2", "u-2", 2])
    members = wb.create_sheet("members")
    members.append(["members/given_name", "members/sex", "_parent_index", "_index"])
    members.append(["Ana", "F", 1, 1])
    members.append(["Bo", "M", 1, 2])
    members.append(["Cy", "M", 2, 3])
    members.append(["Orphan", "F", 9, 4])
    path = tmp_path / "kobo.xlsx"
    wb.save(path)
    table, rows = _rows(path)
    assert table.headers == [
        "members/given_name",
        "members/sex",
        "_parent_index",
        "_index",
        "household/address",
        "_uuid",
    ]
    assert [(r.cells[0], r.cells[4], r.cells[5]) for r in rows[:3]] == [
        ("Ana", "Block 1", "u-1"),
        ("Bo", "Block 1", "u-1"),
        ("Cy", "Block 2", "u-2"),
    ]
    assert rows[3].problems[0][2] == "orphan_member"


def test_size_guards_trip_on_small_limits(tmp_path: Path) -> None:
    xlsx = tmp_path / "big.xlsx"
    _workbook(xlsx)
    with pytest.raises(ValidationFailed) as err:
        _rows(xlsx, limits=Limits(max_xlsx_bytes=1000))
    assert err.value.errors[0].code == "too_large" and "CSV" in err.value.message
    csv = tmp_path / "big.csv"
    csv.write_text(TEXT * 3, encoding="utf-8")
    with pytest.raises(ValidationFailed):
        _rows(csv, limits=Limits(max_csv_bytes=10))
    with pytest.raises(ValidationFailed) as err:
        _rows(csv, limits=Limits(max_rows=2))
    assert err.value.errors[0].code == "too_many_rows"


def test_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))  # 20 MB of zeros: ratio ~1000:1
    with pytest.raises(ValidationFailed) as err:
        _rows(path)
    assert err.value.errors[0].code == "zip_bomb"
    with pytest.raises(ValidationFailed) as err:
        readers.check_zip(path, Limits(max_uncompressed_bytes=1024 * 1024, max_ratio=10**6))
    assert "expand" in err.value.message


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ValidationFailed) as err:
        _rows(path)
    assert err.value.errors[0].code == "bad_xlsx"


def _merge_bomb(path: Path, *, rows: int, merge: str) -> None:
    """A small workbook whose sheet holds `rows` empty rows under a header and one data row, and a
    merged range `merge` over them (the XML compresses to a few KB)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["given_name", "family_name"])
    ws.append(["Ana", "Haddad"])
    wb.save(path)
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    empty = "".join(f'<row r="{n}"/>' for n in range(3, rows + 3))
    sheet = sheet.replace("</sheetData>", empty + "</sheetData>")
    sheet = sheet.replace(
        "</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>'
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def test_merged_cells_do_not_turn_empty_rows_into_data(tmp_path: Path) -> None:
    """A merge over thousands of empty rows stages none of them (it once staged 19,999 from 1.6 KB)."""
    path = tmp_path / "bomb.xlsx"
    _merge_bomb(path, rows=20_000, merge="A2:B20002")
    assert path.stat().st_size < 100_000
    _table, rows = _rows(path)
    assert [(r.number, r.cells) for r in rows] == [(2, ["Ana", "Haddad"])]


def test_a_merge_wider_than_the_column_limit_is_refused(tmp_path: Path) -> None:
    """Cells filled from a merge count against the column limit like real ones."""
    path = tmp_path / "wide.xlsx"
    _merge_bomb(path, rows=20_000, merge="A2:XFD20002")
    with pytest.raises(ValidationFailed) as info:
        _rows(path)
    assert "more than 1,000 columns" in info.value.errors[0].message
    assert "A2:XFD20002" in info.value.errors[0].message
