"""A tiny in-process event bus: lower layers announce, `main.py` wires handlers.

Imports nothing from refugio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[["DomainEvent"], None]


@dataclass(frozen=True)
class DomainEvent:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, name: str, handler: Handler) -> None:
        self._handlers[name].append(handler)

    def publish(self, event: DomainEvent) -> None:
        for handler in list(self._handlers.get(event.name, [])):
            handler(event)


bus = EventBus()
