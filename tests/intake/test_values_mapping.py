"""Cell values and column mappings: dates in the forms spreadsheets use, codes in four languages,
suggestions from header names and HXL hashtags, and mapping files with every problem named."""

from __future__ import annotations

import datetime as dt

import pytest

from refugio.core.errors import ValidationFailed
from refugio.intake import values as v
from refugio.intake.mapping import Mapping, is_hxl_row, normalise_header, suggest


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-12", "2024-03-12"),
        ("12/03/2024", "2024-03-12"),
        ("12.03.2024", "2024-03-12"),
        ("13-03-2024", "2024-03-13"),
        ("12 March 2024", "2024-03-12"),
        ("March 12, 2024", "2024-03-12"),
        ("12-mar-2024", "2024-03-12"),
        ("1 janvier 2020", "2020-01-01"),
        ("5 enero 2021", "2021-01-05"),
        ("2024-03-12T10:00:00.000+03:00", "2024-03-12"),
        (45363, "2024-03-12"),
        ("45363", "2024-03-12"),
        (dt.datetime(2024, 3, 12, 0, 0), "2024-03-12"),
    ],
)
def test_dates_in_many_forms(cell: object, expected: str) -> None:
    assert v.parse_date(cell).isoformat() == expected


def test_month_first_order_and_unambiguous_days() -> None:
    assert v.parse_date("03/12/2024", order="MDY").isoformat() == "2024-03-12"
    assert v.parse_date("03/13/2024", order="MDY").isoformat() == "2024-03-13"  # 13 cannot be a month
    assert v.parse_date("13/03/2024", order="MDY").isoformat() == "2024-03-13"


def test_excel_1904_epoch() -> None:
    assert v.parse_date(1, epoch=v.EXCEL_1904) == dt.date(1904, 1, 2)
    assert v.excel_serial(1) == dt.date(1899, 12, 31)


@pytest.mark.parametrize(
    ("cell", "code"),
    [("31/02/2024", "bad_date"), ("hello", "bad_date"), ("12/03/24", "bad_date"), (-5, "bad_date")],
)
def test_wrong_dates_say_why(cell: object, code: str) -> None:
    with pytest.raises(v.BadValue) as err:
        v.parse_date(cell)
    assert err.value.code == code and err.value.message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1988", "1988"),
        ("1988-03", "1988-03"),
        ("03/1988", "1988-03"),
        ("mars 1988", "1988-03"),
        (1988, "1988"),
    ],
)
def test_partial_dates_of_birth(cell: object, expected: str) -> None:
    assert v.parse_partial_date(cell) == expected


def test_codes_in_four_languages() -> None:
    assert [v.parse_sex(x) for x in ("F", "femme", "Mujer", "ذكر", "male")] == ["F", "F", "F", "M", "M"]
    assert v.parse_enum("Head of household", "relationship") == "focal_point"
    assert v.parse_enum("épouse", "relationship") == "spouse"
    assert v.parse_enum("Asylum seeker", "population_type") == "asylum_seeker"
    assert [v.parse_bool(x) for x in ("oui", "sí", "نعم", "no", 0)] == [True, True, True, False, False]
    assert v.parse_country("Syria") == v.parse_country("SY") == v.parse_country("syr") == "SYR"
    assert v.parse_languages("ara, en; fr") == ["ara", "eng", "fra"]
    assert v.parse_needs("sc-uc er_nf") == ["SC-UC", "ER-NF"]
    assert v.parse_int("34 years") == 34
    with pytest.raises(v.BadValue):
        v.parse_sex("maybe")
    with pytest.raises(v.BadValue):
        v.parse_country("Atlantis")
    with pytest.raises(v.BadValue):
        v.parse_needs("XX-YY")


def test_suggestions_from_names_in_several_languages_and_kobo_paths() -> None:
    headers = ["HH ID", "Prénom", "Apellido", "members/sex", "Date de naissance", "تاريخ الوصول", "Comment"]
    fields = [s.field for s in suggest(headers)]
    assert fields == [
        "household_key",
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "arrival_date",
        None,
    ]
    assert normalise_header("group_1/Given_Name ") == "given name"


