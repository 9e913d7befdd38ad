"""The one scoring path of the linkage: Splink's rendered comparison SQL, with the model's weights as
literals and the term-frequency adjustment from the model's own name counts, run on an in-process
DuckDB connection. The desk check scores a probe against its candidates with it; a batch run
(`predict`, `cluster`) scores its blocked pairs with the very same SQL, so one pair gets one
probability whichever way it is asked. Kept per model; and the local Spark session of the Spark
backend. Part of the splink_engine package, the only place that imports splink (lazily).

Term frequencies (rare names weigh more, common ones less): for the exact level of a name, Splink's
adjustment `TF_WEIGHT · (log2 u_exact − log2 tf)` with tf = the name's count among the records the
model was trained on ÷ their number (a name not counted there counts once). The counts belong to
the model (`term_frequencies` among its stored parameters), not to whichever records are being
linked, so a batch preselected for sharing names (an import screened against the registry) is scored
like the desk.

Two records of the same registration (household) are never a pair: by construction they are two
different people (siblings, twins, a parent and a child share names, dates and the household's
context).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

from refugio.dedup.engine import Contribution, ScoredPair
from refugio.dedup.names import COLUMNS

MAX_SCORERS = 8  # models (operations, versions) whose scorers are kept
_SCORERS: dict[str, _PairScorer] = {}
_SCORERS_LOCK = threading.Lock()

TF_WEIGHT = 0.5  # see comparisons.py on the strength chosen
# (comparison, level label) → the column whose value's frequency adjusts that level's weight
TF_LEVELS: dict[tuple[str, str], str] = {
    ("given_name", "exact"): "given_latin",
    ("family_name", "exact"): "family_latin",
}
TF_MIN_RECORDS = 1000  # fewer records say nothing of how common a name is: no adjustment
TF_MIN_COUNT = 2  # names counted fewer times are not stored (they count once)
SAME_REGISTRATION = "coalesce(household_l = household_r, false)"


def term_frequencies(columns: Mapping[str, list[Any]]) -> dict[str, Any] | None:
    """The name counts a model keeps for its term-frequency adjustment (None below TF_MIN_RECORDS)."""
    n = len(columns["unique_id"])
    if n < TF_MIN_RECORDS:
        return None
    out: dict[str, Any] = {"records": n}
    for column in sorted(set(TF_LEVELS.values())):
        counts: dict[str, int] = {}
        for value in columns[column]:
            if value:
                counts[value] = counts.get(value, 0) + 1
        out[column] = {k: v for k, v in sorted(counts.items()) if v >= TF_MIN_COUNT}
    return out


def _lit(x: float) -> str:
    return f"CAST({x!r} AS DOUBLE)"


class _PairScorer:
    """Scores pairs with Splink's rendered comparison SQL on an in-process DuckDB connection."""

    def __init__(self, creator: Any, tf: Mapping[str, Any] | None = None) -> None:
        import duckdb
        import pyarrow as pa  # type: ignore[import-untyped]

        settings = creator.get_settings("duckdb")
        prior = settings.core_model_settings.probability_two_random_records_match
        self.prior_weight = math.log2(prior / (1 - prior))
        self.comparisons: list[tuple[str, list[tuple[str, float]]]] = []
        self.con = duckdb.connect()
        self.con.execute("SET threads = 1")
        self.lock = threading.Lock()
        cases, weights, joins, tf_selects = [], [], [], []
        for k, comp in enumerate(settings.comparisons):
            levels: list[tuple[str, float]] = []
            whens, wcase = [], []
            tf_term = ""
            for j, lvl in enumerate(comp.comparison_levels):
                weight = 0.0 if lvl.is_null_level else float(lvl._log2_bayes_factor)
                label = "null" if lvl.is_null_level else str(lvl.label_for_charts)
                levels.append((label, weight))
                cond = lvl.sql_condition
                whens.append(f"ELSE {j}" if cond.strip().upper() == "ELSE" else f"WHEN {cond} THEN {j}")
                wcase.append(f"WHEN {j} THEN {_lit(weight)}")
                column = TF_LEVELS.get((comp.output_column_name, label))
                if column and tf and tf.get("records"):
                    table = f"tf_{column}"
                    rows = tf.get(column) or {}
                    n = float(tf["records"])
                    self.con.register(
                        f"{table}_src",
                        pa.table(
                            {
                                "value": pa.array(list(rows), pa.string()),
                                "tf": pa.array([c / n for c in rows.values()], pa.float64()),
                            }
                        ),
                    )
                    self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_src")
                    self.con.unregister(f"{table}_src")
                    joins.append(f"LEFT JOIN {table} AS t{k} ON t{k}.value = s.{column}_l")
                    log2_u = math.log2(float(lvl.u_probability))
                    tf_selects.append(f", coalesce(t{k}.tf, {_lit(1.0 / n)}) AS tf{k}")
                    tf_term = (
                        f" + CASE WHEN c{k} = {j} THEN {_lit(TF_WEIGHT)} * "
                        f"({_lit(log2_u)} - log2(tf{k})) ELSE {_lit(0.0)} END"
                    )
            whens.sort(key=lambda w: w.startswith("ELSE"))
            cases.append(f"CASE {' '.join(whens)} END AS c{k}")
            weights.append(f"(CASE c{k} {' '.join(wcase)} END{tf_term}) AS w{k}")
            self.comparisons.append((comp.output_column_name, levels))
        self.n = len(self.comparisons)
        total = " + ".join([_lit(self.prior_weight), *(f"w{k}" for k in range(self.n))])
        self._levels_sql = f"SELECT *, {', '.join(cases)} FROM ({{source}}) WHERE NOT ({SAME_REGISTRATION})"
        self._weights_sql = (
            f"SELECT unique_id_l, unique_id_r, {', '.join(f'c{k}' for k in range(self.n))}, "
            f"{', '.join(weights)} FROM (SELECT s.unique_id_l, s.unique_id_r, "
            f"{', '.join(f's.c{k}' for k in range(self.n))}{''.join(tf_selects)} "
            f"FROM ({{levels}}) AS s {' '.join(joins)}) AS s"
        )
        self._total = total

    def sql(self, source: str, *, min_weight: float | None = None) -> str:
        """The scoring query over `source` (a query with `<column>_l` and `<column>_r` for every
        prepared column): unique_id_l, unique_id_r, c<k> (level index), w<k> (weight), mw (total)."""
        levels = self._levels_sql.format(source=source)
        inner = self._weights_sql.format(levels=levels)
        where = f" WHERE mw >= {_lit(min_weight)}" if min_weight is not None else ""
        return f"SELECT * FROM (SELECT *, {self._total} AS mw FROM ({inner})){where}"

    def pairs(self, rows: list[tuple[Any, ...]]) -> list[ScoredPair]:
        out = []
        n = self.n
        for row in rows:
            contributions = []
            for k, (name, levels) in enumerate(self.comparisons):
                label = levels[int(row[2 + k])][0]
                contributions.append(Contribution(name, label, round(float(row[2 + n + k]), 3)))
            out.append(ScoredPair(str(row[0]), str(row[1]), float(row[2 + 2 * n]), tuple(contributions)))
        return out

    def score(self, probe: Any, candidates: Any) -> list[ScoredPair]:
        """Every probe record against every candidate (the desk check), best first."""
        pair_cols = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in COLUMNS)
        source = f"SELECT {pair_cols} FROM probe AS l CROSS JOIN candidates AS r"
        with self.lock:
            self.con.register("probe", probe)
            self.con.register("candidates", candidates)
            try:
                rows = self.con.execute(self.sql(source)).fetchall()
            finally:
                self.con.unregister("probe")
                self.con.unregister("candidates")
        out = self.pairs(rows)
        out.sort(key=lambda p: -p.match_weight)
        return out

    def score_blocked(
        self,
        records: Any,
        rules: list[str],
        *,
        min_weight: float,
        threads: int | None = None,
        probes: bool = False,
    ) -> list[ScoredPair]:
        """The pairs of `records` (Arrow, prepared columns with the `bk_*` blocking keys and `bk_row`)
        that a blocking rule (`l.<key> = r.<key>`) joins, scored by the same SQL as `score`; those at
        or above `min_weight`. With `probes`, `records` has a boolean column `bk_probe` and only the
        pairs with at least one probe are joined and scored (a batch screened against candidates: two
        candidates are never compared with each other)."""
        pair_cols = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in COLUMNS)
        touching = " AND (l.bk_probe OR r.bk_probe)" if probes else ""
        joins = " UNION ".join(
            "SELECT least(l.bk_row, r.bk_row) AS a, greatest(l.bk_row, r.bk_row) AS b "
            f"FROM recs AS l JOIN recs AS r ON {rule} AND l.bk_row <> r.bk_row{touching}"
            for rule in rules
        )
        source = (
            f"SELECT {pair_cols} FROM ({joins}) AS p JOIN recs AS l ON l.bk_row = p.a "
            "JOIN recs AS r ON r.bk_row = p.b"
        )
        with self.lock:
            self.con.register("recs", records)
            try:
                self.con.execute(f"SET threads = {int(threads or 2)}")
                rows = self.con.execute(self.sql(source, min_weight=min_weight)).fetchall()
            finally:
                self.con.execute("SET threads = 1")
                self.con.unregister("recs")
        return self.pairs(rows)


def table_of(linker: Any) -> Any:
    """The input table a linker was built on."""
    return next(iter(linker._input_tables_dict.values()))


_SPARK_LOCK = threading.Lock()
_SPARK: Any = None


def local_spark() -> Any:
    """A small local Spark session (2 cores), created once per process."""
    global _SPARK
    with _SPARK_LOCK:
        if _SPARK is None:
            from pyspark.sql import SparkSession
            from splink.backends.spark import similarity_jar_location

            _SPARK = (
                SparkSession.builder.master("local[2]")
                .appName("refugio-dedup")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", "2g")
                .config("spark.jars", similarity_jar_location())  # Splink's string-similarity UDFs
                .getOrCreate()
            )
            _SPARK.sparkContext.setLogLevel("ERROR")
            import tempfile

            _SPARK.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="refugio-spark-"))
        return _SPARK
