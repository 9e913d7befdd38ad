"""Family tracing and reunification (SPEC C3): who is looking for whom, matched against registered
people and against other requests, then verified and reunified, every step recorded.

    enums      statuses, relationships, outcomes (stored as their string values)
    models     requests, sought people, candidates, events, blocking keys of requests (ORM only)
    schemas    Pydantic input of the services
    scoring    profiles and per-field comparisons with the reasons in words (pure functions)
    matching   candidates: blocking on the dedup index and on the request keys, scoring, reciprocal
               requests (reads only)
    service    writes named with domain verbs; they flush, never commit; each is audited
    queries    reads (every read of a request audited); lists, search and export in the caller's scope
    policy     who may (TRACING_VIEW to read, TRACING_MANAGE to write, scoped by operation and site)

May import refugio.dedup (name and date preparation, the index of registered people), refugio.registration
(models and scope helpers), security, store and core; never a web framework or the CLI toolkit. Nothing
below protection imports it: registration knows nothing of tracing, and its search reveals none of it.
"""
