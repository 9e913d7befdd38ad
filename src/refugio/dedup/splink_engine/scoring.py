"""The desk check's pair scorer: Splink's rendered comparison SQL run on an in-process DuckDB connection
(no linker per call), kept per model; and the local Spark session of the Spark backend. Part of the
splink_engine package, the only place that imports splink (lazily).
"""

from __future__ import annotations

import math
import threading
from typing import Any

from refugio.dedup.engine import Contribution, ScoredPair
from refugio.dedup.names import COLUMNS

MAX_SCORERS = 8  # models (operations, versions) whose scorers are kept
_SCORERS: dict[str, _PairScorer] = {}
_SCORERS_LOCK = threading.Lock()


class _PairScorer:
    """Scores pairs with Splink's rendered comparison SQL on an in-process DuckDB connection."""

    def __init__(self, creator: Any) -> None:
        import duckdb

        settings = creator.get_settings("duckdb")
        prior = settings.core_model_settings.probability_two_random_records_match
        self.prior_weight = math.log2(prior / (1 - prior))
        self.comparisons: list[tuple[str, list[tuple[str, float]]]] = []
        cases = []
        for k, comp in enumerate(settings.comparisons):
            levels: list[tuple[str, float]] = []
            whens = []
            for j, lvl in enumerate(comp.comparison_levels):
                weight = 0.0 if lvl.is_null_level else float(lvl._log2_bayes_factor)
                label = "null" if lvl.is_null_level else str(lvl.label_for_charts)
                levels.append((label, weight))
                cond = lvl.sql_condition
                whens.append(f"ELSE {j}" if cond.strip().upper() == "ELSE" else f"WHEN {cond} THEN {j}")
            whens.sort(key=lambda w: w.startswith("ELSE"))
            cases.append(f"CASE {' '.join(whens)} END AS c{k}")
            self.comparisons.append((comp.output_column_name, levels))
        pair_cols = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in COLUMNS)
        self.sql = (
            f"SELECT unique_id_l, unique_id_r, {', '.join(cases)} FROM "
            f"(SELECT {pair_cols} FROM probe AS l CROSS JOIN candidates AS r)"
        )
        self.con = duckdb.connect()
        self.con.execute("SET threads = 1")
        self.lock = threading.Lock()

    def score(self, probe: Any, candidates: Any) -> list[ScoredPair]:
        with self.lock:
            self.con.register("probe", probe)
            self.con.register("candidates", candidates)
            try:
                rows = self.con.execute(self.sql).fetchall()
            finally:
                self.con.unregister("probe")
                self.con.unregister("candidates")
        out = []
        for row in rows:
            total = self.prior_weight
            contributions = []
            for (name, levels), j in zip(self.comparisons, row[2:], strict=True):
                label, weight = levels[int(j)]
                total += weight
                contributions.append(Contribution(name, label, round(weight, 3)))
            out.append(ScoredPair(str(row[0]), str(row[1]), total, tuple(contributions)))
        out.sort(key=lambda p: -p.match_weight)
        return out


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
