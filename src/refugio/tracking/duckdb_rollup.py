"""Roll-up of location-round figures to admin 0, 1 and 2 with the round-on-round change, in DuckDB
(the one module of tracking that imports duckdb, lazily).

Input: columns (NumPy arrays of equal length) `country`, `admin1`, `admin2` (P-codes), `round`
(integer) and `idps` — one row per admin-2 location and round, as DTM publishes them. Output, in no
particular order (one scan with grouping sets, the change by a window per area): `level`, `pcode`,
`round`, `idps` (the sum of the rows below), `previous` (the same area's figure in its previous round
with a figure, -1 when none) and `change` (0 when none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROLLUP_SQL = """
WITH levels AS (
    SELECT CASE WHEN GROUPING(country) = 0 THEN 0 WHEN GROUPING(admin1) = 0 THEN 1 ELSE 2 END AS level,
           COALESCE(country, admin1, admin2) AS pcode, "round", SUM(idps)::BIGINT AS idps
    FROM figures
    GROUP BY GROUPING SETS ((country, "round"), (admin1, "round"), (admin2, "round"))
)
SELECT level, pcode, "round", idps,
       COALESCE(LAG(idps) OVER w, -1)::BIGINT AS previous,
       COALESCE(idps - LAG(idps) OVER w, 0)::BIGINT AS change
FROM levels
WINDOW w AS (PARTITION BY level, pcode ORDER BY "round")
"""
COLUMNS = ("country", "admin1", "admin2", "round", "idps")


def rollup(columns: Mapping[str, Any], *, threads: int | None = None) -> dict[str, Any]:
    """The admin 0/1/2 totals per round with their change (see the module docstring)."""
    import duckdb

    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.register("figures", {c: columns[c] for c in COLUMNS})
        result: dict[str, Any] = con.sql(ROLLUP_SQL).fetchnumpy()
        return result
    finally:
        con.close()


__all__ = ["COLUMNS", "ROLLUP_SQL", "rollup"]
