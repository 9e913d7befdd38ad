"""Envelope encryption of backups: AES-256-GCM in chunks (streaming), a random data key per backup wrapped
by the backup master key kept in the secrets directory (`Keyring.backup_key`).

File layout:

    MAGIC (8 bytes) | header length (4 bytes, big endian) | header (JSON, UTF-8) | chunks

The header holds the format version, the backend, refugio's schema revision, when the backup was made,
the sha256 and size of the plaintext, the id of the master key, the wrapped data key and the chunk size.
Each chunk is `length (4 bytes) | AES-GCM ciphertext and tag`, its nonce the header's prefix plus the chunk
number, and its associated data the sha256 of the header and the chunk number: a changed header, a changed,
moved, missing or added chunk, or a wrong key is refused. Decryption writes to a file that the caller uses
only when `decrypt_file` returns (every chunk authenticated, the plaintext's sha256 checked).

Imports `cryptography` and refugio.core only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refugio.core.errors import IntegrityBroken, RefugioError

MAGIC = b"RFGBAK1\n"
FORMAT_VERSION = 1
CHUNK_SIZE = 1 << 20
_WRAP_AAD = b"refugio-backup-data-key"


class BackupKeyError(RefugioError):
    """The backup key cannot be read, or is not the key this backup was made with."""


def key_id(master_key: bytes) -> str:
    return hashlib.sha256(b"refugio-backup-key:" + master_key).hexdigest()[:16]


def read_key_file(path: Path) -> bytes:
    """A backup key exported by `refugio db backup-key` (32 bytes, base64)."""
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise BackupKeyError(f"cannot read the backup key {path}: {exc}") from None
    if len(key) != 32:
        raise BackupKeyError(f"{path} is not a backup key (expected 32 bytes, base64)")
    return key


def encode_key(master_key: bytes) -> bytes:
    return base64.b64encode(master_key) + b"\n"


@dataclass(frozen=True)
class BackupHeader:
    format: int
    backend: str
    schema_revision: str | None
    created_at: str
    plaintext_sha256: str
    plaintext_size: int
    key_id: str
    wrapped_key: str
    wrap_nonce: str
    nonce_prefix: str
    chunk_size: int

    @property
    def chunks(self) -> int:
        return max(1, -(-self.plaintext_size // self.chunk_size))


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while block := fh.read(CHUNK_SIZE):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _aad(header_digest: bytes, index: int) -> bytes:
    return header_digest + index.to_bytes(8, "big")


def encrypt_file(
    plain: Path,
    out: Path,
    *,
    master_key: bytes,
    backend: str,
    schema_revision: str | None,
    created_at: str,
    chunk_size: int = CHUNK_SIZE,
) -> BackupHeader:
    """Encrypt `plain` into `out` (created with mode 0600), one chunk in memory at a time."""
    sha, size = _file_digest(plain)
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce = os.urandom(12)
    header = BackupHeader(
        format=FORMAT_VERSION,
        backend=backend,
        schema_revision=schema_revision,
        created_at=created_at,
        plaintext_sha256=sha,
        plaintext_size=size,
        key_id=key_id(master_key),
        wrapped_key=base64.b64encode(AESGCM(master_key).encrypt(wrap_nonce, data_key, _WRAP_AAD)).decode(),
        wrap_nonce=base64.b64encode(wrap_nonce).decode(),
        nonce_prefix=base64.b64encode(secrets.token_bytes(8)).decode(),
        chunk_size=chunk_size,
    )
    raw = json.dumps(asdict(header), sort_keys=True).encode()
    digest = hashlib.sha256(raw).digest()
    prefix = base64.b64decode(header.nonce_prefix)
    aes = AESGCM(data_key)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as dst, plain.open("rb") as src:
        dst.write(MAGIC + len(raw).to_bytes(4, "big") + raw)
        for index in range(header.chunks):
            block = src.read(chunk_size)
            sealed = aes.encrypt(prefix + index.to_bytes(4, "big"), block, _aad(digest, index))
            dst.write(len(sealed).to_bytes(4, "big") + sealed)
    return header


def _read_exact(fh: BinaryIO, n: int, what: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise IntegrityBroken(f"the backup is truncated ({what} incomplete)")
    return data


def _read_header(fh: BinaryIO) -> tuple[BackupHeader, bytes]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise IntegrityBroken("not a refugio backup (or its first bytes were changed)")
    length = int.from_bytes(_read_exact(fh, 4, "header"), "big")
    if length > 1 << 16:
        raise IntegrityBroken("the backup header is damaged (impossible length)")
    raw = _read_exact(fh, length, "header")
    try:
        header = BackupHeader(**json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise IntegrityBroken(f"the backup header is damaged: {exc}") from None
    if header.format != FORMAT_VERSION:
        raise IntegrityBroken(f"unknown backup format {header.format} (this refugio reads {FORMAT_VERSION})")
    return header, raw


def read_header(path: Path) -> BackupHeader:
    with path.open("rb") as fh:
        return _read_header(fh)[0]


def _unwrap(header: BackupHeader, master_key: bytes) -> bytes:
    try:
        return AESGCM(master_key).decrypt(
            base64.b64decode(header.wrap_nonce), base64.b64decode(header.wrapped_key), _WRAP_AAD
        )
    except (InvalidTag, ValueError):
        raise BackupKeyError(
            f"wrong backup key: this backup was made with key {header.key_id}, "
            f"the key given is {key_id(master_key)} (use --key-file with the exported key; "
            "if that is the right key, the backup's key field was altered)"
        ) from None


def decrypt_file(backup: Path, out: Path, *, master_key: bytes) -> BackupHeader:
    """Decrypt `backup` into `out`; raises IntegrityBroken (tampered, truncated) or BackupKeyError
    (wrong key). `out` is complete and checked only when this returns."""
    with backup.open("rb") as src:
        header, raw = _read_header(src)
        aes = AESGCM(_unwrap(header, master_key))
        digest, prefix = hashlib.sha256(raw).digest(), base64.b64decode(header.nonce_prefix)
        check, size = hashlib.sha256(), 0
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as dst:
            for index in range(header.chunks):
                length = int.from_bytes(_read_exact(src, 4, f"chunk {index}"), "big")
                if length > header.chunk_size + 16:
                    raise IntegrityBroken(f"the backup is damaged (chunk {index} has an impossible length)")
                sealed = _read_exact(src, length, f"chunk {index}")
                try:
                    block = aes.decrypt(prefix + index.to_bytes(4, "big"), sealed, _aad(digest, index))
                except InvalidTag:
                    raise IntegrityBroken(
                        f"the backup was altered or damaged (chunk {index} fails its authentication)"
                    ) from None
                check.update(block)
                size += len(block)
                dst.write(block)
        if src.read(1):
            raise IntegrityBroken("the backup has data after its last chunk (altered)")
    if size != header.plaintext_size or check.hexdigest() != header.plaintext_sha256:
        raise IntegrityBroken("the decrypted backup does not match the sha256 of its header")
    return header
