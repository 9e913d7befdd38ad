"""The operation dashboard's statistics — key figures and standard tables — and its charts, cached.

Entries are keyed by the operation, the reference date, the period, the disclosure rule, the sites the
actor may count, and the snapshot's generation (`snapshot.generation`, bumped whenever a committed write
changed anything the dashboard shows: people, households, exit dates, sites, specific needs). A write is
therefore seen by the next request, which brings the snapshot up to date and misses the cache; nothing is
evicted by time. Permission is checked on every call, cached or not. One process-wide LRU of CACHE_SIZE
dashboards and CHART_CACHE_SIZE images; entries are aggregate, disclosure-controlled figures only.

Charts are keyed by what they are drawn from — the published table's content, the format, title and
language — not by the generation: after a write, only the charts whose table changed are drawn again
(a chart is a function of its published table alone).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from refugio.core.errors import NotFound
from refugio.security.principals import Principal
from refugio.stats import charts, snapshot
from refugio.stats.disclosure import DisclosureRule
from refugio.stats.population import counted_sites, load_population, resolve_operation
from refugio.stats.registrations import KeyFigures, key_figures, standard_tables
from refugio.stats.tables import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refugio.stats.duckdb_engine import Period

CACHE_SIZE = 32
CHART_CACHE_SIZE = 256
T = TypeVar("T")


@dataclass(frozen=True)
class Dashboard:
    operation_id: uuid.UUID
    operation_code: str
    operation_name: str
    reference: dt.date
    period: str
    figures: KeyFigures
    tables: dict[str, Table]
    key: tuple[Hashable, ...]


class _Lru:
    """A small LRU whose misses are computed once: a request asking for a key being computed by another
    waits for that result instead of computing it again (the page and its charts, several charts)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.making: dict[Hashable, threading.Event] = {}
        self.hits = self.misses = 0

    def _cached(self, key: Hashable, counted: bool) -> tuple[bool, Any]:
        if key in self.items:
            self.items.move_to_end(key)
            self.hits += counted
            return True, self.items[key]
        return False, None

    def get_or_make(self, key: Hashable, make: Callable[[], T], *, counted: bool = True) -> T:
        """The value of `key`, made by `make` on a miss (`counted`: in the hit and miss figures)."""
        while True:
            with self.lock:
                found, value = self._cached(key, counted)
                if found:
                    return value  # type: ignore[no-any-return]
                busy = self.making.get(key)
                if busy is None:
                    done = self.making[key] = threading.Event()
                    self.misses += counted
                    break
            busy.wait(120)  # the other maker's result (or its failure: then try again)
        try:
            value = make()
            with self.lock:
                self.items[key] = value
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
            return value
        finally:
            with self.lock:
                self.making.pop(key, None)
            done.set()

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_DASHBOARDS = _Lru(CACHE_SIZE)
_CHARTS = _Lru(CHART_CACHE_SIZE)


def dashboard(
    session: Session,
    *,
    actor: Principal,
    operation: str | uuid.UUID,
    reference: dt.date,
    period: Period,
    rule: DisclosureRule,
    cached: bool = True,
) -> Dashboard:
    """Key figures and standard tables of an operation at `reference`, from the cache when nothing that
    they show was written since they were computed."""
    op = resolve_operation(session, actor=actor, operation=operation)
    snapshot.refresh(session)
    sites = counted_sites(session, actor, op, None)
    key = (
        snapshot.generation(session),
        op.id,
        reference,
        period,
        rule.id,
        None if sites is None else frozenset(sites),
    )

    def make() -> Dashboard:
        pop = load_population(session, actor=actor, operation=op.id)
        tables = standard_tables(
            session, actor=actor, population=pop, reference=reference, rule=rule, period=period
        )
        figures = key_figures(session, actor=actor, population=pop, reference=reference, rule=rule)
        return Dashboard(op.id, op.code, op.name, reference, period, figures, tables, key)

    return _DASHBOARDS.get_or_make(key, make) if cached else make()


def chart(
    board: Dashboard,
    name: str,
    fmt: charts.ImageFormat,
    *,
    title: str | None = None,
    language: str = "en",
    gettext: Callable[[str], str] | None = None,
    direction: str = "ltr",
    counted: bool = True,
    narrow: bool = False,
) -> bytes:
    """A chart of the dashboard's table `name`, drawn once per dashboard, format, title, language and
    size (`gettext` translates its words into `language`, written in `direction`; `narrow`: the SVG for a
    phone's screen)."""
    if name not in charts.CHARTS or name not in board.tables:
        raise NotFound(f"no chart {name!r}")
    table = board.tables[name]
    narrow = narrow and fmt == "svg"
    key = (drawn_from(table), name, fmt, title, language, direction, narrow)
    translate = gettext or (lambda message: message)
    return _CHARTS.get_or_make(
        key,
        lambda: charts.render(
            table,
            name,
            fmt,
            title=title,
            gettext=translate,
            language=language,
            direction=direction,
            narrow=narrow,
        ),
        counted=counted,
    )


def drawn_from(table: Table) -> tuple[Hashable, ...]:
    """Everything of a published table a chart may show (its cells, columns, suppressions, titles,
    source and rule), as a cache key: two tables with the same key draw the same chart."""
    return (
        table.name,
        table.title,
        table.title_msg,
        tuple(sorted(table.title_values.items())),
        repr(table.columns),
        tuple(tuple(row) for row in table.rows),
        tuple(sorted(table.status.items())),
        tuple(sorted(table.total_rows)),
        tuple(table.notes),
        table.source,
        table.rule.id,
    )


def draw_later(
    board: Dashboard, *, language: str, gettext: Callable[[str], str], direction: str = "ltr"
) -> threading.Thread:
    """Draw the dashboard's charts (SVG, in `language`) in a background thread, from its cached tables,
    while the page travels to the browser: the chart requests that follow find them drawn, or wait for
    the drawing under way (each chart is drawn once, in both sizes: the page's <picture> asks for the
    narrow one on a phone). Returns the thread (tests join it)."""

    def draw() -> None:
        for name in charts.CHARTS:
            if name in board.tables:
                for narrow in (False, True):
                    chart(
                        board,
                        name,
                        "svg",
                        language=language,
                        gettext=gettext,
                        direction=direction,
                        counted=False,
                        narrow=narrow,
                    )

    thread = threading.Thread(target=draw, name="stats-charts", daemon=True)
    thread.start()
    return thread


def cache_stats() -> dict[str, int]:
    return {
        "dashboard_hits": _DASHBOARDS.hits,
        "dashboard_misses": _DASHBOARDS.misses,
        "chart_hits": _CHARTS.hits,
        "chart_misses": _CHARTS.misses,
    }


def clear_cache() -> None:
    _DASHBOARDS.clear()
    _CHARTS.clear()


__all__ = ["Dashboard", "cache_stats", "chart", "clear_cache", "dashboard"]
