"""The database's JSON text through orjson: the same values as the standard library reads and writes,
including what orjson refuses (big integers, non-text keys, NaN), and an import row's canonical text
byte for byte (its hash recognises rows staged before)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid

import pytest

from refugio.intake.households import values_json
from refugio.store import jsontext

VALUES = [
    {"a": 1, "b": "é ش 中", "c": [1, "x", None, True], "d": {"e": []}},
    {"big": 2**70, "neg": -(2**70)},
    {1: "non-text key"},
    [1.5, 0.1, 1e16, -0.0],
    '\u2028\x00"\\',
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_reads_back_as_the_standard_library_would(value: object) -> None:
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))
    assert jsontext.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_nan_and_infinity_are_kept_not_turned_into_null() -> None:
    text = jsontext.dumps({"x": math.nan, "y": [math.inf]})
    back = jsontext.loads(text)
    assert math.isnan(back["x"]) and back["y"] == [math.inf]
    assert jsontext.loads("[NaN, 1]")[1] == 1  # text orjson refuses is read by the standard library


ROWS = [
    {"given_name": "Omar", "family_name": "خليل", "needs": ["SP-CH"], "stated_age": 40, "consent": True},
    {"date_of_birth": dt.date(2020, 1, 2), "at": dt.datetime(2020, 1, 2, 3, 4, 5), "t": dt.time(3, 4)},
    {"z": uuid.UUID(int=5), "amount": decimal.Decimal("1.20"), "n": None},
    {"score": 1.5, "big": 1e16, "list": [0.1, 2]},
    {"big": 2**70},
]


@pytest.mark.parametrize("values", ROWS)
def test_an_import_rows_text_is_the_standard_librarys_byte_for_byte(values: dict[str, object]) -> None:
    expected = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    assert values_json(values) == expected
