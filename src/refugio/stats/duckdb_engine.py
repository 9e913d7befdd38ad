"""The counting engine: registered people as columns (NumPy), counted over any dimensions.

The store's rows arrive in partitions and are dictionary-encoded into small integer arrays, dates as
YYYYMMDD integers (so that `(reference - date_of_birth) // 10000` is the exact age in completed years).
Counting then takes one of two paths, with the same result:

* **dense**: when the cross-product of the dimensions' members is small (up to `DENSE_LIMIT` cells, the
  case of every standard table), each person's cell number is computed with vector arithmetic and the
  cells are counted with `numpy.bincount`: no hashing, no sorting;
* **DuckDB**: otherwise, a GROUP BY over the same code arrays, scanned in place by DuckDB.

This is the only module that imports NumPy or DuckDB, and it does so lazily (from the functions that
need them), so importing refugio stays fast. Imports refugio.stats.brackets only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from refugio.stats.brackets import DEFAULT, MAX_AGE, AgeBrackets, ymd

if TYPE_CHECKING:
    from numpy.typing import NDArray

DENSE_LIMIT = 8_000_000  # cells; the bincount array is 8 bytes a cell
Period = Literal["day", "week", "month", "year"]
Basis = Literal["stock", "arrivals", "registrations"]

# the columns of a population frame, in the order of the rows handed to `build_frame`; `household` is a
# number per household (the same for the members of one household), counted by `households`
COLUMNS = ("sex", "dob", "population_type", "origin", "site", "arrival", "entry", "exit", "household")
CATEGORICAL = ("sex", "population_type", "origin", "site")
DIMENSIONS = ("sex", "age", "population_type", "origin", "site", "period")


class _Encoder(dict[Any, int]):
    """Value → small integer code, assigning the next code to a value not seen before."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


@dataclass
class Frame:
    """Registered people, one array element each. `values[col]` decodes the codes of a categorical column;
    0 in `arrival`/`exit` means "none"."""

    n: int
    columns: dict[str, NDArray[Any]]
    values: dict[str, list[str]] = field(default_factory=dict)


def build_frame(partitions: Iterable[Sequence[Sequence[Any]]]) -> Frame:
    """Columns from row partitions of (sex, dob YYYYMMDD, population type, origin, site, arrival YYYYMMDD
    or None, entry YYYYMMDD, exit YYYYMMDD or None, household id: numbered here)."""
    import numpy as np

    encoders = {c: _Encoder() for c in (*CATEGORICAL, "household")}
    chunks: dict[str, list[NDArray[Any]]] = {c: [] for c in COLUMNS}
    total = 0
    for rows in partitions:
        if not rows:
            continue
        n = len(rows)
        total += n
        cols = list(zip(*rows, strict=True))
        for i, name in enumerate(COLUMNS):
            if name in encoders:
                enc = encoders[name]
                chunks[name].append(np.fromiter(map(enc.__getitem__, cols[i]), dtype=np.int32, count=n))
            else:
                chunks[name].append(np.fromiter((v or 0 for v in cols[i]), dtype=np.int32, count=n))
    columns = {
        name: (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32))
        for name, parts in chunks.items()
    }
    values = {
        name: [str(v) if v is not None else "" for v in enc]
        for name, enc in encoders.items()
        if name in CATEGORICAL
    }
    return Frame(total, columns, values)


def frame_from_arrays(columns: dict[str, NDArray[Any]], values: dict[str, list[str]]) -> Frame:
    """A frame from ready-made code arrays (the benchmark builds its 10 M people this way)."""
    lengths = {len(a) for a in columns.values()}
    if len(lengths) != 1 or set(columns) != set(COLUMNS):
        raise ValueError(f"give the columns {COLUMNS}, all of one length")
    return Frame(lengths.pop(), dict(columns), dict(values))


# ---------------------------------------------------------------------------------------------
# packed blocks (the snapshot's storage, refugio.stats.snapshot)

_INTS = ("dob", "arrival", "entry", "exit")
_UINTS = ("household",)  # little-endian uint32 in a packed block


