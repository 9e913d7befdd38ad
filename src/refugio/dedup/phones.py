"""Phone match tokens (docs/decisions/0015-encryption-at-rest.md): the comparable form of a phone that
the dedup index, the linkage and tracing keep and compare is not its digits but a keyed blind index of
them.

`names.prepare` reduces a phone to its match key, the last nine digits (`keys.phone_key`: country
prefixes and leading zeros vary); before a prepared row is stored or compared with stored rows, `tokenise`
replaces that key by HMAC-SHA256 of it under the data key `blind:phone_match` (32 hex digits). Equal
numbers give equal tokens, so the `tel` blocking key, Splink's exact phone comparison and tracing's
"same number" work unchanged; the digits never reach a table. One key serves every *matching* use (the
dedup index, import screening, the desk check, tracing's keys and its look-ups in the dedup index),
because those compare with one another; the registry's phone search has its own key and input
(`individual.phone_index`, the whole E.164 number), so neither can be joined to the other.

A token is told from a match key by its length (32 characters, a key has at most nine), so tokenising
twice changes nothing. Imports refugio.store only (the cipher of the session's database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from refugio.store.encrypted import FieldCryptoError, cipher_for, derived_blind_key

MATCH_KEY = derived_blind_key("phone_match")  # the data key "blind:phone_match"
PURPOSE = "last9"  # what is hashed: keys.phone_key, the last nine digits


def _is_match_key(value: str) -> bool:
    return len(value) <= 9 and value.isdigit()


def hasher(session: Any) -> Callable[[str | None], str | None]:
    """A function from a phone match key (`keys.phone_key`) to its token, under the key of the database
    of `session` (a Session, a Connection or an Engine); tokens and None pass through."""
    if session is None:
        raise FieldCryptoError("a phone is compared through its database's key: this record has no session")
    bind = session.get_bind() if hasattr(session, "get_bind") else session
    cipher = cipher_for(bind.dialect)

    def token(value: str | None) -> str | None:
        if not value or not _is_match_key(value):
            return value
        return cipher.blind_index(MATCH_KEY, PURPOSE, value)

    return token


def tokenise(
    session: Any, rows: Iterable[dict[str, Any]], token: Callable[[str | None], str | None] | None = None
) -> None:
    """Replace, in place, the phone match key of each prepared row by its token (made by `token`, a
    `hasher` made beforehand, e.g. in a worker process without a session; else by `hasher(session)`)."""
    for row in rows:
        if row.get("phone"):
            token = token or hasher(session)
            row["phone"] = token(row["phone"])


__all__ = ["MATCH_KEY", "PURPOSE", "hasher", "tokenise"]
