"""The REST API under /api/v1 (FastAPI): thin routes over the registration and security services.

Owns request parsing, bearer authentication, problem+json errors and rendering of Read models. Holds no
business rules. Imports refugio.registration, refugio.security, refugio.store and refugio.core; imports
refugio.main only for type checking, and never refugio.web or refugio.cli.
"""
