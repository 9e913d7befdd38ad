"""Displacement and flow tracking (SPEC C5): administrative areas with OCHA P-codes, sites, IOM DTM
mobility-tracking rounds (import, change, additivity, HDX HAPI / HXL export) and incidents in transit
(IOM Missing Migrants Project).

Must not import fastapi, starlette, jinja2 or typer; reads other domains through their `queries`.
"""
