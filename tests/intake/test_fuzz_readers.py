"""Property-based and fuzz tests (hypothesis) of the CSV/XLSX readers and the OpenRosa XML parser.

Whatever the bytes, reading either works or is refused with `ValidationFailed` (the documented
refusal, a clear message and a code); nothing else escapes. Memory stays bounded: inputs that expand
(merged ranges over the whole sheet, a huge sharedStrings part, deeply nested XML) are refused by the
limits, and the peak traced allocation of reading a small input stays small.

Derandomised (a fixed seed per test) with a bounded number of examples, so the suite stays fast.
"""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugio.core.errors import ValidationFailed
from refugio.intake.openrosa import parse_submission
from refugio.intake.readers import Limits, open_table

FAST = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = Limits(max_rows=2_000, max_columns=50, max_cell_chars=2_000, max_csv_bytes=256 * 1024)
PEAK_BYTES = 40 * 1024 * 1024  # what reading one small fuzzed file may allocate at most


def _read(data: bytes, suffix: str) -> tuple[int, int]:
    """Read every row of `data` as a file; (rows, peak traced bytes). ValidationFailed passes through."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        tracemalloc.start()
        try:
            with open_table(path, limits=LIMITS) as table:
                rows = 0
                for row in table.rows:
                    rows += 1
                    assert len(row.cells) <= LIMITS.max_columns
            return rows, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _only_refusals(read: Callable[[], Any]) -> ValidationFailed | None:
    try:
        read()
    except ValidationFailed as exc:
        assert exc.errors and all(e.message and e.code for e in exc.errors), exc
        return exc
    return None


# ---------------------------------------------------------------------------------------------------
# CSV

_csv_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_csv_text = st.lists(st.lists(_csv_cell, min_size=1, max_size=8), min_size=1, max_size=30).map(
    lambda rows: "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
)


@FAST
@given(data=st.binary(max_size=4096))
def test_csv_reader_on_arbitrary_bytes(data: bytes) -> None:
    def read() -> None:
        _rows, peak = _read(data, ".csv")
        assert peak < PEAK_BYTES

    _only_refusals(read)


@FAST
@given(text=_csv_text, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_csv_reader_on_quoted_tables(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")

    def read() -> None:
        rows, peak = _read(data, ".csv")
        assert rows <= LIMITS.max_rows and peak < PEAK_BYTES

    _only_refusals(read)


def test_csv_with_too_many_columns_is_refused() -> None:
    refusal = _only_refusals(lambda: _read(("a," * 5000 + "b\n1,2\n").encode(), ".csv"))
    assert refusal is not None


def test_csv_with_a_giant_cell_is_refused() -> None:
    refusal = _only_refusals(lambda: _read(b'a,b\n"' + b"x" * 200_000 + b'",1\n', ".csv"))
    assert refusal is not None


# ---------------------------------------------------------------------------------------------------
# XLSX


def _workbook(rows: list[list[Any]], merges: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_xlsx_cell = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30),
    st.booleans(),
)
_merge = st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(0, 3), st.integers(0, 5)).map(
    lambda t: f"{chr(64 + t[0])}{t[1]}:{chr(64 + t[0] + t[2])}{t[1] + t[3]}"
)


@settings(FAST, max_examples=25)
@given(
    rows=st.lists(st.lists(_xlsx_cell, min_size=1, max_size=6), min_size=1, max_size=12),
    merges=st.lists(_merge, max_size=2, unique=True),
)
def test_xlsx_reader_on_generated_workbooks(rows: list[list[Any]], merges: list[str]) -> None:
    try:
        data = _workbook(rows, merges)
    except (ValueError, TypeError):
        return  # openpyxl itself refuses the input (overlapping merges, illegal characters)

    def read() -> None:
        _rows, peak = _read(data, ".xlsx")
        assert peak < PEAK_BYTES

    _only_refusals(read)


_BASE_XLSX = _workbook([["HH ID", "Name", "DOB"], [1, "Ali", "1990-01-02"], [2, "Zoë", 1991]], [])


@settings(FAST, max_examples=40)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(_BASE_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_xlsx_reader_on_corrupted_bytes(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_BASE_XLSX)
    for at, value in flips:
        data[at] = value
    _only_refusals(lambda: _read(bytes(data), ".xlsx"))


def _rezip(parts: dict[str, bytes], base: bytes = _BASE_XLSX) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, parts.pop(info.filename, None) or src.read(info.filename))
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def test_merged_range_over_the_whole_sheet_is_refused_without_expanding() -> None:
    with zipfile.ZipFile(io.BytesIO(_BASE_XLSX)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'
    data = _rezip({"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", merge)})
    tracemalloc.start()
    try:
        refusal = _only_refusals(lambda: _read(data, ".xlsx"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES
    assert refusal is not None


def test_huge_shared_strings_part_is_refused_as_a_zip_bomb() -> None:
    bomb = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="1" uniqueCount="1"><si><t>' + b"A" * (64 * 1024 * 1024) + b"</t></si></sst>"
    )
    refusal = _only_refusals(lambda: _read(_rezip({"xl/sharedStrings.xml": bomb}), ".xlsx"))
    assert refusal is not None and refusal.errors[0].code == "zip_bomb"


# ---------------------------------------------------------------------------------------------------
# OpenRosa XML

_name = st.sampled_from(["name", "member", "a", "b", "group_1", "age", "sex", "x_y"])
_xml_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)
_leaf = st.tuples(_name, _xml_text).map(
    lambda t: f"<{t[0]}>{t[1].replace('&', '&amp;').replace('<', '&lt;')}</{t[0]}>"
)
_tree = st.recursive(
    _leaf,
    lambda inner: st.tuples(_name, st.lists(inner, max_size=4)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"
    ),
    max_leaves=30,
)


@settings(FAST, max_examples=25)
@given(body=st.lists(_tree, max_size=6), repeat=st.sampled_from([None, "member", "a"]))
def test_openrosa_parser_on_generated_submissions(body: list[str], repeat: str | None) -> None:
    xml = '<data id="f"><meta><instanceID>uuid:1</instanceID></meta>' + "".join(body) + "</data>"
    parsed = parse_submission(xml.encode(), repeat=repeat)
    assert parsed.form_id == "f"


@FAST
@given(data=st.binary(max_size=2048))
def test_openrosa_parser_on_arbitrary_bytes(data: bytes) -> None:
    _only_refusals(lambda: parse_submission(data))


@FAST
@given(prefix=st.binary(max_size=64), cut=st.integers(0, 200))
def test_openrosa_parser_on_truncated_submissions(prefix: bytes, cut: int) -> None:
    xml = b'<data id="f"><meta><instanceID>uuid:1</instanceID></meta><name>Ali</name></data>'
    _only_refusals(lambda: parse_submission(prefix + xml[:cut]))


@pytest.mark.parametrize("depth", [150, 5_000, 200_000])
def test_deeply_nested_submission_is_refused(depth: int) -> None:
    xml = (
        b'<data id="f"><meta><instanceID>uuid:1</instanceID></meta>' + b"<a>" * depth + b"x" + b"</a>" * depth
    )
    refusal = _only_refusals(lambda: parse_submission(xml + b"</data>"))
    assert refusal is not None and refusal.errors[0].code in {"too_deep", "too_large"}


def test_entity_expansion_is_refused() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<data id="f">&b;</data>'
    )
    refusal = _only_refusals(lambda: parse_submission(xml))
    assert refusal is not None and refusal.errors[0].code == "forbidden_xml"
