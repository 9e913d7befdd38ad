"""The web UI: server-rendered pages (Jinja2 + HTMX, no front-end build) and the app-wide middlewares.

`refugio.web.app.build_web_app(container)` creates the outer ASGI application; the REST API is mounted
on it by `refugio.api.app.mount_api`. This package parses forms, calls the registration and security
services and queries inside one unit of work per request, and renders the result. It holds no business
rules and must not import `refugio.api` or `refugio.cli`; `refugio.main` only under TYPE_CHECKING.
"""
