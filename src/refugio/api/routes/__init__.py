"""The API's routers, one module per resource; each route parses input, calls one service or query in the
request's unit of work, and renders a Read model. Imports refugio.api, refugio.registration and
refugio.security; never refugio.web, refugio.cli or refugio.main (except for type checking).
"""
