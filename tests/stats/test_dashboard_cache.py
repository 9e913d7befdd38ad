"""The dashboard's cache computes a missing entry once, however many requests ask for it at the same time
(the page, its charts, the charts drawn in the background), a failed computation is not kept, and a
chart is drawn again only when its published table changed."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest

from refugio.stats import dashboard
from refugio.stats.dashboard import Dashboard, _Lru
from refugio.stats.disclosure import DEFAULT_RULE
from refugio.stats.registrations import KeyFigures
from refugio.stats.tables import TOTAL, Column, Table


def test_concurrent_misses_of_one_key_are_computed_once() -> None:
    cache = _Lru(4)
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        time.sleep(0.3)
        return "drawn"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_make("k", make))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["drawn"] * 4 and len(calls) == 1
    assert cache.misses == 1 and cache.hits == 3
    assert cache.get_or_make("k", make, counted=False) == "drawn" and cache.hits == 3


def test_a_failed_computation_is_not_kept() -> None:
    cache = _Lru(4)

    def fail() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get_or_make("k", fail)
    assert cache.get_or_make("k", lambda: "ok") == "ok"


def _board(tables: dict[str, Table], generation: int) -> Dashboard:
    figures = KeyFigures(dt.date(2026, 11, 1), 30, 8, 50.0, 40.0, 2, 5, DEFAULT_RULE)
    key = (generation, "op", dt.date(2026, 11, 1))
    return Dashboard(uuid.uuid4(), "JOR", "Jordan", dt.date(2026, 11, 1), "month", figures, tables, key)


def _by_site(counts: dict[str, int]) -> Table:
    return Table(
        name="by-site",
        title="People by site",
        columns=[Column("site", "Site", "#loc+code", "label"), Column(TOTAL.lower(), "Total", "#affected")],
        rows=[[site, n] for site, n in counts.items()],
        rule=DEFAULT_RULE,
    )


def test_a_chart_is_drawn_again_only_when_its_table_changed() -> None:
    """After a write (a new generation, so a new dashboard), a chart whose published table is the same
    is served from the cache; one whose table changed is drawn again."""
    dashboard.clear_cache()
    first = _board({"by-site": _by_site({"A": 20, "B": 10})}, generation=1)
    drawn = dashboard.chart(first, "by-site", "svg")
    before = dashboard.cache_stats()
    same = _board({"by-site": _by_site({"A": 20, "B": 10})}, generation=2)
    assert dashboard.chart(same, "by-site", "svg") == drawn
    after = dashboard.cache_stats()
    assert after["chart_hits"] == before["chart_hits"] + 1
    assert after["chart_misses"] == before["chart_misses"]
    changed = _board({"by-site": _by_site({"A": 20, "B": 15})}, generation=3)
    assert dashboard.chart(changed, "by-site", "svg") != drawn
    assert dashboard.cache_stats()["chart_misses"] == after["chart_misses"] + 1
    assert dashboard.chart(changed, "by-site", "png") != dashboard.chart(changed, "by-site", "svg")
