"""Data-sharing agreements (the DPO's register), shares of the registry under one (a zip of the CSV and
its manifest), and the partner registry search in the style of the DCI social-registry API: "is this
person registered, and with what status?", answered only within an agreement in force naming the
calling partner account, with the minimum. AGREEMENT_VIEW / AGREEMENT_MANAGE / DATA_SHARE /
PARTNER_REGISTRY_SEARCH are checked by the service; every share and search is audited there.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from refugio.agreements import manifest, queries, service
from refugio.agreements.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementStatusChange,
    RegistrySearch,
    RegistrySearchAnswer,
)
from refugio.api.deps import Caller, Db, parse_id
from refugio.api.problems import responses

router = APIRouter(tags=["data-sharing agreements"], responses=responses(401, 403, 404, 422))


class ShareRequest(BaseModel):
    """The fields to share (all inside the agreement); none: the agreement's fields."""

    fields: list[str] | None = Field(default=None, max_length=40)


@router.post("/agreements", response_model=AgreementRead, status_code=201)
def record_agreement(session: Db, actor: Caller, body: AgreementCreate) -> AgreementRead:
    """Record a data-sharing agreement (AGREEMENT_MANAGE for the operation)."""
    return queries.read(service.record_agreement(session, actor=actor, data=body))


@router.get("/agreements", response_model=list[AgreementRead])
def list_agreements(
    session: Db, actor: Caller, operation_id: Annotated[uuid.UUID | None, Query()] = None
) -> list[AgreementRead]:
    return queries.list_agreements(session, actor=actor, operation_id=operation_id)


@router.get("/agreements/{agreement_id}", response_model=AgreementRead)
def get_agreement(session: Db, actor: Caller, agreement_id: str) -> AgreementRead:
    return queries.get_agreement(session, actor=actor, agreement_id=parse_id(agreement_id, "agreement"))


@router.post("/agreements/{agreement_id}/status", response_model=AgreementRead, responses=responses(409))
def change_status(
    session: Db, actor: Caller, agreement_id: str, body: AgreementStatusChange
) -> AgreementRead:
    """Suspend, reactivate or terminate an agreement (AGREEMENT_MANAGE)."""
    row = service.change_status(
        session, actor=actor, agreement_id=parse_id(agreement_id, "agreement"), data=body
    )
    return queries.read(row)


@router.post(
    "/agreements/{agreement_id}/shares/registry",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, **responses(409)},
)
def share_registry(
    session: Db, actor: Caller, agreement_id: str, body: Annotated[ShareRequest | None, Body()] = None
) -> Response:
    """The operation's registry for the agreement's partner: a zip of the CSV (the agreement's fields, or
    those named, all inside it; people without consent left out) and `manifest.json` (DATA_SHARE)."""
    share = service.share_registry(
        session,
        actor=actor,
        agreement_id=parse_id(agreement_id, "agreement"),
        fields=body.fields if body else None,
    )
    name = share.filename.removesuffix(".csv") + ".zip"
    return Response(
        manifest.zipped(share.filename, share.content, share.manifest),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": share.manifest["sha256"],
        },
    )


@router.post(
    "/partners/registry/search",
    response_model=RegistrySearchAnswer,
    responses=responses(409, 429),
    tags=["partner registry search"],
)
def registry_search(session: Db, actor: Caller, body: RegistrySearch) -> RegistrySearchAnswer:
    """DCI-style social-registry search for a partner account: is the person with this registration or
    document number (and date of birth, if given) registered, and with what status? Answered only under
    an agreement in force that names the calling account; the registration number only if the
    agreement's fields include it; `registered: false` also for a person who may not be shared under it.
    At most 60 searches a minute per agreement; each is audited with the agreement's id."""
    return service.registry_search(session, actor=actor, query=body)
