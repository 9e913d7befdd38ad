"""Deduplication pages (`pages.py`) and their templates (`templates/`, rendered as `dedup/<name>.html`).

Must not import refugio.api, refugio.cli or refugio.main, nor refugio.dedup's models or SQLAlchemy.
"""
