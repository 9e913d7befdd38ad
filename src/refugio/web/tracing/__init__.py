"""The family tracing pages (`pages`) and their templates (`templates/`, rendered as
`tracing/<name>.html`).

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from refugio.web.tracing.pages import router

__all__ = ["router"]
