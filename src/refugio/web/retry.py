"""Page reads run again when SQLite refused them for a stale snapshot.

A page read (GET, HEAD) runs its unit of work on one SQLite snapshot without the write lock, so that long
reads never stop the writers; its writes (an audit entry, a session's sliding expiry) come last, and
SQLite refuses them when another unit of work committed since the page's first read
(`store.uow.StaleSnapshot`, a 503). Nothing was kept then, and a page read has no body to replay, so this
middleware runs the request again, from the start, up to `attempts` times in all, without sending the
refused answer; the last attempt takes the write lock at its first statement (`store.uow.attempt`), so
it is not refused for that reason. Other methods are not run again: forms and API calls take the write
lock at once (`web.context.Web.page`, `api.deps.open_unit_of_work`).

The follow-ups of a refused attempt (`store.uow.after_transaction`: the audit entry of a refused read, a
statistics refresh) are held by its `store.uow.Attempt`: dropped when the request runs again (the next
attempt registers them again: a refused read is audited once), run when the refused answer was sent.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from refugio.store.uow import attempt

READS = ("GET", "HEAD")


class RetryStaleReads:
    def __init__(self, app: ASGIApp, attempts: int = 3) -> None:
        if attempts < 1:
            raise ValueError("RetryStaleReads needs at least one attempt")
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        for number in range(1, self.attempts + 1):
            if await self._once(scope, receive, send, last=number == self.attempts):
                return

    async def _once(self, scope: Scope, receive: Receive, send: Send, *, last: bool) -> bool:
        """Run the request once; False when its answer was dropped, to run it again."""
        with attempt(immediate=last) as current:
            dropped = False

            async def send_unless_stale(message: Message) -> None:
                nonlocal dropped
                if message["type"] == "http.response.start" and current.stale and not last:
                    dropped = True  # the refused answer (503) of an attempt to run again
                if not dropped:
                    await send(message)

            try:
                await self.app(scope, receive, send_unless_stale)
            finally:
                if current.held and not dropped:  # refused, but not run again (a streamed body had begun)
                    await anyio.to_thread.run_sync(current.run_held)
        return not dropped


__all__ = ["READS", "RetryStaleReads"]
