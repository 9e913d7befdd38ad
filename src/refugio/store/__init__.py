"""Store: engines, sessions/unit of work, portable column types, the declarative base and migrations.

Knows no domain: it must not import refugio.registration, refugio.security or any delivery channel.
"""
