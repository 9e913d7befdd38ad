"""Python's garbage collector held back over the pages of an import (staging, validation, commit).

Imports only the standard library.
"""

from __future__ import annotations

import gc


class Collector:
    """Python's cyclic garbage collector held back over a long import, run at the end of each chunk or
    page instead (staging and validation in `pipeline`, the commit in `service.commit_batch`).

    An import allocates millions of short-lived containers (cells, values, rows); the collector, triggered
    every 700 of them, walks the young ones each time and, as the rows of a chunk survive into the old
    generation, the whole heap again and again: about 40 % of staging's CPU, 20 % of validation's and 25 %
    of the commit's (benchmarks/intake.py's file, 20,000 rows, SQLite). Here the objects alive when the
    import starts are frozen (`gc.freeze`: never walked again until it ends), automatic collection is off,
    and `step()` after each chunk or page collects what that chunk left (the objects walked are only those
    made since the import began: one chunk's worth), so memory stays flat. Restored as it was at the end,
    even on an error. Process-wide, as the collector is: another thread's garbage meanwhile waits at most
    one chunk for the next `step()`. Nested or concurrent imports leave the collector on once the first of
    them ends (slower, never wrong)."""

    def __init__(self) -> None:
        self.paused = False

    def __enter__(self) -> Collector:
        if gc.isenabled():
            gc.freeze()
            gc.disable()
            self.paused = True
        return self

    def step(self) -> None:
        if self.paused:
            gc.collect()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.unfreeze()
            gc.enable()
            self.paused = False
