"""The benchmark store of benchmarks/stats.py: N generated people written into a fresh refugio store at
migration head (operation BEN, 20 sites, N/4 households and N individuals in the real tables) with bulk
SQL — executemany on SQLite, COPY on PostgreSQL — not through the registration service (that path is
benchmarked elsewhere). Used by benchmarks/stats.py and benchmarks/stats_web.py.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ORIGINS = ["SYR", "AFG", "SSD", "SDN", "COD", "UKR", "VEN", "MMR", "SOM", "ERI"]
SITES = [f"S{i:02d}" for i in range(20)]
SEXES = ["F", "M", "X"]
POP_TYPES = ["refugee", "asylum_seeker", "migrant", "stateless", "idp", "returnee", "host_community"]
OP_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def iso(ymd_value: int) -> str:
    return f"{ymd_value // 10000:04d}-{ymd_value // 100 % 100:02d}-{ymd_value % 100:02d}"


def _uuid_hex(kind: int, i: int) -> str:
    return f"{kind:08x}0000400080000{i:011x}"


def store_rows(cols: dict[str, np.ndarray]) -> tuple[Iterator[tuple[Any, ...]], Iterator[tuple[Any, ...]]]:
    """(households, individuals) as tuples in the column order of INSERT_* below (dates as ISO text)."""
    n = len(cols["sex"])
    now = "2026-11-01 00:00:00.000000"

    def households() -> Iterator[tuple[Any, ...]]:
        arrival, site, origin = (cols[k][::4].tolist() for k in ("arrival", "site", "origin"))
        for h in range((n + 3) // 4):
            size = min(4, n - h * 4)
            day = iso(arrival[h])
            yield (
                _uuid_hex(2, h),
                f"BEN-26-{h:08d}",
                OP_ID.hex,
                _uuid_hex(1, site[h]),
                "basic",
                day,
                "in_person",
                day,
                ORIGINS[origin[h]],
                size,
                "active",
                1,
                now,
                now,
            )

    def individuals() -> Iterator[tuple[Any, ...]]:
        sex, dob, pop, origin, site, arrival = (
            cols[k].tolist() for k in ("sex", "dob", "population_type", "origin", "site", "arrival")
        )
        for i in range(n):
            h = i // 4
            yield (
                _uuid_hex(3, i),
                f"BEN-26-{h:08d}-{i % 4 + 1:02d}",
                _uuid_hex(2, h),
                OP_ID.hex,
                _uuid_hex(1, site[i]),
                "focal_point" if i % 4 == 0 else "other_relative",
                "A",
                "B",
                "a",
                "b",
                SEXES[sex[i]],
                iso(dob[i]),
                "exact",
                ORIGINS[origin[i]],
                "[]",
                POP_TYPES[pop[i]],
                iso(arrival[i]),
                "active",
                1,
                "[]",
                1,
                now,
                now,
            )

    return households(), individuals()


HH_COLS = (
    "id",
    "ref",
    "operation_id",
    "site_id",
    "registration_level",
    "registration_date",
    "registration_method",
    "arrival_date",
    "country_of_origin",
    "size",
    "status",
    "version",
    "created_at",
    "updated_at",
)
IND_COLS = (
    "id",
    "ref",
    "household_id",
    "operation_id",
    "site_id",
    "relationship_to_focal_point",
    "given_name",
    "family_name",
    "given_norm",
    "family_norm",
    "sex",
    "date_of_birth",
    "dob_precision",
    "country_of_origin",
    "languages",
    "population_type",
    "arrival_date",
    "status",
    "consent_given",
    "consent_purposes",
    "version",
    "created_at",
    "updated_at",
)


def _setup_store(url: str) -> None:
    from refugio.store import migrate
    from refugio.store.engine import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO operation (id, code, name, country_iso3, created_at, updated_at) VALUES "
            f"('{OP_ID.hex if engine.dialect.name == 'sqlite' else OP_ID}', 'BEN', 'Benchmark', 'JOR', "
            "'2026-01-01', '2026-01-01')"
        )
        for s, code in enumerate(SITES):
            sid = _uuid_hex(1, s)
            sid = sid if engine.dialect.name == "sqlite" else str(uuid.UUID(sid))
            oid = OP_ID.hex if engine.dialect.name == "sqlite" else str(OP_ID)
            conn.exec_driver_sql(
                "INSERT INTO site (id, operation_id, code, name, kind, created_at, updated_at) VALUES "
                f"('{sid}', '{oid}', '{code}', 'Site {code}', 'camp', '2026-01-01', '2026-01-01')"
            )
    engine.dispose()


def load_sqlite(path: Path, cols: dict[str, np.ndarray]) -> float:
    url = f"sqlite:///{path}"
    _setup_store(url)
    t = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    households, individuals = store_rows(cols)
    con.executemany(
        f"INSERT INTO household ({', '.join(HH_COLS)}) VALUES ({', '.join('?' * len(HH_COLS))})", households
    )
    con.executemany(
        f"INSERT INTO individual ({', '.join(IND_COLS)}) VALUES ({', '.join('?' * len(IND_COLS))})",
        individuals,
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - t


def load_postgres(url: str, cols: dict[str, np.ndarray]) -> float:
    import psycopg

    from refugio.store.engine import normalise_url

    _setup_store(url)
    t = time.perf_counter()
    plain = normalise_url(url).replace("postgresql+psycopg://", "postgresql://")
    households, individuals = store_rows(cols)
    with psycopg.connect(plain) as con, con.cursor() as cur:
        for table, columns, rows in (
            ("household", HH_COLS, households),
            ("individual", IND_COLS, individuals),
        ):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for k, row in enumerate(rows, 1):
                    writer.writerow(row)
                    if k % 200_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer.seek(0)
                        buffer.truncate()
                copy.write(buffer.getvalue())
        cur.execute("ANALYZE household")
        cur.execute("ANALYZE individual")
    return time.perf_counter() - t