def pack_rows(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows in the order of COLUMNS as one byte string: a JSON header (row count, the values of each
    categorical column) then each column as little-endian integers (categorical codes uint16, dates
    int32 with 0 for none, household numbers uint32)."""
    import json

    import numpy as np

    cols = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    values: dict[str, list[str]] = {}
    parts: list[bytes] = []
    for name, col in zip(COLUMNS, cols, strict=True):
        if name in CATEGORICAL:
            enc = _Encoder()
            codes = np.fromiter(map(enc.__getitem__, col), dtype="<u2", count=len(col))
            values[name] = [str(v) if v is not None else "" for v in enc]
            parts.append(codes.tobytes())
        else:
            kind = "<u4" if name in _UINTS else "<i4"
            values_of = col if None not in col else [v or 0 for v in col]
            parts.append(np.fromiter(values_of, dtype=kind, count=len(col)).tobytes())
    header = json.dumps({"n": len(rows), "values": values}, separators=(",", ":")).encode()
    return len(header).to_bytes(4, "little") + header + b"".join(parts)


def frame_from_packed(payloads: Iterable[bytes], *, keep_sites: set[str] | None = None) -> Frame:
    """One frame from packed blocks (`pack_rows`), categorical codes made common to all blocks; only the
    people of `keep_sites` when given."""
    import json

    import numpy as np

    encoders = {c: _Encoder() for c in CATEGORICAL}
    chunks: dict[str, list[NDArray[Any]]] = {c: [] for c in COLUMNS}
    for payload in payloads:
        size = int.from_bytes(payload[:4], "little")
        header = json.loads(payload[4 : 4 + size])
        n, offset = int(header["n"]), 4 + size
        block: dict[str, NDArray[Any]] = {}
        for name in COLUMNS:
            if name in CATEGORICAL:
                codes = np.frombuffer(payload, dtype="<u2", count=n, offset=offset)
                offset += 2 * n
                lut = np.fromiter((encoders[name][v] for v in header["values"][name]), dtype=np.int32)
                block[name] = lut[codes] if n else np.zeros(0, dtype=np.int32)
            elif name in _UINTS:
                block[name] = np.frombuffer(payload, dtype="<u4", count=n, offset=offset).astype(np.int64)
                offset += 4 * n
            else:
                block[name] = np.frombuffer(payload, dtype="<i4", count=n, offset=offset).astype(np.int32)
                offset += 4 * n
        if keep_sites is not None:
            site_values = list(encoders["site"])
            keep = np.asarray([site_values[k] in keep_sites for k in range(len(site_values))], dtype=bool)
            mask = keep[block["site"]] if len(keep) else np.zeros(n, dtype=bool)
            block = {k: a[mask] for k, a in block.items()}
        for name in COLUMNS:
            chunks[name].append(block[name])
    columns = {
        name: (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32))
        for name, parts in chunks.items()
    }
    values = {name: [str(v) for v in enc] for name, enc in encoders.items()}
    return Frame(len(columns["sex"]), columns, values)


# ---------------------------------------------------------------------------------------------
# counting


def households(frame: Frame) -> int:
    """Households with at least one person of the frame still there (no exit date: active)."""
    import numpy as np

    numbers = frame.columns["household"][frame.columns["exit"] == 0]
    if not len(numbers):
        return 0
    seen = np.zeros(int(numbers.max()) + 1, dtype=bool)
    seen[numbers] = True
    return int(np.count_nonzero(seen))


@dataclass
class Counts:
    """Non-empty cells: `codes[d][i]` is the member (index into `members[d]`) of cell i on dimension d."""

    dims: tuple[str, ...]
    members: list[list[str]]
    codes: list[NDArray[Any]]
    values: NDArray[Any]
    path: str = "dense"

    def as_dict(self) -> dict[tuple[str, ...], int]:
        labels = [[m[int(c)] for c in codes] for m, codes in zip(self.members, self.codes, strict=True)]
        return {tuple(col[i] for col in labels): int(v) for i, v in enumerate(self.values.tolist())}

    @property
    def total(self) -> int:
        return int(self.values.sum())


def _ymd_to_days(ymd_values: NDArray[Any]) -> NDArray[Any]:
    """YYYYMMDD integers → days since 1970-01-01."""
    import numpy as np

    y, rest = np.divmod(ymd_values.astype(np.int64), 10000)
    m, d = np.divmod(rest, 100)
    months = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    days: NDArray[Any] = (months.astype("datetime64[D]") + (d - 1)).astype(np.int64)
    return days


def _period_codes(dates: NDArray[Any], period: Period) -> tuple[NDArray[Any], list[str]]:
    """Period codes (0..k-1, contiguous from the earliest) and their labels."""
    import numpy as np

    if len(dates) == 0:
        return np.zeros(0, dtype=np.int64), []
    if period == "year":
        keys = dates // 10000
        lo, hi = int(keys.min()), int(keys.max())
        return (keys - lo).astype(np.int64), [str(y) for y in range(lo, hi + 1)]
    if period == "month":
        y, rest = np.divmod(dates, 10000)
        keys = y * 12 + rest // 100 - 1
        lo, hi = int(keys.min()), int(keys.max())
        return (keys - lo).astype(np.int64), [f"{k // 12:04d}-{k % 12 + 1:02d}" for k in range(lo, hi + 1)]
    days = _ymd_to_days(dates)
    if period == "week":  # ISO weeks start on Monday; 1970-01-01 was a Thursday
        keys = (days + 3) // 7
        lo, hi = int(keys.min()), int(keys.max())
        start = dt.date(1970, 1, 1) - dt.timedelta(days=3)
        labels = [(start + dt.timedelta(weeks=k)).isoformat() for k in range(lo, hi + 1)]
        return (keys - lo).astype(np.int64), labels
    lo, hi = int(days.min()), int(days.max())
    base = dt.date(1970, 1, 1)
    return (days - lo).astype(np.int64), [
        (base + dt.timedelta(days=k)).isoformat() for k in range(lo, hi + 1)
    ]


def count(
    frame: Frame,
    *,
    dims: Sequence[str],
    reference: dt.date,
    brackets: AgeBrackets = DEFAULT,
    basis: Basis = "stock",
    period: Period = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    engine: Literal["auto", "dense", "duckdb"] = "auto",
) -> Counts:
    """Count people over `dims` (any of sex, age, population_type, origin, site, period).

    basis "stock": people registered on or before `reference` and still there (not departed, deceased or
    inactive by then); "arrivals"/"registrations": people who arrived / were registered between `start`
    and `end` (inclusive; default: everything up to `reference`), the period being that date's.
    Ages are exact completed years at `reference`, whatever the basis."""
    import numpy as np

    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown or len(set(dims)) != len(dims):
        raise ValueError(f"dimensions must be distinct and among {DIMENSIONS}: {list(dims)}")
    c = frame.columns
    ref = ymd(reference)
    if basis == "stock":
        mask = (c["entry"] <= ref) & ((c["exit"] == 0) | (c["exit"] > ref))
        when = np.where(c["arrival"] > 0, c["arrival"], c["entry"])
    else:
        when = (
            c["entry"] if basis == "registrations" else np.where(c["arrival"] > 0, c["arrival"], c["entry"])
        )
        lo = ymd(start) if start else 0
        hi = ymd(end) if end else ref
        mask = (when >= lo) & (when <= hi)
    selected = np.flatnonzero(mask)

    codes: list[NDArray[Any]] = []
    members: list[list[str]] = []
    for d in dims:
        if d == "age":
            lut = np.asarray(brackets.lookup(), dtype=np.int64)
            age = np.clip((ref - c["dob"][selected]) // 10000, 0, MAX_AGE)
            codes.append(lut[age])
            members.append(brackets.labels)
        elif d == "period":
            pc, labels = _period_codes(when[selected], period)
            codes.append(pc)
            members.append(labels)
        else:
            codes.append(c[d][selected].astype(np.int64))
            members.append(list(frame.values.get(d, [])))
    sizes = [max(len(m), 1) for m in members]
    cells = int(np.prod(np.asarray(sizes, dtype=np.float64))) if sizes else 1
    use_dense = engine == "dense" or (engine == "auto" and cells <= DENSE_LIMIT)
    if not dims:
        return Counts((), [], [], np.asarray([len(selected)], dtype=np.int64), "dense")
    if use_dense:
        key = np.zeros(len(selected), dtype=np.int64)
        for code, size in zip(codes, sizes, strict=True):
            key *= size
            key += code
        binned = np.bincount(key, minlength=cells)
        nonzero = np.flatnonzero(binned)
        out_codes: list[NDArray[Any]] = []
        rest = nonzero
        for size in reversed(sizes):
            rest, digit = np.divmod(rest, size)
            out_codes.append(digit)
        return Counts(tuple(dims), members, out_codes[::-1], binned[nonzero], "dense")
    return _count_duckdb(tuple(dims), members, codes)


def _count_duckdb(dims: tuple[str, ...], members: list[list[str]], codes: list[NDArray[Any]]) -> Counts:
    import duckdb
    import numpy as np

    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        names = [f"d{i}" for i in range(len(dims))]
        cells = dict(zip(names, codes, strict=True))
        con.register("cells", cells)
        result = con.sql(
            f"SELECT {', '.join(names)}, count(*) AS n FROM cells GROUP BY ALL ORDER BY {', '.join(names)}"
        ).fetchnumpy()
    finally:
        con.close()
    return Counts(
        dims,
        members,
        [np.asarray(result[n], dtype=np.int64) for n in names],
        np.asarray(result["n"], dtype=np.int64),
        "duckdb",
    )
