"""Protection API under /api/v1/protection: cases (caseload, register, record, workflow, BIA/BID, tasks,
closure, CSV export, statistics) in `cases`, referrals and the service directory in `referrals`.

Confidentiality is enforced by refugio.protection (in its queries and services), whatever the route:
a case's details go only to its assigned caseworkers and supervisors; a caller who may not know a case
exists gets 404, a supervisor or administrator who sees it in the register gets 403. The receiving
service sees a referral's shared copy only. Every read of a case is audited.
"""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.problems import responses
from refugio.api.protection import cases, referrals

router = APIRouter(prefix="/protection", tags=["protection"], responses=responses(401, 403, 404, 422))
router.include_router(cases.router)
router.include_router(referrals.router)
