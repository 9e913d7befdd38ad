"""Reading the tracking source files: CSV, gzipped or not, UTF-8 with or without a BOM, with or
without an HXL hashtag row under the header. Rows come with their line numbers in the file (the
header is line 1), so every error can name its line.

A file that is not UTF-8 is refused with the line where decoding failed; a file over `max_bytes`
(uncompressed) is refused before anything is stored. Imports only the standard library and
refugio.core.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from refugio.core.errors import ValidationFailed

MAX_BYTES = 512 * 1024 * 1024


@dataclass
class Table:
    """A CSV file read whole: header, HXL tags (if any), rows with their line numbers, digest."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    hxl: list[str] = field(default_factory=list)
    sha256: str = ""


def _raw(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        raise ValidationFailed.single("file", f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:
        data: bytes = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed.single(
            "file", f"{path.name}: larger than {max_bytes // (1024 * 1024)} MB uncompressed; split it"
        )
    return data


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationFailed.single(
            "file", f"{name}: line {line}: not UTF-8 (byte {data[exc.start]:#04x}); save the file as UTF-8"
        ) from None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a quoted field may span lines)."""
    buffer = io.StringIO(text, newline="")
    reader = csv.reader(buffer)
    line = 1
    for record in reader:
        yield line, record
        line = reader.line_num + 1


def read_table(path: Path, *, required: list[str], max_bytes: int = MAX_BYTES) -> Table:
    """The table in `path`; the header must name every column of `required`."""
    data = _raw(path, max_bytes)
    text = _text(data, path.name)
    records = _records(text)
    try:
        _, header = next(records)
    except StopIteration:
        raise ValidationFailed.single("file", f"{path.name}: the file is empty") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationFailed.single(
            "file", f"{path.name}: line 1: missing column(s) {', '.join(missing)}", code="missing_column"
        )
    table = Table(header=header, rows=[], sha256=hashlib.sha256(data).hexdigest())
    for line, record in records:
        if not record or all(not v.strip() for v in record):
            continue
        if not table.rows and not table.hxl and all(v.strip().startswith("#") or not v for v in record):
            table.hxl = record
            continue
        if len(record) != len(header):
            raise ValidationFailed.single(
                "file", f"line {line}: {len(record)} fields where the header has {len(header)}"
            )
        table.rows.append((line, dict(zip(header, (v.strip() for v in record), strict=True))))
    return table


__all__ = ["MAX_BYTES", "Table", "read_table"]
