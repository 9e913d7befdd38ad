"""ASGI middleware that lets at most `limit` API requests run at once; the others wait their turn
(asynchronously: holding no worker thread and no database connection).

Why: a synchronous route runs its dependencies and its body in separate turns on anyio's worker threads
(40), and a request keeps its database connection between those turns. Under 100 clerks at once, more
requests held a connection while waiting for a thread than the pool had connections, and the threads
were taken by requests waiting for a connection: nothing progressed, every request timed out (load test
on PostgreSQL: 0 registrations in 10 minutes, 503s after 40 s to 9 min). With admission below the pool
and the thread limit, every admitted request can get both.

Imports starlette only.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class Admission:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        if limit < 1:
            raise ValueError("admit at least one request at a time")
        self.app = app
        self.limit = limit
        self._gate: asyncio.Semaphore | None = None  # made in the server's event loop, on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)


__all__ = ["Admission"]
