"""The same linkage on Splink's Spark backend, in local mode (one small test: the JVM takes a while)."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest
from tests.dedup.test_link import HEADER, ROWS
from typer.testing import CliRunner

from refugio.cli.app import app

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]


def test_link_on_local_spark_gives_the_duckdb_clusters(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    outputs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        result = CliRunner().invoke(
            app, ["dedup", "link", str(src), "--out", str(out), "--engine", engine, "--quiet"]
        )
        assert result.exit_code == 0, result.output
        with out.open(encoding="utf-8") as f:
            outputs[engine] = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(f)}
    assert set(outputs["spark"]) == {str(i) for i in range(1, 7)}

    def groups(clusters: dict[str, str]) -> set[frozenset[str]]:
        by: dict[str, set[str]] = {}
        for rid, cid in clusters.items():
            by.setdefault(cid, set()).add(rid)
        return {frozenset(g) for g in by.values()}

    assert groups(outputs["spark"]) == groups(outputs["duckdb"])
    assert frozenset({"1", "2", "3"}) in groups(outputs["spark"])
