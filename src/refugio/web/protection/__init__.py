"""The protection pages: the caseload, register and case pages with their actions (`cases`,
`case_actions`), the service directory and the receiving services' inbox (`services`), their labels
(`labels`) and templates (`templates/`, rendered as `protection/<name>.html`).

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter

from refugio.web.protection import case_actions, cases, services

router = APIRouter(include_in_schema=False)
router.include_router(cases.router)
router.include_router(case_actions.router)
router.include_router(services.router)
