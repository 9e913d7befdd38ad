"""The retention rules on a schedule inside `refugio serve`: a daemon thread that runs them when the last
scheduled run is older than the interval (so a restart does not run them twice in a day), each run in a
unit of work of its own, as the system account. A failed run is logged and tried again at the next tick."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from refugio.core import clock
from refugio.dataprotection import queries, service
from refugio.dataprotection.enums import RunTrigger
from refugio.dataprotection.schemas import RetentionPolicy, RetentionRunRead
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

logger = logging.getLogger("refugio.retention")


def tick(
    sessions: sessionmaker[Session], rules: RetentionPolicy, interval: dt.timedelta
) -> RetentionRunRead | None:
    """Run the rules if they are due; the run, or None when the last scheduled run is recent enough."""
    with unit_of_work(sessions, immediate=True) as session:
        last = queries.last_scheduled(session)
        if last is not None and clock.now() - last.started_at < interval:
            return None
        return service.run_retention(session, actor=SYSTEM, rules=rules, trigger=RunTrigger.SCHEDULER)


class RetentionScheduler:
    """A daemon thread calling `tick` every `check` (at most hourly) until `stop`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: RetentionPolicy,
        interval: dt.timedelta,
        check: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.sessions, self.rules, self.interval = sessions, rules, interval
        self.check = min(check, interval)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="refugio-retention", daemon=True)
        self.runs = 0

    def start(self) -> RetentionScheduler:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = tick(self.sessions, self.rules, self.interval)
            except Exception:  # a failed run must not end the thread: logged, tried again later
                logger.exception("retention run failed")
            else:
                if done is not None:
                    self.runs += 1
                    logger.info("retention run %s: %d record(s) processed", done.id, done.processed)
            self._stop.wait(self.check.total_seconds())
