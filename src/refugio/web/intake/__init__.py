"""Import pages (`pages.py`) and their templates (`templates/`, rendered as `intake/<name>.html`).

Must not import refugio.api, refugio.cli or refugio.main, nor refugio.intake's models or SQLAlchemy.
"""
