"""Secrets kept outside the database: the Ed25519 certificate-signing key, the session key, the payment
HMAC key and the backup master key.

They are generated on first use in the secrets directory (mode 0700, files 0600). Losing the signing
key means issued certificates can no longer be re-signed, but they stay verifiable with the public key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_FILE = "certificate-signing-ed25519.pem"
PUBLIC_KEY_FILE = "certificate-signing-ed25519.pub.pem"
SESSION_KEY_FILE = "session.key"
PAYMENT_KEY_FILE = "assistance-payments-hmac.key"
BACKUP_KEY_FILE = "backup-master.key"


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def verify_signature(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass
class Keyring:
    """The secrets of one installation, loaded (or created) from `directory`."""

    directory: Path

    def signing_key(self) -> Ed25519PrivateKey:
        path = self.directory / SIGNING_KEY_FILE
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            try:
                _write_secret(path, pem)
                (self.directory / PUBLIC_KEY_FILE).write_bytes(public_pem(key.public_key()))
            except FileExistsError:
                pass  # another process won the race; load theirs
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return loaded

    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key().public_key()

    def public_key_pem(self) -> bytes:
        return public_pem(self.public_key())

    def session_key(self) -> bytes:
        return self._random_key(SESSION_KEY_FILE)

    def payment_key(self) -> bytes:
        """The HMAC key sealing payment records (refugio.assistance), never stored in the database."""
        return self._random_key(PAYMENT_KEY_FILE)

    def backup_key(self) -> bytes:
        """The AES-256 master key wrapping each backup's data key (refugio.security.backup_crypto)."""
        return self._random_key(BACKUP_KEY_FILE)

    def _random_key(self, name: str) -> bytes:
        path = self.directory / name
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process created it first
                _write_secret(path, base64.b64encode(secrets.token_bytes(32)))
        return base64.b64decode(path.read_bytes().strip())
