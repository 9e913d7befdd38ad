"""A tiny in-process event bus, typed: lower layers announce, `main.py` wires handlers.

An event is a frozen dataclass defined by the domain that publishes it (in its `events.py`, e.g.
`refugio.intake.events.ImportCommitted`), carrying ids and plain data, never a session nor a closure.
Handlers subscribe to an event type and are called with the event and the session of the unit of
work that published it, given explicitly:

    bus.subscribe(ImportCommitted, link_import)        # def link_import(event, session) -> None
    bus.publish(ImportCommitted(batch_id=…, operation_id=…), session=session)

A handler runs inside the publisher's transaction; an exception it raises reaches the publisher.

Imports nothing from refugio (SQLAlchemy's Session for type checking only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

E = TypeVar("E")
Handler = Callable[[E, "Session"], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Handler[Any]]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> None:
        """Call `handler(event, session)` for every event of exactly this type published from now on."""
        self._handlers[event_type].append(handler)

    def publish(self, event: object, *, session: Session) -> None:
        """Deliver `event` to the handlers of its type, in the order they subscribed (those
        subscribed while it is delivered get the next one)."""
        for handler in list(self._handlers.get(type(event), [])):
            handler(event, session)


bus = EventBus()

__all__ = ["EventBus", "Handler", "bus"]
