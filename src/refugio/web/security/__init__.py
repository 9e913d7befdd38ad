"""The security channel of the web UI: sign-in, sign-out and the audit log. Templates are in
`templates/`, rendered as "security/<name>.html". Must not import refugio.api, refugio.cli, refugio.main,
a domain's models or sqlalchemy.
"""
