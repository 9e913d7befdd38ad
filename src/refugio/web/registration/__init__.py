"""The registration channel of the web UI: dashboard, households (register, read, civil events), people
(read, correct, needs, documents, certificates), search and certificate checks. Templates are in
`templates/` and rendered as "registration/<name>.html". Each handler parses the request, opens one unit
of work (`WebState.page`), calls the registration services or queries, and renders the read models.
They hold no business rules and must not import refugio.api, refugio.cli, refugio.main, a domain's
models or sqlalchemy.
"""
