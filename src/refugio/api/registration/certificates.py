"""Registration certificates: issue (JSON with the signed token, or the PDF itself with
`Accept: application/pdf`), revoke, verify against the registry, the signed revocation list and the
public key for offline checks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from refugio.api.deps import Caller, Db, container_of, parse_id
from refugio.api.problems import responses
from refugio.api.registration.bodies import (
    CertificateIssued,
    CertificateRevoked,
    ReasonIn,
    RevocationList,
    VerificationOut,
    VerifyRequest,
)
from refugio.registration import certificate

router = APIRouter(tags=["certificates"], responses=responses(401, 422))
public_router = APIRouter(tags=["certificates"])  # no token needed

PDF = "application/pdf"


def _quality(accept: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media.strip():
            out[media.strip().lower()] = q
    return out


def wants_pdf(accept: str | None) -> bool:
    """True when the client prefers application/pdf over JSON (JSON wins ties and wildcards)."""
    q = _quality(accept or "")
    return q.get(PDF, 0.0) > max(q.get("application/json", 0.0), 0.0)


@router.post(
    "/individuals/{key}/certificates",
    status_code=201,
    response_model=CertificateIssued,
    responses={
        **responses(403, 404, 409),
        201: {
            "description": "The certificate: JSON by default, or the PDF with `Accept: application/pdf`.",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
        },
    },
    tags=["individuals"],
    summary="Issue a registration certificate (earlier ones of the person are revoked)",
)
def issue_certificate(key: str, session: Db, principal: Caller, request: Request) -> Response:
    issued = certificate.issue_certificate(
        session,
        actor=principal,
        individual_id=parse_id(key, "individual"),
        signer=container_of(request).keyring.signing_key(),
    )
    serial = issued.certificate.serial
    if wants_pdf(request.headers.get("accept")):
        return Response(
            issued.pdf,
            status_code=201,
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="{serial}.pdf"'},
        )
    body = CertificateIssued(serial=serial, valid_until=issued.certificate.valid_until, token=issued.token)
    return JSONResponse(body.model_dump(mode="json"), status_code=201)


@router.post(
    "/certificates/{serial}/revoke",
    response_model=CertificateRevoked,
    responses=responses(403, 404, 409, 413, 415),
    summary="Revoke a certificate, with the reason",
)
def revoke_certificate(serial: str, data: ReasonIn, session: Db, principal: Caller) -> CertificateRevoked:
    cert = certificate.revoke_certificate(session, actor=principal, serial=serial, reason=data.reason)
    return CertificateRevoked(
        serial=cert.serial, revoked_at=cert.revoked_at, revocation_reason=cert.revocation_reason
    )


@router.post(
    "/certificates/verify",
    response_model=VerificationOut,
    responses=responses(413, 415),
    summary="Check a certificate token: signature, expiry, and this registry's records",
)
def verify_certificate(
    data: VerifyRequest, session: Db, _principal: Caller, request: Request
) -> VerificationOut:
    result = certificate.verify_in_registry(session, data.token, container_of(request).keyring.public_key())
    return VerificationOut(
        status=result.status.value,
        message=result.message,
        claims=result.claims,
        revoked_at=result.revoked_at,
        revocation_reason=result.revocation_reason,
    )


@router.get(
    "/certificates/revocations",
    response_model=RevocationList,
    summary="The signed list of revoked certificates, for offline checks",
)
def revocations(session: Db, _principal: Caller, request: Request) -> RevocationList:
    return RevocationList.model_validate(
        certificate.revocation_list(session, container_of(request).keyring.signing_key())
    )


class PemResponse(PlainTextResponse):
    media_type = "application/x-pem-file"


@public_router.get(
    "/certificates/public-key",
    response_class=PemResponse,
    responses={200: {"description": "The Ed25519 public key (PEM) that verifies certificates offline."}},
    summary="The certificate-signing public key (PEM); needs no token",
)
def public_key(request: Request) -> PemResponse:
    return PemResponse(container_of(request).keyring.public_key_pem().decode())
