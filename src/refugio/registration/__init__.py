"""Registration (SPEC C1): operations and sites, households, individuals, documents, specific needs,
continuous-registration events and registration certificates.

Imports refugio.security, refugio.store and refugio.core only; never a web framework or the CLI toolkit.
"""
