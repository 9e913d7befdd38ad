"""The registration channel of the API, one module per resource: households, individuals, search,
reference lists, certificates. Each route parses input, calls one service or query in the request's
unit of work, and answers with the domain's read models. Imports refugio.api and the registration
domain's service, queries and schemas (plus its certificate and reference modules); never its models,
never sqlalchemy, refugio.web, refugio.cli or refugio.main (except for type checking).
"""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.registration import certificates, consent, households, individuals, reference, search

PUBLIC_ROUTERS: tuple[APIRouter, ...] = (certificates.public_router,)
ROUTERS: tuple[APIRouter, ...] = (
    reference.router,
    households.router,
    individuals.router,
    certificates.router,
    search.router,
    consent.router,
)
