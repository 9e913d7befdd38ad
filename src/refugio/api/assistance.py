"""Assistance API: programmes, versioned rules, cycles (preview, freeze, status), payment plans and
their steps (lock, submit, approve, reject, release, abort, close), payment files (plain, or an AES-256
ZIP in two steps: the password in one answer, the archive fetched once by its id), reconciliation of
provider reports, verification of sealed records, the desk (lookup by typed id or certificate
payload, collection) and PDM sample sizes.

Permissions (checked by refugio.assistance): ASSISTANCE_VIEW to read, ASSISTANCE_PLAN to prepare,
ASSISTANCE_APPROVE / ASSISTANCE_RELEASE for the plan's approvers and releaser (never its preparer,
never one person in two roles), ASSISTANCE_RECONCILE to import reports, ASSISTANCE_DISTRIBUTE at the
desk. Errors are problem+json; a refused report lists one error per line (`field: "line 7"`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from refugio.api.deps import Caller, Db, container_of
from refugio.api.problems import responses
from refugio.assistance import queries
from refugio.assistance.enums import CycleStatus
from refugio.assistance.sampling import sample_size
from refugio.assistance.schemas import (
    CollectionCreate,
    CollectionRead,
    CycleCreate,
    CycleRead,
    DeskView,
    EntitlementRead,
    OverduePlan,
    PaymentRead,
    PlanCreate,
    PlanRead,
    Preview,
    ProgrammeCreate,
    ProgrammeRead,
    ReconcileResult,
    RuleSetRead,
    SampleSize,
    TotalsRow,
    VerifyReport,
)
from refugio.assistance.service import archive, desk, lists, plans, programmes, reconcile
from refugio.core.errors import ValidationFailed

router = APIRouter(prefix="/assistance", tags=["assistance"], responses=responses(401, 403, 404, 409, 422))


def _key(request: Request) -> bytes:
    return container_of(request).keyring.payment_key()


# ---------------------------------------------------------------------------------------------
# programmes, rules, cycles


@router.get("/programmes", response_model=list[ProgrammeRead], summary="Programmes you may see")
def list_programmes(session: Db, principal: Caller) -> list[ProgrammeRead]:
    return queries.list_programmes(session, actor=principal)


@router.post("/programmes", response_model=ProgrammeRead, status_code=status.HTTP_201_CREATED)
def create_programme(data: ProgrammeCreate, session: Db, principal: Caller) -> ProgrammeRead:
    """Create a programme (ASSISTANCE_PLAN for the operation)."""
    made = programmes.create_programme(session, actor=principal, data=data)
    return queries.get_programme(session, actor=principal, key=made.id)


@router.get("/programmes/{programme}", response_model=ProgrammeRead)
def get_programme(programme: str, session: Db, principal: Caller) -> ProgrammeRead:
    return queries.get_programme(session, actor=principal, key=programme)


class RulesIn(BaseModel):
    text: str = Field(
        max_length=200_000, description="The rule set in YAML or JSON (see the decision record)."
    )


@router.get("/programmes/{programme}/rules", response_model=list[RuleSetRead], summary="Rule versions")
def list_rules(programme: str, session: Db, principal: Caller) -> list[RuleSetRead]:
    return queries.list_rulesets(session, actor=principal, programme_key=programme)


@router.post(
    "/programmes/{programme}/rules",
    response_model=RuleSetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Load a new version of the rules (422 naming the rule set, the field and the problem)",
)
def load_rules(programme: str, data: RulesIn, session: Db, principal: Caller) -> RuleSetRead:
    pid = queries.get_programme(session, actor=principal, key=programme).id
    return programmes.load_rules(session, actor=principal, programme_id=pid, text=data.text)


@router.get("/programmes/{programme}/cycles", response_model=list[CycleRead])
def list_cycles(programme: str, session: Db, principal: Caller) -> list[CycleRead]:
    return queries.list_cycles(session, actor=principal, programme_key=programme)


@router.post("/programmes/{programme}/cycles", response_model=CycleRead, status_code=status.HTTP_201_CREATED)
def create_cycle(programme: str, data: CycleCreate, session: Db, principal: Caller) -> CycleRead:
    pid = queries.get_programme(session, actor=principal, key=programme).id
    cycle = programmes.create_cycle(session, actor=principal, programme_id=pid, data=data)
    return queries.get_cycle(session, actor=principal, key=cycle.id)


@router.get("/cycles/{cycle}", response_model=CycleRead)
def get_cycle(cycle: uuid.UUID, session: Db, principal: Caller) -> CycleRead:
    return queries.get_cycle(session, actor=principal, key=cycle)


@router.get("/cycles/{cycle}/preview", response_model=Preview, summary="Who would get what, and why")
def preview(
    cycle: uuid.UUID,
    session: Db,
    principal: Caller,
    version: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    eligible_only: bool = False,
) -> Preview:
    return lists.preview(
        session,
        actor=principal,
        cycle_key=cycle,
        version=version,
        limit=limit,
        offset=offset,
        eligible_only=eligible_only,
    )


class FreezeIn(BaseModel):
    version: int | None = Field(default=None, description="Rules version; the latest when absent.")


@router.post("/cycles/{cycle}/freeze", response_model=CycleRead, summary="Freeze the cycle's list")
def freeze(cycle: uuid.UUID, data: FreezeIn, session: Db, principal: Caller) -> CycleRead:
    lists.freeze(session, actor=principal, cycle_key=cycle, version=data.version)
    return queries.get_cycle(session, actor=principal, key=cycle)


class CycleStatusIn(BaseModel):
    to: Literal[CycleStatus.ACTIVE, CycleStatus.FINISHED]


@router.post("/cycles/{cycle}/status", response_model=CycleRead, summary="Activate or finish a cycle")
def move_cycle(cycle: uuid.UUID, data: CycleStatusIn, session: Db, principal: Caller) -> CycleRead:
    programmes.move_cycle(session, actor=principal, cycle_key=cycle, to=data.to)
    return queries.get_cycle(session, actor=principal, key=cycle)


@router.get("/cycles/{cycle}/entitlements", response_model=list[EntitlementRead], summary="The frozen list")
def entitlements(
    cycle: uuid.UUID,
    session: Db,
    principal: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EntitlementRead]:
    return queries.list_entitlements(session, actor=principal, cycle_key=cycle, limit=limit, offset=offset)


@router.get(
    "/cycles/{cycle}/totals",
    response_model=list[TotalsRow],
    summary="Planned vs paid vs reported per site and provider, in the currency and in USD",
)
def cycle_totals(cycle: uuid.UUID, session: Db, principal: Caller) -> list[TotalsRow]:
    return queries.cycle_totals(session, actor=principal, cycle_key=cycle)


# ---------------------------------------------------------------------------------------------
# payment plans


@router.post(
    "/cycles/{cycle}/plans",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    summary="Prepare a payment plan for the frozen cycle (you become its preparer)",
)
def create_plan(
    cycle: uuid.UUID, data: PlanCreate, request: Request, session: Db, principal: Caller
) -> PlanRead:
    plan = plans.create_plan(session, actor=principal, cycle_key=cycle, data=data, key=_key(request))
    return queries.get_plan(session, actor=principal, key=plan.id)


@router.get("/plans", response_model=list[PlanRead], summary="Payment plans you may see")
def list_plans(session: Db, principal: Caller) -> list[PlanRead]:
    return queries.list_plans(session, actor=principal)


@router.get("/plans/overdue", response_model=list[OverduePlan], summary="Reconciliations overdue")
def overdue(
    session: Db, principal: Caller, days: Annotated[int, Query(ge=0, le=3650)] = 30
) -> list[OverduePlan]:
    """Released plans with payments still unreported more than `days` after their release."""
    return queries.overdue_reconciliations(session, actor=principal, days=days)


@router.get("/plans/{plan}", response_model=PlanRead)
def get_plan(plan: str, session: Db, principal: Caller) -> PlanRead:
    return queries.get_plan(session, actor=principal, key=plan)


class StepIn(BaseModel):
    step: Literal["lock", "unlock", "submit", "approve", "reject", "release", "abort", "close"]
    version: int | None = Field(default=None, description="For `approve`: the plan version you reviewed.")
    reason: str | None = Field(default=None, max_length=2000, description="For `reject` and `abort`.")


@router.post(
    "/plans/{plan}/steps",
    response_model=PlanRead,
    summary="Move a plan: lock, unlock, submit, approve, reject, release, abort, close",
)
def plan_step(plan: str, data: StepIn, request: Request, session: Db, principal: Caller) -> PlanRead:
    """An approval names the `version` it reviewed (409 when the plan changed since); the preparer may
    not approve, an approver may not release (403)."""
    if data.step == "approve":
        if data.version is None:
            raise ValidationFailed.single("version", "give the plan version you reviewed")
        plans.approve(session, actor=principal, plan_key=plan, version=data.version, key=_key(request))
    elif data.step == "release":
        plans.release(session, actor=principal, plan_key=plan, key=_key(request))
    elif data.step in ("reject", "abort"):
        step = plans.reject if data.step == "reject" else plans.abort
        step(session, actor=principal, plan_key=plan, reason=data.reason or "")
    else:
        simple = {"lock": plans.lock, "unlock": plans.unlock, "submit": plans.submit, "close": plans.close}
        simple[data.step](session, actor=principal, plan_key=plan)
    return queries.get_plan(session, actor=principal, key=plan)


@router.get("/plans/{plan}/payments", response_model=list[PaymentRead])
def payments(
    plan: str,
    session: Db,
    principal: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PaymentRead]:
    return queries.list_payments(session, actor=principal, plan_key=plan, limit=limit, offset=offset)


@router.get(
    "/plans/{plan}/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
    summary="The payment file in the provider's template (authorised plans onward; audited)",
)
def export(plan: str, session: Db, principal: Caller, format: Literal["csv", "xlsx"] = "csv") -> Response:
    if format == "xlsx":
        data = plans.export_xlsx(session, actor=principal, plan_key=plan)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = plans.export_csv(session, actor=principal, plan_key=plan)
        media = "text/csv; charset=utf-8"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{plan}.{format}"'}
    )


class ArchiveOut(BaseModel):
    archive_id: str = Field(description="Fetch the archive once, within the hour, at `download`.")
    download: str
    member: str = Field(description="The payment file inside the ZIP")
    password: str = Field(description="The ZIP's AES-256 password: shown once, kept nowhere")
    expires_at: dt.datetime


@router.post(
    "/plans/{plan}/export/encrypted",
    response_model=ArchiveOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make the payment file's AES-256 ZIP: the password now, the archive at `download` (audited)",
)
def export_encrypted(
    plan: str, request: Request, session: Db, principal: Caller, format: Literal["csv", "xlsx"] = "csv"
) -> ArchiveOut:
    folder = container_of(request).settings.data_dir / "exports"
    staged = archive.stage(session, actor=principal, plan_key=plan, fmt=format, folder=folder)
    code = plan.strip().upper()
    return ArchiveOut(
        archive_id=staged.token,
        download=f"/api/v1/assistance/plans/{code}/export/encrypted/{staged.token}",
        member=staged.member,
        password=staged.password,
        expires_at=staged.expires_at,
    )


@router.get(
    "/plans/{plan}/export/encrypted/{archive_id}",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
    summary="The encrypted archive, once, to the user who made it (audited)",
)
def fetch_encrypted(plan: str, archive_id: str, request: Request, session: Db, principal: Caller) -> Response:
    folder = container_of(request).settings.data_dir / "exports"
    name, data = archive.take(session, actor=principal, plan_key=plan, token=archive_id, folder=folder)
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class ReportIn(BaseModel):
    content_base64: str = Field(
        description="The provider's report (CSV in UTF-8, or XLSX), base64-encoded.",
        pattern=BASE64,  # what b64decode(validate=True) takes; the pattern is checked before it
    )


@router.post(
    "/plans/{plan}/reconcile",
    response_model=ReconcileResult,
    summary="Import a provider report: all of it or nothing (422 with one error per refused line)",
)
def reconcile_plan(
    plan: str, data: ReportIn, request: Request, session: Db, principal: Caller
) -> ReconcileResult:
    try:
        raw = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.single("content_base64", "not base64") from None
    return reconcile.reconcile(session, actor=principal, plan_key=plan, data=raw, key=_key(request))


@router.get("/plans/{plan}/verify", response_model=VerifyReport, summary="Check the plan's sealed records")
def verify(plan: str, request: Request, session: Db, principal: Caller) -> VerifyReport:
    return queries.verify_plan(session, actor=principal, plan_key=plan, key=_key(request))


# ---------------------------------------------------------------------------------------------
# desk and sampling


class LookupIn(BaseModel):
    programme: str
    key: str | None = Field(default=None, max_length=60, description="A household or person reference.")
    token: str | None = Field(default=None, max_length=4000, description="A certificate's QR payload.")


@router.post("/desk/lookup", response_model=DeskView, summary="Find a household at the desk (audited)")
def lookup(data: LookupIn, request: Request, session: Db, principal: Caller) -> DeskView:
    """A certificate payload is checked with the registry's Ed25519 key: a bad signature or a revoked
    certificate is refused (422, `code` tampered or revoked)."""
    return desk.lookup(
        session,
        actor=principal,
        programme_key=data.programme,
        key=data.key,
        token=data.token,
        public_key=container_of(request).keyring.public_key(),
    )


@router.post(
    "/collections",
    response_model=CollectionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a collection (409 when the entitlement was collected already, at any desk)",
)
def collect(data: CollectionCreate, session: Db, principal: Caller) -> CollectionRead:
    return desk.collect(session, actor=principal, data=data)


@router.get(
    "/sample-size", response_model=SampleSize, summary="PDM sample size (Cochran, FPC, design effect)"
)
def get_sample_size(
    principal: Caller,
    population: Annotated[int, Query(ge=1)],
    confidence: Annotated[float, Query(gt=0)],
    margin: Annotated[float, Query(gt=0)],
    design_effect: Annotated[float, Query(ge=1)] = 1.5,
) -> SampleSize:
    return sample_size(
        population=population, confidence=confidence, margin=margin, design_effect=design_effect
    )
