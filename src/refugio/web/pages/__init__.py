"""Page handlers of the web UI, one module per area. Each handler parses the request, opens one unit of
work (`WebState.page`), calls the registration/security services or queries, and renders a template.
They hold no business rules and must not import refugio.api, refugio.cli or refugio.main.
"""
