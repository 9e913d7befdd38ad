"""Payment files delivered as an encrypted archive: the plan's payment file (CSV or XLSX, in its
provider template) inside a ZIP encrypted with AES-256 (WinZip AE-2, `pyzipper`), under a password
generated here and handed back separately — never written into the archive, its file name, the audit
trail or a log. The provider opens it with 7-Zip, WinZip or any AES-capable unzip.

The web page and the API deliver the archive in two steps: `stage` keeps the encrypted archive for a
short while in the data directory (`exports/`, one file per archive, named by a random token) and
returns the password to show; `take` hands the archive once to the same user, then deletes it. Both
steps are audited (the archive's SHA-256, never the password). The CLI writes the archive at once.

Imports refugio.assistance (service.plans, service.common), security, core.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from sqlalchemy.orm import Session

from refugio.assistance.models import Cycle
from refugio.assistance.service import plans
from refugio.assistance.service.common import audited, load_plan, programme_of_cycle
from refugio.core import clock
from refugio.core.errors import NotFound, ValidationFailed
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

FORMATS = ("csv", "xlsx")
# no 0/O, 1/l/I: read aloud or copied by hand without mistakes; 4 groups of 6 ≈ 137 bits
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
GROUPS, GROUP = 4, 6
KEEP = dt.timedelta(hours=1)


@dataclass(frozen=True)
class EncryptedArchive:
    data: bytes
    password: str
    member: str  # the payment file's name inside the archive
    sha256: str


@dataclass(frozen=True)
class StagedArchive:
    token: str
    password: str
    member: str
    expires_at: dt.datetime


def new_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS))


def encrypt(member: str, content: bytes, password: str) -> bytes:
    """A ZIP holding `member`, deflated then encrypted with AES-256 under `password`."""
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.setpassword(password.encode())
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr(member, content)
    return buf.getvalue()


def encrypted_export(
    session: Session, *, actor: Principal, plan_key: str | uuid.UUID, fmt: str = "csv"
) -> EncryptedArchive:
    """The plan's payment file in an AES-256 archive under a fresh password (the export is audited by
    `plans.export_rows`, the encryption here with the archive's digest)."""
    if fmt not in FORMATS:
        raise ValidationFailed.single("format", f"format {fmt!r}: choose csv or xlsx")
    export = plans.export_xlsx if fmt == "xlsx" else plans.export_csv
    content = export(session, actor=actor, plan_key=plan_key)
    plan = load_plan(session, plan_key)
    member = f"{plan.code}.{fmt}"
    password = new_password()
    data = encrypt(member, content, password)
    digest = hashlib.sha256(data).hexdigest()
    audited(
        session,
        actor,
        "assistance.plan.export_encrypted",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "format": fmt, "sha256": digest, "bytes": len(data)},
    )
    return EncryptedArchive(data, password, member, digest)


def _sweep(folder: Path, now: dt.datetime) -> None:
    """Archives past their time are deleted (whoever staged them)."""
    for meta in folder.glob("*.json"):
        try:
            expires = dt.datetime.fromisoformat(json.loads(meta.read_text())["expires_at"])
        except (OSError, ValueError, KeyError):
            continue
        if expires < now:
            meta.with_suffix(".zip").unlink(missing_ok=True)
            meta.unlink(missing_ok=True)


def stage(
    session: Session, *, actor: Principal, plan_key: str | uuid.UUID, fmt: str, folder: Path
) -> StagedArchive:
    """Build the encrypted archive and keep it in `folder` for `KEEP`; the password is returned to be
    shown, and kept nowhere."""
    made = encrypted_export(session, actor=actor, plan_key=plan_key, fmt=fmt)
    now = clock.now()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(folder, now)
    token = secrets.token_urlsafe(24)
    expires = now + KEEP
    (folder / f"{token}.zip").write_bytes(made.data)
    meta = {"user": str(actor.user_id), "member": made.member, "expires_at": expires.isoformat()}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return StagedArchive(token, made.password, made.member, expires)


def take(session: Session, *, actor: Principal, plan_key: str, token: str, folder: Path) -> tuple[str, bytes]:
    """The staged archive (its download name and bytes), once, to the user who staged it; audited."""
    if not token or any(c not in "-_" and not c.isalnum() for c in token):
        raise NotFound("no such archive")
    meta_path = folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
        data = (folder / f"{token}.zip").read_bytes()
    except (OSError, ValueError):
        raise NotFound("no such archive (it is fetched once, within an hour)") from None
    plan = load_plan(session, plan_key)
    cycle = session.get(Cycle, plan.cycle_id)
    assert cycle is not None
    actor.require(Permission.ASSISTANCE_PLAN, operation_id=programme_of_cycle(session, cycle).operation_id)
    member = str(meta.get("member", ""))
    expired = dt.datetime.fromisoformat(meta["expires_at"]) < clock.now()
    if meta.get("user") != str(actor.user_id) or not member.startswith(f"{plan.code}.") or expired:
        raise NotFound("no such archive (it is fetched once, within an hour)")
    (folder / f"{token}.zip").unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)
    audited(
        session,
        actor,
        "assistance.plan.archive_fetched",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "sha256": hashlib.sha256(data).hexdigest()},
    )
    return f"{member}.zip", data
