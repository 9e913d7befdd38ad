"""Sign-in throttling by a growing DELAY, never a lock that the right password cannot pass.

Failed sign-ins are counted over `WINDOW` under three keys, each since that key's last success:

* the account at one address (`PAIR`): a person's own typos slow only that person, there;
* the account from anywhere (`ACCOUNT`): guessing one account from many addresses;
* the address for any account (`ADDRESS`): guessing many accounts from one address. A reception site
  behind one NAT shares an address, so this key allows many failures and adds short delays only.

Each key lets `free` failures pass, then asks the next attempt to wait 2^(n - free) seconds after the
last failure, up to `cap` (`delay`). The right password is accepted as soon as the longest wait has
passed. When a key's delay first engages, an audit entry says so (once per episode, not per attempt);
an administrator can clear an account's failures (`service.unlock_user`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.security.models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Key:
    """One way of counting failures: how many pass freely, and the longest wait they can cause."""

    name: str
    free: int
    cap: dt.timedelta


PAIR = Key("account at this address", free=3, cap=dt.timedelta(minutes=5))
ACCOUNT = Key("account", free=10, cap=dt.timedelta(minutes=5))
ADDRESS = Key("address", free=50, cap=dt.timedelta(minutes=1))
KEYS = (PAIR, ACCOUNT, ADDRESS)


def delay(failures: int, key: Key) -> dt.timedelta:
    """How long after the last failure the next attempt must wait, after `failures` failures."""
    if failures < key.free:
        return dt.timedelta(0)
    seconds = 2.0 ** min(failures - key.free, 30)
    return min(dt.timedelta(seconds=seconds), key.cap)


@dataclass(frozen=True)
class Count:
    key: Key
    failures: int
    last_failure: dt.datetime | None

    @property
    def wait_until(self) -> dt.datetime | None:
        if self.last_failure is None or self.failures < self.key.free:
            return None
        return self.last_failure + delay(self.failures, self.key)


def _where(key: Key, username: str, client: str) -> ColumnElement[bool]:
    if key is PAIR:
        return (LoginAttempt.username == username) & (LoginAttempt.client_hash == client)
    if key is ACCOUNT:
        return LoginAttempt.username == username
    return LoginAttempt.client_hash == client


def count(session: Session, key: Key, *, username: str, client: str, now: dt.datetime) -> Count:
    """The key's failures in the window since its last success, and the time of the last one."""
    where = _where(key, username, client)
    since = now - WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            where, LoginAttempt.at >= since, LoginAttempt.success.is_(True)
        )
    )
    start = max(since, last_success) if last_success is not None else since
    failures, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            where, LoginAttempt.at >= start, LoginAttempt.success.is_(False)
        )
    ).one()
    return Count(key, int(failures or 0), last)


def wait(session: Session, *, username: str, client: str) -> tuple[int, Key | None]:
    """Whole seconds the next attempt must still wait (0: it may go ahead), and the key that asks it."""
    now = clock.now()
    longest, why = dt.timedelta(0), None
    for key in KEYS:
        until = count(session, key, username=username, client=client, now=now).wait_until
        if until is not None and until - now > longest:
            longest, why = until - now, key
    return math.ceil(longest.total_seconds()), why


def engaged(session: Session, *, username: str, client: str) -> list[Count]:
    """The keys whose delay has just begun with the failure recorded last (for the audit entry)."""
    now = clock.now()
    counts = [count(session, key, username=username, client=client, now=now) for key in KEYS]
    return [c for c in counts if c.failures == c.key.free]
