"""The public certificate check (no sign-in): paste the QR text or upload the certificate PDF, and see
VALID / TAMPERED / REVOKED / EXPIRED / MALFORMED / UNKNOWN, with the certified details when the
signature holds. Also serves the public key (PEM) for offline checks.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.registration import certificate
from refugio.registration.certificate import Status, Verification
from refugio.web.context import state_of
from refugio.web.forms import text, upload

router = APIRouter(include_in_schema=False)
MAX_PDF_BYTES = 1_000_000
TRUSTED_CLAIMS = {Status.VALID, Status.REVOKED, Status.EXPIRED, Status.UNKNOWN}


@router.get("/verify")
def verify_form(request: Request) -> Response:
    web = state_of(request)
    with web.page(request, login=False) as pg:
        return pg.render("registration/verify.html", result=None, token="", show_claims=False)


@router.get("/verify/public-key")
def public_key(request: Request) -> Response:
    pem = state_of(request).container.keyring.public_key_pem()
    return Response(
        pem,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="refugio-certificate-key.pem"'},
    )


@router.post("/verify")
async def verify(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_PDF_BYTES)
    token = text(form, "token")
    file = upload(form, "file")
    pdf = await file.read(MAX_PDF_BYTES + 1) if file is not None and file.filename else b""
    return await run_in_threadpool(_verify, request, form, token, pdf)


def _verify(request: Request, form: FormData, token: str, pdf: bytes) -> Response:
    web = state_of(request)
    with web.page(request, login=False) as pg:
        pg.check_csrf(form)
        result: Verification | None = None
        if pdf:
            try:
                token = certificate.token_from_pdf(pdf)
            except ValueError as exc:
                result = Verification(Status.MALFORMED, str(exc))
        if result is None and not token:
            result = Verification(
                Status.MALFORMED, pg.gettext("Paste the text of the QR code or choose the certificate PDF.")
            )
        if result is None:
            result = certificate.verify_in_registry(pg.db, token, web.container.keyring.public_key())
        return pg.render(
            "registration/verify.html",
            result=result,
            token=token if not pdf else "",
            show_claims=result.status in TRUSTED_CLAIMS and bool(result.claims),
        )
