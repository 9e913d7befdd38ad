"""Durable solutions (SPEC C7): refugee status determination with due process, resettlement and the
matching of cases to localities. Must not import web frameworks (fastapi, starlette, jinja2, typer)."""
