"""Security and data protection: principals, the AREA_VERB permission catalogue, roles and scopes,
password hashing (argon2), API tokens and web sessions, the hash-chained audit log, and the
secrets kept outside the database (signing and session keys).

Knows no domain: imports refugio.store and refugio.core only.
"""
