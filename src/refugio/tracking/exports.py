"""Rendering tables (lists of dicts) as CSV, HXL-tagged CSV or JSON text, for the CLI and the API.

Imports only the standard library.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str,
    *,
    hxl: Mapping[str, str] | None = None,
) -> str:
    """`rows` as `csv`, `hxl` (CSV with the hashtag row `hxl` under the header) or `json` text."""
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, default=str)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    if fmt == "hxl":
        writer.writerow([(hxl or {}).get(c, "") for c in columns])
    for r in rows:
        writer.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buffer.getvalue()


__all__ = ["render"]
