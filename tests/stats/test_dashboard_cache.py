"""The dashboard's cache computes a missing entry once, however many requests ask for it at the same time
(the page, its charts, the charts drawn in the background), and a failed computation is not kept."""

from __future__ import annotations

import threading
import time

import pytest

from refugio.stats.dashboard import _Lru


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
