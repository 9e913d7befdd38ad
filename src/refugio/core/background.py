"""Work a process starts in background threads (an import's staging from the web, an import's linkage
after its commit), kept in one place so that whoever closes the process's resources first waits for it:
`Container.close` joins them before disposing of the engine, so no thread outlives its database (tests,
the command line).

    background.start(work, name=f"link-{batch_id}")
    background.join_all(timeout=600)     # True when none is left running

Knows no domain; imports only the standard library.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_THREADS: dict[str, threading.Thread] = {}
_LOCK = threading.Lock()


def start(target: Callable[[], object], *, name: str) -> threading.Thread:
    """Run `target` in a daemon thread named `name`, remembered until it has been joined."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    with _LOCK:
        _THREADS[name] = thread
    thread.start()
    return thread


def join(name: str, timeout: float = 120.0) -> None:
    """Wait for the thread `name`, if this process started it."""
    with _LOCK:
        thread = _THREADS.get(name)
    if thread is None:
        return
    thread.join(timeout)
    if not thread.is_alive():
        with _LOCK:
            _THREADS.pop(name, None)


def join_all(timeout: float = 120.0) -> bool:
    """Wait (up to `timeout` in all) for every thread started here, including those they start
    meanwhile (an import staged in the background whose commit starts a linkage); True when none is
    left running."""
    deadline = time.monotonic() + timeout
    while True:
        with _LOCK:
            names = list(_THREADS)
        if not names:
            return True
        for name in names:
            join(name, max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _LOCK:
                return not any(t.is_alive() for t in _THREADS.values())


__all__ = ["join", "join_all", "start"]
