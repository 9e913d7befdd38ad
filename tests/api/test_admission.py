"""refugio.api.admission: no more than `limit` requests run at once; the others wait and then run."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Receive, Scope, Send

from refugio.api.admission import Admission


def test_at_most_limit_requests_run_at_once_and_all_run() -> None:
    running = 0
    most = 0
    done = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal running, most, done
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        done += 1

    gate = Admission(app, limit=3)

    async def noop() -> None:
        return None

    async def main() -> None:
        await asyncio.gather(*(gate({"type": "http"}, noop, noop) for _ in range(20)))  # type: ignore[arg-type]
        await gate({"type": "lifespan"}, noop, noop)  # type: ignore[arg-type]  (not counted: not http)

    asyncio.run(main())
    assert most == 3 and done == 21


def test_limit_must_admit_someone() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Admission(lambda *_: None, limit=0)  # type: ignore[arg-type]
