"""Statistics pages (`pages.py`) and their templates (`templates/`, rendered as `stats/<name>.html`).

Must not import refugio.api, refugio.cli or refugio.main, nor any domain's models or SQLAlchemy.
"""