def test_suggestions_from_hxl_hashtags_win_over_names() -> None:
    hxl = [
        "#beneficiary +name +given",
        "#beneficiary+name+family+i_ar",
        "#date +birth",
        "#country+code+origin",
    ]
    assert is_hxl_row(hxl) and not is_hxl_row(["a", "#b"])
    fields = [s.field for s in suggest(["c1", "c2", "Nationality", "c4"], hxl)]
    assert fields == ["given_name", "family_name_original", "date_of_birth", "country_of_origin"]


def test_a_field_goes_to_one_column_only() -> None:
    out = suggest(["DOB", "Date of birth"])
    assert [s.field for s in out].count("date_of_birth") == 1


def test_mapping_yaml_round_trip_and_application() -> None:
    m = Mapping.from_yaml(
        "name: partner\ndate_order: MDY\ncolumns:\n  When: date_of_birth\n  Who: given_name\n  x: '-'\n"
        "defaults:\n  population_type: Refugee\n"
    )
    assert Mapping.from_yaml(m.to_yaml()).as_dict() == m.as_dict()
    plan = m.compile(["Who", "When", "x"])
    values, errors = m.apply(plan, ["Ana", "03/12/1990", "ignored"])
    assert values == {"given_name": "Ana", "date_of_birth": "1990-03-12", "population_type": "refugee"}
    assert errors == []
    values, errors = m.apply(plan, ["Ana", "31/31/1990", None])
    assert [(e.field, e.column, e.code) for e in errors] == [("date_of_birth", "When", "bad_date")]


def test_mapping_file_problems_are_all_named() -> None:
    with pytest.raises(ValidationFailed) as err:
        Mapping.from_yaml("columns:\n  A: nonsense\n  B: sex\n  C: sex\ndate_order: XYZ\nextra: 1\n")
    fields = {e.field for e in err.value.errors}
    assert {"mapping.columns.A", "mapping.columns.C", "mapping.date_order", "mapping.extra"} <= fields
    with pytest.raises(ValidationFailed) as err:
        Mapping.from_yaml("columns: [unclosed")
    assert err.value.errors[0].code == "bad_yaml"


def test_mapping_says_what_every_person_needs() -> None:
    problems = Mapping(columns={"Name": "given_name"}).problems(["Name", "Other"])
    assert {p.field for p in problems if p.level == "error"} == {"sex", "date_of_birth"}


def test_repeated_cells_are_parsed_once_but_rows_stay_independent() -> None:
    mapping = Mapping.from_dict(
        {"columns": {"Langs": "languages", "DOB": "date_of_birth", "Sex": "sex", "Name": "given_name"}}
    )
    plan = mapping.compile(["Langs", "DOB", "Sex", "Name"])
    first, errors_1 = mapping.apply(plan, ["ara, eng", "2014", "Q", " Lina "])
    second, errors_2 = mapping.apply(plan, ["ara, eng", "2014", "Q", "Omar"])
    assert first["languages"] == second["languages"] == ["ara", "eng"]
    first["languages"].append("fra")  # one row's list is its own
    assert second["languages"] == ["ara", "eng"]
    assert mapping.apply(plan, ["ara, eng", "", "", ""])[0]["languages"] == ["ara", "eng"]
    assert first["given_name"] == "Lina" and first["date_of_birth"] == second["date_of_birth"] == "2014"
    # the same wrong cell is an error on every row that has it, naming its column
    assert [(e.field, e.column, e.code) for e in errors_1] == [("sex", "Sex", "unknown_code")]
    assert errors_1 == errors_2
    # other kinds of cells (numbers, dates from a workbook) are read as before
    assert mapping.apply(plan, [None, 1984, None, None])[0] == {"date_of_birth": "1984"}
