"""Family tracing writes, named with domain verbs. Keyword-only arguments; they flush, never commit: the
caller's unit of work commits. Every write is a `TracingEvent` in the request's history and an entry of
the audit log.

    open_request          a tracing request: enquirer, tracing consent (required), sought people
    assign_request        the caseworker in charge
    withdraw_consent      matching stops; the request disappears from everyone's matches
    match_request         candidates for each sought person among registered people and other requests
    review_candidate      confirm (→ verification) or reject (kept: never raised again), with a reason
    record_verification   the interview: both sides agree (→ reunification) or not (candidate rejected)
    record_reunification  date, place and outcome; the request is closed
    close_request         closed, or closed as not found, with the reason
    reopen_request        a request closed as not found searched again (new information)

Status: open → matching (searched, nothing to review) ⇄ candidate_found → verification →
reunification → closed; closed_not_found from any open status.

The modules of this package:
- `opening`: open_request (with its checks), assign_request, withdraw_consent;
- `match_runs`: match_request and its MatchRun;
- `decisions`: review_candidate, record_verification;
- `closing`: record_reunification, close_request, reopen_request;
- `common`: loading a request, the history event, blocking keys, the enquirer's record.

Imports tracing (matching, scoring, policy, models, schemas, enums), dedup names, registration models,
security, store and core; never a web framework.
"""

from __future__ import annotations

from refugio.protection.tracing.service.closing import close_request, record_reunification, reopen_request
from refugio.protection.tracing.service.decisions import record_verification, review_candidate
from refugio.protection.tracing.service.match_runs import MatchRun, match_request
from refugio.protection.tracing.service.opening import (
    assign_request,
    open_request,
    request_ref,
    withdraw_consent,
)

__all__ = [
    "MatchRun",
    "assign_request",
    "close_request",
    "match_request",
    "open_request",
    "record_reunification",
    "record_verification",
    "reopen_request",
    "request_ref",
    "review_candidate",
    "withdraw_consent",
]
