"""JSON text for the database's JSON columns, through orjson (several times faster than the standard
library for the many small documents an import reads and writes), with the standard library as the
fallback for what orjson refuses (integers beyond 64 bits, non-text keys, NaN and infinities), so that
whatever `json` accepted is still accepted and reads back the same.

    dumps({"a": [1, "é"]})   # '{"a":[1,"é"]}' (compact, UTF-8 text, keys in the order given)
    loads('{"a": [1]}')      # {'a': [1]}

Knows no domain: imports only orjson and json.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson


def _finite(value: Any) -> bool:
    """False when a float inside `value` is NaN or infinite (orjson would write null for it)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def dumps(value: Any) -> str:
    """`value` as compact JSON text (what `json.dumps` would read back the same)."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:  # a big integer, a key that is not text, a type orjson does not know
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if "null" in text and not _finite(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text


def loads(text: str | bytes) -> Any:
    """The value of JSON text (NaN, Infinity and big integers as `json.loads` reads them)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


__all__ = ["dumps", "loads"]
