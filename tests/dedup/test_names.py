"""Name and date preparation: transliteration-robust keys, scripts, swaps, partial dates."""

from __future__ import annotations

import datetime as dt

import pytest

from refugio.dedup import names


@pytest.mark.parametrize("spelling", ["Mohammed", "Muhammad", "Mohamad", "Mohamed", "MOHAMMAD", "mohammed"])
def test_spellings_of_muhammad_share_the_canonical_name_and_the_skeleton(spelling: str) -> None:
    p = names.prepare_name(spelling)
    assert p.canon == names.prepare_name("Muhammad").canon
    assert p.skels[0] == "mhmt"


def test_mehmet_shares_the_skeleton_but_not_the_canonical_name() -> None:
    assert names.prepare_name("Mehmet").skels == names.prepare_name("Muhammad").skels
    assert names.prepare_name("Mehmet").canon != names.prepare_name("Muhammad").canon


def test_different_names_with_one_skeleton_keep_different_canonical_forms() -> None:
    hassan, hussein = names.prepare_name("Hassan"), names.prepare_name("Hussein")
    assert hassan.skels == hussein.skels
    assert hassan.canon != hussein.canon
    assert names.prepare_name("Husayn").canon == hussein.canon


def test_arabic_script_and_latin_meet_on_the_canonical_form() -> None:
    assert names.prepare_name(None, "محمد", "SYR").canon == names.prepare_name("Mohammed").canon
    assert names.prepare_name(None, "العلي", "SYR").canon == names.prepare_name("Al-Ali").canon
    arabic = names.prepare_name(None, "عبد الرحمن", "SYR")
    for latin in ("Abdul Rahman", "Abdulrahman", "Abd al-Rahman", "Abdurrahman"):
        assert names.prepare_name(latin).canon == arabic.canon, latin
    assert arabic.latin  # a Latin rendering for display and string similarity


def test_other_scripts_go_through_anyascii() -> None:
    assert names.prepare_name(None, "Олександр").latin == "oleksandr"


def test_partial_dates_keep_their_precision() -> None:
    assert names.parse_partial_date("1990") == names.PartialDate(1990, None, None, "year")
    assert names.parse_partial_date("1990-04").precision == "month"  # type: ignore[union-attr]
    assert names.parse_partial_date("1990-04-30").iso == "1990-04-30"  # type: ignore[union-attr]
    assert names.parse_partial_date("") is None
    for bad in ("1990-13", "1990-02-30", "90", "1990/04/03", "0990", "1990-4"):
        with pytest.raises(ValueError):
            names.parse_partial_date(bad)
    stored = names.PartialDate.from_stored(dt.date(1990, 1, 1), "estimated")
    assert (stored.iso, stored.precision) == ("1990", "estimated")


def test_prepared_row_and_household_context() -> None:
    rows = [
        names.prepare(
            names.PersonInput("a", "Khaled", None, "Haddad", sex="M", household="h", phone="+962 79 555 0101")
        ),
        names.prepare(names.PersonInput("b", "Mariam", None, "Haddad", sex="F", household="h")),
        names.prepare(names.PersonInput("c", "Lina", None, "Haddad", sex="F", household="h")),
    ]
    names.attach_households(rows)
    assert rows[0]["phone"] == "795550101"
    assert set(rows[0]["hh_names"]) == {rows[1]["given_canon"], rows[2]["given_canon"]}
    assert rows[0]["given_canon"] not in rows[0]["hh_names"]
